"""Model fields for personal data that must be encrypted at rest."""

from __future__ import annotations

from typing import Any

from django.db import models

from suyuan.core import crypto


class EncryptedTextField(models.TextField):
    """Store a string encrypted; the database never sees the clear value.

    Lookups other than ``isnull`` are meaningless on ciphertext: pair this field with a keyed-hash field
    (``suyuan.core.crypto.keyed_hash``) for equality searches.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def to_python(self, value: Any) -> str | None:
        return value

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)
