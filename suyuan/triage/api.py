"""The JSON API of triage: a matter's triage and the decisions on it; the models and their versions.

Thin: selectors read with the access rules (a matter the caller may not read answers 404, like any
hidden matter), services write. Bad input answers 422, a stale version 409, a missing right 403.
"""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router

from suyuan.accounts.models import User
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import access as matter_access
from suyuan.matters.models import Matter
from suyuan.matters.schemas import ConflictOut, FieldErrorsOut, MessageOut
from suyuan.matters.selectors import category_by_code
from suyuan.triage import access, selectors, services
from suyuan.triage.schemas import (
    CategoryIn,
    MatterTriageOut,
    MergeIn,
    ModelOut,
    ReasonIn,
)

router = Router(tags=["triage"])

REFUSALS: dict[int, Any] = {401: MessageOut, 403: MessageOut, 404: MessageOut, 422: FieldErrorsOut}
COMMAND_RESPONSES: dict[int, Any] = {200: MatterTriageOut, **REFUSALS, 409: ConflictOut}


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _triage_out(actor: User, matter: Matter) -> dict[str, Any]:
    triage = selectors.matter_triage(actor, matter, language=get_language())
    if triage is None:
        raise NotFound
    group = None
    if triage.group is not None:
        group = {
            "id": triage.group.pk,
            "kind": triage.group.kind,
            "title": triage.group.title,
            "reason": triage.group.reason,
            "size": triage.group_size,
            "visible_members": [m.tracking_code for m in triage.group_members],
        }
    return {
        "code": matter.tracking_code,
        "priority": matter.priority,
        "priority_label": str(matter.get_priority_display()),
        "proposals": triage.proposals,
        "flags": [*triage.open_flags, *triage.cleared_flags],
        "candidates": [
            {
                "id": c.id,
                "code": c.matter.tracking_code,
                "title": c.matter.title,
                "similarity": c.similarity,
                "evidence": c.evidence,
            }
            for c in triage.candidates
        ],
        "group": group,
    }


@router.get("/matters/{code}", response={200: MatterTriageOut, **REFUSALS}, summary="A matter's triage")
def matter_triage(request: HttpRequest, code: str) -> dict[str, Any]:
    actor = _actor(request)
    return _triage_out(actor, matter_access.matter_for_code(actor, code))


@router.post(
    "/matters/{code}/category",
    response=COMMAND_RESPONSES,
    summary="Confirm or correct the category (stored as a label for the next training)",
)
def category_decide(request: HttpRequest, code: str, payload: CategoryIn) -> dict[str, Any]:
    actor = _actor(request)
    matter = matter_access.matter_for_code(actor, code)
    category = category_by_code(payload.category_code)
    if category is None:
        raise ValidationError({"category_code": _("Choose a valid category.")})
    services.category_decide(
        matter=matter,
        actor=actor,
        category=category,
        expected_version=payload.expected_version,
        note=payload.note,
    )
    return _triage_out(actor, matter_access.matter_for_code(actor, code))


@router.post("/flags/{flag_id}/clear", response=COMMAND_RESPONSES, summary="Clear a risk flag with a reason")
def flag_clear(request: HttpRequest, flag_id: int, payload: ReasonIn) -> dict[str, Any]:
    actor = _actor(request)
    flag = selectors.flag_for_decision(actor, flag_id)
    services.flag_clear(flag=flag, actor=actor, reason=payload.reason)
    return _triage_out(actor, matter_access.access_matter(actor, flag.matter_id))


@router.post(
    "/candidates/{candidate_id}/merge",
    response=COMMAND_RESPONSES,
    summary="Merge the newer matter into the earlier one it repeats",
)
def candidate_merge(request: HttpRequest, candidate_id: int, payload: MergeIn) -> dict[str, Any]:
    actor = _actor(request)
    candidate = selectors.candidate_for_decision(actor, candidate_id)
    services.candidate_merge(candidate=candidate, actor=actor, reason=payload.reason)
    return _triage_out(actor, matter_access.access_matter(actor, candidate.matter_id))


@router.post("/candidates/{candidate_id}/dismiss", response=COMMAND_RESPONSES, summary="Not the same dispute")
def candidate_dismiss(request: HttpRequest, candidate_id: int) -> dict[str, Any]:
    actor = _actor(request)
    candidate = selectors.candidate_for_decision(actor, candidate_id)
    services.candidate_dismiss(candidate=candidate, actor=actor)
    return _triage_out(actor, matter_access.access_matter(actor, candidate.matter_id))


@router.get("/models", response={200: list[ModelOut], **REFUSALS}, summary="Triage models and their versions")
def model_list(request: HttpRequest) -> list[Any]:
    actor = _actor(request)
    if not access.may_view_models(actor):
        raise Forbidden(_("Your role does not see the triage models."))
    return selectors.models_overview(actor)
