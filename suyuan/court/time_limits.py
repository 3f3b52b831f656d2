"""Statutory periods of the court side, counted as the law counts them.

Civil Procedure Law, art. 85: periods are counted in hours, days, months and years; the hour or day on
which the period begins is not counted; when the last day of a period is a public holiday, the first day
after the holiday is the last day. So a calendar-day period of N days that begins with an event on day D
ends at the end of day D+N, moved forward to the next working day when D+N is not one. A rule may also
count working days (``TimeLimit.working_days``), as some local rules do.

The rules live in ``TimeLimit`` rows (administrators edit them); the defaults come with the migrations.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from suyuan.core.memo import Memo
from suyuan.court.choices import TimeLimitKind
from suyuan.court.models import TimeLimit
from suyuan.workdays.selectors import china_date
from suyuan.workdays.services import add_working_days, is_working_day

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

# The law's defaults, used when a deployment removed a rule by mistake: a deadline is never lost.
DEFAULT_DAYS = {
    TimeLimitKind.FILING_DECISION: 7,
    TimeLimitKind.CONFIRMATION_APPLICATION: 30,
    TimeLimitKind.CONFIRMATION_DECISION: 15,
    TimeLimitKind.PRE_FILING_MEDIATION: 30,
    TimeLimitKind.CORRECTION: 15,
    TimeLimitKind.ANSWER: 15,
    TimeLimitKind.EVIDENCE: 15,
    TimeLimitKind.HEARING_NOTICE: 3,
    TimeLimitKind.APPEAL_JUDGMENT: 15,
    TimeLimitKind.APPEAL_RULING: 10,
    TimeLimitKind.FEE_PAYMENT: 7,
}


class Rule(NamedTuple):
    kind: str
    days: int
    working_days: bool
    basis: str


def _load() -> dict[str, Rule]:
    return {
        row.kind: Rule(row.kind, row.days, row.working_days, row.basis) for row in TimeLimit.objects.all()
    }


RULES = Memo(_load)  # cleared on every write to TimeLimit (see CourtConfig.ready)


def rule_for(kind: str) -> Rule:
    """Return the rule for ``kind`` (the law's default if the deployment has no row for it)."""
    rule = RULES.get().get(kind)
    if rule is None:
        return Rule(kind, DEFAULT_DAYS[TimeLimitKind(kind)], False, "")
    return rule


def last_day(start: dt.datetime | dt.date, kind: str, *, days: int | None = None) -> dt.date:
    """Return the last day of the period ``kind`` that begins with the event at ``start``.

    ``days`` overrides the rule's number of days (a court may set a longer period), counted the same way.
    """
    rule = rule_for(kind)
    count = rule.days if days is None else days
    if rule.working_days:
        return add_working_days(start, count)
    day = china_date(start) + dt.timedelta(days=count)
    while not is_working_day(day):  # art. 85: a last day on a holiday moves to the next working day
        day += dt.timedelta(days=1)
    return day


def deadline(start: dt.datetime | dt.date, kind: str, *, days: int | None = None) -> dt.datetime:
    """Return the end of the period's last day (23:59:59.999999 Beijing time)."""
    return dt.datetime.combine(last_day(start, kind, days=days), dt.time.max, tzinfo=CHINA)


def earliest_hearing(served_at: dt.datetime) -> dt.datetime:
    """Return the earliest moment a hearing may start when its notice is served at ``served_at``.

    Art. 139: the parties are told at least three days before the hearing; the day of service does not
    count, so a notice served on Monday allows a hearing from Friday 00:00 (three whole days between).
    """
    rule = rule_for(TimeLimitKind.HEARING_NOTICE)
    first = china_date(served_at) + dt.timedelta(days=rule.days + 1)
    return dt.datetime.combine(first, dt.time.min, tzinfo=CHINA)
