"""What runs once a new matter is committed, registered by the apps above matters.

The matters app must not import triage (it sits above matters), yet the way of a matter says "received,
then on commit the triage task". Triage registers its task here from ``TriageConfig.ready()``; intake
calls ``received()`` inside its transaction, and each registered callback runs after the commit (never
for a matter whose transaction rolled back). Callbacks only enqueue work: they must be cheap.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

_AFTER_RECEIVE: dict[str, Callable[[int], None]] = {}


def on_received(key: str, callback: Callable[[int], None]) -> None:
    """Run ``callback(matter_id)`` after each new matter commits (registering ``key`` again replaces it)."""
    _AFTER_RECEIVE[key] = callback


def received(matter_id: int) -> None:
    """Schedule every registered callback for the matter just stored (call inside its transaction)."""
    for callback in list(_AFTER_RECEIVE.values()):
        transaction.on_commit(lambda callback=callback: callback(matter_id))  # type: ignore[misc]
