"""Sign-in services: staff by password and TOTP, citizens by phone and one-time code, API tokens.

Every function here that changes something writes an audit event. Errors a person can fix are raised as
``ValidationError`` with a translated message and a stable ``code``; views show them next to the field.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from suyuan.accounts.api_auth import TOKEN_PREFIX, hash_token
from suyuan.accounts.audit import audit_record, client_ip, target_of
from suyuan.accounts.choices import AuditKind
from suyuan.accounts.models import ApiToken, SignInCode, User
from suyuan.core import identifiers
from suyuan.notifications.services import sms_queue

# Django keeps the backend's path in the session and asks it for the user on every request. Citizens
# are signed in by this module, not by a backend, and the password backend's ``get_user`` (any active
# user by id) is exactly what their session needs.
SESSION_BACKEND = "suyuan.accounts.backends.StaffPasswordBackend"

CODE_LENGTH = 6
# Per phone number, whatever address asks: a text message costs money and disturbs its owner.
CODE_RESEND_INTERVAL = timedelta(seconds=60)
CODE_HOURLY_LIMIT = 5

_SIX_DIGITS = re.compile(r"[0-9]{6}")


class LockedOut(Exception):
    """Raised when django-axes refuses an account name after too many failed sign-ins."""


# --- Helpers -----------------------------------------------------------------------------------------


def clean_numeric_code(value: str, *, length: int = CODE_LENGTH) -> str:
    """Return the code as ASCII digits, or raise ValidationError.

    Phones often type full-width digits (１２３) or paste the code with spaces; both are accepted.
    """
    text = unicodedata.normalize("NFKC", value or "")
    text = "".join(ch for ch in text if not ch.isspace() and ch != "-")
    if len(text) != length or not text.isascii() or not text.isdigit():
        raise ValidationError(
            _("Enter the %(length)d-digit code.") % {"length": length},
            code="invalid",
        )
    return text


def _user_of(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise ValidationError(_("Sign in first."), code="not_signed_in")
    return user


def record_rate_limited(*, request: HttpRequest, reason: str) -> None:
    """Audit that a client hit a rate limit, at most once a minute per address and limit.

    A flood of refused requests must not become a flood of audit rows.
    """
    key = f"suyuan:audit:rate-limited:{reason.replace(' ', '-')}:{client_ip(request) or '-'}"
    if cache.add(key, 1, timeout=60):
        audit_record(AuditKind.RATE_LIMITED, actor=request.user, request=request, reason=reason)


# --- Staff: username and password ----------------------------------------------------------------------


def staff_sign_in(*, request: HttpRequest, username: str, password: str) -> User:
    """Check a username and password and sign the user in.

    Raise ``LockedOut`` while django-axes holds the account name locked (whether or not it exists, and
    even if the password is right), and ``ValidationError`` with one message for a wrong username or a
    wrong password, so neither reveals which accounts exist.
    """
    credentials = {"username": username}
    # Asked before authenticating, so that an attempt refused during a lockout is told apart from the
    # failure that caused it.
    was_allowed = AxesProxyHandler.is_allowed(request, credentials)
    user = authenticate(request=request, username=username, password=password)

    if isinstance(user, User):
        with transaction.atomic():
            login(request, user)
            # A second factor passed earlier in this browser belonged to the previous sign-in.
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
            audit_record(
                AuditKind.SIGN_IN, actor=user, request=request, target=target_of(user), reason="password"
            )
        return user

    locked = bool(getattr(request, "axes_locked_out", False))
    with transaction.atomic():
        if was_allowed:
            audit_record(AuditKind.SIGN_IN_FAILED, request=request, attempted_username=username)
        if locked:
            audit_record(
                AuditKind.LOCKED_OUT,
                request=request,
                attempted_username=username,
                reason="attempt during lockout" if not was_allowed else "too many failures",
            )
    if locked:
        raise LockedOut
    raise ValidationError(_("The username or password is not correct."), code="invalid_login")


def sign_out(*, request: HttpRequest) -> None:
    """Sign the current user out of this browser."""
    user = request.user
    if user.is_authenticated:
        audit_record(AuditKind.SIGN_OUT, actor=user, request=request, target=target_of(user))
    logout(request)


# --- Staff: second factor (TOTP) -----------------------------------------------------------------------


def totp_has_confirmed_device(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_pending_device(*, user: User) -> TOTPDevice:
    """Return the authenticator the user is setting up, creating it the first time.

    The same unconfirmed device is reused until it is confirmed, so reloading the page keeps showing the
    QR code the person may already have scanned.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    return device


def _throttled_error(data: dict[str, Any] | None) -> ValidationError:
    locked_until = (data or {}).get("locked_until")
    seconds = 0
    if locked_until is not None:
        seconds = max(1, int((locked_until - timezone.now()).total_seconds()) + 1)
    if seconds:
        return ValidationError(
            _("Too many wrong codes. Wait %(seconds)d seconds and try again.") % {"seconds": seconds},
            code="throttled",
        )
    return ValidationError(_("Too many wrong codes. Wait a moment and try again."), code="throttled")


