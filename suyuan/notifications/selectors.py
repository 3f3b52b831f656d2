"""Reads of notifications, through the access rules of ``access.py``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from suyuan.notifications.access import notifications_visible_to
from suyuan.notifications.models import DevEmailMessage, DevSmsMessage, Notification


def notification_list(*, actor: Any, unread: bool | None = None) -> QuerySet[Notification]:
    """Return the actor's notifications, newest first; only unread (or only read) ones if asked."""
    notifications = notifications_visible_to(actor)
    if unread is not None:
        notifications = notifications.filter(read_at__isnull=unread)
    return notifications.order_by("-created_at", "-id")


def unread_count(*, actor: Any) -> int:
    return notifications_visible_to(actor).filter(read_at__isnull=True).count()


def dev_outbox(*, limit: int) -> tuple[list[DevSmsMessage], list[DevEmailMessage]]:
    """Return the newest text messages and e-mails the development backends kept (DEBUG only: the view
    checks)."""
    sms = list(DevSmsMessage.objects.order_by("-created_at", "-id")[:limit])
    emails = list(DevEmailMessage.objects.order_by("-created_at", "-id")[:limit])
    return sms, emails
