"""The development SMS outbox: what the log backend "sent", for signing in without a phone."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from suyuan.notifications.models import DevSmsMessage

OUTBOX_SIZE = 50


@never_cache
def dev_sms_outbox(request: HttpRequest) -> HttpResponse:
    """Show the newest development text messages; the page does not exist unless DEBUG is on."""
    if not settings.DEBUG:
        raise Http404
    messages = DevSmsMessage.objects.order_by("-created_at", "-id")[:OUTBOX_SIZE]
    return render(request, "accounts/dev_sms_outbox.html", {"sms_messages": messages})
