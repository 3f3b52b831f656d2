"""The official holiday calendar (国务院办公厅《关于×年部分节假日安排的通知》), as exceptions to the week.

Monday to Friday are working days and Saturday and Sunday rest days, except for the days stored here: a
holiday that falls on a weekday, and a make-up working day (调休上班) that falls on a weekend. A year is
complete once its ``CalendarYear`` row exists; without it the year is "not published yet".
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

# Wide enough for any schedule anyone will enter, narrow enough to catch a mistyped year.
MIN_YEAR = 2000
MAX_YEAR = 2099
NAME_MAX_LENGTH = 40
SOURCE_MAX_LENGTH = 200


def is_weekend(day: datetime.date) -> bool:
    return day.weekday() >= 5


def calendar_day_rule_error(day: datetime.date, is_working_day: bool) -> ValidationError | None:
    """Return why ``day`` cannot be stored as an exception of this kind, or ``None`` if it can.

    Only departures from the ordinary week are stored: a holiday must fall on a weekday (a holiday on a
    Saturday is a rest day anyway) and a make-up working day on a Saturday or a Sunday.
    """
    params = {"date": day.isoformat(), "weekday": WEEKDAYS[day.weekday()]}
    if not is_working_day and is_weekend(day):
        return ValidationError(
            _("%(date)s is a %(weekday)s, a rest day anyway: enter only holidays that fall on a weekday."),
            code="holiday_on_weekend",
            params=params,
        )
    if is_working_day and not is_weekend(day):
        return ValidationError(
            _(
                "%(date)s is a %(weekday)s, a working day anyway: "
                "a make-up working day must be a Saturday or a Sunday."
            ),
            code="make_up_on_weekday",
            params=params,
        )
    return None


class CalendarYear(models.Model):
    """A year whose official schedule has been entered in full.

    Deadlines in a year without this row count plain weekdays, and callers can tell their users so
    (``selectors.unpublished_years``).
    """

    year = models.PositiveSmallIntegerField(
        _("year"),
        primary_key=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
    )
    source = models.CharField(
        _("source"),
        max_length=SOURCE_MAX_LENGTH,
        help_text=_("The notice the schedule comes from: its title, and its document number if it has one."),
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("published year")
        verbose_name_plural = _("published years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """One exception to the ordinary week: a holiday on a weekday, or a make-up working day on a weekend."""

    date = models.DateField(_("date"), primary_key=True)
    is_working_day = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_(
            "Ticked: a make-up working day on a weekend (调休上班). Not ticked: a holiday on a weekday."
        ),
    )
    name = models.CharField(
        _("name"), max_length=NAME_MAX_LENGTH, help_text=_("As in the notice, e.g. 春节 or 春节调休上班.")
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"

    def clean(self) -> None:
        self.name = (self.name or "").strip()
        if self.date is not None and (error := calendar_day_rule_error(self.date, self.is_working_day)):
            raise ValidationError({"date": error})
