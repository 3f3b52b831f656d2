"""The JSON API of the court: causes and fees, the court's cases and every command of ``court.services``,
the parties' side (complaint, confirmation, written rounds) and the grid workers' deliveries.

Thin, like every router: ``court.access`` and ``matters.access`` find the case or the matter, the services
write. A case the caller may not see answers 404 exactly like a missing one; a caller sees a case when
they work on it (its court's clerks, its judge, its invited mediator) or when they see its matter (the
parties, the staff of the matter's area). A right the caller lacks on a case they see answers 403; a step
the case's state does not allow 409 (``wrong_state``, ``illegal_transition`` or ``stale``); bad input 422
naming the field as the client sent it. A 2xx answer means the command was committed; any refusal
leaves everything as it was.
"""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from decimal import Decimal
from functools import wraps
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from suyuan.accounts.access import scope_for
from suyuan.accounts.choices import Role
from suyuan.accounts.models import Organization, User
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.court import access, selectors, services
from suyuan.court.choices import (
    CaseStatus,
    CaseTrack,
    CourtLevel,
    HearingMode,
    HearingStatus,
    PerformanceStatus,
    ServiceStatus,
)
from suyuan.court.fees import court_fee, fee_basis
from suyuan.court.models import (
    CauseOfAction,
    CourtCase,
    CourtCode,
    Hearing,
    RoundSubmission,
    Service,
)
from suyuan.court.schemas import (
    AppealIn,
    ApplyIn,
    AssignJudgeIn,
    CancelHearingIn,
    CaseFilters,
    CaseOut,
    CasePublicOut,
    CaseSummaryOut,
    CauseOut,
    CloseRoundIn,
    ComplaintIn,
    CorrectionIn,
    CourtCodeFilters,
    CourtCodeOut,
    DecisionIn,
    DeliveryFilters,
    DeliveryNoteIn,
    DeliveryOut,
    ExtendMediationIn,
    FailedIn,
    FeeFilters,
    FeeOut,
    HearingOut,
    JoinIn,
    JoinInPersonIn,
    NoteIn,
    NoteOut,
    OfferMediationIn,
    OpenRoundIn,
    PerformanceIn,
    ReasonIn,
    RecordHearingIn,
    ReferIn,
    RuleIn,
    ScheduleIn,
    ServiceOut,
    SettleIn,
    SubmissionIn,
    SubmissionOut,
    VersionIn,
    WithdrawIn,
)
from suyuan.court.transitions import CaseCommand, IllegalCaseTransition, allowed_commands
from suyuan.matters import access as matter_access
from suyuan.matters import codes as matter_codes
from suyuan.matters import services as matter_services
from suyuan.matters.choices import DocumentKind, PartyRole
from suyuan.matters.models import Matter, Party
from suyuan.matters.schemas import ConflictOut, FieldErrorsOut, MessageOut
from suyuan.mediation.services import ObligationInput
from suyuan.mediation.services import WrongState as AgreementWrongState

router = Router(tags=["court"])

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

REFUSALS: dict[int, Any] = {
    401: MessageOut,
    403: MessageOut,
    404: MessageOut,
    409: ConflictOut,
    422: FieldErrorsOut,
}
CASE_COMMAND: dict[int, Any] = {200: CaseOut, **REFUSALS}
PUBLIC_REFUSALS: dict[int, Any] = {422: FieldErrorsOut}

# The kinds of document a party may attach to the complaint in the same request, one file field each.
COMPLAINT_UPLOAD_KINDS = (DocumentKind.IDENTITY, DocumentKind.EVIDENCE, DocumentKind.OTHER)

_CASE_RELATED = ("matter", "court", "judge", "clerk", "mediator", "cause", "number", "mediation_number")


# --- helpers ----------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _conflicts(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer the court's conflicts with 409 in the project's shape (the matters' have handlers of their
    own): a step that does not apply now, a command the case's status does not allow, a stale version."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except (services.WrongState, AgreementWrongState) as exc:
            return Status(409, {"detail": str(exc.message), "code": "wrong_state"})
        except IllegalCaseTransition as exc:
            return Status(409, {"detail": exc.message, "code": "illegal_transition"})
        except services.StaleCase as exc:
            return Status(409, {"detail": str(exc.message), "code": "stale"})

    return wrapper


@contextmanager
def _at_version(actor: User, case: CourtCase, expected_version: int | None) -> Iterator[None]:
    """Run a command whose service takes no ``expected_version`` in one transaction that first checks it,
    under the locks the service takes itself in the same order (the matter, then the case)."""
    with transaction.atomic():
        if expected_version is not None:
            matter_services.matter_lock(actor=actor, matter=case.matter)
            current = selectors.case_version_locked(case)
            if current != expected_version:
                raise services.StaleCase
        yield


def _aware(value: dt.datetime) -> dt.datetime:
    """Read a date and time sent without an offset as the platform's local time."""
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _case(request: HttpRequest, case_id: int) -> tuple[CourtCase, bool]:
    """Return the case and whether the caller works on it (its court's clerks, its judge, its invited
    mediator); one who only sees its matter sees the case too; anyone else gets ``NotFound``."""
    return selectors.case_for_viewer(request.user, case_id)


def _staff_case(request: HttpRequest, case_id: int) -> CourtCase:
    case, works = _case(request, case_id)
    if not works:
        raise Forbidden(_("Only the court's staff on the case may do this."))
    return case


def _reload(case: CourtCase) -> CourtCase:
    return selectors.case_reloaded(case)


def _person(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.full_name or user.get_username()} if user is not None else None


