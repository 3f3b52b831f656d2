"""The court section of the citizen's matter page (registered from ``CourtConfig.ready``), and the reads the
citizens' court pages make.

The matter always comes from ``matters.access`` first (the page found it for the viewer); everything read
here hangs off that matter, so nobody sees a case, a round or a service of a matter they cannot open.
Parties see the public face of their cases: status in plain words, numbers, the current deadline,
correction items, documents served on them, hearings and written rounds, the joint application, and the
steps open to them. Staff who open the portal page see the same, without the steps.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suyuan.core.exceptions import NotFound
from suyuan.court import access, services, transitions
from suyuan.court.choices import (
    CaseOutcome,
    CaseStatus,
    CaseTrack,
    HearingMode,
    HearingStatus,
    PerformanceStatus,
    ServiceStatus,
    TimeLimitKind,
)
from suyuan.court.models import (
    ConfirmationConsent,
    CourtCase,
    Hearing,
    HearingRound,
    RoundSubmission,
    Service,
)
from suyuan.court.portal_forms import CaseWithdrawForm, PerformanceForm, RoundSubmissionForm
from suyuan.matters.choices import MatterStatus, PartyRole
from suyuan.matters.models import Matter, Party
from suyuan.matters.sections import Section, register
from suyuan.mediation import selectors as mediation_selectors

# The bound forms a failed post leaves on the request for the section to show again.
BOUND = "_court_bound"

# Where a party may still withdraw by themselves (after filing, the court must allow it).
PARTY_WITHDRAW_STATUSES = frozenset(
    {
        CaseStatus.DOCKED,
        CaseStatus.PRE_FILING_MEDIATION,
        CaseStatus.CONFIRMATION_REVIEW,
        CaseStatus.FILING_REVIEW,
        CaseStatus.CORRECTION,
    }
)


# --- Reads ------------------------------------------------------------------------------------------------


def cases_of(matter: Matter) -> list[CourtCase]:
    """Return the matter's court cases, newest first, with what the section shows of each."""
    return list(
        CourtCase.objects.filter(matter=matter)
        .select_related("court", "cause", "number", "mediation_number", "decision", "complaint", "agreement")
        .prefetch_related(
            Prefetch(
                "consents",
                queryset=ConfirmationConsent.objects.select_related("party").order_by(
                    "party__role", "party_id"
                ),
            ),
            Prefetch(
                "hearings",
                queryset=Hearing.objects.exclude(status=HearingStatus.CANCELLED).order_by("starts_at", "pk"),
            ),
        )
        .order_by("-created_at", "-id")
    )


def open_case_of(matter: Matter) -> CourtCase | None:
    return (
        CourtCase.objects.filter(matter=matter)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("court", "cause")
        .first()
    )


def case_of(matter: Matter, case_id: Any) -> CourtCase:
    """Return the matter's case with this id, else raise ``NotFound``."""
    case = CourtCase.objects.filter(matter=matter, pk=_int(case_id)).select_related("court").first()
    if case is None:
        raise NotFound
    return case


def round_of(matter: Matter, round_id: Any) -> HearingRound:
    round_ = (
        HearingRound.objects.filter(hearing__case__matter=matter, pk=_int(round_id))
        .select_related("hearing__case")
        .first()
    )
    if round_ is None:
        raise NotFound
    return round_


def service_of(matter: Matter, service_id: Any) -> Service:
    service = (
        Service.objects.filter(case__matter=matter, pk=_int(service_id))
        .select_related("case__matter", "document", "party")
        .first()
    )
    if service is None:
        raise NotFound
    return service


def held_kinds(matter: Matter) -> set[str]:
    """Return the kinds of document the matter holds (what ``services.missing_materials`` counts)."""
    return set(matter.documents.values_list("kind", flat=True))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- Plain words ------------------------------------------------------------------------------------------

STATUS_TITLE: dict[str, Any] = {
    CaseStatus.DOCKED: gettext_lazy("The court has received the matter"),
    CaseStatus.PRE_FILING_MEDIATION: gettext_lazy("Mediation by the court before filing"),
    CaseStatus.CONFIRMATION_REVIEW: gettext_lazy("The court is examining the agreement"),
    CaseStatus.FILING_REVIEW: gettext_lazy("The court is examining the complaint"),
    CaseStatus.CORRECTION: gettext_lazy("The court asks for corrections"),
    CaseStatus.FILED: gettext_lazy("The court accepted the case"),
    CaseStatus.HEARING: gettext_lazy("The case is being heard"),
    CaseStatus.JUDGMENT: gettext_lazy("The court has decided"),
}

