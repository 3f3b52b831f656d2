"""Reads of court cases with rules: the docking window's queues, one case with what it holds, a matter's
cases, and the grid workers' deliveries. Cases are always reached through ``court.access`` first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from suyuan.accounts.access import scope_for
from suyuan.accounts.choices import OrganizationType, Role
from suyuan.accounts.models import Organization, User
from suyuan.core.exceptions import NotFound
from suyuan.court import access
from suyuan.court.choices import OPEN_CASE_STATUSES, CaseStatus, ServiceMethod, ServiceStatus
from suyuan.court.models import (
    CaseNote,
    ConfirmationConsent,
    CourtCase,
    Hearing,
    HearingRound,
    RoundSubmission,
    Service,
)
from suyuan.matters import access as matter_access
from suyuan.matters import codes
from suyuan.matters.models import Matter, Party

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

# A case is "due soon" when its current period ends within this window.
DUE_SOON = dt.timedelta(days=3)


class CaseQueue:
    OPEN = "open"  # every open case
    DOCKED = "docked"
    PRE_FILING_MEDIATION = "pre_filing_mediation"
    CONFIRMATION = "confirmation"
    FILING_REVIEW = "filing_review"
    CORRECTION = "correction"
    FILED = "filed"
    HEARING = "hearing"
    JUDGMENT = "judgment"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    MINE = "mine"
    CLOSED = "closed"
    ALL = "all"  # not counted: it grows without end; a search looks here


QUEUE_LABELS = {
    CaseQueue.OPEN: _("all open"),
    CaseQueue.DOCKED: _("at the window"),
    CaseQueue.PRE_FILING_MEDIATION: _("pre-filing mediation"),
    CaseQueue.CONFIRMATION: _("confirmation"),
    CaseQueue.FILING_REVIEW: _("filing review"),
    CaseQueue.CORRECTION: _("returned for correction"),
    CaseQueue.FILED: pgettext_lazy("court case", "filed"),
    CaseQueue.HEARING: _("hearing"),
    CaseQueue.JUDGMENT: _("decided (appeal period)"),
    CaseQueue.OVERDUE: _("overdue"),
    CaseQueue.DUE_SOON: _("due within 3 days"),
    CaseQueue.MINE: _("mine"),
    CaseQueue.CLOSED: _("closed"),
    CaseQueue.ALL: _("all"),
}

_STATUS_QUEUES = {
    CaseQueue.DOCKED: CaseStatus.DOCKED,
    CaseQueue.PRE_FILING_MEDIATION: CaseStatus.PRE_FILING_MEDIATION,
    CaseQueue.CONFIRMATION: CaseStatus.CONFIRMATION_REVIEW,
    CaseQueue.FILING_REVIEW: CaseStatus.FILING_REVIEW,
    CaseQueue.CORRECTION: CaseStatus.CORRECTION,
    CaseQueue.FILED: CaseStatus.FILED,
    CaseQueue.HEARING: CaseStatus.HEARING,
    CaseQueue.JUDGMENT: CaseStatus.JUDGMENT,
    CaseQueue.CLOSED: CaseStatus.CLOSED,
}


def works_at_court(actor: Actor) -> bool:
    """Return whether the actor has the court's staff pages: a court's clerks and judges, and the mediators
    a court invited (特邀调解员: mediators who are members of a court)."""
    if access.is_court_staff(actor):
        return True
    mediating = scope_for(actor, roles={Role.MEDIATOR}).own_organization_ids
    return bool(mediating) and (
        Organization.objects.filter(pk__in=sorted(mediating), type=OrganizationType.COURT).exists()
    )


def default_queue(actor: Actor) -> str:
    """Clerks start with every open case of their court; judges and mediators with their own."""
    scope = scope_for(actor)
    if scope.is_platform_operator or Role.COURT_CLERK in scope.roles:
        return CaseQueue.OPEN
    return CaseQueue.MINE


def _queue_q(queue: str, *, user_id: int | None, now: dt.datetime) -> Q:
    open_q = Q(status__in=sorted(OPEN_CASE_STATUSES))
    if queue in _STATUS_QUEUES:
        return Q(status=_STATUS_QUEUES[queue])
    match queue:
        case CaseQueue.OPEN:
            return open_q
        case CaseQueue.OVERDUE:
            return open_q & Q(due_at__lt=now)
        case CaseQueue.DUE_SOON:
            return open_q & Q(due_at__gte=now, due_at__lt=now + DUE_SOON)
        case CaseQueue.MINE:
            return open_q & (Q(judge_id=user_id) | Q(mediator_id=user_id))
        case CaseQueue.ALL:
            return Q()
    raise ValidationError({"queue": _("Choose a valid queue.")})


def _search_q(text: str) -> Q:
    """A tracking code finds its matter; anything else a case number or a party's name."""
    text = text.strip()[:60]
    try:
        return Q(matter__tracking_code=codes.normalize(text))
    except ValidationError:
        pass
    named = Party.objects.filter(matter_id=OuterRef("matter_id"), name__icontains=text)
    return Q(number__number__icontains=text) | Q(mediation_number__number__icontains=text) | Q(Exists(named))