def _court(court_id: int | None) -> Organization | None:
    """Return the court a client named by id (``None`` when it named none), else refuse the field."""
    if court_id is None:
        return None
    court = selectors.court_named(court_id)
    if court is None:
        raise ValidationError({"court": _("Choose a people's court.")})
    return court


def _user(user_id: int, field: str, message: str) -> User:
    user = selectors.active_user(user_id)
    if user is None:
        raise ValidationError({field: message})
    return user


def _hearing(case: CourtCase, hearing_id: int) -> Hearing:
    hearing = selectors.hearing_of(case, hearing_id)
    if hearing is None:
        raise ValidationError({"hearing": _("Choose a hearing of this case.")})
    return hearing


def _allowed_commands(actor: User, case: CourtCase) -> list[str]:
    """Return the commands the case's state allows and the caller may give (as the services decide),
    by the last segment of their route."""
    possible = set(allowed_commands(case.status))
    answers: dict[str, Any] = {}

    def once(name: str, check: Callable[[], Any]) -> Any:
        if name not in answers:
            answers[name] = check()
        return answers[name]

    def clerk() -> bool:
        return bool(once("clerk", lambda: access.is_clerk(actor, case)))

    def judge() -> bool:
        return bool(once("judge", lambda: access.is_judge(actor, case)))

    def court_mediator() -> bool:
        return bool(once("mediator", lambda: access.is_court_mediator(actor, case)))

    def parties() -> list[Party]:
        return cast(list[Party], once("parties", lambda: access.parties_of(actor, case.matter)))

    def applicant() -> bool:
        return any(p.role == PartyRole.APPLICANT for p in parties())

    def hearing() -> Hearing | None:
        return cast(
            Hearing | None,
            once("hearing", lambda: case.hearings.filter(status=HearingStatus.SCHEDULED).first()),
        )

    def open_round() -> bool:
        found = hearing()
        return found is not None and found.rounds.filter(closed_at__isnull=True).exists()

    def waiting_consents() -> list[int]:
        return cast(
            list[int],
            once(
                "waiting",
                lambda: list(case.consents.filter(joined_at__isnull=True).values_list("party_id", flat=True)),
            ),
        )

    litigation = case.track == CaseTrack.LITIGATION
    confirmation = case.track == CaseTrack.CONFIRMATION
    rights: dict[str, Callable[[], bool]] = {
        "offer-mediation": lambda: (
            CaseCommand.OFFER_MEDIATION in possible
            and litigation
            and case.mediation_number_id is None
            and clerk()
        ),
        "extend-mediation": lambda: (
            CaseCommand.EXTEND_MEDIATION in possible
            and not case.mediation_extension
            and (clerk() or court_mediator())
        ),
        "settle": lambda: CaseCommand.MEDIATION_SETTLED in possible and (clerk() or court_mediator()),
        "mediation-failed": lambda: (
            CaseCommand.MEDIATION_FAILED in possible and (clerk() or court_mediator())
        ),
        "complaint": lambda: CaseCommand.SUBMIT_COMPLAINT in possible and litigation and applicant(),
        "request-correction": lambda: CaseCommand.REQUEST_CORRECTION in possible and clerk(),
        "accept-filing": lambda: CaseCommand.ACCEPT_FILING in possible and clerk(),
        "refuse-filing": lambda: (
            CaseCommand.REFUSE_FILING in possible
            and (clerk() or (judge() and case.court_id in access.judge_court_ids(actor)))
        ),
        "join": lambda: (
            confirmation
            and case.status == CaseStatus.DOCKED
            and any(p.pk in waiting_consents() for p in parties())
        ),
        "join-in-person": lambda: (
            confirmation and case.status == CaseStatus.DOCKED and bool(waiting_consents()) and clerk()
        ),
        "accept-confirmation": lambda: (
            CaseCommand.ACCEPT_CONFIRMATION in possible and confirmation and clerk()
        ),
        "rule-confirmation": lambda: (
            CaseCommand.RULE_CONFIRMATION in possible and case.judge_id is not None and judge()
        ),
        "assign-judge": lambda: CaseCommand.ASSIGN_JUDGE in possible and clerk(),
        "schedule-hearing": lambda: (
            CaseCommand.SCHEDULE_HEARING in possible
            and case.judge_id is not None
            and (judge() or clerk())
            and hearing() is None
        ),
        "cancel-hearing": lambda: (judge() or clerk()) and hearing() is not None,
        "record-hearing": lambda: (judge() or clerk()) and hearing() is not None,
        "open-round": lambda: (
            (judge() or clerk())
            and (found := hearing()) is not None
            and found.mode == HearingMode.ASYNC
            and not open_round()
        ),
        "close-round": lambda: (judge() or clerk()) and open_round(),
        "issue-decision": lambda: CaseCommand.ISSUE_DECISION in possible and judge() and hearing() is None,
        "record-appeal": lambda: CaseCommand.RECORD_APPEAL in possible and clerk(),
        "withdraw": lambda: (
            CaseCommand.WITHDRAW in possible
            and (clerk() or (applicant() and case.status not in (CaseStatus.FILED, CaseStatus.HEARING)))
        ),
        "performance": lambda: (
            case.performance in (PerformanceStatus.PENDING, PerformanceStatus.BREACHED)
            and (clerk() or bool(parties()))
        ),
    }
    return [name for name, right in rights.items() if right()]


