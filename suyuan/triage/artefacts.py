"""Storing and loading trained classifiers: signed bytes in the database, cached per process.

A classifier is stored as NumPy arrays and JSON settings in a zip (``Classifier.dumps``: no pickle, so
loading runs no code). The bytes are still signed with an HMAC keyed by the deployment's secret
(``SECRET_KEY``, then ``SECRET_KEY_FALLBACKS`` so a key rotation does not orphan the models): a row that
this platform did not write, or one edited in the database, is refused rather than used to route matters.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable

from django.conf import settings
from django.utils.crypto import salted_hmac

from suyuan.triage.classifier import Classifier

SALT = "suyuan.triage.artefact"


class ArtefactRefused(Exception):
    """The stored bytes do not carry this deployment's signature: they are not loaded."""


def sign(data: bytes) -> str:
    return salted_hmac(SALT, data, algorithm="sha256").hexdigest()


def verify(data: bytes, signature: str) -> bool:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(
        hmac.compare_digest(salted_hmac(SALT, data, secret=secret, algorithm="sha256").hexdigest(), signature)
        for secret in secrets
    )


# Keyed by the version and its signature (a digest of the bytes): a row id reused after a rollback (SQLite
# hands out the same id again) never brings back another model.
_CACHE: dict[tuple[int, str], Classifier] = {}
_LOCK = threading.Lock()
_MAX_CACHED = 8


def load(
    version_id: int, data: bytes | memoryview | Callable[[], bytes | memoryview], signature: str
) -> Classifier:
    """Return the classifier of a stored version (once per process), refusing unsigned bytes.

    ``data`` may be a function that fetches the bytes: it is called only when the classifier is not cached
    yet, so the first pass on a matter reads a version's row without its artefact (megabytes for a model
    with a hundred classes) and fetches the artefact once per process.
    """
    key = (version_id, signature)
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    raw = bytes(data() if callable(data) else data)
    if not verify(raw, signature):
        raise ArtefactRefused(version_id)
    classifier = Classifier.loads(raw)
    with _LOCK:
        if len(_CACHE) >= _MAX_CACHED:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = classifier
    return classifier


def clear() -> None:
    with _LOCK:
        _CACHE.clear()
