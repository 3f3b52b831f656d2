"""Send text messages through a pluggable gateway chosen by ``settings.SMS_BACKEND``.

A deployment plugs in its carrier's gateway by writing a class with ``send``. ``reference`` is the
outbox message's id: a gateway that accepts a client reference (most Chinese SMS platforms take an
"out id") uses it to drop a resend of a message it already accepted, which turns our at-least-once
delivery into exactly-once. No real gateway is reachable from the development machine; the log backend
stands in for one and honours the reference the same way. ``HttpSmsBackend`` speaks a small signed JSON
protocol (docs/notifications.md) that a county puts in front of its carrier with a thin shim.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from suyuan.core.identifiers import mask_mobile

logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, phone: str, body: str, reference: str) -> None:
        """Send ``body`` to the mainland mobile number ``phone`` (11 digits), or raise."""


class LogSmsBackend:
    """Development gateway: log the message and keep it for the DEBUG-only outbox page."""

    def send(self, *, phone: str, body: str, reference: str) -> None:
        from suyuan.notifications.models import DevSmsMessage

        _, created = DevSmsMessage.objects.get_or_create(
            reference=reference, defaults={"phone": phone, "body": body}
        )
        if created:
            logger.info("SMS %s to %s: %s", reference, mask_mobile(phone), body)


class MemorySmsBackend:
    """Test gateway: keep accepted messages in a list, dropping a resend of the same reference."""

    outbox: list[tuple[str, str]] = []
    references: set[str] = set()

    def send(self, *, phone: str, body: str, reference: str) -> None:
        if reference in MemorySmsBackend.references:
            return
        MemorySmsBackend.references.add(reference)
        MemorySmsBackend.outbox.append((phone, body))


class SmsGatewayError(Exception):
    """The gateway refused the message or could not be reached; the outbox retries it later."""


# Answers longer than this are not ours: a proxy's error page, say.
MAX_ANSWER_BYTES = 64 * 1024


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """Return the hex HMAC-SHA256, under ``secret``, of the timestamp, a newline and the request body."""
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


class HttpSmsBackend:
    """Gateway adapter: POST the message as signed JSON to ``settings.SMS_HTTP_URL``.

    The request is ``{"phone", "text", "out_id", "sign_name"}``; ``out_id`` is the outbox reference, the
    same on every try, and the gateway must accept a repeated ``out_id`` without sending again. The
    answer must be a 2xx with ``{"code": "OK"}``; anything else (another code, another status, no answer
    within ``SMS_HTTP_TIMEOUT`` seconds) raises, and the outbox tries again later.
    """

    def send(self, *, phone: str, body: str, reference: str) -> None:
        url = settings.SMS_HTTP_URL
        if not url.startswith(("https://", "http://")):
            raise SmsGatewayError("SMS_HTTP_URL is not an http(s) address")
        payload = json.dumps(
            {"phone": phone, "text": body, "out_id": reference, "sign_name": settings.SMS_SIGN_NAME},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "X-Suyuan-Key-Id": settings.SMS_HTTP_KEY_ID,
                "X-Suyuan-Timestamp": timestamp,
                "X-Suyuan-Signature": sign(
                    secret=settings.SMS_HTTP_SECRET, timestamp=timestamp, body=payload
                ),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:  # noqa: S310
                raw = response.read(MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as exc:
            raise SmsGatewayError(f"HTTP {exc.code} from the gateway") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SmsGatewayError(f"gateway unreachable: {type(reason).__name__}: {reason}") from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise SmsGatewayError("the gateway's answer is not JSON") from None
        if not isinstance(answer, dict) or answer.get("code") != "OK":
            code = answer.get("code") if isinstance(answer, dict) else None
            message = answer.get("message", "") if isinstance(answer, dict) else ""
            raise SmsGatewayError(f"the gateway refused {reference}: {code}: {message}"[:250])
        logger.info("SMS %s to %s accepted by the gateway", reference, mask_mobile(phone))


@lru_cache(maxsize=4)
def _backend(path: str) -> SmsBackend:
    return import_string(path)()


def send_sms(*, phone: str, body: str, reference: str) -> None:
    _backend(settings.SMS_BACKEND).send(phone=phone, body=body, reference=reference)