def _case_out(request: HttpRequest, case: CourtCase, *, works: bool | None = None) -> dict[str, Any]:
    """Return the case as the caller may read it: the court's staff on the case also get the people on it
    (with their ids), and its clerks the judges and invited mediators they may choose from."""
    actor = _actor(request)
    if works is None:
        works = access.cases_for_staff(actor).filter(pk=case.pk).exists()
    clerk = works and access.is_clerk(actor, case)
    matter = case.matter
    consents = list(case.consents.select_related("party").order_by("party_id"))
    return {
        "id": case.pk,
        "number": case.display_number,
        "mediation_number": case.mediation_number.number if case.mediation_number else "",
        "matter_code": matter.tracking_code,
        "matter_display_code": matter.display_code,
        "matter_title": matter.title,
        "court": {"id": case.court_id, "name": case.court.name},
        "track": case.track,
        "track_label": str(case.get_track_display()),
        "origin": case.origin,
        "origin_label": str(case.get_origin_display()),
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "outcome": case.outcome,
        "outcome_label": str(case.get_outcome_display()) if case.outcome else "",
        "cause": {"code": case.cause.code, "name": case.cause.name} if case.cause else None,
        "claims": list(case.claims or []),
        "facts": case.facts,
        "amount_claimed": case.amount_claimed,
        "fee": case.fee,
        "complaint_document": case.complaint_id,
        "complaint_submitted_at": case.complaint_submitted_at,
        "correction_items": list(case.correction_items or []),
        "due_kind": case.due_kind,
        "due_kind_label": str(case.get_due_kind_display()) if case.due_kind else "",
        "due_at": case.due_at,
        "overdue": bool(case.due_at and case.status != CaseStatus.CLOSED and case.due_at < timezone.now()),
        "mediation_due_at": case.mediation_due_at,
        "mediation_extension": case.mediation_extension,
        "judge_name": case.judge.full_name if case.judge else "",
        "mediator_name": case.mediator.full_name if case.mediator else "",
        "decision_kind": case.decision_kind,
        "decision_document": case.decision_id,
        "decided_at": case.decided_at,
        "reason": case.reason,
        "appeal_ends_at": case.appeal_ends_at,
        "performance": case.performance,
        "performance_note": case.performance_note,
        "agreement": case.agreement_id,
        "consents": [
            {
                "party": c.party_id,
                "party_name": c.party.name,
                "role": c.party.role,
                "joined_at": c.joined_at,
                "recorded_reason": c.recorded_reason,
            }
            for c in consents
        ],
        "parties": [
            {"id": p.pk, "role": p.role, "role_label": str(p.get_role_display()), "name": p.name}
            for p in matter.parties.order_by("pk")
        ],
        "created_at": case.created_at,
        "closed_at": case.closed_at,
        "version": case.version,
        "allowed_commands": _allowed_commands(actor, case),
        "clerk": _person(case.clerk) if works else None,
        "judge": _person(case.judge) if works else None,
        "mediator": _person(case.mediator) if works else None,
        "judges": [_person(u) for u in services.judges_of(case.court)] if clerk else [],
        "invited_mediators": [_person(u) for u in services.invited_mediators(case.court)] if clerk else [],
    }


def _command_answer(request: HttpRequest, case: CourtCase) -> dict[str, Any]:
    return _case_out(request, _reload(case))


def _service_out(service: Service) -> dict[str, Any]:
    return {
        "id": service.pk,
        "document": service.document_id,
        "document_name": service.document.original_name,
        "document_kind": service.document.kind,
        "party": service.party_id,
        "party_name": service.party.name,
        "method": service.method,
        "method_label": str(service.get_method_display()),
        "status": service.status,
        "status_label": str(service.get_status_display()),
        "sent_at": service.sent_at,
        "served_at": service.served_at,
        "read_at": service.read_at,
        "proof_document": service.proof_id,
        "failure_reason": service.failure_reason,
    }


def _submission_out(submission: RoundSubmission) -> dict[str, Any]:
    return {
        "id": submission.pk,
        "party": submission.party_id,
        "party_name": submission.party.name,
        "text": submission.text,
        "document": submission.document_id,
        "submitted_at": submission.submitted_at,
    }


def _hearings(case: CourtCase) -> QuerySet[Hearing]:
    return selectors.hearings_with_rounds(case)


def _hearing_out(hearing: Hearing, *, reads_record: bool) -> dict[str, Any]:
    return {
        "id": hearing.pk,
        "mode": hearing.mode,
        "mode_label": str(hearing.get_mode_display()),
        "starts_at": hearing.starts_at,
        "place": hearing.place,
        "link": hearing.link,
        "status": hearing.status,
        "status_label": str(hearing.get_status_display()),
        "record": hearing.record if reads_record else None,
        "cancel_reason": hearing.cancel_reason,
        "held_at": hearing.held_at,
        "rounds": [
            {
                "id": r.pk,
                "position": r.position,
                "kind": r.kind,
                "kind_label": str(r.get_kind_display()),
                "instructions": r.instructions,
                "opened_at": r.opened_at,
                "due_at": r.due_at,
                "closed_at": r.closed_at,
                "is_open": r.is_open,
                "submissions": [_submission_out(s) for s in r.submissions.all()],
            }
            for r in hearing.rounds.all()
        ],
    }


def _one_hearing(hearing: Hearing) -> dict[str, Any]:
    """The answer to a hearing command: given by the court's staff, who read the record."""
    return _hearing_out(_hearings(hearing.case).get(pk=hearing.pk), reads_record=True)


# --- public: causes, fees, court codes --------------------------------------------------------------------


