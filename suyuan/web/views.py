from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from suyuan.accounts.access import scope_for


def portal_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/portal_home.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy.html")


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/staff_home.html", {"scope": scope_for(request.user)})


def ratelimited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Answer a rate-limited request the same way whatever was asked, so nothing can be probed."""
    return render(
        request,
        "web/error.html",
        {"title": _("Too many attempts"), "message": _("Too many attempts. Please wait a few minutes.")},
        status=429,
    )
