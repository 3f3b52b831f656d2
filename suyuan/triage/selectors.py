"""Reads of triage that have rules: a matter's triage for its staff, the models for administrators."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch

from suyuan.accounts.models import Organization
from suyuan.core.exceptions import NotFound
from suyuan.matters import access as matter_access
from suyuan.matters.models import Category, Matter
from suyuan.triage import access
from suyuan.triage.choices import CandidateStatus, ModelTarget
from suyuan.triage.models import (
    DuplicateCandidate,
    GroupMember,
    MatterGroup,
    ModelVersion,
    Proposal,
    RiskFlag,
    TriageModel,
)

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    probability: float


@dataclass(frozen=True)
class ProposalView:
    target: str
    target_label: str
    value: str
    label: str
    confidence: float
    applied: bool
    decided_value: str
    top: list[Choice]
    version: int | None


@dataclass(frozen=True)
class CandidateView:
    id: int
    matter: Matter
    similarity: float
    evidence: dict[str, Any]


@dataclass
class MatterTriage:
    proposals: list[ProposalView] = field(default_factory=list)
    open_flags: list[RiskFlag] = field(default_factory=list)
    cleared_flags: list[RiskFlag] = field(default_factory=list)
    candidates: list[CandidateView] = field(default_factory=list)
    group: MatterGroup | None = None
    group_members: list[Matter] = field(default_factory=list)
    group_size: int = 0
    may_decide: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.proposals
            or self.open_flags
            or self.cleared_flags
            or self.candidates
            or self.group is not None
        )


def _names(target: str, values: set[str], language: str | None) -> dict[str, str]:
    if target == ModelTarget.CATEGORY:
        return {c.code: c.label(language) for c in Category.objects.filter(code__in=sorted(values))}
    if target == ModelTarget.ORGANIZATION:
        ids = sorted(int(v) for v in values if v.isdigit())
        return {
            str(pk): name for pk, name in Organization.objects.filter(pk__in=ids).values_list("pk", "name")
        }
    return {}


def matter_triage(actor: Actor, matter: Matter, *, language: str | None = None) -> MatterTriage | None:
    """Return the matter's triage for a reader of its staff-only side, else None."""
    if not matter_access.sees_internal(actor, matter):
        return None
    result = MatterTriage(may_decide=matter_access.may_act(actor, matter, matter_access.INTAKE_ROLES))
    proposals = list(Proposal.objects.filter(matter=matter).select_related("version").order_by("target"))
    for proposal in proposals:
        values = {proposal.value, proposal.decided_value, *(str(v) for v, _p in proposal.top)} - {""}
        names = _names(proposal.target, values, language)
        result.proposals.append(
            ProposalView(
                target=proposal.target,
                target_label=str(ModelTarget(proposal.target).label),
                value=proposal.value,
                label=names.get(proposal.value, proposal.value),
                confidence=proposal.confidence,
                applied=proposal.applied,
                decided_value=names.get(proposal.decided_value, proposal.decided_value),
                top=[Choice(str(v), names.get(str(v), str(v)), float(p)) for v, p in proposal.top],
                version=proposal.version.number if proposal.version else None,
            )
        )
    for flag in (
        RiskFlag.objects.filter(matter=matter).select_related("cleared_by").order_by("raised_at", "id")
    ):
        (result.open_flags if flag.cleared_at is None else result.cleared_flags).append(flag)
    visible = matter_access.matters_visible_to(actor)
    candidates = list(
        DuplicateCandidate.objects.filter(matter=matter, status=CandidateStatus.OPEN)
        .filter(candidate__in=visible.values("pk"))
        .select_related("candidate", "candidate__region", "candidate__category")
        .order_by("-similarity", "id")
    )
    result.candidates = [CandidateView(c.pk, c.candidate, c.similarity, c.evidence) for c in candidates]
    membership = GroupMember.objects.filter(matter=matter).select_related("group").first()
    if membership is not None:
        group = membership.group
        result.group = group
        result.group_size = GroupMember.objects.filter(group=group).count()
        result.group_members = list(
            visible.filter(pk__in=GroupMember.objects.filter(group=group).values("matter_id"))
            .exclude(pk=matter.pk)
            .select_related("region", "category")
            .order_by("-created_at")[:50]
        )
    return result


def candidate_for_decision(actor: Actor, candidate_id: int) -> DuplicateCandidate:
    """Return an open candidate whose two matters the actor may both see, else raise ``NotFound``."""
    visible = matter_access.matters_visible_to(actor).values("pk")
    candidate = (
        DuplicateCandidate.objects.filter(pk=candidate_id, matter__in=visible, candidate__in=visible)
        .select_related("matter", "candidate")
        .first()
    )
    if candidate is None:
        raise NotFound
    return candidate


def flag_for_decision(actor: Actor, flag_id: int) -> RiskFlag:
    flag = RiskFlag.objects.filter(pk=flag_id).select_related("matter").first()
    if flag is None or not matter_access.sees_internal(actor, flag.matter):
        raise NotFound
    return flag


def group_for(actor: Actor, group_id: int) -> tuple[MatterGroup, list[Matter], int]:
    """A group the actor may see (at least one member matter visible), its visible members, its size."""
    group = MatterGroup.objects.filter(pk=group_id).select_related("region").first()
    if group is None:
        raise NotFound
    member_ids = GroupMember.objects.filter(group=group).values("matter_id")
    members = list(
        matter_access.matters_visible_to(actor)
        .filter(pk__in=member_ids)
        .select_related("region", "category", "organization")
        .order_by("-created_at")
    )
    if not members:
        raise NotFound
    return group, members, GroupMember.objects.filter(group=group).count()


def models_overview(actor: Actor) -> list[TriageModel]:
    """Every triage model with its versions (newest first; artefacts not loaded)."""
    if not access.may_view_models(actor):
        raise NotFound
    versions = ModelVersion.objects.defer("artefact").order_by("-number")
    return list(
        TriageModel.objects.prefetch_related(Prefetch("versions", queryset=versions)).order_by("name")
    )


def model_for(actor: Actor, name: str) -> TriageModel:
    if not access.may_view_models(actor):
        raise NotFound
    model = TriageModel.objects.filter(name=name).first()
    if model is None:
        raise NotFound
    return model


def version_for(actor: Actor, model: TriageModel, number: int) -> ModelVersion:
    version = ModelVersion.objects.defer("artefact").filter(model=model, number=number).first()
    if version is None or not access.may_view_models(actor):
        raise NotFound
    return version


def label_names(model: TriageModel, labels: list[str], language: str | None) -> dict[str, str]:
    """Readable names of a version's classes (category names, organisation names)."""
    return _names(model.target, set(labels), language)