@router.get("/causes", response=list[CauseOut], auth=None, summary="Causes of action and what a filing needs")
def cause_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The active causes of action (案由), each with the materials a filing for it must carry and whether
    the fee depends on the amount claimed. Names follow the caller's language. No sign-in needed."""
    language = translation.get_language()
    return [
        {
            "code": cause.code,
            "name": cause.label(language),
            "required_materials": [
                {
                    "kind": kind,
                    "label": str(DocumentKind(kind).label) if kind in DocumentKind.values else kind,
                }
                for kind in cause.required_materials
            ],
            "hint": cause.materials_hint,
            "is_property": cause.is_property,
        }
        for cause in CauseOfAction.objects.filter(is_active=True)
    ]


@router.get(
    "/fee",
    response={200: FeeOut, **PUBLIC_REFUSALS},
    auth=None,
    summary="Estimate the court fee of a claim",
)
def fee_estimate(request: HttpRequest, filters: Query[FeeFilters]) -> dict[str, Any]:
    """The court fee (案件受理费) of a claim under the Measures on the Payment of Litigation Costs, art. 13,
    with how it was counted. A claim for money or property pays by its amount in bands; other cases pay
    the fixed fee. The court may halve it (simplified procedure). No sign-in needed."""
    cause = CauseOfAction.objects.filter(code=filters.cause, is_active=True).first()
    if cause is None:
        raise ValidationError({"cause": _("Choose the cause of action.")})
    amount = filters.amount.quantize(Decimal("0.01")) if filters.amount is not None else None
    if cause.is_property and amount is None:
        raise ValidationError({"amount": _("A claim for money or property needs the amount claimed.")})
    counted = amount if cause.is_property else None
    return {
        "cause": cause.code,
        "is_property": cause.is_property,
        "amount": counted,
        "fee": court_fee(counted, is_property=cause.is_property),
        "basis": fee_basis(counted, is_property=cause.is_property),
    }


@router.get(
    "/codes",
    response={200: list[CourtCodeOut], **PUBLIC_REFUSALS},
    auth=None,
    summary="The courts of the province and their codes",
)
def court_codes(request: HttpRequest, filters: Query[CourtCodeFilters]) -> list[dict[str, Any]]:
    """The courts and their codes (法院代字, e.g. 浙0881), by level and by part of the name or code."""
    level = filters.level or ""
    if level and level not in CourtLevel.values:
        raise ValidationError({"level": _("Choose one of the allowed values.")})
    rows = CourtCode.objects.all()
    if level:
        rows = rows.filter(level=level)
    text = (filters.q or "").strip()
    if text:
        rows = rows.filter(Q(name__icontains=text) | Q(code__icontains=text))
    return [
        {
            "code": row.code,
            "name": row.name,
            "level": row.level,
            "level_label": str(row.get_level_display()),
            "region_code": row.region_id,
        }
        for row in rows.order_by("region_id")
    ]


# --- the court's staff: cases, notes, services, hearings --------------------------------------------------


