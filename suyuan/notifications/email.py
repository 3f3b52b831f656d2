"""Send e-mails through Django's e-mail framework (``settings.EMAIL_BACKEND``, SMTP in production).

Every e-mail carries a Message-ID derived from its outbox id, the same on every try: SMTP has no way to
drop a resend, but a resend (after a crash between the server's answer and our commit) carries the same
Message-ID, which mail stores and readers use to recognise it as the same message.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


def message_id_domain() -> str:
    """Return the domain of our Message-IDs: the sender's, so they are unique to this deployment."""
    address = parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1]
    domain = address.rpartition("@")[2]
    return domain or "suyuan.invalid"


def message_id(reference: str) -> str:
    return f"<{reference}@{message_id_domain()}>"


def send_email(*, to: str, subject: str, body: str, reference: str) -> None:
    """Send one plain-text e-mail to ``to`` with a Message-ID made from ``reference``, or raise."""
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id(reference), "Auto-Submitted": "auto-generated"},
        connection=get_connection(fail_silently=False),
    )
    message.send(fail_silently=False)


class DevEmailBackend(BaseEmailBackend):
    """Development e-mail backend: keep messages for the DEBUG-only outbox page instead of sending them.

    Like the development SMS gateway it drops a resend of a message it already holds (same Message-ID).
    """

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from suyuan.notifications.models import DevEmailMessage

        kept = 0
        for message in email_messages:
            header = str(message.extra_headers.get("Message-ID") or "")
            _, created = DevEmailMessage.objects.get_or_create(
                message_id=header or f"<dev-{uuid.uuid4().hex}@suyuan.invalid>",
                defaults={
                    "to": ", ".join(message.to),
                    "subject": str(message.subject),
                    "body": str(message.body),
                },
            )
            if created:
                logger.info("E-mail %s kept for the development outbox", header)
            kept += 1
        return kept
