"""Input and output schemas of the triage API."""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.
import datetime as dt
from typing import Any

from ninja import Field, Schema


class ChoiceOut(Schema):
    value: str
    label: str
    probability: float


class ProposalOut(Schema):
    target: str = Field(description="`category` or `organization`.")
    value: str = Field(description="A category code or an organisation id.")
    label: str
    confidence: float
    applied: bool = Field(
        description="Applied to the matter as a suggestion (confidence above the threshold)."
    )
    decided_value: str = Field(description="What a human decided, empty until then.")
    top: list[ChoiceOut]
    version: int | None


class EvidenceOut(Schema):
    text: str
    start: int | None = None
    end: int | None = None


class FlagOut(Schema):
    id: int
    kind: str
    kind_label: str
    detail: str
    evidence: list[EvidenceOut]
    raised_at: dt.datetime
    cleared_at: dt.datetime | None
    clear_reason: str

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(obj.get_kind_display())


class CandidateOut(Schema):
    id: int
    code: str = Field(description="Tracking code of the earlier matter that may be the same dispute.")
    title: str
    similarity: float
    evidence: dict[str, Any]


class GroupOut(Schema):
    id: int
    kind: str
    title: str
    reason: str
    size: int
    visible_members: list[str] = Field(description="Tracking codes of the members the caller may open.")


class MatterTriageOut(Schema):
    code: str
    priority: int
    priority_label: str
    proposals: list[ProposalOut]
    flags: list[FlagOut]
    candidates: list[CandidateOut]
    group: GroupOut | None


class CategoryIn(Schema):
    category_code: str = Field(max_length=40)
    expected_version: int | None = Field(None, ge=1)
    note: str = Field("", max_length=500)


class ReasonIn(Schema):
    reason: str = Field(max_length=1000)


class MergeIn(Schema):
    reason: str = Field("", max_length=500)


class VersionOut(Schema):
    number: int
    status: str
    source: str
    training_size: int
    macro_f1: float | None
    baseline_macro_f1: float | None
    metrics: dict[str, Any]
    decision: str
    trained_at: dt.datetime
    promoted_at: dt.datetime | None

    @staticmethod
    def resolve_baseline_macro_f1(obj: Any) -> float | None:
        value = obj.baseline_metrics.get("macro_f1")
        return float(value) if value is not None else None


class ModelOut(Schema):
    name: str
    target: str
    threshold: float
    versions: list[VersionOut]

    @staticmethod
    def resolve_versions(obj: Any) -> list[Any]:
        return list(obj.versions.all())
