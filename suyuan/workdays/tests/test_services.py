"""The administrators' writes. Days in 2027 below are test data, not the official 2027 schedule."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from suyuan.core.exceptions import Forbidden
from suyuan.workdays import selectors, services
from suyuan.workdays.models import CalendarDay, CalendarYear
from suyuan.workdays.selectors import unpublished_years
from suyuan.workdays.services import CalendarException, is_working_day

pytestmark = pytest.mark.django_db


def d(text: str) -> date:
    return date.fromisoformat(text)


def snapshot() -> tuple[list[tuple[date, bool, str]], list[tuple[int, str]]]:
    return (
        list(CalendarDay.objects.order_by("date").values_list("date", "is_working_day", "name")),
        list(CalendarYear.objects.order_by("year").values_list("year", "source")),
    )


# --- One day ---------------------------------------------------------------------------------------------------


def test_an_operator_enters_and_corrects_a_day(operator):
    assert is_working_day(d("2027-01-01")) is True

    day = services.calendar_day_set(day=d("2027-01-01"), is_working_day=False, name=" 元旦 ", actor=operator)

    assert (day.date, day.is_working_day, day.name) == (d("2027-01-01"), False, "元旦")
    assert is_working_day(d("2027-01-01")) is False
    # The exception counts, but the year stays unpublished until its whole schedule is entered.
    assert unpublished_years(d("2027-01-01"), d("2027-01-01")) == [2027]

    services.calendar_day_set(day=d("2027-01-01"), is_working_day=False, name="新年", actor=operator)
    assert CalendarDay.objects.get(date=d("2027-01-01")).name == "新年"


def test_a_make_up_working_day_on_a_weekend(operator):
    assert is_working_day(d("2027-01-02")) is False
    services.calendar_day_set(day=d("2027-01-02"), is_working_day=True, name="测试调休上班", actor=operator)
    assert is_working_day(d("2027-01-02")) is True


def test_removing_a_day_restores_the_ordinary_week(operator):
    assert services.calendar_day_delete(day=d("2026-10-01"), actor=operator) is True
    assert is_working_day(d("2026-10-01")) is True
    assert services.calendar_day_delete(day=d("2026-10-01"), actor=operator) is False


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("day", "working", "name", "field", "message"),
    [
        (
            "2026-12-26",
            False,
            "测试",
            "day",
            "2026-12-26 is a Saturday, a rest day anyway: enter only holidays that fall on a weekday.",
        ),
        (
            "2026-12-30",
            True,
            "测试",
            "day",
            "2026-12-30 is a Wednesday, a working day anyway: a make-up working day must be a Saturday or a "
            "Sunday.",
        ),
        ("2026-12-30", False, "  ", "name", "Enter the name of the day, e.g. 春节 or 春节调休上班."),
        ("2026-12-30", False, "长" * 41, "name", "Keep the name to 40 characters."),
        ("1999-12-31", False, "测试", "day", "Enter a date between 2000 and 2099."),
    ],
)
def test_a_wrong_day_is_refused_and_changes_nothing(operator, day, working, name, field, message):
    before = snapshot()
    assert is_working_day(d(day)) is not None  # cached before the attempt

    with pytest.raises(ValidationError) as refused:
        services.calendar_day_set(day=d(day), is_working_day=working, name=name, actor=operator)

    assert refused.value.message_dict == {field: [message]}
    assert snapshot() == before


def test_only_users_with_the_permission_may_change_the_calendar(clerk):
    before = snapshot()
    with pytest.raises(Forbidden):
        services.calendar_day_set(day=d("2027-01-01"), is_working_day=False, name="元旦", actor=clerk)
    with pytest.raises(Forbidden):
        services.calendar_day_delete(day=d("2026-10-01"), actor=clerk)
    with pytest.raises(Forbidden):
        services.calendar_year_publish(
            year=2027, days=[CalendarException(d("2027-01-01"), False, "测试")], source="test", actor=clerk
        )
    assert snapshot() == before

    clerk.user_permissions.add(Permission.objects.get(codename="change_calendarday"))
    clerk = type(clerk).objects.get(pk=clerk.pk)  # permissions are cached on the instance
    services.calendar_day_set(day=d("2027-01-01"), is_working_day=False, name="元旦", actor=clerk)


# --- A whole year ------------------------------------------------------------------------------------------------

TEST_2027 = [
    CalendarException(d("2027-01-01"), False, "测试假日"),
    CalendarException(d("2027-01-09"), True, "测试调休上班"),
]


def test_publishing_a_year_enters_it_in_one_go(operator):
    services.calendar_day_set(
        day=d("2027-03-03"), is_working_day=False, name="entered earlier", actor=operator
    )

    year = services.calendar_year_publish(
        year=2027, days=TEST_2027, source=" test notice ", published_on=d("2026-11-20"), actor=operator
    )

    assert (year.year, year.source, year.published_on) == (2027, "test notice", d("2026-11-20"))
    # The schedule replaces whatever the year held.
    assert list(
        CalendarDay.objects.filter(date__year=2027).values_list("date", "is_working_day", "name")
    ) == [
        (d("2027-01-01"), False, "测试假日"),
        (d("2027-01-09"), True, "测试调休上班"),
    ]
    assert is_working_day(d("2027-01-01")) is False
    assert is_working_day(d("2027-01-09")) is True
    assert is_working_day(d("2027-03-03")) is True
    assert unpublished_years(d("2027-01-01"), d("2027-12-31")) == []


def test_publishing_a_year_again_replaces_its_schedule(operator):
    services.calendar_year_publish(
        year=2026,
        days=[CalendarException(d("2026-10-01"), False, "国庆节")],
        source="corrected",
        actor=operator,
    )
    assert CalendarDay.objects.filter(date__year=2026).count() == 1
    assert CalendarDay.objects.filter(date__year=2025).count() == 23
    assert is_working_day(d("2026-02-16")) is True
    assert CalendarYear.objects.get(year=2026).source == "corrected"


@pytest.mark.usefixtures("english")
def test_a_wrong_schedule_is_refused_whole_with_every_reason(operator):
    before = snapshot()
    assert is_working_day(d("2026-02-16")) is False  # cached before the attempt

    with pytest.raises(ValidationError) as refused:
        services.calendar_year_publish(
            year=2026,
            days=[
                CalendarException(d("2026-02-16"), False, "春节"),
                CalendarException(d("2027-01-01"), False, "元旦"),
                CalendarException(d("2026-02-16"), False, "春节"),
                CalendarException(d("2026-02-21"), False, "春节"),
                CalendarException(d("2026-02-25"), True, "春节调休上班"),
                CalendarException(d("2026-02-17"), False, ""),
            ],
            source="",
            actor=operator,
        )

    assert refused.value.message_dict == {
        "source": ["Enter the notice the schedule comes from."],
        "days": [
            "2027-01-01 is not in 2026.",
            "2026-02-16 is listed twice.",
            "2026-02-21 is a Saturday, a rest day anyway: enter only holidays that fall on a weekday.",
            "2026-02-25 is a Wednesday, a working day anyway: a make-up working day must be a Saturday or a "
            "Sunday.",
            "2026-02-17: Enter the name of the day, e.g. 春节 or 春节调休上班.",
        ],
    }
    assert snapshot() == before
    assert is_working_day(d("2026-02-16")) is False


@pytest.mark.usefixtures("english")
def test_an_empty_schedule_or_a_wrong_year_is_refused(operator):
    with pytest.raises(ValidationError) as refused:
        services.calendar_year_publish(year=1999, days=[], source="test", actor=operator)
    assert refused.value.message_dict == {
        "year": ["Enter a year between 2000 and 2099."],
        "days": ["List the holidays and make-up working days of the year."],
    }
    assert not CalendarYear.objects.filter(year=1999).exists()


def test_the_cache_is_emptied_again_when_the_write_commits(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.calendar_year_publish(year=2027, days=TEST_2027, source="test", actor=operator)
    assert selectors.calendar_cache_clear in callbacks