OUTCOME_TITLE: dict[str, Any] = {
    CaseOutcome.SETTLED: gettext_lazy("Settled in the court's mediation"),
    CaseOutcome.CONFIRMED: gettext_lazy("The court confirmed the agreement"),
    CaseOutcome.NOT_CONFIRMED: gettext_lazy("The court did not confirm the agreement"),
    CaseOutcome.REFUSED: gettext_lazy("The court did not accept the complaint"),
    CaseOutcome.JUDGED: gettext_lazy("The judgment is in effect"),
    CaseOutcome.APPEALED: gettext_lazy("Appealed to the higher court"),
    CaseOutcome.WITHDRAWN: gettext_lazy("Withdrawn"),
}

OUTCOME_NEXT: dict[str, Any] = {
    CaseOutcome.SETTLED: gettext_lazy(
        "The two sides agreed. The agreement is shown above; each side confirms it."
    ),
    CaseOutcome.CONFIRMED: gettext_lazy(
        "The agreement now has the force of a court decision. If it is not done, you can ask the court to "
        "enforce it."
    ),
    CaseOutcome.NOT_CONFIRMED: gettext_lazy(
        "The reasons are in the ruling below. You may still take the dispute to court with a lawsuit."
    ),
    CaseOutcome.REFUSED: gettext_lazy("The reasons are in the ruling below."),
    CaseOutcome.JUDGED: gettext_lazy(
        "Nobody appealed in time. What the judgment orders must now be done; if it is not, you can ask the "
        "court to enforce it."
    ),
    CaseOutcome.APPEALED: gettext_lazy(
        "The intermediate people's court hears the appeal and will contact you."
    ),
    CaseOutcome.WITHDRAWN: gettext_lazy("The court does nothing more on this case."),
}

DUE_TEXT: dict[str, Any] = {
    TimeLimitKind.FILING_DECISION: gettext_lazy("The court decides whether to accept the case by %(date)s."),
    TimeLimitKind.CONFIRMATION_DECISION: gettext_lazy("The court decides on the agreement by %(date)s."),
    TimeLimitKind.PRE_FILING_MEDIATION: gettext_lazy("The court's mediation runs until %(date)s."),
    TimeLimitKind.CORRECTION: gettext_lazy("The corrections are due by %(date)s."),
    TimeLimitKind.ANSWER: gettext_lazy("The defendant may send a written answer until %(date)s."),
    TimeLimitKind.EVIDENCE: gettext_lazy("Evidence is due by %(date)s."),
    TimeLimitKind.APPEAL_JUDGMENT: gettext_lazy(
        "Whoever disagrees may appeal until %(date)s; after that the judgment takes effect."
    ),
    TimeLimitKind.APPEAL_RULING: gettext_lazy(
        "Whoever disagrees may appeal until %(date)s; after that the ruling takes effect."
    ),
    TimeLimitKind.FEE_PAYMENT: gettext_lazy("The court fee is due by %(date)s."),
    TimeLimitKind.CONFIRMATION_APPLICATION: gettext_lazy("Apply by %(date)s."),
    TimeLimitKind.HEARING_NOTICE: gettext_lazy("The hearing is notified by %(date)s."),
}