def totp_enrol(*, request: HttpRequest, code: str) -> TOTPDevice:
    """Confirm the pending authenticator with its first code and mark this session as verified."""
    user = _user_of(request)
    token = clean_numeric_code(code)
    error: ValidationError | None = None
    with transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise ValidationError(_("An authenticator is already set up for this account."), code="enrolled")
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        )
        if device is None:
            raise ValidationError(_("Start the set-up again: reload this page."), code="no_device")
        allowed, data = device.verify_is_allowed()
        if not allowed:
            error = _throttled_error(data)
        elif not device.verify_token(token):
            error = ValidationError(
                _("That code is not correct. Check the time on your phone."), code="wrong"
            )
        if error is not None:
            # Recorded here and raised after the commit: the throttle counter must survive the error.
            audit_record(
                AuditKind.SECOND_FACTOR_FAILED,
                actor=user,
                request=request,
                target=target_of(user),
                reason=f"enrolment: {error.code}",
            )
        else:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
            audit_record(
                AuditKind.SECOND_FACTOR_ENROLLED, actor=user, request=request, target=target_of(user)
            )
    if error is not None:
        raise error
    otp_login(request, device)
    return device


def totp_verify(*, request: HttpRequest, code: str) -> TOTPDevice:
    """Check a code from the user's authenticator and mark this session as verified."""
    user = _user_of(request)
    token = clean_numeric_code(code)
    matched: TOTPDevice | None = None
    with transaction.atomic():
        devices = list(
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk")
        )
        if not devices:
            raise ValidationError(_("No authenticator is set up for this account."), code="no_device")
        refusals = [device.verify_is_allowed() for device in devices]
        allowed = [device for device, (ok, _data) in zip(devices, refusals, strict=True) if ok]
        # verify_token counts a failure against the device (django-otp's throttling) and refuses replays.
        matched = next((device for device in allowed if device.verify_token(token)), None)
        if matched is None:
            reason = "wrong" if allowed else "throttled"
            audit_record(
                AuditKind.SECOND_FACTOR_FAILED,
                actor=user,
                request=request,
                target=target_of(user),
                reason=reason,
            )
    if matched is None:
        if not allowed:
            raise _throttled_error(refusals[0][1])
        raise ValidationError(_("That code is not correct. Check the time on your phone."), code="wrong")
    otp_login(request, matched)
    return matched


# --- Citizens: phone number and one-time code ------------------------------------------------------------


def _code_hash(*, phone_hash: str, code: str) -> str:
    # A keyed HMAC rather than a password hash: a million possible codes fall to any hash once the table
    # leaks, but not without the server's secret key. The phone's hash binds the code to its number.
    digest = salted_hmac(
        "suyuan.accounts.signin.code", f"{phone_hash}:{code}", algorithm="sha256"
    ).hexdigest()
    return f"hmac-sha256${digest}"


def _sms_language(phone_hash: str) -> str:
    user = User.objects.filter(phone_hash=phone_hash).only("preferred_language").first()
    return (user.preferred_language if user else "") or translation.get_language() or settings.LANGUAGE_CODE


