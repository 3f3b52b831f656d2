"""Enqueue background tasks so that a task exists exactly when the write that asked for it commits."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db import DatabaseBackend


def enqueue_with_transaction(task: Any, *args: Any, run_after: datetime | None = None, **kwargs: Any) -> None:
    """Enqueue ``task`` as part of the current transaction.

    The database backend stores the task in the same database, so enqueueing inside the transaction
    commits the task with the write (or neither); the immediate backend (tests) runs it at once. Any
    other backend (a broker such as Redis) cannot join the transaction: the task is enqueued after
    commit, and the row the task works on stays the source of truth for the sweeper that re-enqueues
    what a crash left behind. A deferred task on a backend that cannot defer is left to that sweeper.
    """
    backend = task.get_backend()
    if run_after is not None:
        if not backend.supports_defer:
            return  # the sweeper enqueues it when its time comes (see notifications.services)
        task = task.using(run_after=run_after)
    if isinstance(backend, DatabaseBackend | ImmediateBackend):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(partial(task.enqueue, *args, **kwargs))
