"""HTTP API for my notifications: list them, mark one or all read. Only the caller's own notifications
exist here: someone else's answers 404 exactly like a missing one."""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from suyuan.notifications import selectors, services
from suyuan.notifications.models import Notification

router = Router(tags=["notifications"])

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    link: str = Field(description="A path on this site that the notification is about; may be empty.")
    purpose: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    unread: bool

    @staticmethod
    def resolve_unread(obj: Notification) -> bool:
        return obj.read_at is None


class NotificationFilters(Schema):
    unread: bool | None = Field(None, description="true: only unread ones; false: only read ones.")


class ReadAllOut(Schema):
    marked: int = Field(description="How many notifications were unread and are read now.")
    unread: int


@router.get("", response=list[NotificationOut], summary="My notifications, newest first")
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def notification_list(request: HttpRequest, filters: Query[NotificationFilters]) -> Any:
    return selectors.notification_list(actor=request.user, unread=filters.unread)


@router.post("/{notification_id}/read", response=NotificationOut, summary="Mark one of my notifications read")
def notification_read(request: HttpRequest, notification_id: int) -> Notification:
    return services.notification_read(notification_id=notification_id, actor=request.user)


@router.post("/read-all", response=ReadAllOut, summary="Mark all my notifications read")
def notification_read_all(request: HttpRequest) -> dict[str, int]:
    marked = services.notifications_read_all(actor=request.user)
    return {"marked": marked, "unread": selectors.unread_count(actor=request.user)}
