"""Hold back staff who must use a second factor until they have passed it in this session."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from suyuan.accounts.access import scope_for
from suyuan.accounts.choices import SECOND_FACTOR_ROLES


def needs_second_factor(user: object) -> bool:
    scope = scope_for(user)  # type: ignore[arg-type]
    return scope.is_platform_operator or any(role in scope.roles for role in SECOND_FACTOR_ROLES)


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
            and not user.is_verified()  # type: ignore[union-attr]
            and needs_second_factor(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("A second factor is required for your role.")}, status=403)
            return redirect(f"{reverse('accounts:second_factor')}?next={request.get_full_path()}")
        return self.get_response(request)
