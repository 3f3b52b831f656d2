"""Encryption at rest and keyed hashing of personal identifiers.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under ``settings.FIELD_ENCRYPTION_KEYS``;
the first key encrypts, all keys decrypt, so keys can be rotated. Because encryption is randomised,
equality lookups go through a separate keyed hash (HMAC-SHA256 under ``settings.PII_HASH_KEY``) of the
normalised value, prefixed with its kind so a phone and an ID number never share a hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet_key(raw: str) -> bytes:
    raw = raw.strip()
    try:
        if len(base64.urlsafe_b64decode(raw.encode())) == 32:
            return raw.encode()
    except ValueError:
        pass
    # Accept any passphrase-like key too, stretched to the 32 bytes Fernet needs.
    return base64.urlsafe_b64encode(hashlib.sha256(raw.encode()).digest())


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys or not all(keys):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one key.")
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def encrypt(value: str) -> str:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS)).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("An encrypted value could not be decrypted with any configured key.") from exc


def keyed_hash(kind: str, normalized_value: str) -> str:
    """Return the searchable keyed hash of an already normalised identifier."""
    message = f"{kind}:{normalized_value}".encode()
    return hmac.new(settings.PII_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()
