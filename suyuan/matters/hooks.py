"""What runs once a new matter is committed, registered by the apps above matters.

The matters app must not import triage (it sits above matters), yet the way of a matter says "received,
then on commit the triage task". Triage registers its task here from ``TriageConfig.ready()``; intake
calls ``received()`` inside its transaction, and each registered callback runs after the commit (never
for a matter whose transaction rolled back). Callbacks only enqueue work: they must be cheap.

The same goes for every event written on a matter (``event_written``): the read models of the figures
(analytics) refresh a matter's figures after each of its events commits.
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


_AFTER_EVENT: dict[str, tuple[frozenset[str] | None, Callable[[int], None]]] = {}


def on_event(key: str, callback: Callable[[int], None], *, kinds: frozenset[str] | None = None) -> None:
    """Run ``callback(matter_id)`` after each commit that wrote an event of one of ``kinds`` (all if None)
    on a matter (registering ``key`` again replaces it)."""
    _AFTER_EVENT[key] = (kinds, callback)


def event_written(matter_id: int, kind: str) -> None:
    """Schedule the callbacks interested in an event of ``kind`` just written (call inside its transaction)."""
    for kinds, callback in list(_AFTER_EVENT.values()):
        if kinds is None or kind in kinds:
            transaction.on_commit(lambda callback=callback: callback(matter_id))  # type: ignore[misc]
