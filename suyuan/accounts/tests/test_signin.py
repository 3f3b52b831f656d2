"""Staff sign-in by username and password: success, failures, lockout, rate limit, sign-out."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from suyuan.accounts.choices import AuditKind, Role
from suyuan.accounts.models import AuditEvent, Organization, User
from suyuan.accounts.tests.factories import OrganizationFactory, UserFactory, staff
from suyuan.regions.tests.factories import make_real_regions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PASSWORD = "correct horse battery staple"
LOGIN_URL = "/accounts/login/"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def organization() -> Organization:
    return OrganizationFactory.create(region=make_real_regions()["330881"])


@pytest.fixture
def dispatcher(organization: Organization) -> User:
    return staff(Role.DISPATCHER, organization, username="dispatcher1")


def _post_login(client: Client, username: str, password: str, **extra: str):
    return client.post(LOGIN_URL, {"username": username, "password": password, **extra})


def _signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def _kinds() -> list[str]:
    return list(AuditEvent.objects.order_by("created_at", "id").values_list("kind", flat=True))


def _without_csrf(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


def test_login_page_has_labelled_fields_for_browsers_and_tests(client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    html = response.content.decode()
    for testid in ("staff-username", "staff-password", "staff-submit"):
        assert f'data-testid="{testid}"' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert '<label for="id_username">' in html


def test_staff_member_signs_in_and_lands_on_the_workbench(client, dispatcher):
    response = _post_login(client, "dispatcher1", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("web:staff_home")
    assert _signed_in_user_id(client) == str(dispatcher.pk)
    event = AuditEvent.objects.get(kind=AuditKind.SIGN_IN)
    assert event.actor == dispatcher
    assert event.target == f"accounts.user:{dispatcher.pk}"
    assert event.ip_address == "127.0.0.1"


def test_a_safe_next_is_followed_and_an_outside_one_ignored(client, dispatcher):
    response = _post_login(client, "dispatcher1", PASSWORD, next="/privacy/?a=1&b=2")
    assert response["Location"] == "/privacy/?a=1&b=2"

    client.logout()
    for unsafe in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = _post_login(client, "dispatcher1", PASSWORD, next=unsafe)
        assert response["Location"] == reverse("web:staff_home"), unsafe
        client.logout()


def test_next_survives_the_form_as_a_hidden_field(client):
    response = client.get(LOGIN_URL, {"next": "/staff/"})

    assert 'name="next" value="/staff/"' in response.content.decode()
    response = client.get(LOGIN_URL, {"next": "https://evil.example/"})
    assert 'name="next" value="https://evil' not in response.content.decode()


def test_wrong_password_and_unknown_username_get_the_same_answer(client, dispatcher):
    wrong_password = _post_login(client, "dispatcher1", "not the password")
    unknown_user = _post_login(client, "nobody-here", "not the password")

    assert wrong_password.status_code == unknown_user.status_code == 200
    assert _signed_in_user_id(client) is None
    assert (
        wrong_password.context["form"].non_field_errors() == unknown_user.context["form"].non_field_errors()
    )
    assert "The username or password is not correct." in wrong_password.content.decode()
    failed = AuditEvent.objects.filter(kind=AuditKind.SIGN_IN_FAILED).order_by("id")
    assert [e.attempted_username for e in failed] == ["dispatcher1", "nobody-here"]
    assert all(e.actor is None for e in failed)


def test_empty_fields_are_errors_next_to_the_fields_and_not_attempts(client):
    response = _post_login(client, "", "")

    form = response.context["form"]
    assert form.errors["username"] and form.errors["password"]
    assert 'id="id_username_errors"' in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_a_citizen_without_a_password_cannot_sign_in_here(client):
    citizen = User.objects.create_user(password=None, phone="13800138000")

    for password in ("", "!", citizen.password, PASSWORD):
        _post_login(client, citizen.username, password)
        assert _signed_in_user_id(client) is None


def test_an_inactive_staff_member_cannot_sign_in(client, organization):
    staff(Role.DISPATCHER, organization, username="gone", is_active=False)

    response = _post_login(client, "gone", PASSWORD)

    assert _signed_in_user_id(client) is None
    assert "The username or password is not correct." in response.content.decode()


def test_five_failures_lock_the_account_even_for_the_right_password_until_the_cool_off_ends(
    client, dispatcher
):
    with time_machine.travel(START, tick=False) as traveller:
        for attempt in range(1, 5):
            response = _post_login(client, "dispatcher1", f"wrong {attempt}")
            assert response.status_code == 200, attempt

        fifth = _post_login(client, "dispatcher1", "wrong 5")
        assert fifth.status_code == 429
        page = fifth.content.decode()
        assert "too many failed attempts" in page
        assert "15 minutes" in page
        assert "contact your administrator" in page
        assert 'data-testid="locked-out"' in page

        traveller.shift(dt.timedelta(minutes=5))
        still_locked = _post_login(client, "dispatcher1", PASSWORD)
        assert still_locked.status_code == 429
        assert _signed_in_user_id(client) is None

        traveller.shift(dt.timedelta(minutes=16))
        response = _post_login(client, "dispatcher1", PASSWORD)
        assert response.status_code == 302
        assert _signed_in_user_id(client) == str(dispatcher.pk)

    assert _kinds() == [AuditKind.SIGN_IN_FAILED] * 5 + [AuditKind.LOCKED_OUT] * 2 + [AuditKind.SIGN_IN]
    locked = AuditEvent.objects.filter(kind=AuditKind.LOCKED_OUT).order_by("id")
    assert [e.reason for e in locked] == ["too many failures", "attempt during lockout"]
    assert all(e.attempted_username == "dispatcher1" for e in locked)


def test_an_unknown_username_is_locked_out_with_the_same_page(client, dispatcher):
    with time_machine.travel(START, tick=False):
        pages = {}
        for username in ("dispatcher1", "no-such-person"):
            for attempt in range(5):
                response = _post_login(client, username, f"wrong {attempt}")
            assert response.status_code == 429
            pages[username] = _without_csrf(_post_login(client, username, "again").content.decode())

    assert pages["dispatcher1"] == pages["no-such-person"]


def test_lockout_applies_to_the_account_name_not_to_other_accounts(client, dispatcher, organization):
    other = staff(Role.MEDIATOR, organization, username="mediator1")
    with time_machine.travel(START, tick=False):
        for attempt in range(5):
            _post_login(client, "dispatcher1", f"wrong {attempt}")

        response = _post_login(client, "mediator1", PASSWORD)

        assert response.status_code == 302
        # Read inside the frozen time: outside it the session would have expired long ago.
        assert _signed_in_user_id(client) == str(other.pk)


def test_one_address_is_rate_limited_across_account_names(client, dispatcher):
    with time_machine.travel(START, tick=False):
        for attempt in range(30):
            response = _post_login(client, f"guess{attempt}", "password")
            assert response.status_code == 200, attempt

        limited = _post_login(client, "dispatcher1", PASSWORD)
        _post_login(client, "dispatcher1", PASSWORD)
        assert _signed_in_user_id(client) is None

    assert limited.status_code == 429
    # Refused requests are audited once a minute, not once each.
    assert AuditEvent.objects.filter(kind=AuditKind.RATE_LIMITED).count() == 1


def test_the_sign_in_page_itself_is_not_rate_limited(client):
    for _ in range(40):
        assert client.get(LOGIN_URL).status_code == 200


def test_sign_out_is_a_post_that_ends_the_session_and_is_audited(client, dispatcher):
    _post_login(client, "dispatcher1", PASSWORD)

    assert client.get("/accounts/logout/").status_code == 405
    assert _signed_in_user_id(client) == str(dispatcher.pk)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == reverse("web:portal_home")
    assert _signed_in_user_id(client) is None
    event = AuditEvent.objects.get(kind=AuditKind.SIGN_OUT)
    assert event.actor == dispatcher


def test_signing_out_when_not_signed_in_writes_nothing(client):
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert not AuditEvent.objects.exists()


def test_the_page_is_translated(client):
    response = client.get(LOGIN_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert "Staff sign-in" in response.content.decode()


def test_plain_user_factory_staff_password_works(client):
    # The factory's password is the one the demo and the browser tests rely on.
    user = UserFactory.create(username="plain")

    _post_login(client, "plain", PASSWORD)

    assert _signed_in_user_id(client) == str(user.pk)


def test_the_admin_site_signs_in_through_the_staff_sign_in(client):
    response = client.get("/admin/login/?next=/admin/matters/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/matters/"
    # Posting a password to the admin's own form signs nobody in: it only redirects.
    posted = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")
