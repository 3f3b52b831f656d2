"""Triage's data: models and their versions, labels, proposals, risk flags, the duplicate index, groups.

Nothing here scores a person. A risk flag describes the situation of one matter and shows its evidence;
a group links matters about one dispute; a duplicate candidate says which facts of two matters agree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.core.models import AppendOnlyModel
from suyuan.triage.choices import (
    CandidateStatus,
    GroupKind,
    LabelSource,
    ModelTarget,
    RiskKind,
    VersionSource,
    VersionStatus,
)


class TriageModel(models.Model):
    """A named classifier over one taxonomy (the categories, the handling organisations, or any other)."""

    name = models.SlugField(_("name"), max_length=60, unique=True)
    target = models.CharField(_("what it proposes"), max_length=20, choices=ModelTarget.choices)
    # A proposal at or above this confidence is applied (shown as "suggested"); below it, a human decides.
    threshold = models.FloatField(_("apply at confidence"), default=0.7)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ModelVersion(models.Model):
    """One trained version of a model, with its evaluation on the held-back split.

    The artefact is the serialised classifier, signed with a key derived from the deployment's secret so
    that a row written by anything but this platform is never loaded.
    """

    model = models.ForeignKey(TriageModel, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.CANDIDATE
    )
    source = models.CharField(_("trained from"), max_length=12, choices=VersionSource.choices)
    # The signature of the classifier's bytes, which live in ModelArtefact (see there).
    artefact_signature = models.CharField(max_length=64)
    labels = models.JSONField(_("classes"), default=list)
    # Evaluation on the held-back split (macro-F1, per-class precision and recall, confusion matrix, sizes)
    # and, for comparison, the active version's figures on the very same split when there was one.
    metrics = models.JSONField(default=dict)
    baseline_metrics = models.JSONField(default=dict, blank=True)
    training_size = models.PositiveIntegerField(_("training size"), default=0)
    warnings = models.JSONField(default=list, blank=True)
    decision = models.TextField(_("why it was (not) promoted"), blank=True)
    trained_at = models.DateTimeField(default=timezone.now)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["model", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["model", "number"], name="triage_version_number_unique"),
            models.UniqueConstraint(
                fields=["model"],
                condition=models.Q(status="active"),
                name="triage_one_active_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model.name} v{self.number}"

    @property
    def macro_f1(self) -> float | None:
        value = self.metrics.get("macro_f1")
        return float(value) if value is not None else None


class ModelArtefact(models.Model):
    """The serialised classifier of a version (megabytes for a hundred classes), in a table of its own:
    the first pass on every matter reads the active versions' rows, and on SQLite reading any column
    stored after a large blob in the same row walks the blob's overflow pages. A process loads the bytes
    once per version (``artefacts.load``)."""

    version = models.OneToOneField(
        ModelVersion, on_delete=models.CASCADE, primary_key=True, related_name="artefact"
    )
    data = models.BinaryField()

    class Meta:
        verbose_name = _("model artefact")
        verbose_name_plural = _("model artefacts")

    def __str__(self) -> str:
        return f"{self.version_id}: {len(self.data):,} bytes"


class Label(AppendOnlyModel):
    """A human's word on what a matter is: a confirmation or a correction of a proposal, or imported history.

    The newest label of a matter for a target is the truth the next training uses.
    """

    matter = models.ForeignKey("matters.Matter", on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=20, choices=ModelTarget.choices)
    value = models.CharField(max_length=60)
    source = models.CharField(max_length=12, choices=LabelSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        indexes = [models.Index(fields=["target", "matter", "-created_at"], name="triage_label_latest")]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.target}={self.value}"


class Proposal(models.Model):
    """What triage proposed for a matter on one target, with its confidence and the alternatives."""

    matter = models.ForeignKey("matters.Matter", on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=20, choices=ModelTarget.choices)
    version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL)
    value = models.CharField(max_length=60, blank=True)
    confidence = models.FloatField(default=0.0)
    top = models.JSONField(default=list)  # [[value, probability], …]
    applied = models.BooleanField(default=False)
    # Set when a human confirmed (same value) or corrected (another value) it.
    decided_value = models.CharField(max_length=60, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("triage proposal")
        verbose_name_plural = _("triage proposals")
        constraints = [
            models.UniqueConstraint(fields=["matter", "target"], name="triage_one_proposal_per_target")
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.target}→{self.value} ({self.confidence:.2f})"


class RiskFlag(models.Model):
    """A flag on a matter with the words or facts that raised it; cleared (never deleted) with a reason."""

    matter = models.ForeignKey("matters.Matter", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=RiskKind.choices)
    evidence = models.JSONField(default=list)  # [{"text": …, "start": …, "end": …}, …]
    detail = models.TextField(blank=True)  # why, in the language of the deployment at the time
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clear_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")
        ordering = ["matter", "raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "kind"],
                condition=models.Q(cleared_at__isnull=True),
                name="triage_one_open_flag_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.kind}"


class Fingerprint(models.Model):
    """A matter's MinHash signature, kept to verify the candidates its band keys find."""

    matter = models.OneToOneField("matters.Matter", on_delete=models.CASCADE, primary_key=True)
    signature = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("text fingerprint")
        verbose_name_plural = _("text fingerprints")

    def __str__(self) -> str:
        return str(self.matter_id)


class BandKey(models.Model):
    """One LSH band of a matter's signature: matters sharing a key are candidates for near-duplicates."""

    id = models.BigAutoField(primary_key=True)
    key = models.BigIntegerField()
    matter = models.ForeignKey("matters.Matter", on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        indexes = [
            models.Index(fields=["key", "matter"], name="triage_band_key"),
            models.Index(fields=["matter"], name="triage_band_matter"),
        ]

    def __str__(self) -> str:
        return f"{self.key}→{self.matter_id}"


class DuplicateCandidate(models.Model):
    """An earlier matter that may be the same dispute as a new one, with what matched and how closely."""

    matter = models.ForeignKey("matters.Matter", on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey("matters.Matter", on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField(_("text similarity"))
    # Machine-readable reasons: {"same_party": [...roles], "similar_text": 0.82, "same_place": "…", "days": 3}
    evidence = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        ordering = ["matter", "-similarity", "id"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "candidate"], name="triage_candidate_pair_unique")
        ]

    def __str__(self) -> str:
        return f"{self.matter_id}~{self.candidate_id} {self.similarity:.2f}"


class MatterGroup(models.Model):
    """Matters about one group dispute (one employer, one site, one lender), handled together."""

    kind = models.CharField(_("kind"), max_length=20, choices=GroupKind.choices)
    # What joins them, machine-readable (the counterparty's key, the place and topic) and as a sentence.
    key = models.CharField(max_length=120)
    reason = models.TextField(_("why these matters are one group"))
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("group dispute")
        verbose_name_plural = _("group disputes")
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="triage_group_key_unique")]

    def __str__(self) -> str:
        return self.title


class GroupMember(models.Model):
    group = models.ForeignKey(MatterGroup, on_delete=models.CASCADE, related_name="members")
    matter = models.OneToOneField("matters.Matter", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")

    def __str__(self) -> str:
        return f"{self.group_id}:{self.matter_id}"
