"""The calendar in the Django admin: lists with filters, and saves that are validated and seen at once."""

from datetime import date

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from suyuan.workdays.models import CalendarDay, CalendarYear
from suyuan.workdays.selectors import unpublished_years
from suyuan.workdays.services import is_working_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, operator):
    """The operator signed in, second factor passed (platform operators must use one)."""
    client.force_login(operator, backend="suyuan.accounts.backends.StaffPasswordBackend")
    device = TOTPDevice.objects.create(user=operator, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_the_days_are_listed_and_filtered(operator_client):
    response = operator_client.get(
        "/admin/workdays/calendarday/", {"year": "2026", "is_working_day__exact": "1"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "春节调休上班" in page
    assert "2025" in page  # offered as a year to filter on
    assert list(response.context["cl"].result_list.values_list("date", flat=True)) == [
        date(2026, 10, 10),
        date(2026, 9, 20),
        date(2026, 5, 9),
        date(2026, 2, 28),
        date(2026, 2, 14),
        date(2026, 1, 4),
    ]
    unpublished = operator_client.get("/admin/workdays/calendarday/", {"published": "no"})
    assert list(unpublished.context["cl"].result_list) == []


def test_the_years_are_listed(operator_client):
    response = operator_client.get("/admin/workdays/calendaryear/", {"published_on__gte": "2025-01-01"})
    assert response.status_code == 200
    assert [year.year for year in response.context["cl"].result_list] == [2026]


@pytest.mark.usefixtures("english")
def test_a_holiday_on_a_saturday_is_refused(operator_client):
    response = operator_client.post(
        "/admin/workdays/calendarday/add/", {"date": "2026-12-26", "name": "测试", "is_working_day": ""}
    )
    assert response.status_code == 200
    assert "a rest day anyway" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2026, 12, 26)).exists()


def test_a_day_saved_in_the_admin_counts_at_once(operator_client):
    assert is_working_day(date(2026, 12, 31)) is True  # cached
    # Test data, not an official holiday.
    response = operator_client.post(
        "/admin/workdays/calendarday/add/", {"date": "2026-12-31", "name": "测试假日"}
    )
    assert response.status_code == 302
    assert is_working_day(date(2026, 12, 31)) is False

    operator_client.post("/admin/workdays/calendarday/2026-12-31/delete/", {"post": "yes"})
    assert is_working_day(date(2026, 12, 31)) is True


def test_a_year_is_published_from_the_admin(operator_client):
    response = operator_client.post(
        "/admin/workdays/calendaryear/add/", {"year": "2027", "source": "test", "published_on": ""}
    )
    assert response.status_code == 302
    assert CalendarYear.objects.filter(year=2027).exists()
    assert unpublished_years(date(2027, 1, 1), date(2027, 1, 1)) == []
