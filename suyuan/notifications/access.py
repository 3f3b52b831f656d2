"""Who may see a notification: its recipient, nobody else (not even a platform operator).

``PROTECTED_MODELS`` names the models a view or API may not query directly (see
``accounts/tests/test_protected_reads.py``); they read through the functions below.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from suyuan.core.exceptions import NotFound
from suyuan.notifications.models import Notification

PROTECTED_MODELS = ("Notification", "OutboundMessage", "DevSmsMessage", "DevEmailMessage")


def notifications_visible_to(actor: Any) -> QuerySet[Notification]:
    """Return the notifications addressed to ``actor`` (none for an anonymous visitor)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=actor.pk)


def access_notification(actor: Any, notification_id: int, *, for_update: bool = False) -> Notification:
    """Return the actor's notification ``notification_id``; raise ``NotFound`` if missing or someone else's."""
    notifications = notifications_visible_to(actor)
    if for_update:
        notifications = notifications.select_for_update()
    notification = notifications.filter(pk=notification_id).first()
    if notification is None:
        raise NotFound
    return notification
