"""Send text messages through a pluggable gateway chosen by ``settings.SMS_BACKEND``.

A deployment plugs in its carrier's gateway by writing a class with ``send``. ``reference`` is the
outbox message's id: a gateway that accepts a client reference (most Chinese SMS platforms take an
"out id") uses it to drop a resend of a message it already accepted, which turns our at-least-once
delivery into exactly-once. No real gateway is reachable from the development machine; the log backend
stands in for one and honours the reference the same way.
"""

from __future__ import annotations

import logging
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


@lru_cache(maxsize=4)
def _backend(path: str) -> SmsBackend:
    return import_string(path)()


def send_sms(*, phone: str, body: str, reference: str) -> None:
    _backend(settings.SMS_BACKEND).send(phone=phone, body=body, reference=reference)
