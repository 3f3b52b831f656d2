from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.core.models import AppendOnlyModel
from suyuan.court.choices import (
    CaseOrigin,
    CaseOutcome,
    CaseStatus,
    CaseTrack,
    CaseType,
    CourtLevel,
    DecisionKind,
    HearingMode,
    HearingStatus,
    PerformanceStatus,
    RoundKind,
    ServiceMethod,
    ServiceStatus,
    TimeLimitKind,
)


class CaseNumberCounter(models.Model):
    """The last sequence number a court issued in a year for one type of case; locked to issue the next."""

    court = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    case_type = models.CharField(max_length=32, choices=CaseType.choices)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["court", "year", "case_type"], name="case_number_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.court_id}/{self.year}/{self.case_type}: {self.last}"


class CaseNumber(AppendOnlyModel):
    """A case number a court issued (e.g. (2026)浙0881民初123号): issued once, never changed or reused."""

    court = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    case_type = models.CharField(_("type of case"), max_length=32, choices=CaseType.choices)
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("case number"), max_length=40, unique=True)
    matter = models.ForeignKey(
        "matters.Matter", null=True, blank=True, on_delete=models.PROTECT, related_name="case_numbers"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("case number")
        verbose_name_plural = _("case numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["court", "year", "case_type", "sequence"], name="case_number_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return self.number


class CourtCode(models.Model):
    """A court of the province and its code (法院代字), by the administrative division it serves.

    Loaded from the regions (``manage.py court_codes_load``: 浙 + the county's four digits for a basic
    court, 浙 + the city's two for an intermediate court, 浙 for the high court) and editable, for the few
    courts whose code or name differs from what the division gives (a merged district, a railway court).
    """

    region = models.OneToOneField(
        "regions.Region", verbose_name=_("division"), on_delete=models.PROTECT, related_name="court_code"
    )
    code = models.CharField(_("court code"), max_length=16, unique=True)
    name = models.CharField(_("court"), max_length=60)
    level = models.CharField(_("level"), max_length=16, choices=CourtLevel.choices)

    class Meta:
        verbose_name = _("court code")
        verbose_name_plural = _("court codes")
        ordering = ["region_id"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CauseOfAction(models.Model):
    """A cause of action (案由) with the materials a filing for it must carry (the checklist)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    # Kinds of document (matters.DocumentKind values) the filing must include besides the complaint.
    required_materials = models.JSONField(_("required materials"), default=list, blank=True)
    # What the materials are in words, for the checklist shown to the citizen (e.g. 借条、转账记录).
    materials_hint = models.CharField(_("what to bring"), max_length=300, blank=True)
    materials_hint_en = models.CharField(_("what to bring (English)"), max_length=300, blank=True)
    # A claim for money or property: the court fee depends on the amount (诉讼费用交纳办法第13条).
    is_property = models.BooleanField(_("claim for money or property"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("cause of action")
        verbose_name_plural = _("causes of action")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str | None) -> str:
        return self.name_en if (language or "").startswith("en") and self.name_en else self.name

    def hint(self, language: str | None) -> str:
        english = (language or "").startswith("en") and self.materials_hint_en
        return self.materials_hint_en if english else self.materials_hint


class TimeLimit(models.Model):
    """A statutory period the court side counts: how many days, and whether working or calendar days.

    Calendar-day periods follow the Civil Procedure Law (第85条): the first day is not counted, and a
    period whose last day is a public holiday ends on the first working day after it.
    """

    kind = models.CharField(_("period"), max_length=32, choices=TimeLimitKind.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("days"))
    working_days = models.BooleanField(_("working days"), default=False)
    basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.days}"


class CourtCase(models.Model):
    """What a court does with a matter: a lawsuit (perhaps mediated before filing) or a confirmation.

    Its status follows its own state machine (``court.transitions``); every move is a service that writes
    the matter's event in the same transaction, so the matter's timeline runs on from intake to judgment.
    """

    matter = models.ForeignKey("matters.Matter", on_delete=models.PROTECT, related_name="court_cases")
    court = models.ForeignKey(
        "accounts.Organization", verbose_name=_("court"), on_delete=models.PROTECT, related_name="+"
    )
    track = models.CharField(_("kind of case"), max_length=16, choices=CaseTrack.choices)
    origin = models.CharField(_("how it came"), max_length=16, choices=CaseOrigin.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.DOCKED, db_index=True
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=CaseOutcome.choices, blank=True)
    version = models.PositiveIntegerField(default=1)

    # Numbers: 民诉前调 while mediated before filing; 民特 (confirmation) or 民初 (filed lawsuit).
    mediation_number = models.ForeignKey(
        CaseNumber, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    number = models.ForeignKey(CaseNumber, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("judge"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="court_cases_judged",
    )
    # 特邀调解员: the court-invited mediator of the pre-filing mediation.
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("court-invited mediator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="court_cases_mediated",
    )
    mediation_due_at = models.DateTimeField(_("pre-filing mediation ends"), null=True, blank=True)
    mediation_extension = models.TextField(_("how the parties agreed to more time"), blank=True)

    # The complaint (起诉状), from the guided form.
    cause = models.ForeignKey(
        CauseOfAction, verbose_name=_("cause of action"), null=True, blank=True, on_delete=models.PROTECT
    )
    claims = models.JSONField(_("claims"), default=list, blank=True)  # 诉讼请求, one per item
    facts = models.TextField(_("facts and reasons"), blank=True)  # 事实与理由
    amount_claimed = models.DecimalField(
        _("amount claimed (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    fee = models.DecimalField(_("court fee (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    complaint = models.ForeignKey(
        "matters.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    complaint_submitted_at = models.DateTimeField(_("complaint received"), null=True, blank=True)
    correction_items = models.JSONField(_("what to correct"), default=list, blank=True)

    # Judicial confirmation: the agreement the parties ask the court to confirm.
    agreement = models.ForeignKey(
        "mediation.Agreement", null=True, blank=True, on_delete=models.PROTECT, related_name="court_cases"
    )

    # The current statutory period: what it is and when it ends (None when nothing runs).
    due_kind = models.CharField(max_length=32, choices=TimeLimitKind.choices, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)

    decision_kind = models.CharField(_("decision"), max_length=16, choices=DecisionKind.choices, blank=True)
    decision = models.ForeignKey(
        "matters.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reasons"), blank=True)  # of a refusal, a ruling, a withdrawal
    appeal_ends_at = models.DateTimeField(_("appeal period ends"), null=True, blank=True)

    performance = models.CharField(
        _("performance"), max_length=16, choices=PerformanceStatus.choices, blank=True, default=""
    )
    performance_note = models.TextField(_("performance note"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("arrived"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("court case")
        verbose_name_plural = _("court cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["court", "status", "created_at"]),
            models.Index(fields=["judge", "status"]),
        ]
        constraints = [
            # One open case per matter at a time: a second filing would enter the same dispute twice.
            models.UniqueConstraint(
                fields=["matter"],
                condition=~models.Q(status=CaseStatus.CLOSED),
                name="court_case_one_open_per_matter",
            )
        ]

    def __str__(self) -> str:
        return self.display_number or f"court case {self.pk}"

    @property
    def display_number(self) -> str:
        if self.number_id is not None:
            return self.number.number if self.number else ""
        if self.mediation_number_id is not None:
            return self.mediation_number.number if self.mediation_number else ""
        return ""


class ConfirmationConsent(models.Model):
    """A party's part in a joint application for judicial confirmation (共同申请)."""

    case = models.ForeignKey(CourtCase, on_delete=models.CASCADE, related_name="consents")
    party = models.ForeignKey("matters.Party", on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(null=True, blank=True)
    joined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Staff recorded it for the party (at the window, in person), and how.
    recorded_reason = models.CharField(_("how the party agreed"), max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "party"], name="confirmation_consent_once")]

    def __str__(self) -> str:
        return f"consent of party {self.party_id} to case {self.case_id}"


class CaseNote(AppendOnlyModel):
    """An internal note of the court on a case: seen by the court's own staff only."""

    case = models.ForeignKey(CourtCase, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"


class Service(models.Model):
    """Service (送达) of one document on one party: electronic, or in person by a grid worker.

    Electronic service is in effect when the document reaches the party's portal (民诉法第90条: the date
    it reaches the recipient's system); in-person service when the grid worker reports the signed
    receipt (送达回证) with a photo of it.
    """

    case = models.ForeignKey(CourtCase, on_delete=models.PROTECT, related_name="services")
    document = models.ForeignKey("matters.Document", on_delete=models.PROTECT, related_name="services")
    party = models.ForeignKey("matters.Party", on_delete=models.PROTECT, related_name="services")
    method = models.CharField(_("how"), max_length=16, choices=ServiceMethod.choices)
    status = models.CharField(_("status"), max_length=16, choices=ServiceStatus.choices)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    served_at = models.DateTimeField(_("in effect"), null=True, blank=True)
    read_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    # In person: the organisation whose grid workers deliver it, the one who did, the photo of the receipt.
    courier_organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proof = models.ForeignKey(
        "matters.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    failure_reason = models.TextField(_("why it could not be delivered"), blank=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["case", "sent_at", "id"]
        indexes = [models.Index(fields=["method", "status"])]

    def __str__(self) -> str:
        return f"service of document {self.document_id} on party {self.party_id}"


class Hearing(models.Model):
    """A hearing of a case: in the court room, online, or asynchronously in written rounds."""

    case = models.ForeignKey(CourtCase, on_delete=models.PROTECT, related_name="hearings")
    mode = models.CharField(_("how"), max_length=16, choices=HearingMode.choices)
    starts_at = models.DateTimeField(_("when"))
    place = models.CharField(_("court room"), max_length=200, blank=True)
    link = models.URLField(_("online link"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=HearingStatus.choices, default=HearingStatus.SCHEDULED
    )
    record = models.TextField(_("record (庭审笔录)"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    held_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["case", "starts_at", "id"]

    def __str__(self) -> str:
        return f"hearing {self.pk} of case {self.case_id}"


class HearingRound(models.Model):
    """One round of an asynchronous hearing: the parties write (and attach) by its deadline."""

    hearing = models.ForeignKey(Hearing, on_delete=models.PROTECT, related_name="rounds")
    kind = models.CharField(_("round"), max_length=24, choices=RoundKind.choices)
    instructions = models.TextField(_("what the judge asks"), blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("deadline"))
    closed_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = _("written round")
        verbose_name_plural = _("written rounds")
        ordering = ["hearing", "position", "id"]

    def __str__(self) -> str:
        return f"round {self.position} of hearing {self.hearing_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RoundSubmission(AppendOnlyModel):
    """What one party wrote (and attached) in a written round; kept as submitted."""

    round = models.ForeignKey(HearingRound, on_delete=models.PROTECT, related_name="submissions")
    party = models.ForeignKey("matters.Party", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("statement"))
    document = models.ForeignKey(
        "matters.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["round", "submitted_at", "id"]

    def __str__(self) -> str:
        return f"submission {self.pk} in round {self.round_id}"
