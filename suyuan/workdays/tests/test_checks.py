"""The system check that warns when the schedule deadlines will need has not been entered."""

from datetime import date

import pytest
import time_machine
from django.core.checks import registry
from django.db import OperationalError

from suyuan.workdays import checks
from suyuan.workdays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def warned_years(databases=("default",)) -> list[str]:
    found = checks.schedule_published(databases=list(databases) if databases else None)
    assert all(message.id == "suyuan.W010" for message in found)
    return [message.msg for message in found]


def test_the_check_is_registered_for_database_checks():
    assert checks.schedule_published in registry.registry.get_checks()
    assert "database" in checks.schedule_published.tags


@time_machine.travel("2026-11-29 10:00 +0800", tick=False)
def test_it_warns_when_next_year_is_not_entered():
    assert warned_years() == ["The official holiday schedule for 2027 has not been entered."]


@time_machine.travel("2026-11-29 10:00 +0800", tick=False)
def test_it_is_quiet_once_next_year_is_entered():
    # Test data, not the official 2027 schedule.
    CalendarDay.objects.create(date=date(2027, 1, 1), is_working_day=False, name="测试假日")
    CalendarYear.objects.create(year=2027, source="test")
    assert warned_years() == []


@time_machine.travel("2025-06-01 10:00 +0800", tick=False)
def test_it_is_quiet_when_this_year_and_next_are_entered():
    assert warned_years() == []


@time_machine.travel("2026-12-31 16:30 +0000", tick=False)
def test_today_is_the_day_in_beijing():
    # 00:30 on 1 January 2027 in Beijing: this year and next are both missing.
    assert warned_years() == [
        "The official holiday schedule for 2027 has not been entered.",
        "The official holiday schedule for 2028 has not been entered.",
    ]


def test_without_a_database_or_before_migrating_it_says_nothing(monkeypatch):
    assert warned_years(databases=None) == []

    def no_table(alias, years):
        raise OperationalError("no such table: workdays_calendaryear")

    monkeypatch.setattr(checks, "_published", no_table)
    assert warned_years() == []
