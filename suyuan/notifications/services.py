"""Tell people about changes: in-app notifications, and messages queued with the change that causes
them and delivered from the worker.

``notify`` is the entry point for other apps: it writes the in-app notification and, in the same
transaction, the outbox rows of the text message and the e-mail. ``sms_queue`` and ``email_queue`` reach
people without an account. Delivery is at-least-once on our side (a crash between the gateway's answer
and our commit means one more try) and exactly-once end to end where the gateway honours the message
reference (see sms.py and email.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from suyuan.core.identifiers import mask_mobile
from suyuan.core.tasks import enqueue_with_transaction
from suyuan.notifications.access import access_notification, notifications_visible_to
from suyuan.notifications.choices import Channel, MessageStatus
from suyuan.notifications.email import send_email
from suyuan.notifications.models import Notification, OutboundMessage
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


# Inside a caller's transaction no savepoint is needed: an error rolls back the caller's change too.
@transaction.atomic(savepoint=False)
def sms_queue(*, phone: str, body: str, purpose: str, sensitive: bool = False) -> OutboundMessage:
    """Write a text message to the outbox and enqueue its delivery, both in the caller's transaction."""
    message = OutboundMessage.objects.create(
        channel=Channel.SMS, recipient=phone, body=body, purpose=purpose, wipe_body_when_sent=sensitive
    )
    enqueue_with_transaction(_deliver_task(), message.pk)
    return message


# Inside a caller's transaction no savepoint is needed: an error rolls back the caller's change too.
@transaction.atomic(savepoint=False)
def email_queue(
    *, address: str, subject: str, body: str, purpose: str, sensitive: bool = False
) -> OutboundMessage:
    """Write an e-mail to the outbox and enqueue its delivery, both in the caller's transaction."""
    message = OutboundMessage.objects.create(
        channel=Channel.EMAIL,
        recipient=address,
        subject=subject,
        body=body,
        purpose=purpose,
        wipe_body_when_sent=sensitive,
    )
    enqueue_with_transaction(_deliver_task(), message.pk)
    return message


def is_site_path(link: str) -> bool:
    """Tell whether ``link`` is a path on this site ("/matters/…"), not an address elsewhere."""
    return (
        link.startswith("/")
        and not link.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(link, allowed_hosts=set(), require_https=False)
    )


def absolute_link(link: str) -> str:
    """Return ``link`` as a full address for messages read outside the site ("" without SITE_URL)."""
    base = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{base}{link}" if base and link else ""


# Inside a caller's transaction no savepoint is needed: an error rolls back the caller's change too.
def notify(
    *,
    user: Any,
    title: str,
    body: str,
    link: str = "",
    purpose: str,
    sms: bool = True,
    email: bool = True,
) -> Notification:
    """Tell ``user`` something: an in-app notification, plus a text message to their phone and an e-mail
    to their address when they have one and the caller asks for it, all in the caller's transaction.

    Write ``title`` and ``body`` in the recipient's language. The text message carries ``body`` alone, so
    it must make sense without the title; ``link`` is a path on this site that the notification opens.
    Inactive accounts get the in-app notification only.
    """
    if link and not is_site_path(link):
        raise ValueError(f"A notification links to a path on this site, not {link!r}")
    with transaction.atomic(savepoint=False):
        notification = Notification.objects.create(
            recipient=user, title=title[:200], body=body, link=link, purpose=purpose
        )
        if not getattr(user, "is_active", True):
            return notification
        phone = getattr(user, "phone", "") or ""
        if sms and phone:
            sms_queue(phone=phone, body=body or title, purpose=purpose)
        address = getattr(user, "email", "") or ""
        if email and address:
            full_link = absolute_link(link)
            email_queue(
                address=address,
                subject=title,
                body=f"{body}\n\n{full_link}" if full_link else body,
                purpose=purpose,
            )
    return notification


@transaction.atomic
def notification_read(*, notification_id: int, actor: Any) -> Notification:
    """Mark one of the actor's notifications read (once: the first reading time stays); return it.

    Raise ``NotFound`` for a notification that is missing or someone else's.
    """
    notification = access_notification(actor, notification_id)
    if notification.read_at is None:
        now = timezone.now()
        # Conditional: two tabs opening the same notice keep the first reading time.
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_read_all(*, actor: Any) -> int:
    """Mark every unread notification of the actor read; return how many were unread."""
    return notifications_visible_to(actor).filter(read_at__isnull=True).update(read_at=timezone.now())


def _send(message: OutboundMessage) -> None:
    if message.channel == Channel.EMAIL:
        send_email(
            to=message.recipient, subject=message.subject, body=message.body, reference=message.reference
        )
    else:
        send_sms(phone=message.recipient, body=message.body, reference=message.reference)


def masked_recipient(message: OutboundMessage) -> str:
    if message.channel == Channel.EMAIL:
        local, _, domain = message.recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_mobile(message.recipient)


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
        _send(message)
    except Exception as exc:  # any gateway failure is retried; the error is kept for operators
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
            logger.error("Gave up on %s to %s: %s", message, masked_recipient(message), message.last_error)
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


@transaction.atomic
def messages_retry(*, message_ids: list[int], now: datetime | None = None) -> int:
    """Give messages that failed (all retries spent) a fresh start: queued again, tries counted anew.

    For operators, once the gateway's problem is fixed. Messages in any other state are left alone;
    a wiped sensitive body (a sign-in code) is not sent again. Return how many were queued.
    """
    now = now or timezone.now()
    failed = OutboundMessage.objects.select_for_update().filter(
        pk__in=message_ids, status=MessageStatus.FAILED
    )
    # The body is encrypted, so whether it was wiped is read here, not asked of the database.
    ids = [m.pk for m in failed if not (m.wipe_body_when_sent and not m.body)]
    OutboundMessage.objects.filter(pk__in=ids).update(
        status=MessageStatus.QUEUED, attempts=0, next_attempt_at=now, last_error=""
    )
    for pk in ids:
        enqueue_with_transaction(_deliver_task(), pk)
    return len(ids)
