from django.conf import settings
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
    recipient = EncryptedTextField(_("recipient"))  # a mobile number or an e-mail address
    subject = EncryptedTextField(_("subject"), blank=True, default="")  # e-mail only
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

    @property
    def reference(self) -> str:
        """Return the id the gateway sees: the same on every try, so a resend is recognisable."""
        return f"sy-{self.pk}"


class Notification(models.Model):
    """One in-app notice to one user, shown in their inbox until they read it.

    Other apps write it through ``services.notify``; ``link`` is a path on this site (a matter's page),
    never an address elsewhere, so opening a notice cannot send anyone off the site.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    # What the notice is for ("matter_accepted", …), as on the outbox rows it caused.
    purpose = models.CharField(_("purpose"), max_length=40)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_newest"),
            # The unread badge counts these on every page: a partial index keeps it small.
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notif_recipient_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk} to user {self.recipient_id}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


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


class DevEmailMessage(models.Model):
    """An e-mail the development backend "sent": shown on the same DEBUG-only page as text messages."""

    message_id = models.CharField(max_length=200, unique=True)
    to = EncryptedTextField()
    subject = EncryptedTextField(blank=True)
    body = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"E-mail {self.pk} ({self.created_at:%Y-%m-%d %H:%M})"
