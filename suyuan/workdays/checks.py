"""Warn operators when the holiday schedule that deadlines will soon need has not been entered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import checks
from django.db import DatabaseError
from django.utils import timezone

from suyuan.workdays.models import CalendarYear
from suyuan.workdays.selectors import CHINA


def _published(alias: str, years: list[int]) -> set[int]:
    return set(CalendarYear.objects.using(alias).filter(year__in=years).values_list("year", flat=True))


@checks.register(checks.Tags.database)
def schedule_published(
    app_configs: Sequence[Any] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Warn when this year's or next year's official schedule is missing (suyuan.W010).

    Like Django's own database checks it runs only when asked for a database: at every ``migrate`` and
    with ``manage.py check --database default``.
    """
    if not databases:
        return []
    today = timezone.now().astimezone(CHINA).date()
    years = [today.year, today.year + 1]
    warnings: list[checks.CheckMessage] = []
    for alias in databases:
        try:
            published = _published(alias, years)
        except DatabaseError:
            continue  # not migrated yet: migrate runs the checks before it creates the tables
        warnings.extend(
            checks.Warning(
                f"The official holiday schedule for {year} has not been entered.",
                hint=(
                    f"Deadlines that reach into {year} count Monday to Friday as working days until it is. "
                    "The State Council's General Office publishes the schedule (部分节假日安排的通知), "
                    "usually in November or December of the year before: enter it in the admin "
                    "(Working days) or with suyuan.workdays.services.calendar_year_publish."
                ),
                id="suyuan.W010",
            )
            for year in years
            if year not in published
        )
    return warnings
