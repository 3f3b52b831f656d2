"""The court section of the staff matter page (registered from ``CourtConfig.ready``)."""

from __future__ import annotations


def register_all() -> None:
    """Register the staff section (built with the staff pages)."""
