"""Model building blocks shared by every app."""

from __future__ import annotations

from typing import Any

from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that refuses bulk updates and deletes: what was written stays written."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError(f"{self.model.__name__} is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self.model.__name__} is append-only.")


class AppendOnlyModel(models.Model):
    """A log entry: it can be added, never changed or removed (audit log, a matter's event log)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError(f"{type(self).__name__} is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{type(self).__name__} is append-only.")


class PeriodicRun(models.Model):
    """When the clock last started a periodic job: shared by every clock process, so a job runs once
    per period however many clocks run (each claims the row with a conditional update)."""

    name = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField()
    last_task_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_started_at:%Y-%m-%d %H:%M:%S}"