def case_queue(*, actor: Actor, queue: str = CaseQueue.OPEN, q: str = "") -> QuerySet[CourtCase]:
    """Return the cases of one queue the actor works on, searched; the nearest deadline first where
    deadlines are the point, else the newest first. A bad queue raises ValidationError."""
    now = timezone.now()
    cases = access.cases_for_staff(actor).filter(_queue_q(queue, user_id=scope_for(actor).user_id, now=now))
    if q.strip():
        cases = cases.filter(_search_q(q))
    ordering = ["due_at", "-created_at"] if queue in (CaseQueue.OVERDUE, CaseQueue.DUE_SOON) else None
    cases = cases.select_related("matter", "court", "judge", "number", "mediation_number")
    return cases.order_by(*(ordering or ["-created_at", "-id"]))


COUNTED = (
    CaseQueue.OPEN,
    CaseQueue.DOCKED,
    CaseQueue.PRE_FILING_MEDIATION,
    CaseQueue.CONFIRMATION,
    CaseQueue.FILING_REVIEW,
    CaseQueue.CORRECTION,
    CaseQueue.FILED,
    CaseQueue.HEARING,
    CaseQueue.JUDGMENT,
    CaseQueue.OVERDUE,
    CaseQueue.DUE_SOON,
    CaseQueue.MINE,
    CaseQueue.CLOSED,
)


def queue_counts(*, actor: Actor) -> dict[str, int]:
    """Return how many cases each queue holds for the actor, in one query."""
    now = timezone.now()
    user_id = scope_for(actor).user_id
    counts = access.cases_for_staff(actor).aggregate(
        **{queue: Count("pk", filter=_queue_q(queue, user_id=user_id, now=now)) for queue in COUNTED}
    )
    return {queue: counts[queue] or 0 for queue in COUNTED}


# --- One case ---------------------------------------------------------------------------------------------


def case_for_page(actor: Actor, case_id: Any) -> CourtCase:
    """Return the case if the actor works on it (``NotFound`` otherwise), with what its page shows first."""
    return access.case_for_staff(actor, case_id)


def parties_of(case: CourtCase) -> list[Party]:
    return list(case.matter.parties.all().order_by("role", "pk"))


def services_of(case: CourtCase) -> list[Service]:
    """Return the services of the case's documents, in the order they were sent."""
    return list(
        Service.objects.filter(case=case)
        .select_related("document", "party", "courier", "courier_organization", "proof")
        .order_by("sent_at", "pk")
    )


def consents_of(case: CourtCase) -> list[ConfirmationConsent]:
    return list(
        ConfirmationConsent.objects.filter(case=case).select_related("party").order_by("party__role", "pk")
    )


def hearings_of(case: CourtCase) -> list[Hearing]:
    """Return the case's hearings with their rounds and the parties' submissions (four queries)."""
    submissions = RoundSubmission.objects.select_related("party", "document").order_by("submitted_at", "pk")
    rounds = HearingRound.objects.prefetch_related(Prefetch("submissions", queryset=submissions)).order_by(
        "position", "pk"
    )
    return list(
        Hearing.objects.filter(case=case)
        .prefetch_related(Prefetch("rounds", queryset=rounds))
        .order_by("starts_at", "pk")
    )


