"""The inbox of in-app notifications, its badge, and the development outbox of text messages and e-mails."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from suyuan.core.exceptions import NotFound
from suyuan.notifications import selectors, services

OUTBOX_SIZE = 50
PAGE_SIZE = 20
# Everyone who has an inbox can sign in here; staff find their own sign-in page linked from it.
SIGN_IN = "accounts:citizen_login"


@require_GET
@login_required(login_url=SIGN_IN)
def inbox(request: HttpRequest) -> HttpResponse:
    """List the viewer's notifications, newest first, unread ones highlighted (only unread ones if asked)."""
    unread_only = request.GET.get("unread") == "1"
    notifications = selectors.notification_list(actor=request.user, unread=True if unread_only else None)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "unread_only": unread_only,
        "query": "unread=1" if unread_only else "",
        "unread_count": selectors.unread_count(actor=request.user),
    }
    return render(request, "notifications/inbox.html", context)


@require_GET
@login_required(login_url=SIGN_IN)
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark a notification read and go where it points: a path on this site, else back to the inbox."""
    try:
        notification = services.notification_read(notification_id=notification_id, actor=request.user)
    except NotFound:
        raise Http404 from None
    if notification.link and services.is_site_path(notification.link):
        return redirect(notification.link)
    return redirect("notifications:inbox")


@require_POST
@login_required(login_url=SIGN_IN)
def read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_read_all(actor=request.user)
    return redirect(reverse("notifications:inbox"))


@require_GET
@never_cache
def badge(request: HttpRequest) -> HttpResponse:
    """Return the number of unread notifications for the layouts (an empty fragment when there is none)."""
    count = selectors.unread_count(actor=request.user)
    return render(request, "notifications/_badge.html", {"count": count})


@never_cache
def dev_outbox(request: HttpRequest) -> HttpResponse:
    """Show the newest development text messages and e-mails; the page does not exist unless DEBUG is on."""
    if not settings.DEBUG:
        raise Http404
    sms_messages, emails = selectors.dev_outbox(limit=OUTBOX_SIZE)
    return render(request, "notifications/dev_outbox.html", {"sms_messages": sms_messages, "emails": emails})