def _sign_in_code_message(*, code: str, language: str) -> str:
    minutes = max(1, int(settings.OTP_CODE_TTL.total_seconds() // 60))
    with translation.override(language):
        return _(
            "[Suyuan] Your sign-in code is %(code)s. It is valid for %(minutes)d minutes. "
            "Do not tell it to anyone."
        ) % {"code": code, "minutes": minutes}


def signin_code_request(*, phone: str, request: HttpRequest) -> None:
    """Text a one-time sign-in code to ``phone``.

    Whether an account exists for the number changes nothing in the answer: anyone with the phone may
    sign in, and the account is created when the code is first used.
    """
    normalized = identifiers.normalize_mobile(phone)
    phone_hash = identifiers.hash_identifier(identifiers.PHONE, normalized)
    masked = identifiers.mask_mobile(normalized)
    now = timezone.now()

    recent = SignInCode.objects.filter(phone_hash=phone_hash, created_at__gt=now - timedelta(hours=1))
    latest = recent.order_by("-created_at").values_list("created_at", flat=True).first()
    throttled: ValidationError | None = None
    if latest is not None and latest > now - CODE_RESEND_INTERVAL:
        throttled = ValidationError(
            _("A code was sent to this number a moment ago. Wait a minute before asking for another."),
            code="throttled",
        )
    elif recent.count() >= CODE_HOURLY_LIMIT:
        throttled = ValidationError(
            _("Too many codes were sent to this number. Try again in an hour."), code="throttled"
        )
    if throttled is not None:
        record_rate_limited(request=request, reason="sign-in code per phone")
        raise throttled

    code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
    with transaction.atomic():
        SignInCode.objects.create(
            phone_hash=phone_hash,
            code_hash=_code_hash(phone_hash=phone_hash, code=code),
            created_at=now,
            expires_at=now + settings.OTP_CODE_TTL,
        )
        audit_record(AuditKind.CODE_SENT, request=request, attempted_username=masked)
        # The message is queued with the code in one transaction: both exist or neither. The worker
        # delivers it (retrying a failing gateway) and wipes the code from the outbox once sent.
        sms_queue(
            phone=normalized,
            body=_sign_in_code_message(code=code, language=_sms_language(phone_hash)),
            purpose="sign_in_code",
            sensitive=True,
        )


def _citizen_for(*, phone: str, phone_hash: str) -> User:
    user = User.objects.filter(phone_hash=phone_hash).first()
    if user is not None:
        return user
    try:
        # A savepoint: if another request created the same citizen a moment ago, use theirs.
        with transaction.atomic():
            return User.objects.create_user(password=None, phone=phone, phone_hash=phone_hash)
    except IntegrityError:
        return User.objects.get(phone_hash=phone_hash)


def _expired_error() -> ValidationError:
    return ValidationError(
        _("This code has expired or has already been used. Ask for a new code."), code="expired"
    )


def signin_code_verify(*, phone: str, code: str, request: HttpRequest) -> User:
    """Check the newest code sent to ``phone`` and sign its citizen in, creating the account if needed.

    A code works once, until it expires, and for at most ``OTP_CODE_MAX_ATTEMPTS`` tries; asking for a
    new code makes older ones useless.
    """
    normalized = identifiers.normalize_mobile(phone)
    token = clean_numeric_code(code)
    phone_hash = identifiers.hash_identifier(identifiers.PHONE, normalized)
    masked = identifiers.mask_mobile(normalized)
    now = timezone.now()

    error: ValidationError | None = None
    user: User | None = None
    with transaction.atomic():
        row = (
            SignInCode.objects.select_for_update()
            .filter(phone_hash=phone_hash)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None or row.used_at is not None or row.expires_at <= now:
            error = _expired_error()
        elif row.attempts >= settings.OTP_CODE_MAX_ATTEMPTS:
            error = ValidationError(_("Too many wrong codes. Ask for a new code."), code="too_many_attempts")
        else:
            row.attempts += 1
            if constant_time_compare(row.code_hash, _code_hash(phone_hash=phone_hash, code=token)):
                row.used_at = now
                row.save(update_fields=["attempts", "used_at"])
                user = _citizen_for(phone=normalized, phone_hash=phone_hash)
            else:
                row.save(update_fields=["attempts"])
                left = settings.OTP_CODE_MAX_ATTEMPTS - row.attempts
                if left > 0:
                    error = ValidationError(
                        _("That code is not correct. Check the text message and try again."), code="wrong"
                    )
                else:
                    error = ValidationError(
                        _("Too many wrong codes. Ask for a new code."), code="too_many_attempts"
                    )

        if user is not None and user.has_usable_password():
            # Staff accounts must not trade their password (and second factor) for a text message.
            error = ValidationError(
                _("This number belongs to a staff account. Sign in with your username and password."),
                code="staff_account",
            )
        elif user is not None and not user.is_active:
            error = ValidationError(
                _("This account is disabled. Contact the administrator."), code="inactive"
            )

        if error is None and user is not None:
            login(request, user, backend=SESSION_BACKEND)
            audit_record(
                AuditKind.SIGN_IN,
                actor=user,
                request=request,
                attempted_username=masked,
                target=target_of(user),
                reason="phone code",
            )
        else:
            # Written in the same transaction as the counted attempt; the error is raised after commit.
            audit_record(
                AuditKind.CODE_FAILED,
                actor=user,
                request=request,
                attempted_username=masked,
                reason=str(error.code) if error is not None else "",
            )
    if error is not None or user is None:
        raise error or _expired_error()
    return user


# --- API tokens ----------------------------------------------------------------------------------------


def api_token_create(
    *, user: User, name: str, days: int | None = None, actor: User | None = None
) -> tuple[ApiToken, str]:
    """Create a bearer token for ``user`` and return it with the token itself, which is never stored."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the token a name."), code="required")
    if days is not None and days <= 0:
        raise ValidationError(_("A token must be valid for at least one day."), code="invalid")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name[:100],
            # Enough to recognise a token in a list, far too little to guess the rest.
            prefix=raw[:10],
            token_hash=hash_token(raw),
            expires_at=timezone.now() + timedelta(days=days) if days is not None else None,
        )
        audit_record(
            AuditKind.TOKEN_CREATED,
            actor=actor,
            target=target_of(token),
            reason=f"for {user.username}: {token.name}",
        )
    return token, raw


# Sign-in codes older than this are of no use (they expired within minutes; the rate limits look back an
# hour) and are removed, so the table does not keep a trail of who asked for codes when.
SIGN_IN_CODES_KEPT = timedelta(days=1)


def sign_in_codes_prune(*, now: datetime | None = None) -> int:
    """Delete sign-in codes created before ``SIGN_IN_CODES_KEPT`` ago; return how many."""
    now = now or timezone.now()
    deleted, _ = SignInCode.objects.filter(created_at__lt=now - SIGN_IN_CODES_KEPT).delete()
    return deleted
