"""Who may see and act on a court case.

* A court's clerks (书记员 / 立案庭) see every case of their court and give its clerical commands.
* A judge sees the cases assigned to them and decides them; the court shares each case's matter with its
  judge (and with the court-invited mediator of a pre-filing mediation) when it assigns them.
* The court's internal notes are read by its clerks and the case's judge only: nobody outside the court.
* Parties (and the staff who see the matter) see the public face of a case on the matter's page: its
  status, number, deadlines, hearings and the documents served on them.

``case_for_staff`` raises ``NotFound`` for a missing case and a case of another court alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from suyuan.accounts.access import scope_for
from suyuan.accounts.choices import Role
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.court.choices import ServiceMethod
from suyuan.court.models import CourtCase, Service
from suyuan.matters.choices import PartyRole
from suyuan.matters.models import Matter, Party
from suyuan.mediation.services import party_acts_for

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

PROTECTED_MODELS = (
    "CourtCase",
    "ConfirmationConsent",
    "CaseNote",
    "Service",
    "Hearing",
    "HearingRound",
    "RoundSubmission",
)

COURT_ROLES = frozenset({Role.COURT_CLERK, Role.JUDGE})


def clerk_court_ids(actor: Actor) -> frozenset[int]:
    """Return the courts where the actor is a clerk."""
    return scope_for(actor, roles={Role.COURT_CLERK}).own_organization_ids


def judge_court_ids(actor: Actor) -> frozenset[int]:
    return scope_for(actor, roles={Role.JUDGE}).own_organization_ids


def is_court_staff(actor: Actor) -> bool:
    """Return whether the actor works in a court (the docking window and the case pages are theirs)."""
    scope = scope_for(actor)
    return scope.is_platform_operator or scope.has_role(*COURT_ROLES)


def cases_for_staff(actor: Actor) -> QuerySet[CourtCase]:
    """Return the cases the actor works on: their court's (clerks), their own (judges, mediators)."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return CourtCase.objects.all()
    if not scope.is_staff or scope.user_id is None:
        return CourtCase.objects.none()
    query = Q(judge_id=scope.user_id) | Q(mediator_id=scope.user_id)
    courts = clerk_court_ids(actor)
    if courts:
        query |= Q(court_id__in=sorted(courts))
    return CourtCase.objects.filter(query)


def deliveries_for(actor: Actor) -> QuerySet[Service]:
    """Return the in-person services the actor's grid-worker organisations are to deliver."""
    orgs = scope_for(actor, roles={Role.GRID_WORKER}).own_organization_ids
    return Service.objects.filter(method=ServiceMethod.IN_PERSON, courier_organization_id__in=sorted(orgs))


def case_for_staff(actor: Actor, case_id: Any, *, for_update: bool = False) -> CourtCase:
    """Return the case if the actor works on it (locked if asked), else raise ``NotFound``."""
    try:
        queryset = cases_for_staff(actor)
        if for_update:
            pk = queryset.values_list("pk", flat=True).get(pk=case_id)
            return CourtCase.objects.select_for_update().get(pk=pk)
        return queryset.select_related(
            "matter", "court", "judge", "clerk", "mediator", "cause", "number", "mediation_number"
        ).get(pk=case_id)
    except (CourtCase.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def is_clerk(actor: Actor, case: CourtCase) -> bool:
    scope = scope_for(actor)
    return scope.is_platform_operator or case.court_id in clerk_court_ids(actor)


def is_judge(actor: Actor, case: CourtCase) -> bool:
    """Return whether the actor is the case's judge (a platform operator stands in for tests and repairs)."""
    scope = scope_for(actor)
    return scope.is_platform_operator or (scope.user_id is not None and case.judge_id == scope.user_id)


def is_court_mediator(actor: Actor, case: CourtCase) -> bool:
    scope = scope_for(actor)
    return scope.user_id is not None and case.mediator_id == scope.user_id


def reads_notes(actor: Actor, case: CourtCase) -> bool:
    """Return whether the actor reads the court's internal notes on the case: its clerks and judge."""
    return is_clerk(actor, case) or is_judge(actor, case)


def require(allowed: bool) -> None:
    if not allowed:
        raise Forbidden


def parties_of(actor: Actor, matter: Matter) -> list[Party]:
    """Return the matter's parties the signed-in citizen acts for: the applicants of a matter they filed
    (their own or as an agent), and any party with their account or their verified phone."""
    if actor is None or not actor.is_authenticated:
        return []
    owner = matter.owner_id is not None and matter.owner_id == actor.pk
    return [
        party
        for party in matter.parties.select_related("user")
        if party_acts_for(actor, party) or (owner and party.role == PartyRole.APPLICANT)
    ]


def acting_party(actor: Actor, matter: Matter, party_id: Any = None) -> Party:
    """Return the party the actor acts for in this matter (the one named, if several), else raise."""
    parties = parties_of(actor, matter)
    if party_id not in (None, ""):
        parties = [p for p in parties if str(p.pk) == str(party_id)]
    if not parties:
        raise Forbidden
    return parties[0]