@router.get(
    "/cases",
    response={200: list[CaseSummaryOut], 401: MessageOut, 403: MessageOut, 422: FieldErrorsOut},
    summary="The cases I work on (court staff), by filters",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def case_list(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    """The caller's cases: every case of the courts where they are a clerk, and the cases they judge or
    mediate, newest first (with `overdue=true`, the most overdue first). For staff only."""
    scope = scope_for(request.user)
    if not (scope.is_staff or scope.is_platform_operator):
        raise Forbidden(_("The list of cases is for the court's staff."))
    errors: dict[str, str] = {}
    if filters.status and filters.status not in CaseStatus.values:
        errors["status"] = _("Choose a valid status.")
    if filters.track and filters.track not in CaseTrack.values:
        errors["track"] = _("Choose one of the allowed values.")
    if errors:
        raise ValidationError(errors)
    cases = access.cases_for_staff(request.user)
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.track:
        cases = cases.filter(track=filters.track)
    if filters.mine:
        me = scope.user_id
        cases = cases.filter(Q(clerk_id=me) | Q(judge_id=me) | Q(mediator_id=me))
    if filters.overdue:
        cases = cases.exclude(status=CaseStatus.CLOSED).filter(due_at__lt=timezone.now())
    text = (filters.q or "").strip()
    if text:
        query = (
            Q(number__number__icontains=text)
            | Q(mediation_number__number__icontains=text)
            | Q(matter__title__icontains=text[:50])
        )
        with suppress(ValidationError):  # not a tracking code: the other conditions alone
            query |= Q(matter__tracking_code=matter_codes.normalize(text))
        cases = cases.filter(query)
    ordering = ["due_at", "-id"] if filters.overdue else ["-created_at", "-id"]
    return cases.select_related("matter", "court", "judge", "cause", "number", "mediation_number").order_by(
        *ordering
    )


@router.get("/cases/{case_id}", response={200: CaseOut, **REFUSALS}, summary="One case (court staff on it)")
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """The case with what the caller may do now (`allowed_commands`). For the court's staff on the case:
    others who see its matter read its public face through `GET /api/court/matters/{code}/cases`."""
    return _case_out(request, _staff_case(request, case_id), works=True)


@router.get(
    "/cases/{case_id}/notes",
    response={200: list[NoteOut], **REFUSALS},
    summary="The court's internal notes on a case (its clerks and judge)",
)
def note_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    """The court's internal notes, oldest first: for its clerks and the case's judge only."""
    case = _staff_case(request, case_id)
    if not access.reads_notes(request.user, case):
        raise Forbidden
    return [
        {"id": n.pk, "author": _person(n.author), "text": n.text, "created_at": n.created_at}
        for n in selectors.notes_of(request.user, case)
    ]


@router.post(
    "/cases/{case_id}/notes",
    response={201: NoteOut, **REFUSALS},
    summary="Add an internal note (its clerks and judge; never shown outside the court)",
)
@_conflicts
def note_add(request: HttpRequest, case_id: int, payload: NoteIn) -> Any:
    """A note the court keeps to itself: never an event of the matter, never shown outside the court."""
    case = _staff_case(request, case_id)
    note = services.case_note_add(case=case, actor=_actor(request), text=payload.text)
    return Status(
        201, {"id": note.pk, "author": _person(note.author), "text": note.text, "created_at": note.created_at}
    )


@router.get(
    "/cases/{case_id}/services",
    response={200: list[ServiceOut], **REFUSALS},
    summary="The documents served in a case, and how",
)
def service_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    """Every service of the case for the staff who see it; a party reads the services on themselves."""
    case, works = _case(request, case_id)
    return [_service_out(s) for s in selectors.services_for_viewer(request.user, case, works=works)]


@router.post(
    "/cases/{case_id}/services/{service_id}/read",
    response={200: ServiceOut, **REFUSALS},
    summary="Record that the party opened a document served on them",
)
def service_read(request: HttpRequest, case_id: int, service_id: int) -> dict[str, Any]:
    """For the party the document was served on: records when they first opened it (service took effect
    earlier, when it reached them). Repeating it changes nothing."""
    case, _works = _case(request, case_id)
    service = selectors.service_in_case(case, service_id)
    if service is None:
        raise NotFound
    if service.party_id not in {p.pk for p in access.parties_of(request.user, case.matter)}:
        raise Forbidden(_("Only the party it was served on records reading it."))
    services.service_mark_read(service=service, actor=_actor(request))
    return _service_out(selectors.service_reloaded(service))


@router.get(
    "/cases/{case_id}/hearings",
    response={200: list[HearingOut], **REFUSALS},
    summary="The hearings of a case, with their written rounds and submissions",
)
def hearing_list(request: HttpRequest, case_id: int) -> list[dict[str, Any]]:
    """Everyone who sees the case reads its hearings and rounds; the record (庭审笔录) is for the court's
    staff on the case and the parties."""
    case, works = _case(request, case_id)
    reads_record = works or bool(access.parties_of(request.user, case.matter))
    return [_hearing_out(h, reads_record=reads_record) for h in _hearings(case).order_by("starts_at", "pk")]


# --- commands on a case -----------------------------------------------------------------------------------


@router.post(
    "/cases/{case_id}/offer-mediation",
    response=CASE_COMMAND,
    summary="Start pre-filing mediation by an invited mediator (clerk)",
)
@_conflicts
def offer_mediation(request: HttpRequest, case_id: int, payload: OfferMediationIn) -> Any:
    """委派诉前调解: with the parties' consent, an invited mediator of the court mediates for 30 days; the
    case gets its 民诉前调 number."""
    case, _works = _case(request, case_id)
    mediator = _user(payload.mediator, "mediator", _("Choose one of the court's invited mediators."))
    case = services.mediation_offer(
        case=case,
        actor=_actor(request),
        mediator=mediator,
        consent=payload.consent,
        expected_version=payload.expected_version,
    )
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/extend-mediation",
    response=CASE_COMMAND,
    summary="Extend pre-filing mediation once (clerk or invited mediator)",
)
@_conflicts
def extend_mediation(request: HttpRequest, case_id: int, payload: ExtendMediationIn) -> Any:
    """Once, by at most 30 days, with both parties' recorded consent."""
    case, _works = _case(request, case_id)
    case = services.mediation_extend(
        case=case,
        actor=_actor(request),
        days=payload.days,
        consent=payload.consent,
        expected_version=payload.expected_version,
    )
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/settle",
    response=CASE_COMMAND,
    summary="Record the settlement of pre-filing mediation (invited mediator or clerk)",
)
@_conflicts
def settle(request: HttpRequest, case_id: int, payload: SettleIn) -> Any:
    """The agreement and its obligations go to the parties to confirm, like any mediation agreement; the
    case closes as settled and the matter is resolved."""
    case, _works = _case(request, case_id)
    case = services.mediation_settle(
        case=case,
        actor=_actor(request),
        terms=payload.terms,
        obligations=[
            ObligationInput(obligor=o.obligor, description=o.description, due_on=o.due_on, amount=o.amount)
            for o in payload.obligations
        ],
        expected_version=payload.expected_version,
    )
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/mediation-failed",
    response=CASE_COMMAND,
    summary="Record that pre-filing mediation failed (invited mediator or clerk)",
)
@_conflicts
def mediation_failed(request: HttpRequest, case_id: int, payload: ReasonIn) -> Any:
    """Back to the docking window; with a complaint on file, the filing review resumes at once."""
    case, _works = _case(request, case_id)
    case = services.mediation_fail(
        case=case, actor=_actor(request), reason=payload.reason, expected_version=payload.expected_version
    )
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/request-correction",
    response=CASE_COMMAND,
    summary="Return the filing for correction (clerk)",
)
@_conflicts
def request_correction(request: HttpRequest, case_id: int, payload: CorrectionIn) -> Any:
    """退回补正: the notice, saying what to correct and by when, is served on the applicant."""
    case, _works = _case(request, case_id)
    case = services.correction_request(
        case=case,
        actor=_actor(request),
        items=payload.items,
        days=payload.days,
        expected_version=payload.expected_version,
    )
    return _command_answer(request, case)


