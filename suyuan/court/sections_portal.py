"""The court section of the citizen's matter page (registered from ``CourtConfig.ready``)."""

from __future__ import annotations


def register_all() -> None:
    """Register the portal section (built with the portal pages)."""
