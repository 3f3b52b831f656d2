from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.choices import Specialty
from suyuan.core.fields import EncryptedTextField
from suyuan.core.identifiers import mask_mobile, mask_resident_id
from suyuan.core.models import AppendOnlyModel
from suyuan.matters.choices import (
    Channel,
    EventKind,
    FailureRoute,
    FieldTaskKind,
    FieldTaskOutcome,
    FieldTaskStatus,
    InvitationStatus,
    MatterKind,
    MatterStatus,
    PartyKind,
    PartyRole,
    Visibility,
)


class Category(models.Model):
    """A dispute type of the taxonomy administrators edit (default: the people's-mediation types)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Which specialist committee usually takes this type (routing uses it when no rule says otherwise).
    specialty = models.CharField(_("specialty"), max_length=32, choices=Specialty.choices, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str | None) -> str:
        return self.name_en if (language or "").startswith("en") and self.name_en else self.name


class Matter(models.Model):
    """One real-world dispute, request, petition or consultation, whatever channel it came through."""

    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=MatterKind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MatterStatus.choices,
        default=MatterStatus.SUBMITTED,
        db_index=True,
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("what happened"))
    desired_outcome = models.TextField(_("what the applicant wants"), blank=True)
    occurred_on = models.DateField(_("date it happened"), null=True, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("where"), on_delete=models.PROTECT, related_name="matters"
    )
    address_text = models.CharField(_("address"), max_length=300, blank=True)

    # Who handles it now.
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("handling organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matters",
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mediator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediated_matters",
    )

    # Who brought it: the citizen's account (for "my matters"), and the staff member who entered it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_matters",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 代办: staff filing on a citizen's behalf, with the citizen's recorded consent.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agent_consent = models.CharField(_("how the citizen consented"), max_length=200, blank=True)
    privacy_consent_at = models.DateTimeField(_("privacy notice accepted"))

    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    failure_route = models.CharField(_("next route"), max_length=20, choices=FailureRoute.choices, blank=True)
    outcome_summary = models.TextField(_("outcome"), blank=True)

    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Deadline of the current stage (acceptance, assignment, mediation), in working days; None when final.
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)

    # A client's key for "create": a retry with the same key returns the same matter.
    idempotency_key = models.CharField(max_length=64, blank=True)
    # Bumped by every command, so a stale form ("you were looking at an older version") is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("matter")
        verbose_name_plural = _("matters")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "status", "due_at"]),
            models.Index(fields=["mediator", "status"]),
            models.Index(fields=["region", "status"]),
            models.Index(fields=["owner", "-created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["entered_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="matter_idempotency_key_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_code} {self.title}"

    @property
    def display_code(self) -> str:
        from suyuan.matters.codes import display

        return display(self.tracking_code)


class Party(models.Model):
    """Someone on a side of a matter: a person or an organisation, with whatever contact is known."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=16, choices=PartyRole.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=PartyKind.choices, default=PartyKind.PERSON)
    name = models.CharField(_("name"), max_length=100)
    phone = EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    id_number = EncryptedTextField(_("resident ID number"), blank=True, default="")
    id_number_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # The party's own account, once they have one (the applicant who filed online, a respondent who replied).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="parties"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["matter", "role", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"

    @property
    def phone_masked(self) -> str:
        return mask_mobile(self.phone)

    @property
    def id_number_masked(self) -> str:
        return mask_resident_id(self.id_number)


class MatterEvent(AppendOnlyModel):
    """One step in a matter's life; the timeline a citizen sees and the staff history are this log."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    # How the actor appears on the citizen's timeline ("江山市矛调中心 · 受理分流员"), fixed at the time.
    actor_label = models.CharField(max_length=200, blank=True)
    from_status = models.CharField(max_length=16, choices=MatterStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=MatterStatus.choices, blank=True)
    # What a reader needs to understand the step (reason, organisation, code merged into, …).
    data = models.JSONField(default=dict, blank=True)
    text = models.TextField(blank=True)  # a message, a note or a reason, as written
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("matter event")
        verbose_name_plural = _("matter events")
        ordering = ["matter", "seq"]
        constraints = [models.UniqueConstraint(fields=["matter", "seq"], name="matter_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.matter_id}#{self.seq} {self.kind}"


class DeadlineRule(models.Model):
    """How long a stage may take, per kind of matter; administrators edit these (defaults: the rules in force)."""

    kind = models.CharField(_("kind"), max_length=16, choices=MatterKind.choices)
    status = models.CharField(_("stage"), max_length=16, choices=MatterStatus.choices)
    days = models.PositiveSmallIntegerField(_("days"))
    # Working days on the official calendar, or calendar days (the law says which, e.g. 信访工作条例).
    working_days = models.BooleanField(_("working days"), default=True)
    basis = models.CharField(_("basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [models.UniqueConstraint(fields=["kind", "status"], name="deadline_rule_unique")]

    def __str__(self) -> str:
        return f"{self.kind}/{self.status}: {self.days}"


class RoutingRule(models.Model):
    """Send matters of a category (and/or kind) in a region to an organisation, or to a type of one.

    A rule names either one organisation, or a type (and specialty) of organisation that routing looks up
    nearest to the matter's place: "financial disputes → the county's financial-dispute lawyer team".
    The most specific matching rule wins (deepest region, then category over kind, then priority).
    """

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MatterKind.choices, blank=True)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    target_type = models.CharField(_("type of organisation"), max_length=32, blank=True)
    target_specialty = models.CharField(_("specialty"), max_length=32, choices=Specialty.choices, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) | ~models.Q(target_type=""),
                name="routing_rule_has_a_target",
            )
        ]

    def __str__(self) -> str:
        return f"rule {self.pk}"


class RespondentInvitation(models.Model):
    """An invitation to the other side to answer a matter: a text message with a link, then reminders.

    The link carries a long token that is never stored: it is derived from ``nonce`` with a server key
    (so a reminder can repeat the same link), and the database keeps only its keyed hash for lookup.
    """

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="invitations")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="invitations")
    nonce = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.SENT
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("link valid until"))
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    reply = models.TextField(_("reply"), blank=True)
    # Up to three {"date": "2026-10-12", "part": "morning"} the respondent proposed for a meeting.
    proposed_times = models.JSONField(_("proposed times"), default=list, blank=True)
    # Set when a grid worker recorded the answer on the respondent's behalf after a visit.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    # When the periodic job next looks at it (a reminder, or the grid worker's task); None when done.
    next_reminder_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation of the other side")
        verbose_name_plural = _("invitations of the other side")
        ordering = ["matter", "party", "-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["party"],
                condition=models.Q(status="sent"),
                name="one_waiting_invitation_per_party",
            )
        ]

    def __str__(self) -> str:
        return f"{self.matter_id}/{self.party_id} {self.status}"

    @property
    def is_answered(self) -> bool:
        return self.status in (InvitationStatus.ACCEPTED, InvitationStatus.DECLINED)


class FieldTask(models.Model):
    """A task for the grid workers of a village or grid: reach the other side in person, and report back."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="field_tasks")
    kind = models.CharField(_("kind"), max_length=24, choices=FieldTaskKind.choices)
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    invitation = models.ForeignKey(
        RespondentInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="field_tasks"
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="field_tasks",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("grid worker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="field_tasks",
    )
    instructions = models.TextField(_("instructions"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=FieldTaskStatus.choices, default=FieldTaskStatus.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=FieldTaskOutcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("field task")
        verbose_name_plural = _("field tasks")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["organization", "status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
