"""Periodic jobs: sweeps and reminders that must run every few minutes, started by ``manage.py clock``.

Django's Tasks API has no schedule of its own. An app registers a job (a task without arguments, safe to
run twice) in its ``AppConfig.ready()``; the clock enqueues every job that is due. The claim of a period
is a conditional update of ``PeriodicRun``, so any number of clock processes start a job once per period.
The work itself runs on the task workers, like any other task.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from suyuan.core.models import PeriodicRun
from suyuan.core.tasks import enqueue_with_transaction


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    task: Any  # a django_tasks Task taking no arguments


_JOBS: dict[str, Job] = {}


def register(name: str, *, every: timedelta, task: Any) -> None:
    """Run ``task`` every ``every`` (registering a name again replaces the job)."""
    _JOBS[name] = Job(name, every, task)


def jobs() -> list[Job]:
    return sorted(_JOBS.values(), key=lambda job: job.name)


def _claim(job: Job, now: datetime) -> bool:
    """Claim the current period of ``job``; return False when another clock already did."""
    try:
        with transaction.atomic():
            run, created = PeriodicRun.objects.get_or_create(name=job.name, defaults={"last_started_at": now})
    except IntegrityError:  # another clock created it a moment ago
        return False
    if created:
        return True
    claimed = PeriodicRun.objects.filter(
        pk=run.pk, last_started_at=run.last_started_at, last_started_at__lte=now - job.every
    ).update(last_started_at=now)
    return claimed == 1


def tick(*, now: datetime | None = None) -> list[str]:
    """Enqueue every job whose period has passed; return the names of those enqueued."""
    now = now or timezone.now()
    started = []
    for job in jobs():
        if _claim(job, now):
            with transaction.atomic():
                enqueue_with_transaction(job.task)
            started.append(job.name)
    return started
