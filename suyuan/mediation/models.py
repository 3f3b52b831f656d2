from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.mediation.choices import (
    AgreementStatus,
    ConfirmationMethod,
    ObligationStatus,
    ReminderKind,
    SessionMode,
    SessionStatus,
)


class MediationSession(models.Model):
    """One meeting (or call, or written exchange) of the mediator with the parties of a matter."""

    matter = models.ForeignKey("matters.Matter", on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField(_("when"))
    mode = models.CharField(_("how"), max_length=16, choices=SessionMode.choices)
    place = models.CharField(_("place"), max_length=200, blank=True)  # for in-person sessions
    link = models.URLField(_("video link"), max_length=500, blank=True)  # for video sessions
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    record = models.TextField(_("record (笔录)"), blank=True)
    attendees = models.TextField(_("who attended"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    held_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["matter", "starts_at", "id"]
        indexes = [models.Index(fields=["matter", "starts_at"])]

    def __str__(self) -> str:
        return f"session {self.pk} of matter {self.matter_id}"


class Agreement(models.Model):
    """The people's mediation agreement (人民调解协议) of a matter: its terms, confirmations, obligations."""

    matter = models.OneToOneField("matters.Matter", on_delete=models.PROTECT, related_name="agreement")
    terms = models.TextField(_("terms"))
    status = models.CharField(
        _("status"), max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.AWAITING
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    effective_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)  # performed or breached
    comments = models.TextField(_("comments"), blank=True)  # what was reported with the last change

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        return f"agreement of matter {self.matter_id}"


class Obligation(models.Model):
    """Something one party undertook in the agreement: what, how much, by when; and whether it was done."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="obligations")
    obligor = models.ForeignKey("matters.Party", on_delete=models.PROTECT, related_name="obligations")
    description = models.CharField(_("what"), max_length=500)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=16, choices=ObligationStatus.choices, default=ObligationStatus.PENDING
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("obligation")
        verbose_name_plural = _("obligations")
        ordering = ["agreement", "position", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                name="obligation_amount_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"obligation {self.pk} due {self.due_on}"


class AgreementConfirmation(models.Model):
    """One party's confirmation of the agreement: requested when it is recorded, given by code or in person.

    Only a keyed hash of the one-time code is kept, with its expiry and the wrong tries, as for sign-in.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="confirmations")
    party = models.ForeignKey("matters.Party", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("how"), max_length=16, choices=ConfirmationMethod.choices, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("why in person"), blank=True)
    code_hash = models.CharField(max_length=128, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Codes sent in the hour that began at codes_window_at (a text message costs money and disturbs).
    codes_sent = models.PositiveSmallIntegerField(default=0)
    codes_window_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agreement confirmation")
        verbose_name_plural = _("agreement confirmations")
        ordering = ["agreement", "party__role", "party_id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "party"], name="agreement_confirmation_per_party")
        ]

    def __str__(self) -> str:
        return f"confirmation of party {self.party_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class ObligationReminder(models.Model):
    """A reminder about an obligation that was sent: each kind once."""

    obligation = models.ForeignKey(Obligation, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["obligation", "kind"], name="obligation_reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder of obligation {self.obligation_id}"


class FollowUp(models.Model):
    """The step a breach opens: the parties may mediate again, ask for judicial confirmation, or sue."""

    agreement = models.OneToOneField(Agreement, on_delete=models.PROTECT, related_name="follow_up")
    obligation = models.ForeignKey(Obligation, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_open = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"follow-up of agreement {self.agreement_id}"


class MediationExtension(models.Model):
    """The one extension of a matter's mediation period, which both parties agreed to.

    People's mediation should end within 30 days; the parties may agree once to more time. One row per
    matter (the database refuses a second), with how the parties' consent was obtained.
    """

    matter = models.OneToOneField(
        "matters.Matter", on_delete=models.PROTECT, related_name="mediation_extension"
    )
    days = models.PositiveSmallIntegerField(_("extra days"))
    consent = models.TextField(_("how both parties agreed"))
    previous_due_at = models.DateTimeField(null=True, blank=True)
    new_due_at = models.DateTimeField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("extension of the mediation period")
        verbose_name_plural = _("extensions of the mediation period")

    def __str__(self) -> str:
        return f"{self.matter_id} +{self.days}d"
