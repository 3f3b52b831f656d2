from datetime import UTC, date, datetime, timedelta

import pytest

from suyuan.workdays import selectors
from suyuan.workdays.models import CalendarDay, calendar_day_rule_error
from suyuan.workdays.selectors import CHINA, unpublished_years
from suyuan.workdays.services import (
    CalendarException,
    add_working_days,
    calendar_year_publish,
    deadline_at,
    is_working_day,
    working_days_between,
)

pytestmark = pytest.mark.django_db


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- The seeded schedules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # 2025 (国办发明电〔2024〕12号): 春节 1-28..2-4, make-up 1-26 (Sun) and 2-8 (Sat).
        ("2025-01-26", True),
        ("2025-01-27", True),
        ("2025-01-28", False),
        ("2025-02-04", False),
        ("2025-02-05", True),
        ("2025-02-08", True),
        # 2025 国庆节、中秋节 10-1..10-8, make-up 9-28 (Sun) and 10-11 (Sat).
        ("2025-09-28", True),
        ("2025-10-06", False),
        ("2025-10-08", False),
        ("2025-10-09", True),
        ("2025-10-11", True),
        # 2026: 春节 2-15..2-23, make-up 2-14 and 2-28 (Saturdays).
        ("2026-02-13", True),
        ("2026-02-14", True),
        ("2026-02-15", False),
        ("2026-02-16", False),
        ("2026-02-21", False),
        ("2026-02-23", False),
        ("2026-02-24", True),
        ("2026-02-28", True),
        ("2026-03-01", False),
        # 2026: 中秋节 9-25 (Fri); 国庆节 10-1..10-7, make-up 9-20 (Sun) and 10-10 (Sat).
        ("2026-09-20", True),
        ("2026-09-25", False),
        ("2026-10-01", False),
        ("2026-10-03", False),
        ("2026-10-07", False),
        ("2026-10-08", True),
        ("2026-10-10", True),
        ("2026-10-11", False),
        # Ordinary weeks.
        ("2026-03-04", True),
        ("2026-03-07", False),
    ],
)
def test_the_official_schedules_of_2025_and_2026_are_seeded(day, working):
    assert is_working_day(d(day)) is working


def test_only_real_exceptions_are_seeded():
    assert CalendarDay.objects.count() == 48
    for row in CalendarDay.objects.all():
        assert calendar_day_rule_error(row.date, row.is_working_day) is None, row


@pytest.mark.parametrize("year", [2025, 2026])
def test_a_year_has_365_days_less_weekends_less_13_statutory_holidays(year):
    # Since 2025 the law gives 13 days of holiday; make-up days only move the others around.
    assert working_days_between(date(year - 1, 12, 31), date(year, 12, 31)) == 365 - 104 - 13


# --- add_working_days ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "deadline"),
    [
        ("2026-03-02", 1, "2026-03-03"),  # the day of the event does not count
        ("2026-03-06", 1, "2026-03-09"),  # Friday: the weekend does not count
        ("2026-03-07", 1, "2026-03-09"),  # an event on Saturday counts from Monday
        ("2026-02-12", 1, "2026-02-13"),
        ("2026-02-12", 2, "2026-02-14"),  # ends on the make-up Saturday before the Spring Festival
        ("2026-02-12", 3, "2026-02-24"),  # ... then jumps the whole holiday
        ("2026-02-24", 4, "2026-02-28"),  # ends on the make-up Saturday after it
        ("2026-02-10", 15, "2026-03-09"),  # plain weekdays would say 03-03
        ("2026-02-18", 1, "2026-02-24"),  # starts on a holiday
        ("2026-02-15", 1, "2026-02-24"),  # starts on a holiday on a Sunday
        ("2026-09-18", 1, "2026-09-20"),  # ends on the make-up Sunday before National Day
        ("2026-09-24", 1, "2026-09-28"),  # over Mid-Autumn Festival
        ("2026-09-30", 1, "2026-10-08"),  # over National Day
        ("2026-09-30", 3, "2026-10-10"),  # ends on the make-up Saturday after it
        ("2026-10-01", 1, "2026-10-08"),  # starts on National Day
        ("2026-09-30", 15, "2026-10-27"),
        ("2025-12-31", 1, "2026-01-04"),  # over New Year's Day into the make-up Sunday
        ("2025-01-24", 1, "2025-01-26"),  # 2025: make-up Sunday before the Spring Festival
        ("2025-01-26", 1, "2025-01-27"),
        ("2025-01-27", 1, "2025-02-05"),
        ("2025-09-30", 1, "2025-10-09"),
    ],
)
def test_add_working_days(start, days, deadline):
    assert add_working_days(d(start), days) == d(deadline)


def test_zero_working_days_is_the_same_day_or_the_next_working_day():
    assert add_working_days(d("2026-03-04"), 0) == d("2026-03-04")
    assert add_working_days(d("2026-10-01"), 0) == d("2026-10-08")
    assert add_working_days(d("2026-02-14"), 0) == d("2026-02-14")


def test_every_deadline_is_a_working_day_and_counts_back_to_its_length():
    day = date(2025, 12, 1)
    while day < date(2027, 1, 1):
        for days in (1, 2, 3, 5, 15, 30):
            deadline = add_working_days(day, days)
            assert is_working_day(deadline), (day, days)
            assert working_days_between(day, deadline) == days, (day, days)
            assert working_days_between(day, deadline - timedelta(days=1)) == days - 1, (day, days)
        day += timedelta(days=1)


