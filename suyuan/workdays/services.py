"""Working-day deadlines on the official holiday calendar, and the administrators' writes to it.

Counting rule (民法典 第二百零一条、第二百零三条; 行政许可法 第八十二条: working days exclude the statutory
holidays):

* the day of the event is not counted: counting starts on the next day;
* only working days count: Monday to Friday, less the holidays of the official schedule, plus its
  make-up working days (调休上班) on weekends;
* the deadline is the last of the counted days, so it is always a working day: "a deadline that ends on
  a holiday moves to the next working day" holds by construction;
* a datetime is first turned into its day in Beijing time: something received at 23:30 on Friday in
  Beijing counts from Saturday, whatever the server's or the user's time zone.

Years whose schedule has not been entered count Monday to Friday; ``selectors.unpublished_years`` tells
which years of a span those are, so callers can warn that a deadline may move.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any, NamedTuple, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from suyuan.core.exceptions import Forbidden
from suyuan.workdays.models import (
    MAX_YEAR,
    MIN_YEAR,
    NAME_MAX_LENGTH,
    SOURCE_MAX_LENGTH,
    CalendarDay,
    CalendarYear,
    calendar_day_rule_error,
)
from suyuan.workdays.selectors import CHINA, calendar_changed, china_date, year_calendar

logger = logging.getLogger(__name__)

EDIT_PERMISSION = "workdays.change_calendarday"


class Actor(Protocol):
    """Whoever changes the calendar: a user, checked with Django's permissions."""

    pk: Any

    def has_perm(self, perm: str, obj: Any = None) -> bool: ...


class CalendarException(NamedTuple):
    """One entry of a year's schedule: a holiday on a weekday or a make-up working day on a weekend."""

    day: datetime.date
    is_working_day: bool
    name: str


# --- Working days ----------------------------------------------------------------------------------------


def is_working_day(day: datetime.date) -> bool:
    """Tell whether ``day`` (a datetime: its day in Beijing time) is a working day."""
    day = china_date(day)
    exception = year_calendar(day.year).exceptions.get(day)
    if exception is not None:
        return exception
    return day.weekday() < 5


