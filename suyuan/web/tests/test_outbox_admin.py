"""Operators see the outbox in the admin, masked, and queue failed messages again."""

from __future__ import annotations

import pytest
from django.test import Client

from suyuan.accounts.tests.world import build_world, sign_in
from suyuan.notifications.choices import MessageStatus
from suyuan.notifications.models import OutboundMessage
from suyuan.notifications.services import messages_retry, sms_queue

pytestmark = pytest.mark.django_db


def _failed(
    phone: str, *, sensitive: bool = False, body: str = "【诉源】您的事项已受理。"
) -> OutboundMessage:
    message = sms_queue(phone=phone, body=body, purpose="matter_accepted", sensitive=sensitive)
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=MessageStatus.FAILED, attempts=5, last_error="boom"
    )
    return OutboundMessage.objects.get(pk=message.pk)


def test_failed_messages_are_queued_again_with_their_tries_counted_anew(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    failed = _failed("13900004444")
    wiped = _failed("13900005555", sensitive=True, body="")
    sent = sms_queue(phone="13900006666", body="x", purpose="p")
    assert messages_retry(message_ids=[failed.pk, wiped.pk, sent.pk]) == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (MessageStatus.QUEUED, 0, "")
    assert OutboundMessage.objects.get(pk=wiped.pk).status == MessageStatus.FAILED


def test_the_outbox_admin_shows_masked_recipients_and_retries(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    world = build_world()
    failed = _failed("13900004444")
    client = sign_in(Client(), world.operator)
    page = client.get("/admin/notifications/outboundmessage/").content.decode()
    assert "139****4444" in page and "13900004444" not in page and "您的事项已受理" not in page
    response = client.post(
        "/admin/notifications/outboundmessage/",
        {"action": "retry", "_selected_action": [failed.pk]},
    )
    assert response.status_code == 302
    assert OutboundMessage.objects.get(pk=failed.pk).status == MessageStatus.QUEUED
    # Staff without the platform role do not reach it.
    assert (
        sign_in(Client(), world.staff["dispatcher"]).get("/admin/notifications/outboundmessage/").status_code
        == 302
    )
