"""Hold back staff who must use a second factor until they have passed it in this session."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from suyuan.accounts.access import scope_for
from suyuan.accounts.choices import SECOND_FACTOR_ROLES


def needs_second_factor(user: object) -> bool:
    scope = scope_for(user)  # type: ignore[arg-type]
    return scope.is_platform_operator or any(role in scope.roles for role in SECOND_FACTOR_ROLES)


def is_verified(user: object) -> bool:
    """Tell whether the user passed a second factor in this session (django-otp's OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


class SecondFactorRequiredMiddleware:
    # Paths a half-signed-in user may still open: the second-factor pages, sign-out, language, static.
    exempt_prefixes = ("/accounts/", "/i18n/", "/static/", "/healthz", "/dev/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(self.exempt_prefixes)
            and not getattr(request, "auth_via_token", False)
            and not is_verified(user)
            and needs_second_factor(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("A second factor is required for your role.")}, status=403)
            # The path goes in the query string encoded, so its own "&" and "#" stay part of ``next``.
            url = f"{reverse('accounts:second_factor')}?{urlencode({'next': request.get_full_path()})}"
            if getattr(request, "htmx", False):
                # An htmx request would swap the second-factor page into a fragment; load it whole instead.
                return HttpResponseClientRedirect(url)
            return redirect(url)
        return self.get_response(request)
