"""Validate, normalise, hash and mask Chinese personal identifiers.

Every function that accepts user input raises ``django.core.exceptions.ValidationError`` with a
translated message and a stable ``code``; callers never see library exceptions.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric, uscc

from suyuan.core.crypto import keyed_hash

PHONE = "phone"
RESIDENT_ID = "resident_id"
USCC = "uscc"


def _halfwidth(value: str) -> str:
    # NFKC folds full-width digits and letters (１２３Ｘ) to ASCII, which citizens' phones often produce.
    return unicodedata.normalize("NFKC", value or "").strip()


def normalize_resident_id(value: str, *, today: dt.date | None = None) -> str:
    """Return the 18-character resident ID number (GB 11643-1999), or raise ValidationError."""
    compact = _halfwidth(value).replace(" ", "").replace("-", "").upper()
    if not compact:
        raise ValidationError(_("Enter a resident ID number."), code="required")
    if len(compact) != 18:
        raise ValidationError(_("A resident ID number has 18 characters."), code="length")
    try:
        compact = ric.validate(compact)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise ValidationError(
            _("The check character of this resident ID number is wrong; please check each digit."),
            code="checksum",
        ) from exc
    except stdnum_exceptions.InvalidComponent as exc:
        raise ValidationError(
            _("This resident ID number has an impossible birth date or region."), code="component"
        ) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(_("This is not a valid resident ID number."), code="invalid") from exc
    birth = ric.get_birth_date(compact)
    if birth > (today or dt.date.today()):  # noqa: DTZ011 - a calendar date, the zone does not matter here
        raise ValidationError(_("This resident ID number has a birth date in the future."), code="component")
    return compact


def normalize_mobile(value: str) -> str:
    """Return a mainland China mobile number as 11 digits, or raise ValidationError."""
    text = _halfwidth(value)
    for ch in " -()（）":
        text = text.replace(ch, "")
    if not text:
        raise ValidationError(_("Enter a mobile phone number."), code="required")
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("This is not a phone number."), code="invalid") from exc
    if number.country_code != 86:
        raise ValidationError(_("Enter a mainland China mobile number (11 digits)."), code="country")
    national = str(number.national_number)
    if len(national) != 11 or not national.startswith("1"):
        raise ValidationError(_("A mobile phone number has 11 digits and starts with 1."), code="length")
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_("This is not an assigned mobile phone number."), code="invalid")
    return national


def normalize_uscc(value: str) -> str:
    """Return an 18-character unified social credit code (GB 32100-2015), or raise ValidationError."""
    compact = _halfwidth(value).replace(" ", "").upper()
    if not compact:
        raise ValidationError(_("Enter a unified social credit code."), code="required")
    try:
        return uscc.validate(compact)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong."), code="checksum"
        ) from exc
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(_("This is not a valid unified social credit code."), code="invalid") from exc


def hash_identifier(kind: str, normalized_value: str) -> str:
    return keyed_hash(kind, normalized_value)


def mask_resident_id(value: str) -> str:
    """Return ``330881********1234``: region kept, birth date hidden, last four kept."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_mobile(value: str) -> str:
    """Return ``138****5678``."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
