from __future__ import annotations

import uuid

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
    DocumentKind,
    DocumentSource,
    EventKind,
    FailureRoute,
    FieldTaskKind,
    FieldTaskOutcome,
    FieldTaskStatus,
    ImportFormat,
    ImportStatus,
    InvitationStatus,
    MatterKind,
    MatterStatus,
    PartyKind,
    PartyRole,
    Priority,
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
    # Words that mark this type, separated by spaces or commas: triage starts from them until staff have
    # labelled enough matters to learn from (and keeps them as a fallback).
    keywords = models.TextField(
        _("keywords"),
        blank=True,
        help_text=_("Words that mark this type of dispute, separated by spaces or commas."),
    )

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
    # Raised by triage's risk flags (each flag shows why); the urgent queue lists open matters above normal.
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL, db_index=True
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
    # Indexed: the newest value tells caches of queue counts whether anything changed.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Deadline of the current stage (acceptance, assignment, mediation), in working days; None when final.
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)

    # A client's key for "create": a retry with the same key returns the same matter.
    idempotency_key = models.CharField(max_length=64, blank=True)
    # The number the source system gave it (a 12345 work order, 工单编号), when it came from one.
    external_reference = models.CharField(_("source reference"), max_length=64, blank=True, db_index=True)
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
            # Queue pages list newest first or earliest deadline first; selectors.QueuePage walks these.
            models.Index(fields=["created_at", "id"], name="matter_created_id"),
            models.Index(fields=["due_at", "created_at"], name="matter_due_created"),
            # Recent matters of one category in a township or county (triage's search for group disputes).
            models.Index(fields=["category", "region", "created_at"], name="matter_category_region"),
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
        indexes = [
            # The other side named by many matters (an employer, a developer): triage's group search.
            models.Index(fields=["name"], name="party_name"),
            models.Index(fields=["credit_code"], name="party_credit_code"),
        ]

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


def _import_upload_to(instance: ImportBatch, filename: str) -> str:
    # The stored name is the file's hash: no citizen-written text in paths, and the same file twice is visible.
    suffix = ".xlsx" if instance.file_format == ImportFormat.XLSX else ".csv"
    return f"imports/{timezone.now():%Y/%m}/{instance.sha256}{suffix}"


class ImportBatch(models.Model):
    """One uploaded file of matters (e.g. a 12345 hotline export): its dry-run report and its import.

    ``report`` lists every issue the dry run found, ``[{"row", "column", "level", "message"}]`` with row
    numbers as a spreadsheet shows them (the header is row 1). Each imported row becomes a matter entered by
    ``entered_by`` with the idempotency key ``import-<batch id>-<row>``, so a retried import never duplicates.
    """

    organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.HOTLINE)
    kind = models.CharField(
        _("kind of matter"), max_length=16, choices=MatterKind.choices, default=MatterKind.REQUEST
    )
    agent_consent = models.CharField(_("how the citizens consented"), max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    file = models.FileField(upload_to=_import_upload_to, max_length=200)
    file_format = models.CharField(_("format"), max_length=8, choices=ImportFormat.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    valid_count = models.PositiveIntegerField(_("valid rows"), default=0)
    warning_count = models.PositiveIntegerField(_("rows with warnings"), default=0)
    imported_count = models.PositiveIntegerField(_("imported"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped"), default=0)
    report = models.JSONField(_("dry-run report"), default=list, blank=True)
    # Rows the import has gone through, and the last of them: a resumed import starts after ``last_row``.
    processed_count = models.PositiveIntegerField(default=0)
    last_row = models.PositiveIntegerField(default=0)
    error = models.TextField(_("why it failed"), blank=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now, db_index=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "sha256"])]

    def __str__(self) -> str:
        return f"import {self.pk} {self.original_name}"

    @property
    def key_prefix(self) -> str:
        """Return the start of the idempotency keys of this batch's matters."""
        return f"import-{self.pk}-"

    @property
    def progress_percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.valid_count:
            return 0
        return min(100, self.processed_count * 100 // max(self.valid_count, 1))


def document_upload_to(instance: Document | None, filename: str) -> str:
    """Return a random stored name under ``documents/``: never the uploader's name, which may say too much."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class Document(models.Model):
    """A file of a matter: a party's photo or PDF, a scan made by staff, a document the platform generated.

    Nothing is deleted: a corrected file is a new document that ``replaces`` the old one. The file lives
    under ``MEDIA_ROOT`` with a random name and is only ever served through an access-checked download.
    """

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(
        _("kind"), max_length=24, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    visibility = models.CharField(
        _("who sees it"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    source = models.CharField(_("source"), max_length=16, choices=DocumentSource.choices)
    file = models.FileField(upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=160)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, db_index=True)
    pages = models.PositiveIntegerField(_("pages"), default=1)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["matter", "created_at", "id"]
        indexes = [models.Index(fields=["matter", "created_at"])]

    def __str__(self) -> str:
        return self.original_name


class MatterRating(models.Model):
    """How the applicant rated the handling of their matter once it was finished: 1 to 5, and a comment."""

    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["matter", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "user"], name="matter_rating_once_per_user"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="matter_rating_score_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id}: {self.score}/5"


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