def test_a_datetime_counts_from_its_day_in_beijing():
    # 16:30 UTC on Friday 13 February is 00:30 on the make-up Saturday in Beijing.
    received = datetime(2026, 2, 13, 16, 30, tzinfo=UTC)
    assert add_working_days(received, 1) == d("2026-02-24")
    assert add_working_days(datetime(2026, 2, 13, 15, 59, tzinfo=UTC), 1) == d("2026-02-14")
    assert is_working_day(datetime(2026, 2, 14, 16, 0, tzinfo=UTC)) is False  # Sunday 15th in Beijing


def test_naive_datetimes_and_negative_counts_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(datetime(2026, 3, 2, 9, 0), 1)  # noqa: DTZ001
    with pytest.raises(ValueError, match="negative"):
        add_working_days(d("2026-03-02"), -1)


# --- working_days_between and deadline_at -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2026-02-13", "2026-02-13", 0),
        ("2026-02-13", "2026-02-14", 1),
        ("2026-02-13", "2026-02-24", 2),
        ("2026-02-14", "2026-02-23", 0),  # the whole Spring Festival holiday
        ("2026-02-24", "2026-02-13", -2),
        ("2026-09-30", "2026-10-27", 15),
        ("2025-12-31", "2026-01-05", 2),  # 01-04 (make-up Sunday) and 01-05
        ("2025-10-31", "2026-11-02", 248),
    ],
)
def test_working_days_between(start, end, count):
    assert working_days_between(d(start), d(end)) == count


def test_deadline_at_is_the_end_of_the_deadline_day_in_beijing():
    received = datetime(2026, 9, 30, 9, 15, tzinfo=CHINA)
    deadline = deadline_at(received, 15)
    assert deadline == datetime(2026, 10, 27, 23, 59, 59, 999999, tzinfo=CHINA)
    assert deadline.utcoffset() == timedelta(hours=8)
    assert deadline.astimezone(UTC) == datetime(2026, 10, 27, 15, 59, 59, 999999, tzinfo=UTC)
    # From a UTC datetime that is already the next day in Beijing.
    assert deadline_at(datetime(2026, 2, 13, 16, 30, tzinfo=UTC), 1).date() == d("2026-02-24")


# --- Years not published -------------------------------------------------------------------------------------


def test_an_unpublished_year_counts_weekdays_and_is_reported(operator):
    start = d("2026-12-24")
    deadline = add_working_days(start, 10)
    # 2027-01-01 counts as a working day: the 2027 schedule has not been entered.
    assert deadline == d("2027-01-07")
    assert is_working_day(d("2027-01-01")) is True
    assert unpublished_years(start, deadline) == [2027]
    assert unpublished_years(d("2025-01-01"), d("2026-12-31")) == []
    assert unpublished_years(d("2026-06-01"), d("2024-06-01")) == [2024]
    assert unpublished_years(datetime(2026, 12, 31, 16, 0, tzinfo=UTC), d("2026-12-31")) == [2027]

    # Test data, not the official 2027 schedule: once a year is entered, it counts and is no longer reported.
    calendar_year_publish(
        year=2027,
        days=[CalendarException(d("2027-01-01"), False, "测试假日")],
        source="test",
        actor=operator,
    )
    assert add_working_days(start, 10) == d("2027-01-08")
    assert unpublished_years(start, d("2027-01-08")) == []


# --- Queries and the cache ------------------------------------------------------------------------------------


def test_a_year_costs_one_query_then_none(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert add_working_days(d("2026-02-10"), 15) == d("2026-03-09")
        assert is_working_day(d("2026-10-01")) is False
        assert working_days_between(d("2026-01-01"), d("2026-12-31")) == 248
    with django_assert_num_queries(0):
        assert add_working_days(d("2026-02-10"), 15) == d("2026-03-09")
        assert deadline_at(datetime(2026, 9, 30, 9, 0, tzinfo=CHINA), 15).day == 27
        assert unpublished_years(d("2026-01-01"), d("2026-12-31")) == []


def test_a_deadline_across_new_year_costs_one_query_per_year_and_unpublished_years_are_cached(
    django_assert_num_queries,
):
    with django_assert_num_queries(2):
        deadline = add_working_days(d("2026-12-24"), 10)
    with django_assert_num_queries(0):
        assert unpublished_years(d("2026-12-24"), deadline) == [2027]
        assert add_working_days(d("2026-12-24"), 10) == deadline


def test_the_cache_expires(django_assert_num_queries, monkeypatch):
    is_working_day(d("2026-03-02"))
    later = selectors._clock() + selectors.CACHE_SECONDS + 1
    monkeypatch.setattr(selectors, "_clock", lambda: later)
    with django_assert_num_queries(1):
        is_working_day(d("2026-03-02"))
    with django_assert_num_queries(0):
        is_working_day(d("2026-03-02"))


def test_a_write_is_seen_at_once():
    assert is_working_day(d("2026-12-31")) is True  # now cached
    CalendarDay.objects.create(date=d("2026-12-31"), is_working_day=False, name="测试假日")  # test data
    assert is_working_day(d("2026-12-31")) is False


def test_a_load_that_races_a_write_is_not_kept(django_assert_num_queries, monkeypatch):
    real_load = selectors._load

    def load_while_someone_writes(year, now):
        loaded = real_load(year, now)
        selectors.calendar_cache_clear()  # another thread wrote between our query and our store
        return loaded

    monkeypatch.setattr(selectors, "_load", load_while_someone_writes)
    is_working_day(d("2026-03-02"))
    monkeypatch.setattr(selectors, "_load", real_load)
    with django_assert_num_queries(1):
        is_working_day(d("2026-03-02"))
