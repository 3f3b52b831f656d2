from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from suyuan.notifications import services
from suyuan.notifications.choices import MessageStatus
from suyuan.notifications.models import DevSmsMessage, OutboundMessage

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


class FlakySmsBackend:
    """A gateway that fails a set number of times, then accepts."""

    failures_left = 0

    def send(self, *, phone: str, body: str, reference: str) -> None:
        if FlakySmsBackend.failures_left > 0:
            FlakySmsBackend.failures_left -= 1
            raise ConnectionError("gateway timeout")
        from suyuan.notifications.sms import MemorySmsBackend

        MemorySmsBackend().send(phone=phone, body=body, reference=reference)


@pytest.fixture
def flaky(settings):
    settings.SMS_BACKEND = "suyuan.notifications.tests.test_services.FlakySmsBackend"
    yield FlakySmsBackend
    FlakySmsBackend.failures_left = 0


def test_a_queued_message_is_delivered_once_and_its_secret_body_wiped(sms_outbox):
    message = services.sms_queue(phone=PHONE, body="code 123456", purpose="sign_in_code", sensitive=True)

    message.refresh_from_db()
    assert sms_outbox == [(PHONE, "code 123456")]
    assert (message.status, message.attempts, message.body) == (MessageStatus.SENT, 1, "")
    assert message.sent_at is not None


def test_the_outbox_stores_recipient_and_body_encrypted():
    message = services.sms_queue(phone=PHONE, body="您好", purpose="notice")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT recipient, body FROM notifications_outboundmessage WHERE id = %s", [message.pk]
        )
        recipient, body = cursor.fetchone()
    assert PHONE not in recipient
    assert "您好" not in body


def test_delivering_again_sends_nothing_more(sms_outbox):
    message = services.sms_queue(phone=PHONE, body="hello", purpose="notice")

    again = services.message_deliver(message_id=message.pk)

    assert again.status == MessageStatus.SENT
    assert again.attempts == 1
    assert len(sms_outbox) == 1


def test_a_failing_gateway_is_retried_later_with_backoff_then_succeeds(flaky, sms_outbox):
    flaky.failures_left = 1
    with time_machine.travel("2026-11-29 10:00:00+08:00", tick=False):
        message = services.sms_queue(phone=PHONE, body="hello", purpose="notice")
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
        assert message.last_error == "ConnectionError: gateway timeout"
        assert message.next_attempt_at == timezone.now() + services.RETRY_DELAYS[0]
        # Not due yet: neither a task nor the sweeper sends it early.
        assert services.messages_sweep() == 0
        assert services.message_deliver(message_id=message.pk).status == MessageStatus.QUEUED

    with time_machine.travel("2026-11-29 10:00:11+08:00", tick=False):
        # The immediate test backend cannot defer a task, so the sweeper picks the retry up.
        assert services.messages_sweep() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert sms_outbox == [(PHONE, "hello")]


def test_a_message_is_marked_failed_after_the_last_attempt(flaky):
    flaky.failures_left = 100
    start = timezone.now()
    message = services.sms_queue(phone=PHONE, body="hello", purpose="notice")
    for delay in services.RETRY_DELAYS:
        start += delay + timedelta(seconds=1)
        with time_machine.travel(start, tick=False):
            services.messages_sweep()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, services.MAX_ATTEMPTS)


def test_the_sweeper_releases_a_message_claimed_by_a_dead_worker(sms_outbox):
    message = OutboundMessage.objects.create(
        channel="sms",
        recipient=PHONE,
        body="hello",
        purpose="notice",
        status=MessageStatus.SENDING,
        next_attempt_at=timezone.now() + services.CLAIM_TIMEOUT,
    )
    assert services.messages_sweep() == 0  # the claim is still fresh
    with time_machine.travel(timezone.now() + services.CLAIM_TIMEOUT + timedelta(seconds=1)):
        assert services.messages_sweep() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert sms_outbox == [(PHONE, "hello")]


def test_the_development_gateway_drops_a_resend_of_the_same_reference(settings):
    settings.SMS_BACKEND = "suyuan.notifications.sms.LogSmsBackend"
    from suyuan.notifications.sms import send_sms

    send_sms(phone=PHONE, body="hello", reference="sy-1")
    send_sms(phone=PHONE, body="hello", reference="sy-1")
    assert DevSmsMessage.objects.count() == 1
