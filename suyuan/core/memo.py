"""Small per-process caches of rows that change rarely (routing rules, deadline rules).

Intake reads the administrators' rules on every new matter; they change a few times a year. A ``Memo``
keeps the computed value in the process for ``ttl`` seconds. A write through the ORM in this process
empties it at once and again when the write commits (a concurrent request may have read the old rows in
between); other processes see a change when their copy expires. Signals are used here only to keep a
cache honest, never for domain logic.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_clock = time.monotonic
_memos: list[Memo] = []


class Memo(Generic[T]):
    """Return ``compute()``, recomputed at most every ``ttl`` seconds, or after ``clear()``."""

    def __init__(self, compute: Callable[[], T], *, ttl: float = 60.0) -> None:
        self._compute = compute
        self._ttl = ttl
        self._lock = threading.Lock()
        self._value: T | None = None
        self._loaded_at = 0.0
        self._valid = False
        self._generation = 0
        _memos.append(self)

    def get(self) -> T:
        now = _clock()
        with self._lock:
            if self._valid and now - self._loaded_at < self._ttl:
                return self._value  # type: ignore[return-value]
            generation = self._generation
        value = self._compute()
        with self._lock:
            # A clear while computing means the rows read may be stale: use them once, keep nothing.
            if generation == self._generation:
                self._value, self._loaded_at, self._valid = value, now, True
        return value

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._valid = False
            self._value = None

    def clear_on_write(self, *models: type[Model]) -> Memo[T]:
        """Clear this memo whenever a row of ``models`` is saved or deleted in this process."""

        def _clear(**_kwargs: object) -> None:
            self.clear()
            transaction.on_commit(self.clear)

        for model in models:
            post_save.connect(_clear, sender=model, weak=False)
            post_delete.connect(_clear, sender=model, weak=False)
        return self


def clear_all() -> None:
    """Forget every memo of this process (tests, after their transaction rolled back)."""
    for memo in _memos:
        memo.clear()
