"""Send text messages through a pluggable backend chosen by ``settings.SMS_BACKEND``.

A deployment plugs in its carrier's gateway by writing a class with ``send``; the development backend
writes each message to the log and to a table shown at ``/dev/sms/`` when DEBUG is on.
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
    def send(self, *, phone: str, body: str) -> None:
        """Send ``body`` to the mainland mobile number ``phone`` (11 digits) or raise."""


class LogSmsBackend:
    """Development backend: log the message and keep it for the DEBUG-only outbox page."""

    def send(self, *, phone: str, body: str) -> None:
        from suyuan.notifications.models import DevSmsMessage

        DevSmsMessage.objects.create(phone=phone, body=body)
        logger.info("SMS to %s: %s", mask_mobile(phone), body)


class MemorySmsBackend:
    """Test backend: keep messages in a list that tests read."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, body: str) -> None:
        MemorySmsBackend.outbox.append((phone, body))


@lru_cache(maxsize=4)
def _backend(path: str) -> SmsBackend:
    return import_string(path)()


def send_sms(*, phone: str, body: str) -> None:
    _backend(settings.SMS_BACKEND).send(phone=phone, body=body)
