"""Sign-in pages: staff (password, then TOTP where the role needs it) and citizens (phone and code)."""

from __future__ import annotations

from base64 import b32encode
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from suyuan.accounts import signin
from suyuan.accounts.forms import CitizenCodeForm, CitizenPhoneForm, StaffLoginForm, TotpForm
from suyuan.accounts.middleware import is_verified, needs_second_factor
from suyuan.core import crypto
from suyuan.core.identifiers import mask_mobile

# Per address. Lockout by account name (django-axes) is the main defence for passwords; these only stop
# one machine from hammering. Citizens' phones often share a carrier's address, hence the wider limits.
STAFF_LOGIN_RATE = "30/m"
SECOND_FACTOR_RATE = "10/m"
CITIZEN_SEND_RATE = "20/m"
CITIZEN_VERIFY_RATE = "30/m"

# The number a citizen is signing in with, between the two steps; encrypted like every stored phone.
CITIZEN_PHONE_SESSION_KEY = "suyuan.signin.phone"


def _safe_next(request: HttpRequest) -> str:
    """Return the ``next`` the client asked for if it stays on this site, else an empty string."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _rate_limited(request: HttpRequest, *, reason: str) -> HttpResponse:
    signin.record_rate_limited(request=request, reason=reason)
    view = import_string(settings.RATELIMIT_VIEW)
    return view(request, Ratelimited())


# --- Staff ---------------------------------------------------------------------------------------------


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """Answer a sign-in refused by django-axes; the page is the same whether the account exists or not."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(key="ip", rate=STAFF_LOGIN_RATE, method="POST", block=False)
def staff_login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.method == "POST":
        if getattr(request, "limited", False):
            return _rate_limited(request, reason="staff sign-in per address")
        form = StaffLoginForm(request.POST)
        if form.is_valid():
            try:
                user = signin.staff_sign_in(
                    request=request,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                )
            except signin.LockedOut:
                return lockout_response(request)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if needs_second_factor(user):
                    return redirect(_with_next(reverse("accounts:second_factor"), next_url))
                return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    else:
        form = StaffLoginForm()
    return render(request, "accounts/staff_login.html", {"form": form, "next": next_url})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    signin.sign_out(request=request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _qr_svg(data: str) -> str:
    svg = segno.make(data, error="m").svg_inline(
        scale=5, border=2, light="#fff", svgclass="qr", omitsize=False
    )
    # segno draws only squares; nothing from ``data`` appears as text in the SVG.
    return mark_safe(svg)  # noqa: S308


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@sensitive_post_parameters("code")
@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(key="user_or_ip", rate=SECOND_FACTOR_RATE, method="POST", block=False)
def second_factor(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _safe_next(request)
    done_url = next_url or resolve_url(settings.LOGIN_REDIRECT_URL)
    if is_verified(user):
        return redirect(done_url)
    enrolled = signin.totp_has_confirmed_device(user=user)  # type: ignore[arg-type]
    if not enrolled and not needs_second_factor(user):
        return redirect(done_url)

    form = TotpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if getattr(request, "limited", False):
            return _rate_limited(request, reason="second factor")
        if form.is_valid():
            try:
                if enrolled:
                    signin.totp_verify(request=request, code=form.cleaned_data["code"])
                else:
                    signin.totp_enrol(request=request, code=form.cleaned_data["code"])
            except ValidationError as exc:
                if exc.code == "enrolled":
                    return redirect(_with_next(reverse("accounts:second_factor"), next_url))
                form.add_error("code", exc)
            else:
                return redirect(done_url)

    context: dict[str, Any] = {"form": form, "next": next_url}
    if enrolled:
        return render(request, "accounts/second_factor_verify.html", context)
    device = signin.totp_pending_device(user=user)  # type: ignore[arg-type]
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    context.update(
        qr_svg=_qr_svg(device.config_url), secret=_grouped(secret), issuer=settings.OTP_TOTP_ISSUER
    )
    return render(request, "accounts/second_factor_enrol.html", context)


# --- Citizens ------------------------------------------------------------------------------------------


def _remember_phone(request: HttpRequest, phone: str) -> None:
    request.session[CITIZEN_PHONE_SESSION_KEY] = crypto.encrypt(phone)


def _remembered_phone(request: HttpRequest) -> str | None:
    token = request.session.get(CITIZEN_PHONE_SESSION_KEY)
    if not token:
        return None
    try:
        return crypto.decrypt(token)
    except ValueError:
        return None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(key="ip", rate=CITIZEN_SEND_RATE, method="POST", block=False)
def citizen_login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    code_url = _with_next(reverse("accounts:citizen_code"), next_url)
    status = 200
    form = CitizenPhoneForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if getattr(request, "limited", False):
            return _rate_limited(request, reason="sign-in code per address")
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            try:
                signin.signin_code_request(phone=phone, request=request)
            except ValidationError as exc:
                form.add_error("phone", exc)
                if exc.code == "throttled":
                    # A code was sent a moment ago: the person may still use it.
                    _remember_phone(request, phone)
                    status = 429
            else:
                _remember_phone(request, phone)
                return redirect(code_url)
    pending = _remembered_phone(request)
    context = {"form": form, "next": next_url, "code_url": code_url if pending else ""}
    return render(request, "accounts/citizen_phone.html", context, status=status)


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(key="ip", rate=CITIZEN_VERIFY_RATE, method="POST", block=False)
def citizen_code(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    phone = _remembered_phone(request)
    if phone is None:
        return redirect(_with_next(reverse("accounts:citizen_login"), next_url))
    form = CitizenCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if getattr(request, "limited", False):
            return _rate_limited(request, reason="sign-in code check per address")
        if form.is_valid():
            try:
                signin.signin_code_verify(phone=phone, code=form.cleaned_data["code"], request=request)
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                request.session.pop(CITIZEN_PHONE_SESSION_KEY, None)
                return redirect(next_url or resolve_url("web:portal_home"))
    context = {
        "form": form,
        "next": next_url,
        "phone_masked": mask_mobile(phone),
        "restart_url": _with_next(reverse("accounts:citizen_login"), next_url),
    }
    return render(request, "accounts/citizen_code.html", context)
