"""Citizen sign-in by phone number and one-time code sent by SMS."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory

from suyuan.accounts import signin
from suyuan.accounts.choices import AuditKind
from suyuan.accounts.models import AuditEvent, SignInCode, User
from suyuan.accounts.tests.factories import UserFactory
from suyuan.core.identifiers import PHONE, hash_identifier
from suyuan.notifications.choices import MessageStatus
from suyuan.notifications.models import OutboundMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PHONE_NUMBER = "13800138000"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
STEP_1 = "/accounts/citizen/"
STEP_2 = "/accounts/citizen/code/"


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as frozen:
        yield frozen


def _request_code(client: Client, phone: str = PHONE_NUMBER, **extra: str):
    return client.post(STEP_1, {"phone": phone, **extra})


def _code_from(sms_outbox: list[tuple[str, str]]) -> str:
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", sms_outbox[-1][1])
    assert match, sms_outbox[-1]
    return match.group(1)


def _signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def _without_csrf(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


def test_the_phone_page_is_made_for_phones(client):
    html = client.get(STEP_1).content.decode()

    assert 'data-testid="citizen-phone"' in html and 'data-testid="citizen-send"' in html
    assert 'type="tel"' in html and 'autocomplete="tel"' in html


def test_asking_for_a_code_stores_only_its_hash_and_texts_it(client, sms_outbox, traveller):
    response = _request_code(client, "138 0013 8000")

    assert response.status_code == 302
    assert response["Location"] == STEP_2
    assert len(sms_outbox) == 1
    phone, body = sms_outbox[0]
    assert phone == PHONE_NUMBER
    code = _code_from(sms_outbox)
    assert "5" in body  # minutes of validity
    row = SignInCode.objects.get()
    assert row.phone_hash == hash_identifier(PHONE, PHONE_NUMBER)
    assert code not in row.code_hash
    assert row.expires_at == START + dt.timedelta(minutes=5)
    assert row.attempts == 0 and row.used_at is None
    event = AuditEvent.objects.get(kind=AuditKind.CODE_SENT)
    assert event.attempted_username == "138****8000"
    assert PHONE_NUMBER not in str(client.session.items())


def test_the_message_gives_the_code_and_warns_not_to_share_it(client, sms_outbox, traveller):
    _request_code(client, HTTP_ACCEPT_LANGUAGE="en")

    body = sms_outbox[0][1]
    assert body.startswith("[Suyuan] Your sign-in code is ")
    assert "valid for 5 minutes" in body and "Do not tell it to anyone." in body


def test_the_right_code_creates_the_citizen_and_signs_them_in(client, sms_outbox, traveller):
    _request_code(client)
    page = client.get(STEP_2)
    html = page.content.decode()
    assert "138****8000" in html and PHONE_NUMBER not in html
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert 'data-testid="citizen-code"' in html and 'data-testid="citizen-verify"' in html

    response = client.post(STEP_2, {"code": _code_from(sms_outbox)})

    assert response.status_code == 302
    assert response["Location"] == "/"
    citizen = User.objects.get(phone_hash=hash_identifier(PHONE, PHONE_NUMBER))
    assert _signed_in_user_id(client) == str(citizen.pk)
    assert citizen.phone == PHONE_NUMBER
    assert not citizen.has_usable_password()
    assert not citizen.memberships.exists()
    assert SignInCode.objects.get().used_at is not None
    event = AuditEvent.objects.get(kind=AuditKind.SIGN_IN)
    assert event.actor == citizen and event.reason == "phone code"
    # The citizen stays signed in on the next request (the session backend can load them).
    assert client.get("/").wsgi_request.user == citizen


def test_a_returning_citizen_gets_the_same_account(client, sms_outbox, traveller):
    existing = User.objects.create_user(
        password=None, phone=PHONE_NUMBER, phone_hash=hash_identifier(PHONE, PHONE_NUMBER)
    )
    _request_code(client)

    client.post(STEP_2, {"code": _code_from(sms_outbox)})

    assert _signed_in_user_id(client) == str(existing.pk)
    assert User.objects.count() == 1


def test_a_safe_next_is_carried_through_both_steps(client, sms_outbox, traveller):
    response = _request_code(client, next="/privacy/")
    assert response["Location"] == f"{STEP_2}?next=%2Fprivacy%2F"
    assert 'name="next" value="/privacy/"' in client.get(response["Location"]).content.decode()

    response = client.post(STEP_2, {"code": _code_from(sms_outbox), "next": "/privacy/"})

    assert response["Location"] == "/privacy/"


def test_an_outside_next_is_ignored(client, sms_outbox, traveller):
    _request_code(client)

    response = client.post(STEP_2, {"code": _code_from(sms_outbox), "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_a_wrong_code_is_refused_and_counted(client, sms_outbox, traveller):
    _request_code(client)
    code = _code_from(sms_outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    response = client.post(STEP_2, {"code": wrong})

    assert response.status_code == 200
    assert "That code is not correct." in response.content.decode()
    assert 'id="id_code_errors"' in response.content.decode()
    assert _signed_in_user_id(client) is None
    assert SignInCode.objects.get().attempts == 1
    event = AuditEvent.objects.get(kind=AuditKind.CODE_FAILED)
    assert event.reason == "wrong" and event.attempted_username == "138****8000"
    assert not User.objects.exists()


def test_a_code_works_only_once(client, sms_outbox, traveller):
    _request_code(client)
    code = _code_from(sms_outbox)
    client.post(STEP_2, {"code": code})
    client.post("/accounts/logout/")

    other = Client()
    _request_code(other)  # sets the phone in the other session ...
    traveller.shift(dt.timedelta(seconds=61))
    # ... but only the newest code counts, and the old one is spent anyway.
    response = other.post(STEP_2, {"code": code})

    assert _signed_in_user_id(other) is None
    assert response.context["form"].errors["code"]


def test_the_service_refuses_a_spent_code(client, sms_outbox, traveller):
    _request_code(client)
    code = _code_from(sms_outbox)
    client.post(STEP_2, {"code": code})
    client.post("/accounts/logout/")

    with pytest.raises(ValidationError) as replay:
        signin.signin_code_verify(phone=PHONE_NUMBER, code=code, request=RequestFactory().post("/"))

    assert replay.value.code == "expired"
    assert AuditEvent.objects.filter(kind=AuditKind.SIGN_IN).count() == 1


def test_a_code_expires(client, sms_outbox, traveller):
    _request_code(client)
    traveller.shift(dt.timedelta(minutes=5, seconds=1))

    response = client.post(STEP_2, {"code": _code_from(sms_outbox)})

    assert "This code has expired or has already been used." in response.content.decode()
    assert _signed_in_user_id(client) is None
    assert AuditEvent.objects.get(kind=AuditKind.CODE_FAILED).reason == "expired"


def test_a_code_survives_until_just_before_it_expires(client, sms_outbox, traveller):
    _request_code(client)
    traveller.shift(dt.timedelta(minutes=4, seconds=59))

    client.post(STEP_2, {"code": _code_from(sms_outbox)})

    assert _signed_in_user_id(client) is not None


def test_after_five_wrong_codes_even_the_right_one_fails(client, sms_outbox, traveller):
    _request_code(client)
    code = _code_from(sms_outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    answers = [client.post(STEP_2, {"code": wrong}) for _ in range(5)]
    right = client.post(STEP_2, {"code": code})

    assert "That code is not correct." in answers[0].content.decode()
    assert "Too many wrong codes." in answers[-1].content.decode()
    assert "Too many wrong codes." in right.content.decode()
    assert _signed_in_user_id(client) is None
    assert SignInCode.objects.get().attempts == 5


def test_a_new_code_replaces_the_old_one(client, sms_outbox, traveller):
    _request_code(client)
    old = _code_from(sms_outbox)
    traveller.shift(dt.timedelta(seconds=61))
    _request_code(client)
    new = _code_from(sms_outbox)

    if old != new:
        client.post(STEP_2, {"code": old})
        assert _signed_in_user_id(client) is None
    client.post(STEP_2, {"code": new})
    assert _signed_in_user_id(client) is not None


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "12345",
        "abcdefghijk",
        "1380013800",
        "138001380001",
        "23800138000",
        "+1 202 555 0100",
        "010-12345678",
    ],
)
def test_a_bad_phone_number_changes_nothing(client, sms_outbox, bad):
    response = _request_code(client, bad)

    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert 'id="id_phone_errors"' in response.content.decode()
    assert not SignInCode.objects.exists()
    assert sms_outbox == []
    assert not AuditEvent.objects.exists()
    assert "suyuan.signin.phone" not in client.session


def test_the_answer_is_the_same_whether_an_account_exists_or_not(client, sms_outbox, traveller):
    known, unknown = "13800138000", "13900139000"
    User.objects.create_user(password=None, phone=known, phone_hash=hash_identifier(PHONE, known))

    pages = {}
    for phone in (known, unknown):
        browser = Client()
        response = _request_code(browser, phone)
        assert response.status_code == 302 and response["Location"] == STEP_2
        html = _without_csrf(browser.get(STEP_2).content.decode())
        pages[phone] = html.replace(phone[:3] + "****" + phone[-4:], "PHONE")

    assert pages[known] == pages[unknown]
    assert len(sms_outbox) == 2
    assert SignInCode.objects.count() == 2


def test_one_phone_gets_one_code_a_minute_and_five_an_hour(client, sms_outbox, traveller):
    assert _request_code(client).status_code == 302

    again = _request_code(client)
    assert again.status_code == 429
    assert "Wait a minute" in again.content.decode()
    assert 'data-testid="citizen-have-code"' in again.content.decode()
    assert len(sms_outbox) == 1

    for _ in range(4):
        traveller.shift(dt.timedelta(seconds=61))
        assert _request_code(client).status_code == 302
    traveller.shift(dt.timedelta(seconds=61))
    sixth = _request_code(client)
    assert sixth.status_code == 429
    assert "Try again in an hour." in sixth.content.decode()
    assert len(sms_outbox) == 5

    traveller.shift(dt.timedelta(hours=1))
    assert _request_code(client).status_code == 302
    assert len(sms_outbox) == 6


def test_one_address_is_rate_limited_across_phone_numbers(client, sms_outbox, traveller):
    for i in range(20):
        assert _request_code(client, f"1390000{i:04d}").status_code == 302, i

    limited = _request_code(client, "13900009999")

    assert limited.status_code == 429
    assert len(sms_outbox) == 20
    assert AuditEvent.objects.filter(kind=AuditKind.RATE_LIMITED).count() == 1


def test_code_checks_are_rate_limited_by_address(client, sms_outbox, traveller):
    _request_code(client)
    for _ in range(30):
        client.post(STEP_2, {"code": "12"})

    assert client.post(STEP_2, {"code": _code_from(sms_outbox)}).status_code == 429
    assert _signed_in_user_id(client) is None


def test_the_code_page_without_a_phone_goes_back_to_step_one(client):
    response = client.get(STEP_2, {"next": "/privacy/"})

    assert response.status_code == 302
    assert response["Location"] == f"{STEP_1}?next=%2Fprivacy%2F"


def test_full_width_digits_and_spaces_in_the_code_are_accepted(client, sms_outbox, traveller):
    _request_code(client, "１３８００１３８０００")
    code = _code_from(sms_outbox)
    typed = code[:3] + " " + code[3:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    client.post(STEP_2, {"code": typed})

    assert _signed_in_user_id(client) is not None


def test_a_malformed_code_is_not_counted(client, sms_outbox, traveller):
    _request_code(client)

    response = client.post(STEP_2, {"code": "12a45"})

    assert response.context["form"].errors["code"]
    assert SignInCode.objects.get().attempts == 0


def test_a_staff_account_cannot_sign_in_by_text_message(client, sms_outbox, traveller):
    UserFactory.create(username="clerk", phone=PHONE_NUMBER, phone_hash=hash_identifier(PHONE, PHONE_NUMBER))
    _request_code(client)

    response = client.post(STEP_2, {"code": _code_from(sms_outbox)})

    assert _signed_in_user_id(client) is None
    assert "staff account" in response.content.decode()
    assert AuditEvent.objects.get(kind=AuditKind.CODE_FAILED).reason == "staff_account"


def test_a_disabled_citizen_cannot_sign_in(client, sms_outbox, traveller):
    User.objects.create_user(
        password=None, phone=PHONE_NUMBER, phone_hash=hash_identifier(PHONE, PHONE_NUMBER), is_active=False
    )
    _request_code(client)

    client.post(STEP_2, {"code": _code_from(sms_outbox)})

    assert _signed_in_user_id(client) is None


def test_the_service_rejects_a_bad_number_with_a_translated_error():
    request = RequestFactory().post("/")

    with pytest.raises(ValidationError) as error:
        signin.signin_code_request(phone="12345", request=request)

    assert error.value.code == "length"
    assert not SignInCode.objects.exists()


def test_a_failing_sms_gateway_keeps_the_code_queued_for_retry(client, settings, traveller):
    settings.SMS_BACKEND = "suyuan.accounts.tests.test_citizen_code.BrokenSmsBackend"

    response = _request_code(client)

    # The code exists and its message waits in the outbox; the worker retries the gateway.
    assert response.status_code == 302
    assert SignInCode.objects.count() == 1
    message = OutboundMessage.objects.get(purpose="sign_in_code")
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert "gateway down" in message.last_error


class BrokenSmsBackend:
    def send(self, *, phone: str, body: str, reference: str) -> None:
        raise ConnectionError("gateway down")


@pytest.mark.django_db
def test_old_sign_in_codes_are_pruned_and_recent_ones_kept():
    from datetime import timedelta

    from django.utils import timezone

    from suyuan.accounts.models import SignInCode
    from suyuan.accounts.signin import sign_in_codes_prune

    now = timezone.now()
    for hours in (1, 23, 25, 100):
        SignInCode.objects.create(
            phone_hash=f"h{hours}", code_hash="x", created_at=now - timedelta(hours=hours), expires_at=now
        )
    assert sign_in_codes_prune(now=now) == 2
    assert sorted(SignInCode.objects.values_list("phone_hash", flat=True)) == ["h1", "h23"]
