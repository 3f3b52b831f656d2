"""Read the holiday calendar, one year at a time, through a small in-process cache.

Deadlines are computed often and the calendar changes about once a year, so each process keeps the
exceptions of every year it has touched: computing a deadline costs one query per year not yet cached and
none afterwards. A write in this process empties the cache at once and again when it commits (a
concurrent request may have cached the old rows in between); other processes see the change when their
copy expires, after ``CACHE_SECONDS`` at most.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import BooleanField, DateField, Value

from suyuan.workdays.models import CalendarDay, CalendarYear

# Legal deadlines run on Beijing time whatever language or time zone a user has chosen.
CHINA = ZoneInfo("Asia/Shanghai")
CACHE_SECONDS = 600


@dataclass(frozen=True)
class YearCalendar:
    """The exceptions of one year (day → is it a working day) and whether its schedule is published."""

    year: int
    published: bool
    exceptions: Mapping[datetime.date, bool] = field(default_factory=dict)
    loaded_at: float = 0.0


_clock = time.monotonic  # replaced in tests to age the cache
_lock = threading.Lock()
_years: dict[int, YearCalendar] = {}
# Bumped by every clear: a load that started before a clear must not store what it read.
_generation = 0


def china_date(moment: datetime.date) -> datetime.date:
    """Return the calendar day in China of ``moment``: a date as it is, a datetime converted to Beijing time.

    A naive datetime is refused: whether 23:30 belongs to today or tomorrow depends on its time zone.
    """
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("A datetime must be timezone-aware to tell which day it falls on in China.")
        return moment.astimezone(CHINA).date()
    return moment


def calendar_cache_clear() -> None:
    """Forget every cached year in this process."""
    global _generation
    with _lock:
        _years.clear()
        _generation += 1


def calendar_changed() -> None:
    """Empty the cache after a write, and once more when the write's transaction commits."""
    calendar_cache_clear()
    transaction.on_commit(calendar_cache_clear)


def year_calendar(year: int) -> YearCalendar:
    """Return the exceptions of ``year`` and whether it is published: cached, else one query."""
    now = _clock()
    cached = _years.get(year)
    if cached is not None and now - cached.loaded_at < CACHE_SECONDS:
        return cached
    generation = _generation
    loaded = _load(year, now)
    with _lock:
        if generation == _generation:
            _years[year] = loaded
    return loaded


def _load(year: int, now: float) -> YearCalendar:
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        return YearCalendar(year=year, published=False, loaded_at=now)
    days = (
        CalendarDay.objects.filter(date__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)))
        .order_by()
        .values_list("date", "is_working_day")
    )
    # The year's row rides along in the same query as a (NULL, NULL) row, so that a year costs one
    # query whether or not it is published.
    published_marker = (
        CalendarYear.objects.filter(year=year)
        .order_by()
        .values_list(Value(None, output_field=DateField()), Value(None, output_field=BooleanField()))
    )
    published = False
    exceptions: dict[datetime.date, bool] = {}
    for day, is_working_day in days.union(published_marker, all=True):
        if day is None:
            published = True
        else:
            exceptions[day] = bool(is_working_day)
    return YearCalendar(year=year, published=published, exceptions=exceptions, loaded_at=now)


def unpublished_years(start: datetime.date, end: datetime.date) -> list[int]:
    """Return the years from ``start`` to ``end`` (either order, datetimes in Beijing time) whose official
    schedule has not been entered: deadlines there counted Monday to Friday, which callers should say."""
    first, last = sorted((china_date(start).year, china_date(end).year))
    return [year for year in range(first, last + 1) if not year_calendar(year).published]
