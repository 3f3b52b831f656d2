"""E-mail through a real SMTP server on a local port: delivered once, with the right headers, retried."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from suyuan.notifications import services
from suyuan.notifications.choices import MessageStatus
from suyuan.notifications.tests.servers import free_port, smtp_server

pytestmark = pytest.mark.django_db

SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def smtp_settings(settings):
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "江山诉源 <noreply@js.example.cn>"
    return settings


def test_an_e_mail_arrives_once_with_its_headers(smtp_settings):
    with smtp_server(smtp_settings.EMAIL_PORT) as server:
        message = services.email_queue(
            address="li@example.cn",
            subject="您的纠纷已受理",
            body="您好，纠纷 7K3M 已受理。",
            purpose="notice",
        )
        services.message_deliver(message_id=message.pk)  # a repeat of the task sends nothing more

    [(sender, recipients, received)] = server.received
    assert (sender, recipients) == ("<noreply@js.example.cn>", ["li@example.cn"])
    assert received["Message-ID"] == f"<sy-{message.pk}@js.example.cn>"
    assert received["Subject"] == "您的纠纷已受理"
    assert received["To"] == "li@example.cn"
    assert received["From"] == "江山诉源 <noreply@js.example.cn>"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received.get_content().strip() == "您好，纠纷 7K3M 已受理。"
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 1, "")


def test_a_refused_connection_is_retried_later_and_delivers_exactly_once(smtp_settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        message = services.email_queue(address="li@example.cn", subject="Hi", body="Body", purpose="notice")
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert message.last_error.startswith("ConnectionRefusedError")
    assert "Body" not in message.last_error
    assert message.next_attempt_at == start + services.RETRY_DELAYS[0]

    # Still down at the second try.
    with time_machine.travel(start + timedelta(seconds=11), tick=False):
        assert services.messages_sweep() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 2)

    with smtp_server(smtp_settings.EMAIL_PORT) as server:
        with time_machine.travel(start + timedelta(seconds=30), tick=False):
            assert services.messages_sweep() == 0  # not due yet: the second retry waits a minute
        with time_machine.travel(start + timedelta(seconds=11 + 61), tick=False):
            assert services.messages_sweep() == 1
            assert services.messages_sweep() == 0

    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 3, "")
    assert len(server.received) == 1
    assert server.received[0][2]["Message-ID"] == f"<sy-{message.pk}@js.example.cn>"
