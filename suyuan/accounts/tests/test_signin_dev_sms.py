"""The development SMS outbox page exists only with DEBUG on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from suyuan.notifications.models import DevSmsMessage
from suyuan.notifications.sms import send_sms

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_outbox_is_not_found_without_debug(client, settings):
    settings.DEBUG = False
    DevSmsMessage.objects.create(phone="13800138000", body="secret 123456")

    response = client.get("/dev/sms/")

    assert response.status_code == 404
    assert b"123456" not in response.content


def test_the_outbox_lists_the_newest_fifty_messages_first(client, settings):
    settings.DEBUG = True
    now = timezone.now()
    for i in range(55):
        DevSmsMessage.objects.create(
            reference=f"sy-{i}",
            phone="13800138000",
            body=f"message {i:02d}",
            created_at=now + dt.timedelta(seconds=i),
        )

    response = client.get("/dev/sms/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="dev-sms"') == 50
    assert html.index("message 54") < html.index("message 53")
    assert "message 04" not in html


def test_codes_sent_by_the_log_backend_show_up_on_the_page(client, settings):
    settings.DEBUG = True
    settings.SMS_BACKEND = "suyuan.notifications.sms.LogSmsBackend"

    client.post("/accounts/citizen/", {"phone": "13800138000"})

    assert DevSmsMessage.objects.count() == 1
    html = client.get("/dev/sms/").content.decode()
    assert "Your sign-in code is" in html or "验证码" in html


def test_the_outbox_is_empty_at_first(client, settings):
    settings.DEBUG = True

    assert 'data-testid="dev-sms-empty"' in client.get("/dev/sms/").content.decode()


def test_the_memory_backend_is_what_tests_use(sms_outbox):
    send_sms(phone="13800138000", body="hello", reference="sy-1")

    assert sms_outbox == [("13800138000", "hello")]
    assert not DevSmsMessage.objects.exists()