def add_working_days(start: datetime.datetime | datetime.date, days: int) -> datetime.date:
    """Return the last day of a period of ``days`` working days that begins with the event ``start``.

    ``start`` itself is not counted, and the result is always a working day (see the module's counting
    rule). ``days=0`` means "the same day": ``start`` if it is a working day, else the next working day.
    """
    if days < 0:
        raise ValueError("A number of working days cannot be negative.")
    day = china_date(start)
    if days == 0:
        while not is_working_day(day):
            day += datetime.timedelta(days=1)
        return day
    counted = 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Return how many working days lie after ``start`` up to and including ``end``.

    The same rule as ``add_working_days``: ``working_days_between(s, add_working_days(s, n)) == n`` for
    every ``n >= 1``. Negative when ``end`` comes before ``start`` (for "overdue by n working days").
    """
    start, end = china_date(start), china_date(end)
    if end < start:
        return -working_days_between(end, start)
    if end == start:
        return 0
    first = start + datetime.timedelta(days=1)
    count = _weekdays_from_to(first, end)
    for year in range(first.year, end.year + 1):
        for day, working in year_calendar(year).exceptions.items():
            # Compared with the ordinary week, so that a row that is no exception at all changes nothing.
            if first <= day <= end and working != (day.weekday() < 5):
                count += 1 if working else -1
    return count


def _weekdays_from_to(first: datetime.date, last: datetime.date) -> int:
    """Count Mondays to Fridays from ``first`` to ``last``, both included, without walking every day."""
    weeks, rest = divmod((last - first).days + 1, 7)
    weekday = first.weekday()
    return weeks * 5 + sum(1 for offset in range(rest) if (weekday + offset) % 7 < 5)


def deadline_at(start: datetime.datetime | datetime.date, working_days: int) -> datetime.datetime:
    """Return the end of the deadline day, 23:59:59.999999 Beijing time (timezone-aware), of a period of
    ``working_days`` working days that begins with the event at ``start``."""
    return datetime.datetime.combine(add_working_days(start, working_days), datetime.time.max, tzinfo=CHINA)


# --- Administrators' writes ------------------------------------------------------------------------------


def _require_calendar_editor(actor: Actor) -> None:
    if not actor.has_perm(EDIT_PERMISSION):
        raise Forbidden(gettext("Only a platform operator may change the holiday calendar."))


def _clean_name(name: str) -> tuple[str, ValidationError | None]:
    name = (name or "").strip()
    if not name:
        return name, ValidationError(
            _("Enter the name of the day, e.g. 春节 or 春节调休上班."), code="required"
        )
    if len(name) > NAME_MAX_LENGTH:
        return name, ValidationError(
            _("Keep the name to %(limit)d characters."), code="max_length", params={"limit": NAME_MAX_LENGTH}
        )
    return name, None


@transaction.atomic
def calendar_day_set(*, day: datetime.date, is_working_day: bool, name: str, actor: Actor) -> CalendarDay:
    """Enter or correct one exception: a holiday on a weekday, or a make-up working day on a weekend.

    The day's year may be unpublished: the exception counts at once, and the year stays unpublished
    until its whole schedule is entered with ``calendar_year_publish``.
    """
    _require_calendar_editor(actor)
    errors: dict[str, Any] = {}
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        errors["day"] = ValidationError(
            _("Enter a date between %(first)d and %(last)d."), params={"first": MIN_YEAR, "last": MAX_YEAR}
        )
    elif rule_error := calendar_day_rule_error(day, is_working_day):
        errors["day"] = rule_error
    name, name_error = _clean_name(name)
    if name_error:
        errors["name"] = name_error
    if errors:
        raise ValidationError(errors)

    calendar_day, _created = CalendarDay.objects.update_or_create(
        date=day, defaults={"is_working_day": is_working_day, "name": name}
    )
    calendar_changed()
    logger.info("Calendar day %s set to %s by user %s", calendar_day, is_working_day, actor.pk)
    return calendar_day


@transaction.atomic
def calendar_day_delete(*, day: datetime.date, actor: Actor) -> bool:
    """Remove the exception on ``day``, which then follows the ordinary week; tell whether there was one."""
    _require_calendar_editor(actor)
    deleted, _details = CalendarDay.objects.filter(date=day).delete()
    calendar_changed()
    if deleted:
        logger.info("Calendar day %s removed by user %s", day, actor.pk)
    return bool(deleted)


@transaction.atomic
def calendar_year_publish(
    *,
    year: int,
    days: list[CalendarException],
    source: str,
    published_on: datetime.date | None = None,
    actor: Actor,
) -> CalendarYear:
    """Enter the official schedule of ``year`` in full, replacing whatever that year held, and mark the
    year published.

    ``days`` lists only the exceptions (holidays on weekdays, make-up working days on weekends). It may
    not be empty: every schedule since the holidays were set by law has holidays on weekdays, so an empty
    list is a mistake, not a year without holidays. On any error nothing is changed.
    """
    _require_calendar_editor(actor)
    errors: dict[str, Any] = {}
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors["year"] = ValidationError(
            _("Enter a year between %(first)d and %(last)d."), params={"first": MIN_YEAR, "last": MAX_YEAR}
        )
    source = (source or "").strip()
    if not source:
        errors["source"] = _("Enter the notice the schedule comes from.")
    elif len(source) > SOURCE_MAX_LENGTH:
        errors["source"] = ValidationError(
            _("Keep the source to %(limit)d characters."), params={"limit": SOURCE_MAX_LENGTH}
        )

    day_errors: list[ValidationError] = []
    seen: set[datetime.date] = set()
    rows: list[CalendarDay] = []
    if not days:
        day_errors.append(ValidationError(_("List the holidays and make-up working days of the year.")))
    for entry in days:
        params = {"date": entry.day.isoformat(), "year": year}
        if entry.day.year != year:
            day_errors.append(ValidationError(_("%(date)s is not in %(year)s."), params=params))
            continue
        if entry.day in seen:
            day_errors.append(ValidationError(_("%(date)s is listed twice."), params=params))
            continue
        seen.add(entry.day)
        if rule_error := calendar_day_rule_error(entry.day, entry.is_working_day):
            day_errors.append(rule_error)
        name, name_error = _clean_name(entry.name)
        if name_error:
            day_errors.append(
                ValidationError(_("%(date)s: %(error)s"), params={**params, "error": name_error.messages[0]})
            )
        rows.append(CalendarDay(date=entry.day, is_working_day=entry.is_working_day, name=name))
    if day_errors:
        errors["days"] = day_errors
    if errors:
        raise ValidationError(errors)

    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(rows)
    calendar_year, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": source, "published_on": published_on, "entered_at": timezone.now()}
    )
    calendar_changed()
    logger.info("Calendar year %s published with %d exceptions by user %s", year, len(rows), actor.pk)
    return calendar_year