def notes_of(actor: Actor, case: CourtCase) -> list[CaseNote]:
    """Return the court's internal notes on the case for its clerks and judge; nothing for anyone else."""
    if not access.reads_notes(actor, case):
        return []
    return list(CaseNote.objects.filter(case=case).select_related("author").order_by("created_at", "pk"))


def hearing_of(case: CourtCase, hearing_id: Any) -> Hearing | None:
    if not str(hearing_id or "").isdigit():
        return None
    return Hearing.objects.filter(case=case, pk=int(hearing_id)).select_related("case").first()


def round_of(case: CourtCase, round_id: Any) -> HearingRound | None:
    if not str(round_id or "").isdigit():
        return None
    return (
        HearingRound.objects.filter(hearing__case=case, pk=int(round_id))
        .select_related("hearing__case")
        .first()
    )


def cases_of_matter(actor: Actor, matter: Matter) -> list[dict[str, Any]]:
    """Return the court cases of a matter the caller has accessed, newest first, each with whether the
    actor works on it (and so may open its case page)."""
    cases = list(
        CourtCase.objects.filter(matter=matter)
        .select_related("court", "number", "mediation_number")
        .order_by("-created_at", "-pk")
    )
    if not cases:
        return []
    mine = set(access.cases_for_staff(actor).filter(matter=matter).values_list("pk", flat=True))
    return [{"case": case, "works_on": case.pk in mine} for case in cases]


# --- Deliveries (直接送达) ----------------------------------------------------------------------------------


@dataclass
class Delivery:
    """The documents served at one time on one party of one case, delivered together on one receipt."""

    case: CourtCase
    party: Party
    sent_at: dt.datetime
    services: list[Service] = field(default_factory=list)

    @property
    def first(self) -> Service:
        return self.services[0]

    @property
    def pending(self) -> list[Service]:
        return [s for s in self.services if s.status == ServiceStatus.PENDING]

    @property
    def status(self) -> str:
        statuses = {s.status for s in self.services}
        if ServiceStatus.PENDING in statuses:
            return ServiceStatus.PENDING
        return ServiceStatus.FAILED if ServiceStatus.FAILED in statuses else ServiceStatus.SERVED

    @property
    def address(self) -> str:
        if self.party.address:
            return self.party.address
        matter = self.case.matter
        return " ".join(part for part in (matter.region.full_name, matter.address_text) if part)


def _group(services_: list[Service]) -> list[Delivery]:
    deliveries: dict[tuple[int, int, dt.datetime], Delivery] = {}
    for service in services_:
        key = (service.case_id, service.party_id, service.sent_at)
        delivery = deliveries.get(key)
        if delivery is None:
            delivery = deliveries[key] = Delivery(service.case, service.party, service.sent_at)
        delivery.services.append(service)
    return list(deliveries.values())


def _deliveries(actor: Actor) -> QuerySet[Service]:
    return (
        access.deliveries_for(cast(User, actor))
        .select_related(
            "case__matter__region",
            "case__court",
            "case__number",
            "case__mediation_number",
            "party",
            "document",
            "courier",
        )
        .order_by("sent_at", "case_id", "party_id", "pk")
    )


DELIVERIES_SHOWN = 200  # the most recent reported deliveries shown under the pending ones


def deliveries_of(actor: Actor) -> tuple[list[Delivery], list[Delivery]]:
    """Return the actor's organisations' deliveries: those still to deliver (oldest first), then the most
    recently reported ones."""
    pending = _group(list(_deliveries(actor).filter(status=ServiceStatus.PENDING)))
    done_ids = list(
        access.deliveries_for(cast(User, actor))
        .exclude(status=ServiceStatus.PENDING)
        .order_by("-sent_at", "-pk")
        .values_list("pk", flat=True)[:DELIVERIES_SHOWN]
    )
    done = _group(list(_deliveries(actor).filter(pk__in=done_ids)))
    done.reverse()
    return pending, done


