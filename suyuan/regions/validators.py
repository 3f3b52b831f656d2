"""Checks on region codes shared by the loader, the selectors and the API."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from suyuan.regions.choices import LEVEL_BY_CODE_LENGTH


def is_region_code(value: str) -> bool:
    """Return whether ``value`` has the shape of a region code (2, 4, 6, 9 or 12 ASCII digits)."""
    # str.isdigit() accepts full-width and other Unicode digits, which are never part of a code.
    return len(value) in LEVEL_BY_CODE_LENGTH and value.isascii() and value.isdigit()


def validate_region_code(value: str, *, field: str = "code") -> None:
    """Raise a ``ValidationError`` on ``field`` unless ``value`` has the shape of a region code."""
    if not is_region_code(value):
        raise ValidationError(
            {
                field: ValidationError(
                    _("“%(value)s” is not a region code: a region code has 2, 4, 6, 9 or 12 digits."),
                    code="invalid_region_code",
                    params={"value": value},
                )
            }
        )