@router.post("/cases/{case_id}/accept-filing", response=CASE_COMMAND, summary="Accept the filing (clerk)")
@_conflicts
def accept_filing(request: HttpRequest, case_id: int, payload: VersionIn) -> Any:
    """立案: the case gets its 民初 number; the acceptance and fee notices are served on the plaintiff, the
    complaint and the notices to respond and to produce evidence on each defendant."""
    case, _works = _case(request, case_id)
    case = services.filing_accept(case=case, actor=_actor(request), expected_version=payload.expected_version)
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/refuse-filing",
    response=CASE_COMMAND,
    summary="Refuse the filing by a ruling (clerk or the court's judge)",
)
@_conflicts
def refuse_filing(request: HttpRequest, case_id: int, payload: ReasonIn) -> Any:
    """裁定不予受理: the ruling with its reasons is served on the plaintiff; the case closes when its appeal
    period ends."""
    case, _works = _case(request, case_id)
    case = services.filing_refuse(
        case=case, actor=_actor(request), reason=payload.reason, expected_version=payload.expected_version
    )
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/join-in-person",
    response=CASE_COMMAND,
    summary="Record that a party joined the confirmation application at the window (clerk)",
)
@_conflicts
def join_in_person(request: HttpRequest, case_id: int, payload: JoinInPersonIn) -> Any:
    """The party signed the application at the window; once every party has joined, the clerks are told."""
    case, _works = _case(request, case_id)
    actor = _actor(request)
    with _at_version(actor, case, payload.expected_version):
        case = services.confirmation_join_in_person(
            case=case, actor=actor, party_id=payload.party, reason=payload.reason
        )
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/accept-confirmation",
    response=CASE_COMMAND,
    summary="Accept the joint confirmation application (clerk)",
)
@_conflicts
def accept_confirmation(request: HttpRequest, case_id: int, payload: VersionIn) -> Any:
    """受理: once every party has joined; the case gets its 民特 number and the court decides in 15 days."""
    case, _works = _case(request, case_id)
    case = services.confirmation_accept(
        case=case, actor=_actor(request), expected_version=payload.expected_version
    )
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/rule-confirmation",
    response=CASE_COMMAND,
    summary="Rule on the confirmation (the case's judge)",
)
@_conflicts
def rule_confirmation(request: HttpRequest, case_id: int, payload: RuleIn) -> Any:
    """裁定: the agreement is confirmed valid (and can be enforced) or the application dismissed; the ruling
    is served on every party and the case closes."""
    case, _works = _case(request, case_id)
    case = services.confirmation_rule(
        case=case,
        actor=_actor(request),
        confirmed=payload.confirmed,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _command_answer(request, case)


@router.post("/cases/{case_id}/assign-judge", response=CASE_COMMAND, summary="Assign a judge (clerk)")
@_conflicts
def assign_judge(request: HttpRequest, case_id: int, payload: AssignJudgeIn) -> Any:
    """The judge (承办法官) is told and can open the matter from then on."""
    case, _works = _case(request, case_id)
    judge = _user(payload.judge, "judge", _("Choose a judge of this court."))
    case = services.judge_assign(
        case=case, actor=_actor(request), judge=judge, expected_version=payload.expected_version
    )
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/schedule-hearing",
    response={201: HearingOut, **REFUSALS},
    summary="Schedule a hearing, or start an asynchronous one (judge or clerk)",
)
@_conflicts
def schedule_hearing(request: HttpRequest, case_id: int, payload: ScheduleIn) -> Any:
    """In the court room or online, a summons is served on each party at once, so the hearing is at least
    the notice period away; an asynchronous hearing runs in written rounds (`open-round`)."""
    case, _works = _case(request, case_id)
    hearing = services.hearing_schedule(
        case=case,
        actor=_actor(request),
        mode=payload.mode,
        starts_at=_aware(payload.starts_at) if payload.starts_at else None,
        place=payload.place,
        link=payload.link,
        expected_version=payload.expected_version,
    )
    return Status(201, _one_hearing(hearing))


@router.post(
    "/cases/{case_id}/cancel-hearing",
    response={200: HearingOut, **REFUSALS},
    summary="Cancel the scheduled hearing (judge or clerk)",
)
@_conflicts
def cancel_hearing(request: HttpRequest, case_id: int, payload: CancelHearingIn) -> Any:
    """With the reason, which the parties are told; an open written round closes."""
    case, _works = _case(request, case_id)
    hearing = _hearing(case, payload.hearing)
    actor = _actor(request)
    with _at_version(actor, case, payload.expected_version):
        hearing = services.hearing_cancel(hearing=hearing, actor=actor, reason=payload.reason)
    return _one_hearing(hearing)


@router.post(
    "/cases/{case_id}/record-hearing",
    response={200: HearingOut, **REFUSALS},
    summary="Record that the hearing was held, with its record (judge or clerk)",
)
@_conflicts
def record_hearing(request: HttpRequest, case_id: int, payload: RecordHearingIn) -> Any:
    """庭审笔录: a hearing in the room or online once it has taken place; an asynchronous one any time (its
    open round closes)."""
    case, _works = _case(request, case_id)
    hearing = _hearing(case, payload.hearing)
    actor = _actor(request)
    with _at_version(actor, case, payload.expected_version):
        hearing = services.hearing_record(hearing=hearing, actor=actor, record=payload.record)
    return _one_hearing(hearing)


