"""The second factor (TOTP): enrolment, verification, throttling, and the gate in front of every page."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from suyuan.accounts.choices import AuditKind, Role
from suyuan.accounts.models import AuditEvent, Organization, User
from suyuan.accounts.tests.factories import OrganizationFactory, UserFactory, staff
from suyuan.regions.tests.factories import make_real_regions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PASSWORD = "correct horse battery staple"
SECOND_FACTOR_URL = "/accounts/second-factor/"
START = dt.datetime(2026, 3, 2, 9, 0, 5, tzinfo=dt.UTC)


@pytest.fixture
def organization() -> Organization:
    return OrganizationFactory.create(region=make_real_regions()["330881"])


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as frozen:
        yield frozen


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _sign_in(client: Client, username: str):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def _confirmed_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def test_a_supervisor_is_sent_to_enrol_after_the_password(client, organization, traveller):
    staff(Role.SUPERVISOR, organization, username="sup")

    response = _sign_in(client, "sup")

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == SECOND_FACTOR_URL
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and 'data-testid="totp-qr"' in html
    device = TOTPDevice.objects.get(user__username="sup")
    assert not device.confirmed
    secret = page.context["secret"].replace(" ", "")
    assert len(secret) == 32
    assert page.context["secret"] in html
    # Reloading shows the same key: the person may have scanned it already.
    assert client.get(SECOND_FACTOR_URL).context["secret"] == page.context["secret"]
    assert TOTPDevice.objects.filter(user__username="sup").count() == 1
    for testid in ("totp-code", "totp-submit", "logout"):
        assert f'data-testid="{testid}"' in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html


def test_enrolment_is_confirmed_by_the_first_code(client, organization, traveller):
    supervisor = staff(Role.SUPERVISOR, organization, username="sup")
    _sign_in(client, "sup")
    client.get(SECOND_FACTOR_URL)
    device = TOTPDevice.objects.get(user=supervisor)

    wrong = client.post(SECOND_FACTOR_URL, {"code": _wrong(_code(device))})
    assert wrong.status_code == 200
    assert "That code is not correct." in wrong.content.decode()
    assert client.get("/staff/").status_code == 302

    traveller.shift(dt.timedelta(seconds=3))  # past django-otp's one-second throttle after a failure
    right = client.post(SECOND_FACTOR_URL, {"code": _code(device), "next": "/staff/"})

    assert right.status_code == 302
    assert right["Location"] == "/staff/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/staff/").status_code == 200
    kinds = list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [AuditKind.SIGN_IN, AuditKind.SECOND_FACTOR_FAILED, AuditKind.SECOND_FACTOR_ENROLLED]


def test_an_enrolled_administrator_passes_with_a_code(client, organization, traveller):
    admin = staff(Role.ADMINISTRATOR, organization, username="adm")
    device = _confirmed_device(admin)

    response = _sign_in(client, "adm")
    page = client.get(response["Location"])

    assert "<svg" not in page.content.decode()
    assert 'data-testid="totp-code"' in page.content.decode()
    assert client.get("/staff/").status_code == 302

    response = client.post(SECOND_FACTOR_URL, {"code": _code(device)})

    assert response.status_code == 302
    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert client.get("/api/me").status_code == 200
    # Once verified, the second-factor page just sends the person on.
    assert client.get(SECOND_FACTOR_URL).status_code == 302


def test_wrong_codes_are_audited_and_throttled(client, organization, traveller):
    admin = staff(Role.ADMINISTRATOR, organization, username="adm")
    device = _confirmed_device(admin)
    _sign_in(client, "adm")

    first = client.post(SECOND_FACTOR_URL, {"code": _wrong(_code(device))})
    assert "That code is not correct." in first.content.decode()

    # Right away, even the right code is refused: django-otp asks for a growing pause after failures.
    second = client.post(SECOND_FACTOR_URL, {"code": _code(device)})
    assert "Too many wrong codes." in second.content.decode()
    assert client.get("/staff/").status_code == 302

    failures = AuditEvent.objects.filter(kind=AuditKind.SECOND_FACTOR_FAILED).order_by("id")
    assert [e.reason for e in failures] == ["wrong", "throttled"]
    assert all(e.actor == admin for e in failures)

    traveller.shift(dt.timedelta(seconds=2))
    third = client.post(SECOND_FACTOR_URL, {"code": _code(device)})
    assert third.status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_code_cannot_be_used_twice(client, organization, traveller):
    admin = staff(Role.ADMINISTRATOR, organization, username="adm")
    device = _confirmed_device(admin)
    code = _code(device)
    _sign_in(client, "adm")
    assert client.post(SECOND_FACTOR_URL, {"code": code}).status_code == 302

    other = Client()
    _sign_in(other, "adm")
    response = other.post(SECOND_FACTOR_URL, {"code": code})

    assert response.status_code == 200
    assert "That code is not correct." in response.content.decode()


def test_codes_must_be_six_digits(client, organization, traveller):
    admin = staff(Role.ADMINISTRATOR, organization, username="adm")
    _confirmed_device(admin)
    _sign_in(client, "adm")

    for bad in ("", "12345", "1234567", "abcdef"):
        response = client.post(SECOND_FACTOR_URL, {"code": bad})
        assert response.status_code == 200
        assert response.context["form"].errors["code"], bad
    assert not AuditEvent.objects.filter(kind=AuditKind.SECOND_FACTOR_FAILED).exists()


def test_full_width_digits_and_spaces_are_accepted(client, organization, traveller):
    admin = staff(Role.ADMINISTRATOR, organization, username="adm")
    device = _confirmed_device(admin)
    _sign_in(client, "adm")
    code = _code(device)
    typed = " ".join([code[:3].translate(str.maketrans("0123456789", "０１２３４５６７８９")), code[3:]])

    assert client.post(SECOND_FACTOR_URL, {"code": typed}).status_code == 302


def test_the_gate_blocks_pages_and_the_api_until_the_second_factor(client, organization, traveller):
    staff(Role.SUPERVISOR, organization, username="sup")
    _sign_in(client, "sup")

    page = client.get("/staff/?tab=a&b=c")
    assert page.status_code == 302
    location = urlsplit(page["Location"])
    assert location.path == SECOND_FACTOR_URL
    # The whole path, query included, comes back as one ``next`` value.
    assert parse_qs(location.query) == {"next": ["/staff/?tab=a&b=c"]}

    api = client.get("/api/me")
    assert api.status_code == 403
    assert api["Content-Type"] == "application/json"
    assert api.json()["detail"]

    htmx = client.get("/staff/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"].startswith(SECOND_FACTOR_URL)

    # Signing out, the second-factor page itself and the language switch stay reachable.
    assert client.get(SECOND_FACTOR_URL).status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/staff/").status_code == 302  # now to the sign-in page
    assert client.get("/staff/")["Location"].startswith("/accounts/login/")


def test_a_platform_operator_is_gated_too(client, traveller):
    UserFactory.create(username="root", is_superuser=True, is_staff=True)
    _sign_in(client, "root")

    assert urlsplit(client.get("/staff/")["Location"]).path == SECOND_FACTOR_URL
    assert client.get("/admin/").status_code == 302


def test_a_dispatcher_is_not_asked_for_a_second_factor(client, organization, traveller):
    staff(Role.DISPATCHER, organization, username="disp")

    response = _sign_in(client, "disp")

    assert response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    assert client.get("/api/me").status_code == 200
    assert client.get(SECOND_FACTOR_URL)["Location"] == "/staff/"
    assert not TOTPDevice.objects.exists()


def test_a_new_password_sign_in_needs_the_second_factor_again(client, organization, traveller):
    admin = staff(Role.ADMINISTRATOR, organization, username="adm")
    device = _confirmed_device(admin)
    _sign_in(client, "adm")
    client.post(SECOND_FACTOR_URL, {"code": _code(device)})
    assert client.get("/staff/").status_code == 200

    _sign_in(client, "adm")

    assert client.get("/staff/").status_code == 302


def test_the_second_factor_page_needs_a_signed_in_user(client):
    response = client.get(SECOND_FACTOR_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_second_factor_attempts_are_rate_limited(client, organization, traveller):
    admin = staff(Role.ADMINISTRATOR, organization, username="adm")
    _confirmed_device(admin)
    _sign_in(client, "adm")

    for _ in range(10):
        assert client.post(SECOND_FACTOR_URL, {"code": "000000"}).status_code == 200

    assert client.post(SECOND_FACTOR_URL, {"code": "000000"}).status_code == 429
    assert AuditEvent.objects.filter(kind=AuditKind.RATE_LIMITED, actor=admin).count() == 1
