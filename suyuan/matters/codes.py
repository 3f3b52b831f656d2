"""The tracking code (解纷码): one per matter, unguessable, easy to read aloud, with a check character.

Eleven random characters from Crockford's base-32 alphabet (55 bits: guessing a valid code is hopeless,
and the status lookup also needs the phone number and is rate-limited) and one check character (ISO/IEC
7064 hybrid system over the same alphabet, which catches every single wrong character and most swapped
neighbours). Shown in groups of four: ``7K3M-9QXW-2RTK``. Reading is forgiving: case, spaces, dashes, and
the letters people confuse with digits (O → 0, I/L → 1) do not matter.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.iso7064 import mod_37_36

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 11
LENGTH = RANDOM_LENGTH + 1
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def generate() -> str:
    """Return a new tracking code in its compact form (12 characters, no dashes)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + mod_37_36.calc_check_digit(body, alphabet=ALPHABET)


def normalize(value: str) -> str:
    """Return the compact form of a code as typed, or raise ValidationError."""
    compact = "".join((value or "").split()).replace("-", "").upper().translate(_CONFUSABLE)
    if not compact:
        raise ValidationError(_("Enter the tracking code."), code="required")
    if len(compact) != LENGTH or any(ch not in ALPHABET for ch in compact):
        raise ValidationError(
            _("A tracking code has 12 letters and digits, like 7K3M-9QXW-2RTK."), code="invalid"
        )
    if not mod_37_36.is_valid(compact, alphabet=ALPHABET):
        raise ValidationError(_("This tracking code has a typing error; please check it."), code="checksum")
    return compact


def display(code: str) -> str:
    """Return ``7K3M-9QXW-2RTK`` for ``7K3M9QXW2RTK``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
