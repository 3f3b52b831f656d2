"""Queue messages with the change that causes them, and deliver them from the worker.

Delivery is at-least-once on our side (a crash between the gateway's answer and our commit means one
more try) and exactly-once end to end where the gateway honours the message reference (see sms.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from suyuan.core.identifiers import mask_mobile
from suyuan.core.tasks import enqueue_with_transaction
from suyuan.notifications.choices import Channel, MessageStatus
from suyuan.notifications.models import OutboundMessage
from suyuan.notifications.sms import send_sms

logger = logging.getLogger(__name__)

# Waits before the 2nd, 3rd, … try; after the last one the message is marked failed.
RETRY_DELAYS = (timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A message claimed longer ago than this belongs to a worker that died: the sweeper releases it.
CLAIM_TIMEOUT = timedelta(minutes=5)


def _deliver_task():  # imported late: tasks.py imports this module
    from suyuan.notifications.tasks import deliver_message

    return deliver_message


@transaction.atomic
def sms_queue(*, phone: str, body: str, purpose: str, sensitive: bool = False) -> OutboundMessage:
    """Write a text message to the outbox and enqueue its delivery, both in the caller's transaction."""
    message = OutboundMessage.objects.create(
        channel=Channel.SMS, recipient=phone, body=body, purpose=purpose, wipe_body_when_sent=sensitive
    )
    enqueue_with_transaction(_deliver_task(), message.pk)
    return message


def message_deliver(*, message_id: int) -> OutboundMessage:
    """Send one queued message through its gateway; safe to call twice or concurrently.

    The message is claimed (queued → sending) in a short transaction, sent outside any transaction so a
    slow gateway never holds a database lock, then marked sent or scheduled for a retry.
    """
    now = timezone.now()
    claimed = OutboundMessage.objects.filter(
        pk=message_id, status=MessageStatus.QUEUED, next_attempt_at__lte=now
    ).update(status=MessageStatus.SENDING, next_attempt_at=now + CLAIM_TIMEOUT)
    message = OutboundMessage.objects.get(pk=message_id)
    if not claimed:
        return message  # sent, given up, not due yet, or another worker holds it

    try:
        send_sms(phone=message.recipient, body=message.body, reference=f"sy-{message.pk}")
    except Exception as exc:  # any gateway failure is retried; the error is kept for operators
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
            logger.error(
                "Gave up on %s to %s: %s", message, mask_mobile(message.recipient), message.last_error
            )
        else:
            message.status = MessageStatus.QUEUED
            message.next_attempt_at = timezone.now() + RETRY_DELAYS[message.attempts - 1]
        with transaction.atomic():
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            if message.status == MessageStatus.QUEUED:
                enqueue_with_transaction(_deliver_task(), message.pk, run_after=message.next_attempt_at)
        return message

    message.attempts += 1
    message.status = MessageStatus.SENT
    message.sent_at = timezone.now()
    message.last_error = ""
    fields = ["attempts", "status", "sent_at", "last_error"]
    if message.wipe_body_when_sent:
        message.body = ""
        fields.append("body")
    message.save(update_fields=fields)
    return message


def messages_sweep(*, now: datetime | None = None) -> int:
    """Re-enqueue messages that are due but have no live task: after a crash, a broker restart, or a
    retry on a backend that cannot defer. Release claims of dead workers first. Return how many."""
    now = now or timezone.now()
    with transaction.atomic():
        OutboundMessage.objects.filter(status=MessageStatus.SENDING, next_attempt_at__lte=now).update(
            status=MessageStatus.QUEUED
        )
        due = list(
            OutboundMessage.objects.filter(Q(status=MessageStatus.QUEUED) & Q(next_attempt_at__lte=now))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:1000]
        )
        for pk in due:
            enqueue_with_transaction(_deliver_task(), pk)
    return len(due)
