"""Domain errors shared by every app; the web and API layers turn them into responses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class NotFound(Exception):
    """Raised when an object does not exist *or* the actor may not know that it exists.

    Both cases must look the same from outside, so access checks raise this, never a 403.
    """

    message = _("Not found.")


class Forbidden(Exception):
    """Raised when the actor may see an object but not perform this action on it."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("You are not allowed to do this."))
        self.message = message or _("You are not allowed to do this.")