def _day(moment: dt.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""


def _next_steps(case: CourtCase, *, applicant: bool, party: bool) -> str:
    """What happens next, in plain words, for this viewer."""
    status = case.status
    if status == CaseStatus.CLOSED:
        return str(OUTCOME_NEXT.get(case.outcome, ""))
    if status == CaseStatus.DOCKED and case.track == CaseTrack.CONFIRMATION:
        return _(
            "The application is joint: every party joins it below. Then the court accepts it and decides "
            "within 15 days whether the agreement can be confirmed."
        )
    if status == CaseStatus.DOCKED:
        if applicant:
            return _(
                "File your complaint online to start the court's examination. What the matter holds is used "
                "again: you only add what the court needs."
            )
        return _("The applicant may now file a complaint with the court.")
    if status == CaseStatus.PRE_FILING_MEDIATION:
        return _(
            "A mediator invited by the court will call you to try once more to settle it. If it does not "
            "settle, the court goes on to examine the complaint."
        )
    if status == CaseStatus.CONFIRMATION_REVIEW:
        return _("The court checks that the agreement is lawful and decides whether to confirm it.")
    if status == CaseStatus.FILING_REVIEW:
        return _(
            "The court checks the complaint and either accepts the case or asks for corrections. You will "
            "get a text message."
        )
    if status == CaseStatus.CORRECTION:
        if applicant:
            return _("Correct what the court lists below and file the complaint again before the deadline.")
        return _("The court asked the plaintiff to correct the complaint.")
    if status == CaseStatus.FILED:
        return _(
            "The court sent its notices (below). The defendant may answer in writing; the court will then "
            "set a hearing and tell you."
        )
    if status == CaseStatus.HEARING:
        return _("See the hearing below: when and where to come, or the written rounds to answer.")
    if status == CaseStatus.JUDGMENT:
        if case.outcome == CaseOutcome.REFUSED:
            return _("The court refused to accept the complaint; the ruling below gives the reasons.")
        return _("The decision is below. Read it carefully.") if party else ""
    return ""


def _due(case: CourtCase) -> dict[str, Any] | None:
    if case.due_at is None or not case.due_kind:
        return None
    template = DUE_TEXT.get(case.due_kind)
    if template is None:
        return None
    return {
        "text": str(template) % {"date": _day(case.due_at)},
        "at": case.due_at,
        "late": case.due_at < timezone.now(),
    }


# --- The section ------------------------------------------------------------------------------------------


def _bound(request: HttpRequest) -> dict[str, Any]:
    return dict(getattr(request, BOUND, {}))


def _document_url(matter: Matter, document_id: int | None) -> str:
    if document_id is None:
        return ""
    return reverse("matters:document", kwargs={"code": matter.display_code, "document_id": document_id})


def _served(request: HttpRequest, matter: Matter, case: CourtCase, mine: list[Party]) -> list[dict[str, Any]]:
    """The documents served on the viewer's parties (staff: on every party), with their download link."""
    services_ = (
        Service.objects.filter(case=case).select_related("document", "party").order_by("sent_at", "pk")
    )
    if mine:
        services_ = services_.filter(party__in=mine)
    return [
        {
            "service": service,
            "party": service.party,
            "url": reverse(
                "court:served_document", kwargs={"code": matter.display_code, "service_id": service.pk}
            ),
            "in_effect": service.status == ServiceStatus.SERVED,
        }
        for service in services_
    ]


def _rounds(
    request: HttpRequest, matter: Matter, hearing: Hearing, mine: list[Party], bound: dict[str, Any]
) -> list[dict[str, Any]]:
    now = timezone.now()
    rounds = hearing.rounds.prefetch_related(
        Prefetch(
            "submissions",
            queryset=RoundSubmission.objects.select_related("party").order_by("submitted_at", "pk"),
        )
    ).order_by("position", "pk")
    items = []
    for round_ in rounds:
        is_open = round_.closed_at is None and hearing.status == HearingStatus.SCHEDULED
        writable = is_open and now <= round_.due_at and bool(mine)
        form = None
        if writable:
            form = bound.get(f"round-{round_.pk}") or RoundSubmissionForm(
                prefix=f"r{round_.pk}", initial={"party": mine[0].pk}
            )
        submissions = [
            {
                "submission": s,
                "url": _document_url(matter, s.document_id),
                "mine": s.party_id in {p.pk for p in mine},
            }
            for s in round_.submissions.all()
        ]
        items.append(
            {
                "round": round_,
                "is_open": is_open,
                "late": is_open and now > round_.due_at,
                "submissions": submissions,
                "form": form,
                "url": reverse(
                    "court:round_submit", kwargs={"code": matter.display_code, "round_id": round_.pk}
                ),
            }
        )
    return items


def _case_item(
    request: HttpRequest, matter: Matter, case: CourtCase, mine: list[Party], bound: dict[str, Any]
) -> dict[str, Any]:
    applicant = any(p.role == PartyRole.APPLICANT for p in mine)
    mine_ids = {p.pk for p in mine}
    is_open = case.status != CaseStatus.CLOSED
    if is_open:
        title = STATUS_TITLE.get(case.status, case.get_status_display())
    else:
        title = OUTCOME_TITLE.get(case.outcome, case.get_status_display())
    code = matter.display_code
    item: dict[str, Any] = {
        "case": case,
        "is_open": is_open,
        "title": title,
        "next": _next_steps(case, applicant=applicant, party=bool(mine)),
        "due": _due(case) if is_open else None,
        "numbers": [n for n in (case.mediation_number, case.number) if n is not None],
        "served": _served(request, matter, case, mine),
        "hearings": [],
        "tone": "ok"
        if case.outcome in (CaseOutcome.SETTLED, CaseOutcome.CONFIRMED, CaseOutcome.JUDGED)
        else "open",
    }
    if case.status == CaseStatus.CORRECTION:
        item["corrections"] = list(case.correction_items or [])
        if applicant:
            item["correct_url"] = reverse("court:file", kwargs={"code": code})
    elif case.status == CaseStatus.DOCKED and case.track == CaseTrack.LITIGATION and applicant:
        item["file_url"] = reverse("court:file", kwargs={"code": code})
    for hearing in case.hearings.all():
        entry: dict[str, Any] = {"hearing": hearing, "rounds": []}
        if hearing.mode == HearingMode.ASYNC:
            entry["rounds"] = _rounds(request, matter, hearing, mine, bound)
        item["hearings"].append(entry)
    if case.track == CaseTrack.CONFIRMATION:
        consents = list(case.consents.all())
        item["consents"] = consents
        waiting = case.status == CaseStatus.DOCKED
        item["to_join"] = [
            c.party for c in consents if waiting and c.joined_at is None and c.party_id in mine_ids
        ]
        item["join_url"] = reverse("court:confirmation_join", kwargs={"code": code, "case_id": case.pk})
    if (
        applicant
        and is_open
        and case.status in PARTY_WITHDRAW_STATUSES
        and transitions.can(transitions.CaseCommand.WITHDRAW, case.status)
    ):
        item["withdraw_form"] = bound.get(f"withdraw-{case.pk}") or CaseWithdrawForm(prefix=f"w{case.pk}")
        item["withdraw_url"] = reverse("court:withdraw", kwargs={"code": code, "case_id": case.pk})
    if mine and case.performance in (PerformanceStatus.PENDING, PerformanceStatus.BREACHED):
        item["performance_form"] = bound.get(f"performance-{case.pk}") or PerformanceForm(
            prefix=f"p{case.pk}"
        )
        item["performance_url"] = reverse("court:performance", kwargs={"code": code, "case_id": case.pk})
    if case.decision_id is not None or case.outcome in (CaseOutcome.REFUSED, CaseOutcome.NOT_CONFIRMED):
        item["decision"] = {
            "kind": case.get_decision_kind_display(),
            "reason": case.reason,
            "url": _document_url(matter, case.decision_id),
            "appeal_ends_at": case.appeal_ends_at,
        }
    return item


def _offers(
    request: HttpRequest, matter: Matter, mine: list[Party], cases: list[CourtCase]
) -> dict[str, Any]:
    """The ways to the court the viewer can take now, when no case is open."""
    offers: dict[str, Any] = {}
    if not mine or any(c.status != CaseStatus.CLOSED for c in cases):
        return offers
    if any(p.role == PartyRole.APPLICANT for p in mine) and services.may_file(matter):
        offers["file_url"] = reverse("court:file", kwargs={"code": matter.display_code})
        offers["file_after_failure"] = matter.status == MatterStatus.UNRESOLVED
        offers["file_before_mediation"] = matter.status == MatterStatus.SUBMITTED
    agreement = mediation_selectors.agreement_of(matter)
    if agreement is not None and services.may_apply_for_confirmation(agreement):
        offers["confirm_url"] = reverse("court:confirmation_apply", kwargs={"code": matter.display_code})
        offers["confirm_deadline"] = services.confirmation_deadline(agreement)
        offers["confirm_party"] = mine[0].pk
    return offers


def portal_context(request: HttpRequest, matter: Matter) -> dict[str, Any] | None:
    """The matter's court cases (newest first) and the steps the viewer can take; None if nothing."""
    mine = access.parties_of(request.user, matter)
    cases = cases_of(matter)
    offers = _offers(request, matter, mine, cases)
    if not cases and not offers:
        return None
    bound = _bound(request)
    return {
        "cases": [_case_item(request, matter, case, mine, bound) for case in cases],
        "offers": offers,
        "is_party": bool(mine),
    }


def register_all() -> None:
    """Register the portal section: after the status, before mediation (the court is the latest stage)."""
    register(
        Section(
            key="court",
            audience="portal",
            template="court/portal/_section.html",
            context=portal_context,
            order=15,
        )
    )
