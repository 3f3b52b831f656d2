"""Figures leaders can trust: read models kept from the matters' events, published definitions, early
warning. See docs/analytics.md."""
