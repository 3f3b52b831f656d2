from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.core.fields import EncryptedTextField
from suyuan.notifications.choices import Channel, MessageStatus


class OutboundMessage(models.Model):
    """One message to one recipient: the outbox row is written with the change that caused it, and a
    task delivers it. The row, not the task, is the truth: a sweeper re-enqueues rows a crash left queued.
    """

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    recipient = EncryptedTextField(_("recipient"))
    body = EncryptedTextField(_("message"), blank=True)
    # What the message is for ("sign_in_code", …): lets operators see traffic without reading bodies.
    purpose = models.CharField(_("purpose"), max_length=40)
    # Sign-in codes and the like: the body is wiped once delivered, so the outbox holds no usable secret.
    wipe_body_when_sent = models.BooleanField(default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.purpose} #{self.pk} ({self.status})"


class DevSmsMessage(models.Model):
    """A text message the development backend "sent": shown on a page that exists only with DEBUG on."""

    reference = models.CharField(max_length=64, unique=True)
    phone = EncryptedTextField()
    body = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"SMS {self.pk} ({self.created_at:%Y-%m-%d %H:%M})"
