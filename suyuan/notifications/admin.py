"""The outbox in the Django admin, for platform operators: see what is stuck, and retry what failed.

Nothing here shows a message's body or full recipient (both are personal data, stored encrypted); the
recipient is masked. Messages change only through the services: the one action queues failed messages
again once the gateway works.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from suyuan.notifications.models import OutboundMessage
from suyuan.notifications.services import masked_recipient, messages_retry


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "channel",
        "purpose",
        "masked_recipient",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "channel", "purpose")
    date_hierarchy = "created_at"
    fields = (
        "channel",
        "purpose",
        "masked_recipient",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    )
    readonly_fields = fields
    actions = ["retry"]

    @admin.display(description=_("recipient"))
    def masked_recipient(self, message: OutboundMessage) -> str:
        return masked_recipient(message)

    @admin.action(description=_("Queue the failed messages again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        count = messages_retry(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboundMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboundMessage | None = None) -> bool:
        return False
