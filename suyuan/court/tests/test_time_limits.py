"""Statutory periods as the Civil Procedure Law counts them (art. 85), with frozen time and real holidays."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from suyuan.court import time_limits
from suyuan.court.choices import TimeLimitKind
from suyuan.court.models import TimeLimit

pytestmark = pytest.mark.django_db
CHINA = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=CHINA)


def test_the_first_day_is_not_counted():
    # Thursday 2026-11-12 + 7 days = Thursday 2026-11-19, an ordinary working day
    assert time_limits.last_day(at("2026-11-12 16:00"), TimeLimitKind.FILING_DECISION) == dt.date(
        2026, 11, 19
    )


def test_a_period_ending_on_a_weekend_ends_on_the_next_working_day():
    # Monday 2026-11-16 + 15 days = Tuesday 2026-12-01 (working); Sunday + 6 = Saturday → Monday
    assert time_limits.last_day(at("2026-11-16 09:00"), TimeLimitKind.ANSWER) == dt.date(2026, 12, 1)
    assert time_limits.last_day(at("2026-11-15 09:00"), TimeLimitKind.ANSWER, days=6) == dt.date(2026, 11, 23)


def test_a_period_ending_in_the_national_day_holiday_runs_to_its_end():
    # filed Thursday 2026-09-24: +7 = 1 October, a holiday; the holiday runs to 7 October, so 8 October
    assert time_limits.last_day(at("2026-09-24 10:00"), TimeLimitKind.FILING_DECISION) == dt.date(2026, 10, 8)


def test_a_period_ending_in_the_spring_festival_runs_past_it():
    # a ruling served 2026-02-06: +10 = 16 February (春节) → the holiday runs to 23 February → 24 February
    assert time_limits.last_day(at("2026-02-06 11:00"), TimeLimitKind.APPEAL_RULING) == dt.date(2026, 2, 24)


def test_the_deadline_is_the_end_of_the_last_day_in_beijing_time():
    deadline = time_limits.deadline(at("2026-11-12 16:00"), TimeLimitKind.FILING_DECISION)
    assert deadline == dt.datetime.combine(dt.date(2026, 11, 19), dt.time.max, tzinfo=CHINA)


def test_just_after_midnight_beijing_time_counts_from_that_day():
    # 2026-11-11 16:30 UTC is 00:30 on 12 November in China
    moment = dt.datetime(2026, 11, 11, 16, 30, tzinfo=dt.UTC)
    assert time_limits.last_day(moment, TimeLimitKind.FILING_DECISION) == dt.date(2026, 11, 19)


def test_a_rule_edited_by_an_administrator_applies_at_once():
    TimeLimit.objects.filter(kind=TimeLimitKind.CORRECTION).update(days=5, working_days=True)
    time_limits.RULES.clear()
    # five working days after Thursday 2026-09-24: 28, 29, 30 Sept, then 8, 9 October (1–7 are holidays)
    assert time_limits.last_day(at("2026-09-24 10:00"), TimeLimitKind.CORRECTION) == dt.date(2026, 10, 9)


def test_a_missing_rule_falls_back_to_the_law():
    TimeLimit.objects.filter(kind=TimeLimitKind.APPEAL_JUDGMENT).delete()
    time_limits.RULES.clear()
    assert time_limits.rule_for(TimeLimitKind.APPEAL_JUDGMENT).days == 15


def test_the_earliest_hearing_leaves_three_whole_days_after_service():
    with time_machine.travel(at("2026-11-16 15:00"), tick=False):  # Monday
        earliest = time_limits.earliest_hearing(timezone.now())
    assert earliest == at("2026-11-20 00:00")  # Friday: 17, 18, 19 November in between