@router.post(
    "/cases/{case_id}/open-round",
    response={201: HearingOut, **REFUSALS},
    summary="Open a written round of an asynchronous hearing (judge or clerk)",
)
@_conflicts
def open_round(request: HttpRequest, case_id: int, payload: OpenRoundIn) -> Any:
    """The parties write (and attach a file) by the deadline through `POST /api/court/rounds/{id}/submissions`;
    one round is open at a time."""
    case, _works = _case(request, case_id)
    hearing = _hearing(case, payload.hearing)
    actor = _actor(request)
    due_at = _aware(payload.due_at)
    with _at_version(actor, case, payload.expected_version):
        services.round_open(
            hearing=hearing, actor=actor, kind=payload.kind, due_at=due_at, instructions=payload.instructions
        )
    return Status(201, _one_hearing(hearing))


@router.post(
    "/cases/{case_id}/close-round",
    response={200: HearingOut, **REFUSALS},
    summary="Close the open written round (judge or clerk)",
)
@_conflicts
def close_round(request: HttpRequest, case_id: int, payload: CloseRoundIn) -> Any:
    """No more submissions in it; the next round may be opened."""
    case, _works = _case(request, case_id)
    round_ = selectors.round_of(case, payload.round)
    if round_ is None:
        raise ValidationError({"round": _("Choose a round of this case.")})
    actor = _actor(request)
    with _at_version(actor, case, payload.expected_version):
        services.round_close(round=round_, actor=actor)
    return _one_hearing(round_.hearing)


@router.post(
    "/cases/{case_id}/issue-decision",
    response=CASE_COMMAND,
    summary="Issue the judgment or ruling, as a signed PDF (the case's judge; multipart/form-data)",
)
@_conflicts
def issue_decision(
    request: HttpRequest, case_id: int, details: Form[DecisionIn], file: File[UploadedFile | None] = None
) -> Any:
    """The signed PDF (`file`) is served on every party; the appeal period (15 days for a judgment, 10 for
    a ruling) runs from service, and the case closes when it ends without an appeal."""
    case, _works = _case(request, case_id)
    case = services.decision_issue(
        case=case,
        actor=_actor(request),
        kind=details.kind,
        upload=file,
        summary=details.summary,
        expected_version=details.expected_version,
    )
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/record-appeal",
    response=CASE_COMMAND,
    summary="Record that a party appealed within the appeal period (clerk)",
)
@_conflicts
def record_appeal(request: HttpRequest, case_id: int, payload: AppealIn) -> Any:
    """The case leaves this court for the intermediate court: it closes here as appealed."""
    case, _works = _case(request, case_id)
    actor = _actor(request)
    with _at_version(actor, case, payload.expected_version):
        case = services.appeal_record(case=case, actor=actor, party_id=payload.party, note=payload.note)
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/withdraw",
    response=CASE_COMMAND,
    summary="Withdraw the complaint or application (the applicant before filing; the clerk any time)",
)
@_conflicts
def withdraw(request: HttpRequest, case_id: int, payload: WithdrawIn) -> Any:
    """After filing, the court's leave is needed: the clerk records the withdrawal the court allows."""
    case, _works = _case(request, case_id)
    actor = _actor(request)
    with _at_version(actor, case, payload.expected_version):
        case = services.case_withdraw(case=case, actor=actor, reason=payload.reason, party_id=payload.party)
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/performance",
    response=CASE_COMMAND,
    summary="Report whether the confirmed agreement or the judgment was performed (clerk or a party)",
)
@_conflicts
def performance(request: HttpRequest, case_id: int, payload: PerformanceIn) -> Any:
    """What was not performed may be marked for enforcement (申请强制执行)."""
    case, _works = _case(request, case_id)
    actor = _actor(request)
    with _at_version(actor, case, payload.expected_version):
        case = services.performance_report(
            case=case,
            actor=actor,
            performed=payload.performed,
            note=payload.note,
            enforcement=payload.enforcement,
        )
    return _command_answer(request, case)


@router.post(
    "/cases/{case_id}/join",
    response=CASE_COMMAND,
    summary="Join the joint application for judicial confirmation (a party)",
)
@_conflicts
def join(request: HttpRequest, case_id: int, payload: JoinIn) -> Any:
    """As the other party of the agreement (or the party named by `party`, for one who acts for several)."""
    case, _works = _case(request, case_id)
    case = services.confirmation_join(case=case, actor=_actor(request), party_id=payload.party)
    return _command_answer(request, case)


# --- the matter's side: referral, complaint, confirmation, written rounds -----------------------------------


def _matter(request: HttpRequest, code: str) -> Matter:
    return matter_access.matter_for_code(request.user, code)