def delivery_of(actor: Actor, service_id: Any) -> Delivery:
    """Return the delivery that the actor's service ``service_id`` belongs to, or raise ``NotFound``."""
    if not str(service_id or "").isdigit():
        raise NotFound
    service = _deliveries(actor).filter(pk=int(service_id)).first()
    if service is None or service.method != ServiceMethod.IN_PERSON:
        raise NotFound
    batch = _deliveries(actor).filter(
        case_id=service.case_id, party_id=service.party_id, sent_at=service.sent_at
    )
    return _group(list(batch))[0]


# --- reads for the API ------------------------------------------------------------------------------------

CASE_RELATED = ("matter", "court", "judge", "clerk", "mediator", "cause", "number", "mediation_number")


def case_for_viewer(actor: Actor, case_id: Any) -> tuple[CourtCase, bool]:
    """Return the case and whether the actor works on it (court staff on the case), or the case of a
    matter the actor sees (its public face); else raise ``NotFound`` (a missing case alike)."""
    case = access.cases_for_staff(actor).select_related(*CASE_RELATED).filter(pk=case_id).first()
    if case is not None:
        return case, True
    case = CourtCase.objects.select_related(*CASE_RELATED).filter(pk=case_id).first()
    if case is None or not matter_access.matters_visible_to(actor).filter(pk=case.matter_id).exists():
        raise NotFound
    return case, False


def case_reloaded(case: CourtCase) -> CourtCase:
    """Return the case as it is now (after a command), with its relations."""
    return CourtCase.objects.select_related(*CASE_RELATED).get(pk=case.pk)


def case_version_locked(case: CourtCase) -> int:
    """Return the case's version, the row locked for the caller's transaction."""
    return int(CourtCase.objects.select_for_update().values_list("version", flat=True).get(pk=case.pk))


def court_named(court_id: Any) -> Organization | None:
    """Return the active people's court with this id (a client naming where to file), else None."""
    return Organization.objects.filter(pk=court_id, type=OrganizationType.COURT, is_active=True).first()


def active_user(user_id: Any) -> User | None:
    """Return the active user a command names (a judge, a mediator); the service checks their role."""
    return User.objects.filter(pk=user_id, is_active=True).first()


def hearings_with_rounds(case: CourtCase) -> QuerySet[Hearing]:
    submissions = RoundSubmission.objects.select_related("party").order_by("submitted_at", "pk")
    rounds = HearingRound.objects.order_by("position", "pk").prefetch_related(
        Prefetch("submissions", queryset=submissions)
    )
    return Hearing.objects.filter(case=case).prefetch_related(Prefetch("rounds", queryset=rounds))


def services_for_viewer(actor: Actor, case: CourtCase, *, works: bool) -> QuerySet[Service]:
    """Return the case's services: all of them for its court staff and staff who see the matter, the
    services on themselves for a party."""
    rows = Service.objects.filter(case=case).select_related("document", "party")
    if not works and not scope_for(actor).is_staff:
        rows = rows.filter(party__in=[p.pk for p in access.parties_of(actor, case.matter)])
    return rows.order_by("sent_at", "pk")


def service_in_case(case: CourtCase, service_id: Any) -> Service | None:
    return (
        Service.objects.filter(pk=service_id, case=case)
        .select_related("case__matter", "document", "party")
        .first()
    )


def service_reloaded(service: Service) -> Service:
    return Service.objects.select_related("document", "party").get(pk=service.pk)


def cases_of_visible_matter(matter: Matter) -> QuerySet[CourtCase]:
    """Return the cases of a matter the caller has already reached through ``matters.access``."""
    return (
        CourtCase.objects.filter(matter=matter).select_related(*CASE_RELATED).order_by("-created_at", "-pk")
    )


def round_for_party(actor: Actor, round_id: Any) -> HearingRound | None:
    """Return the written round if the actor sees its matter, else None."""
    round_ = HearingRound.objects.select_related("hearing__case").filter(pk=round_id).first()
    if (
        round_ is None
        or not matter_access.matters_visible_to(actor).filter(pk=round_.hearing.case.matter_id).exists()
    ):
        return None
    return round_


def submission_reloaded(submission: RoundSubmission) -> RoundSubmission:
    return RoundSubmission.objects.select_related("party").get(pk=submission.pk)
