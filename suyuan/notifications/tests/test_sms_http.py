"""The HTTP SMS gateway adapter against a real local gateway that fails, times out, then recovers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from suyuan.notifications import services, tasks
from suyuan.notifications.choices import MessageStatus
from suyuan.notifications.tests.servers import Gateway, sms_gateway

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
SECRET = "county shared secret"


@pytest.fixture
def http_sms(settings):
    def configure(url: str) -> None:
        settings.SMS_BACKEND = "suyuan.notifications.sms.HttpSmsBackend"
        settings.SMS_HTTP_URL = url
        settings.SMS_HTTP_KEY_ID = "jiangshan"
        settings.SMS_HTTP_SECRET = SECRET
        settings.SMS_SIGN_NAME = "江山诉源"
        settings.SMS_HTTP_TIMEOUT = 0.5

    return configure


def test_failures_and_a_timeout_end_in_exactly_one_accepted_message(http_sms):
    # First a server error, then the gateway accepts the message but answers after our timeout.
    gateway = Gateway(secret=SECRET, plan=["500", "slow"], slow_seconds=1.5)
    start = timezone.now()
    with sms_gateway(gateway) as url:
        http_sms(url)
        with time_machine.travel(start, tick=False):
            message = services.sms_queue(phone=PHONE, body="纠纷已受理", purpose="notice")
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
        assert message.last_error == "SmsGatewayError: HTTP 500 from the gateway"

        with time_machine.travel(start + timedelta(seconds=11), tick=False):
            assert services.messages_sweep() == 1  # the worker's retry, through deliver_message
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.QUEUED, 2)
        assert "timed out" in message.last_error
        assert len(gateway.accepted) == 1  # it reached the phone although we never heard back

        with time_machine.travel(start + timedelta(seconds=11 + 61), tick=False):
            assert services.messages_sweep() == 1
            tasks.deliver_message.enqueue(message.pk)  # a duplicate task changes nothing

    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 3, "")
    assert gateway.accepted == {f"sy-{message.pk}": (PHONE, "纠纷已受理")}
    assert [r["out_id"] for r in gateway.requests] == [f"sy-{message.pk}"] * 3
    assert {(r["key_id"], r["sign_name"]) for r in gateway.requests} == {("jiangshan", "江山诉源")}


def test_an_error_code_in_the_answer_is_retried(http_sms):
    refusal = {"code": "isv.BUSINESS_LIMIT_CONTROL", "message": "too many messages"}
    gateway = Gateway(secret=SECRET, plan=[refusal], slow_seconds=0)
    with sms_gateway(gateway) as url:
        http_sms(url)
        message = services.sms_queue(phone=PHONE, body="hello", purpose="notice")
        message.refresh_from_db()
        assert message.status == MessageStatus.QUEUED
        assert "isv.BUSINESS_LIMIT_CONTROL: too many messages" in message.last_error
        assert "hello" not in message.last_error

        with time_machine.travel(timezone.now() + timedelta(seconds=11), tick=False):
            services.messages_sweep()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(gateway.accepted) == 1


def test_a_wrong_secret_is_refused_by_the_gateway(http_sms, settings):
    gateway = Gateway(secret="another secret", plan=[], slow_seconds=0)
    with sms_gateway(gateway) as url:
        http_sms(url)
        message = services.sms_queue(phone=PHONE, body="hello", purpose="notice")
    message.refresh_from_db()
    assert (message.status, message.last_error) == (
        MessageStatus.QUEUED,
        "SmsGatewayError: HTTP 401 from the gateway",
    )
    assert gateway.accepted == {}


def test_an_unreachable_gateway_is_retried(http_sms):
    from suyuan.notifications.tests.servers import free_port

    http_sms(f"http://127.0.0.1:{free_port()}/sms/send")
    message = services.sms_queue(phone=PHONE, body="hello", purpose="notice")
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    assert message.last_error.startswith("SmsGatewayError: gateway unreachable")


def test_a_gateway_address_that_is_not_http_is_refused(http_sms):
    http_sms("file:///etc/passwd")
    message = services.sms_queue(phone=PHONE, body="hello", purpose="notice")
    message.refresh_from_db()
    assert message.last_error == "SmsGatewayError: SMS_HTTP_URL is not an http(s) address"