@router.get(
    "/matters/{code}/cases",
    response={200: list[CasePublicOut], **REFUSALS},
    summary="The court cases of a matter, as its parties and staff read them",
)
def matter_cases(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    """For everyone who sees the matter: each case's public face (never the court's notes), newest first,
    with what the caller may do now."""
    matter = _matter(request, code)
    cases = selectors.cases_of_visible_matter(matter)
    return [_case_out(request, case) for case in cases]


@router.post(
    "/matters/{code}/refer",
    response={201: CasePublicOut, **REFUSALS},
    summary="Refer a matter to the court's docking window (mediation staff)",
)
@_conflicts
def refer(request: HttpRequest, code: str, payload: ReferIn) -> Any:
    """诉调对接: a matter whose mediation failed with the court named as the next route, or whose agreement
    was not performed. Nothing is entered twice: the case is the matter."""
    matter = _matter(request, code)
    case = services.case_refer(
        matter=matter, actor=_actor(request), court=_court(payload.court), note=payload.note
    )
    return Status(201, _case_out(request, _reload(case)))


@router.post(
    "/matters/{code}/complaint",
    response={200: CasePublicOut, 201: CasePublicOut, **REFUSALS},
    summary="File the complaint online (the applicant; multipart/form-data)",
)
@_conflicts
def complaint(
    request: HttpRequest,
    code: str,
    details: Form[ComplaintIn],
    identity: File[list[UploadedFile] | None] = None,
    evidence: File[list[UploadedFile] | None] = None,
    other: File[list[UploadedFile] | None] = None,
) -> Any:
    """网上立案, from the guided form: the complaint is generated as a PDF from what the matter holds and the
    form. Files of the materials the cause requires may come in the same request (`identity`, `evidence`,
    `other`, repeatable); those the matter already holds count. 201 when it opens the case, 200 when it
    files again at the docking window or after a correction request."""
    matter = _matter(request, code)
    started = timezone.now()
    uploads = [
        (str(kind), upload)
        for kind, files in zip(COMPLAINT_UPLOAD_KINDS, (identity, evidence, other), strict=True)
        for upload in files or []
    ]
    case = services.complaint_file(
        matter=matter,
        actor=_actor(request),
        complaint=services.ComplaintInput(
            cause=details.cause,
            claims=details.claims,
            facts=details.facts,
            amount_claimed=details.amount_claimed,
        ),
        court=_court(details.court),
        uploads=uploads,
    )
    return Status(201 if case.created_at >= started else 200, _case_out(request, _reload(case)))


@router.post(
    "/matters/{code}/confirmation",
    response={201: CasePublicOut, **REFUSALS},
    summary="Apply for judicial confirmation of the matter's agreement (a party)",
)
@_conflicts
def confirmation_apply(request: HttpRequest, code: str, payload: ApplyIn) -> Any:
    """司法确认: an agreement made on the platform, in effect, within 30 days of taking effect. The
    application is joint: the other parties are asked to join (`POST /api/court/cases/{id}/join`)."""
    matter = _matter(request, code)
    case = services.confirmation_apply(
        matter=matter, actor=_actor(request), court=_court(payload.court), party_id=payload.party
    )
    return Status(201, _case_out(request, _reload(case)))


@router.post(
    "/rounds/{round_id}/submissions",
    response={201: SubmissionOut, **REFUSALS},
    summary="Write in an open written round, with one file (a party; multipart/form-data)",
)
@_conflicts
def round_submit(
    request: HttpRequest, round_id: int, details: Form[SubmissionIn], file: File[UploadedFile | None] = None
) -> Any:
    """As a party, before the round's deadline; `file` (a photo or a PDF) is added to the matter as evidence
    in an evidence round, else as a written statement."""
    round_ = selectors.round_for_party(request.user, round_id)
    if round_ is None:
        raise NotFound
    submission = services.round_submit(
        round=round_, actor=_actor(request), text=details.text, upload=file, party_id=details.party
    )
    return Status(201, _submission_out(selectors.submission_reloaded(submission)))


# --- grid workers: delivering court documents in person ---------------------------------------------------


def _deliveries(actor: Any) -> QuerySet[Service]:
    return access.deliveries_for(actor).select_related(
        "case__matter", "case__court", "case__number", "case__mediation_number", "document", "party"
    )


def _delivery(request: HttpRequest, service_id: int) -> Service:
    service = _deliveries(request.user).filter(pk=service_id).first()
    if service is None:
        raise NotFound
    return service


@router.get(
    "/deliveries",
    response={200: list[DeliveryOut], 401: MessageOut, 403: MessageOut, 422: FieldErrorsOut},
    summary="Court documents my organisations deliver in person (grid workers)",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def delivery_list(request: HttpRequest, filters: Query[DeliveryFilters]) -> Any:
    """The in-person services of the caller's grid-worker organisations, oldest first: `pending` by default,
    with the party's address to deliver to."""
    scope = scope_for(request.user)
    if not (scope.is_platform_operator or Role.GRID_WORKER in scope.roles):
        raise Forbidden(_("The delivery list is for grid workers."))
    if filters.status != "all" and filters.status not in ServiceStatus.values:
        raise ValidationError({"status": _("Choose one of the allowed values.")})
    rows = _deliveries(request.user)
    if filters.status != "all":
        rows = rows.filter(status=filters.status)
    return rows.order_by("sent_at", "pk")


@router.post(
    "/deliveries/{service_id}/delivered",
    response={200: DeliveryOut, **REFUSALS},
    summary="Report a delivery with a photo of the signed receipt (grid workers; multipart/form-data)",
)
@_conflicts
def delivery_delivered(
    request: HttpRequest,
    service_id: int,
    details: Form[DeliveryNoteIn],
    photo: File[UploadedFile | None] = None,
) -> Any:
    """The photo of the signed receipt (送达回证) is kept with the matter; the service is in effect from now."""
    service = _delivery(request, service_id)
    services.service_deliver(service=service, actor=_actor(request), photo=photo, note=details.note)
    return _delivery(request, service_id)


@router.post(
    "/deliveries/{service_id}/failed",
    response={200: DeliveryOut, **REFUSALS},
    summary="Report that a document could not be delivered (grid workers)",
)
@_conflicts
def delivery_failed(request: HttpRequest, service_id: int, payload: FailedIn) -> Any:
    """The court's clerks are told, with the reason."""
    service = _delivery(request, service_id)
    services.service_fail(service=service, actor=_actor(request), reason=payload.reason)
    return _delivery(request, service_id)
