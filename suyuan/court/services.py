"""The court side's commands: docking, pre-filing mediation, judicial confirmation, filing review,
service of documents, hearings, decisions and performance.

Every command is one transaction: it locks the matter (through ``matters.services.matter_lock``, which
also checks the actor may see it), then the case; checks the move against ``court.transitions``, the
actor's role and the input; writes the case, its documents and services; and appends the matter's event,
so the citizen's timeline runs on unbroken from intake to judgment. A refused command changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suyuan.accounts.choices import OrganizationType, Role
from suyuan.accounts.models import Organization, User
from suyuan.accounts.services import access_grant_create
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.court import access, paperwork, time_limits
from suyuan.court.choices import (
    CaseOrigin,
    CaseOutcome,
    CaseStatus,
    CaseTrack,
    CaseType,
    DecisionKind,
    HearingMode,
    HearingStatus,
    PerformanceStatus,
    RoundKind,
    ServiceMethod,
    ServiceStatus,
    TimeLimitKind,
)
from suyuan.court.fees import court_fee
from suyuan.court.models import (
    CaseNote,
    CauseOfAction,
    ConfirmationConsent,
    CourtCase,
    Hearing,
    HearingRound,
    RoundSubmission,
    Service,
)
from suyuan.court.numbers import case_number_issue
from suyuan.court.transitions import CaseCommand, target
from suyuan.matters import access as matter_access
from suyuan.matters import services as matter_services
from suyuan.matters.choices import (
    DocumentKind,
    DocumentSource,
    EventKind,
    FailureRoute,
    MatterStatus,
    PartyRole,
    Visibility,
)
from suyuan.matters.documents import document_add, stored_files_guard
from suyuan.matters.models import Document, Matter, Party
from suyuan.matters.respondents import field_task_organization
from suyuan.matters.uploads import CleanFile
from suyuan.mediation.choices import AgreementStatus
from suyuan.mediation.models import Agreement, FollowUp
from suyuan.mediation.services import ObligationInput, agreement_record_settlement
from suyuan.notifications.services import notify, sms_queue

MAX_TEXT = 5000
MAX_CLAIMS = 10
MAX_CLAIM_LENGTH = 500
MAX_CORRECTION_ITEMS = 10
MAX_AMOUNT = Decimal("999999999999.99")
MAX_HEARING_AHEAD = dt.timedelta(days=366)
MAX_ROUND_DAYS = 60
MIN_ROUND_HOURS = 24
MAX_EXTENSION_DAYS = 30


P = ParamSpec("P")
R = TypeVar("R")


def _command(function: Callable[P, R]) -> Callable[P, R]:
    """Run a command in one transaction; files it stored are deleted again if the transaction fails."""

    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with stored_files_guard(), transaction.atomic():
            return function(*args, **kwargs)

    return run


class WrongState(Exception):
    """Raised when a step does not apply now (an agreement not in effect, a round already closed, …)."""

    def __init__(self, message: Any) -> None:
        self.message = message
        super().__init__(str(message))


class StaleCase(Exception):
    """Raised when a command was made on an older version of the case than the current one."""

    message = gettext_lazy("Someone changed this case meanwhile. Reload it and try again.")


# --- helpers ----------------------------------------------------------------------------------------------


def _clean_text(value: str, *, field: str, required: bool, limit: int = MAX_TEXT, minimum: int = 1) -> str:
    text = (value or "").strip()
    if required and len(text) < minimum:
        if minimum > 1:
            raise ValidationError(
                {field: _("Enter at least %(min_length)s characters.") % {"min_length": minimum}}
            )
        raise ValidationError({field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: _("Enter at most %(max_length)s characters.") % {"max_length": limit}})
    return text


def _reason(value: str, field: str = "reason") -> str:
    text = (value or "").strip()
    if len(text) < 4:
        raise ValidationError({field: _("Give a reason (at least 4 characters).")})
    return _clean_text(text, field=field, required=True)


def _lock(actor: User, case: CourtCase, expected_version: int | None = None) -> tuple[Matter, CourtCase]:
    """Lock the case's matter (if the actor may see it) and the case itself, in that order everywhere."""
    matter = matter_services.matter_lock(actor=actor, matter=case.matter)
    locked = (
        CourtCase.objects.select_for_update(of=("self",))
        .select_related("court", "cause", "number", "mediation_number")
        .get(pk=case.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise StaleCase
    return matter, locked


def _move(
    matter: Matter,
    case: CourtCase,
    command: str,
    *,
    actor: User | None,
    kind: str,
    data: dict[str, Any] | None = None,
    text: str = "",
) -> None:
    """Apply ``command`` to the locked case: new status, version bump, and the matter's event."""
    before = case.status
    case.status = target(command, before)
    case.version += 1
    if case.status == CaseStatus.CLOSED:
        case.closed_at = timezone.now()
        case.due_at = None
        case.due_kind = ""
    case.save()
    _event(matter, case, kind, actor, data=data, text=text, from_status=before)


def _event(
    matter: Matter,
    case: CourtCase,
    kind: str,
    actor: User | None,
    *,
    data: dict[str, Any] | None = None,
    text: str = "",
    from_status: str = "",
    visibility: str = Visibility.PUBLIC,
) -> None:
    payload = {"case_id": case.pk, "case_status": case.status, **(data or {})}
    if from_status and from_status != case.status:
        payload["case_from"] = from_status
    if case.display_number:
        payload.setdefault("case_number", case.display_number)
    matter_services.matter_event_record(
        matter=matter, kind=kind, actor=actor, data=payload, text=text, visibility=visibility
    )


def _set_due(
    case: CourtCase, kind: str, start: dt.datetime | None = None, *, days: int | None = None
) -> None:
    case.due_kind = kind
    case.due_at = time_limits.deadline(start or timezone.now(), kind, days=days)


def _clear_due(case: CourtCase) -> None:
    case.due_kind = ""
    case.due_at = None


def _language(user: User | None) -> str:
    return (user.preferred_language if user else "") or settings.LANGUAGE_CODE


def _matter_link(matter: Matter) -> str:
    return reverse("matters:matter", kwargs={"code": matter.display_code})


def _tell_parties(
    matter: Matter, build: Callable[[Party], str], *, purpose: str, parties: list[Party] | None = None
) -> None:
    """Tell each party: a text message to their phone, and a notice in the portal if they have an account."""
    for party in parties if parties is not None else list(matter.parties.select_related("user")):
        with translation.override(_language(party.user)):
            body = str(build(party))
        if party.phone:
            sms_queue(phone=party.phone, body=body, purpose=purpose)
        if party.user is not None and party.user.is_active:
            notify(
                user=party.user,
                title=body.removeprefix("【诉源】")[:200],
                body=body,
                link=_matter_link(matter),
                purpose=purpose,
                sms=False,
            )


def _tell_staff(
    users: list[User], build: Callable[[], str], *, link: str, purpose: str, sms: bool = False
) -> None:
    """Tell each user in the app (in their language), and by text message too when ``sms``."""
    for user in users:
        if not user.is_active:
            continue
        with translation.override(_language(user)):
            body = str(build())
        notify(
            user=user,
            title=body.removeprefix("【诉源】")[:200],
            body=body,
            link=link,
            purpose=purpose,
            sms=sms,
        )


def _members(organization: Organization, role: str) -> QuerySet[User]:
    """Return the active users holding ``role`` in ``organization`` (its clerks, judges, grid workers…)."""
    return User.objects.filter(
        memberships__organization=organization,
        memberships__role=role,
        memberships__is_active=True,
        is_active=True,
    ).distinct()


def _clerks(court: Organization) -> list[User]:
    return list(_members(court, Role.COURT_CLERK))


def case_link(case: CourtCase) -> str:
    return reverse("court:case", kwargs={"case_id": case.pk})


def _share(case: CourtCase, user: User, reason: str, actor: User) -> None:
    """Let ``user`` (a judge, a court-invited mediator) open the case's matter."""
    if not matter_access.matters_visible_to(user).filter(pk=case.matter_id).exists():
        access_grant_create(obj=case.matter, user=user, reason=reason, actor=actor)


def _store(case: CourtCase, matter: Matter, actor: User, kind: str, name: str, content: bytes) -> Document:
    """Store a generated PDF as a document of the matter (it is part of the dossier from now on)."""
    clean = CleanFile(
        content=content,
        content_type="application/pdf",
        original_name=name,
        pages=paperwork.page_count(content),
    )
    return document_add(matter=matter, actor=actor, upload=clean, kind=kind, source=DocumentSource.GENERATED)


def court_for_matter(matter: Matter) -> Organization:
    """Return the basic court for the matter's place: the people's court of its county."""
    county = matter.region_id[:6]
    court = (
        Organization.objects.filter(type=OrganizationType.COURT, region_id=county, is_active=True)
        .order_by("parent_id", "id")
        .first()
    )
    if court is None:
        raise ValidationError({"court": _("No court of this county works on the platform yet.")})
    return court


def _check_court(court: Organization) -> Organization:
    if court.type != OrganizationType.COURT or not court.is_active:
        raise ValidationError({"court": _("Choose a people's court.")})
    return court


def _open_case(matter: Matter) -> CourtCase | None:
    return CourtCase.objects.filter(matter=matter).exclude(status=CaseStatus.CLOSED).first()


def _create_case(
    matter: Matter,
    *,
    court: Organization,
    track: str,
    origin: str,
    actor: User,
    kind: str,
    data: dict[str, Any] | None = None,
    text: str = "",
) -> CourtCase:
    """Create the court case and move the matter to the court, in the caller's transaction."""
    if _open_case(matter) is not None:
        raise WrongState(_("This matter is already before a court."))
    try:
        with transaction.atomic():
            case = CourtCase.objects.create(
                matter=matter, court=court, track=track, origin=origin, created_by=actor
            )
    except IntegrityError:
        raise WrongState(_("This matter is already before a court.")) from None
    matter_services.matter_to_court(
        matter=matter,
        actor=actor,
        court=court,
        kind=kind,
        data={"case_id": case.pk, "court": court.name, "track": track, **(data or {})},
        text=text,
    )
    return case


def _conclude(matter: Matter, case: CourtCase, actor: User | None, outcome: str, text: str = "") -> None:
    """Finish the matter once its case has ended (settled: resolved; otherwise closed)."""
    case.outcome = outcome
    case.save(update_fields=["outcome"])
    if matter.status == MatterStatus.IN_COURT:
        matter_services.matter_court_concluded(
            matter=matter,
            actor=actor,
            kind=EventKind.CASE_CLOSED,
            data={"case_id": case.pk, "outcome": outcome, "case_number": case.display_number},
            text=text,
            settled=outcome == CaseOutcome.SETTLED,
        )


# --- docking ----------------------------------------------------------------------------------------------

REFERABLE = frozenset({MatterStatus.UNRESOLVED, MatterStatus.RESOLVED, MatterStatus.CLOSED})


def _breach_open(matter: Matter) -> bool:
    return FollowUp.objects.filter(agreement__matter=matter, is_open=True).exists()


def may_refer(actor: User, matter: Matter) -> bool:
    """Return whether the actor may refer this matter to the court now (mediation staff of the matter)."""
    if not matter_access.may_act(actor, matter, matter_access.MEDIATION_ROLES):
        return False
    return _referable(matter)


def _referable(matter: Matter) -> bool:
    failed = matter.status == MatterStatus.UNRESOLVED and matter.failure_route == FailureRoute.COURT
    return failed or (matter.status in REFERABLE and _breach_open(matter))


@_command
def case_refer(
    *, matter: Matter, actor: User, court: Organization | None = None, note: str = ""
) -> CourtCase:
    """Refer a matter to the court's docking window (诉调对接): its mediation failed with the court named as
    the next route, or its agreement was not performed. Nothing is entered twice: the case is the matter.
    """
    note = _clean_text(note, field="note", required=False)
    matter = matter_services.matter_lock(actor=actor, matter=matter)
    matter_access.require_act(actor, matter, matter_access.MEDIATION_ROLES)
    if not _referable(matter):
        raise WrongState(
            _(
                "Only a matter whose mediation failed with the court as the next route, or whose agreement "
                "was not performed, can be referred to the court."
            )
        )
    court = _check_court(court) if court is not None else court_for_matter(matter)
    origin = CaseOrigin.BREACH if _breach_open(matter) else CaseOrigin.REFERRAL
    case = _create_case(
        matter,
        court=court,
        track=CaseTrack.LITIGATION,
        origin=origin,
        actor=actor,
        kind=EventKind.COURT_DOCKED,
        data={"origin": origin},
        text=note,
    )
    _tell_parties(
        matter,
        lambda party: (
            _(
                "【诉源】Matter %(code)s was passed to %(court)s. The applicant can file the complaint online "
                "on the matter's page; what the matter already holds is reused."
            )
            % {"code": matter.display_code, "court": court.name}
        ),
        purpose="court_docked",
        parties=[p for p in matter.parties.select_related("user") if p.role == PartyRole.APPLICANT],
    )
    _tell_staff(
        _clerks(court),
        lambda: (
            _("【诉源】A matter was referred to the docking window: %(code)s.")
            % {"code": matter.display_code}
        ),
        link=case_link(case),
        purpose="court_docked",
    )
    return case


# --- the complaint (网上立案) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintInput:
    cause: str  # CauseOfAction.code
    claims: list[str]
    facts: str
    amount_claimed: Any = None  # yuan, for a claim of money or property


def _clean_complaint(data: ComplaintInput) -> tuple[CauseOfAction, list[str], str, Decimal | None]:
    errors: dict[str, Any] = {}
    cause = CauseOfAction.objects.filter(code=data.cause, is_active=True).first()
    if cause is None:
        errors["cause"] = _("Choose the cause of action.")
    claims = [str(c).strip() for c in (data.claims or []) if str(c).strip()]
    if not claims:
        errors["claims"] = _("Write at least one claim: what you ask the court to order.")
    elif len(claims) > MAX_CLAIMS:
        errors["claims"] = _("Give at most %(max)s claims.") % {"max": MAX_CLAIMS}
    elif any(len(c) > MAX_CLAIM_LENGTH for c in claims):
        errors["claims"] = _("Each claim may have at most %(max)s characters.") % {"max": MAX_CLAIM_LENGTH}
    facts = (data.facts or "").strip()
    if len(facts) < 10:
        errors["facts"] = _("Describe the facts and reasons (at least 10 characters).")
    elif len(facts) > MAX_TEXT:
        errors["facts"] = _("Enter at most %(max_length)s characters.") % {"max_length": MAX_TEXT}
    amount: Decimal | None = None
    if data.amount_claimed not in (None, ""):
        try:
            amount = Decimal(str(data.amount_claimed).replace(",", "").strip())
            if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
                raise InvalidOperation
            amount = amount.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors["amount_claimed"] = _("Enter the amount claimed in yuan, e.g. 12000 or 12000.50.")
    if cause is not None and cause.is_property and amount is None and "amount_claimed" not in errors:
        errors["amount_claimed"] = _("A claim for money or property needs the amount claimed.")
    if errors or cause is None:
        raise ValidationError(errors)
    return cause, claims, facts, amount


def missing_materials(matter: Matter, cause: CauseOfAction) -> list[str]:
    """Return the kinds of document the cause's checklist requires that the matter does not hold yet."""
    present = set(matter.documents.values_list("kind", flat=True))
    return [kind for kind in cause.required_materials if kind not in present]


def materials_error(missing: list[str]) -> ValidationError:
    labels = "、".join(str(DocumentKind(kind).label) for kind in missing if kind in DocumentKind.values)
    return ValidationError(
        {
            "materials": _("The filing lacks required materials: %(missing)s. Attach them and file again.")
            % {"missing": labels}
        }
    )


def _defendants(matter: Matter) -> list[Party]:
    return [p for p in matter.parties.all() if p.role == PartyRole.RESPONDENT]


@_command
def complaint_file(
    *,
    matter: Matter,
    actor: User,
    complaint: ComplaintInput,
    court: Organization | None = None,
    uploads: list[tuple[str, Any]] | None = None,
) -> CourtCase:
    """File the complaint (起诉状) online, as the applicant (or their agent with an account).

    On a matter at the docking window, or returned for correction, it (re)starts the filing review; on a
    matter whose mediation failed or whose agreement was broken, or one just received for the court, it
    opens the case too. ``uploads`` are (document kind, file) pairs attached in the same step. The
    complaint is generated as a PDF from what the matter holds (parties, facts) and the form.
    """
    cause, claims, facts, amount = _clean_complaint(complaint)
    matter = matter_services.matter_lock(actor=actor, matter=matter)
    party = access.acting_party(actor, matter)
    if party.role != PartyRole.APPLICANT:
        raise Forbidden(_("Only the applicant files the complaint."))
    if not _defendants(matter):
        raise ValidationError(
            {"defendants": _("Name at least one defendant (the other side) on the matter.")}
        )
    case = _open_case(matter)
    if case is None:
        if not may_file(matter):
            raise WrongState(_("This matter is still in mediation; it can go to court once mediation ends."))
        court = _check_court(court) if court is not None else court_for_matter(matter)
        origin = (
            CaseOrigin.DIRECT
            if matter.status == MatterStatus.SUBMITTED
            else (CaseOrigin.BREACH if _breach_open(matter) else CaseOrigin.REFERRAL)
        )
        case = _create_case(
            matter,
            court=court,
            track=CaseTrack.LITIGATION,
            origin=origin,
            actor=actor,
            kind=EventKind.COURT_DOCKED,
            data={"origin": origin},
        )
    case = CourtCase.objects.select_for_update(of=("self",)).select_related("court").get(pk=case.pk)
    if case.track != CaseTrack.LITIGATION or case.status not in (CaseStatus.DOCKED, CaseStatus.CORRECTION):
        raise WrongState(_("The complaint can be filed at the docking window or after a correction request."))
    for kind, upload in uploads or []:
        document_add(matter=matter, actor=actor, upload=upload, kind=kind)
    missing = missing_materials(matter, cause)
    if missing:
        raise materials_error(missing)
    now = timezone.now()
    case.cause = cause
    case.claims = claims
    case.facts = facts
    case.amount_claimed = amount
    case.fee = court_fee(amount, is_property=cause.is_property)
    case.complaint_submitted_at = now
    name, content = paperwork.complaint(case, matter, submitted_on=now)
    case.complaint = _store(case, matter, actor, DocumentKind.COMPLAINT, name, content)
    case.correction_items = []
    _set_due(case, TimeLimitKind.FILING_DECISION, now)
    _move(
        matter,
        case,
        CaseCommand.SUBMIT_COMPLAINT,
        actor=actor,
        kind=EventKind.COMPLAINT_FILED,
        data={"cause": cause.name, "claims": claims, "amount": str(amount) if amount is not None else ""},
    )
    _tell_staff(
        _clerks(case.court),
        lambda: (
            _("【诉源】A complaint was filed and awaits filing review: %(code)s.")
            % {"code": matter.display_code}
        ),
        link=case_link(case),
        purpose="complaint_filed",
    )
    return case


def may_file(matter: Matter) -> bool:
    """Return whether the applicant may take the matter to court now without a referral: straight after
    intake (a direct filing, or instead of mediation), after mediation failed whatever route was named,
    or when the agreement was not performed. Never while mediation runs."""
    if _open_case(matter) is not None:
        return False
    return matter.status in (MatterStatus.SUBMITTED, MatterStatus.UNRESOLVED) or _referable(matter)


# --- filing review (立案审查) ------------------------------------------------------------------------------


@_command
def correction_request(
    *,
    case: CourtCase,
    actor: User,
    items: list[str],
    days: int | None = None,
    expected_version: int | None = None,
) -> CourtCase:
    """Return the filing to the applicant for correction, saying exactly what to correct and by when."""
    cleaned = [str(i).strip() for i in items or [] if str(i).strip()]
    if not cleaned:
        raise ValidationError({"items": _("Say what must be corrected.")})
    if len(cleaned) > MAX_CORRECTION_ITEMS or any(len(i) > MAX_CLAIM_LENGTH for i in cleaned):
        raise ValidationError(
            {
                "items": _("Give at most %(max)s items of at most 500 characters.")
                % {"max": MAX_CORRECTION_ITEMS}
            }
        )
    if days is not None and not 1 <= days <= 60:
        raise ValidationError({"days": _("Give between 1 and 60 days.")})
    matter, case = _lock(actor, case, expected_version)
    access.require(access.is_clerk(actor, case))
    target(CaseCommand.REQUEST_CORRECTION, case.status)
    case.correction_items = cleaned
    _set_due(case, TimeLimitKind.CORRECTION, days=days)
    _move(
        matter,
        case,
        CaseCommand.REQUEST_CORRECTION,
        actor=actor,
        kind=EventKind.CORRECTION_REQUESTED,
        data={"items": cleaned, "due_at": case.due_at.isoformat() if case.due_at else ""},
        text="\n".join(cleaned),
    )
    name, content = paperwork.correction_notice(case, matter, items=cleaned)
    document = _store(case, matter, actor, DocumentKind.COURT_NOTICE, name, content)
    _serve(matter, case, [document], _applicants(matter), actor)
    return case


def _applicants(matter: Matter) -> list[Party]:
    return [p for p in matter.parties.select_related("user") if p.role == PartyRole.APPLICANT]


@_command
def filing_accept(*, case: CourtCase, actor: User, expected_version: int | None = None) -> CourtCase:
    """Accept the filing (立案): the case gets its number, and the notices are generated and served —
    acceptance and fee notices to the plaintiff; the complaint, the notice to respond and the evidence
    notice to each defendant."""
    matter, case = _lock(actor, case, expected_version)
    access.require(access.is_clerk(actor, case))
    target(CaseCommand.ACCEPT_FILING, case.status)
    if case.cause is not None:
        missing = missing_materials(matter, case.cause)
        if missing:
            raise materials_error(missing)
    number = case_number_issue(
        court=case.court, case_type=CaseType.CIVIL_FIRST_INSTANCE, matter=matter, actor=actor
    )
    case.number = number
    case.clerk = case.clerk or actor
    now = timezone.now()
    _set_due(case, TimeLimitKind.ANSWER, now)
    _move(
        matter,
        case,
        CaseCommand.ACCEPT_FILING,
        actor=actor,
        kind=EventKind.FILING_ACCEPTED,
        data={"case_number": number.number, "fee": str(case.fee or "")},
    )
    plaintiffs, defendants = _applicants(matter), _defendants(matter)
    to_plaintiffs = [
        _store(case, matter, actor, DocumentKind.COURT_NOTICE, *build(case, matter))
        for build in (paperwork.acceptance_notice, paperwork.fee_notice)
    ]
    to_defendants = [case.complaint] if case.complaint is not None else []
    to_defendants += [
        _store(case, matter, actor, DocumentKind.COURT_NOTICE, *build(case, matter))
        for build in (paperwork.response_notice, paperwork.evidence_notice)
    ]
    _serve(matter, case, to_plaintiffs, plaintiffs, actor)
    _serve(matter, case, to_defendants, defendants, actor)
    return case


@_command
def filing_refuse(
    *, case: CourtCase, actor: User, reason: str, expected_version: int | None = None
) -> CourtCase:
    """Refuse the filing (裁定不予受理): a ruling with the reasons, served on the plaintiff, who may appeal
    within the ruling's appeal period; the case closes when it ends."""
    reason = _reason(reason)
    matter, case = _lock(actor, case, expected_version)
    access.require(access.is_clerk(actor, case) or case.court_id in access.judge_court_ids(actor))
    target(CaseCommand.REFUSE_FILING, case.status)
    number = case.number or case_number_issue(
        court=case.court, case_type=CaseType.CIVIL_FIRST_INSTANCE, matter=matter, actor=actor
    )
    case.number = number
    case.reason = reason
    case.decision_kind = DecisionKind.RULING
    case.decided_at = timezone.now()
    case.outcome = CaseOutcome.REFUSED
    _clear_due(case)
    _move(matter, case, CaseCommand.REFUSE_FILING, actor=actor, kind=EventKind.FILING_REFUSED, text=reason)
    name, content = paperwork.refusal_ruling(case, matter, judge=actor)
    document = _store(case, matter, actor, DocumentKind.RULING, name, content)
    case.decision = document
    case.save(update_fields=["decision"])
    _serve(matter, case, [document], _applicants(matter), actor)
    _update_appeal_period(case)
    return case


# --- pre-filing mediation (诉前调解) ------------------------------------------------------------------------


def invited_mediators(court: Organization) -> list[User]:
    """Return the court-invited mediators (特邀调解员): mediators who are members of the court."""
    return list(_members(court, Role.MEDIATOR).order_by("full_name", "pk"))


@_command
def mediation_offer(
    *, case: CourtCase, actor: User, mediator: User, consent: str, expected_version: int | None = None
) -> CourtCase:
    """Start pre-filing mediation (诉前调解) by a court-invited mediator, with the parties' consent; it runs
    30 days by default. The case gets its 民诉前调 number."""
    consent = _reason(consent, "consent")
    matter, case = _lock(actor, case, expected_version)
    access.require(access.is_clerk(actor, case))
    target(CaseCommand.OFFER_MEDIATION, case.status)
    if case.track != CaseTrack.LITIGATION:
        raise WrongState(_("Only a lawsuit is mediated before filing."))
    if case.mediation_number_id is not None:
        raise WrongState(_("This case was already mediated before filing."))
    if mediator.pk not in {m.pk for m in invited_mediators(case.court)}:
        raise ValidationError({"mediator": _("Choose one of the court's invited mediators.")})
    case.mediation_number = case_number_issue(
        court=case.court, case_type=CaseType.PRE_FILING_MEDIATION, matter=matter, actor=actor
    )
    case.mediator = mediator
    now = timezone.now()
    case.mediation_due_at = time_limits.deadline(now, TimeLimitKind.PRE_FILING_MEDIATION)
    case.due_kind = TimeLimitKind.PRE_FILING_MEDIATION
    case.due_at = case.mediation_due_at
    _move(
        matter,
        case,
        CaseCommand.OFFER_MEDIATION,
        actor=actor,
        kind=EventKind.COURT_MEDIATION,
        data={
            "mediator": mediator.full_name or mediator.get_username(),
            "due_at": case.mediation_due_at.isoformat(),
            "case_number": case.mediation_number.number,
        },
        text=consent,
    )
    _share(case, mediator, "诉前调解：特邀调解员", actor)
    _tell_parties(
        matter,
        lambda party: (
            _(
                "【诉源】%(court)s has asked invited mediator %(mediator)s to mediate matter %(code)s before "
                "filing, until %(due)s."
            )
            % {
                "court": case.court.name,
                "mediator": mediator.full_name,
                "code": matter.display_code,
                "due": timezone.localtime(case.mediation_due_at).strftime("%Y-%m-%d"),
            }
        ),
        purpose="court_mediation",
    )
    _tell_staff(
        [mediator],
        lambda: (
            _("【诉源】You were asked to mediate matter %(code)s before filing.")
            % {"code": matter.display_code}
        ),
        link=_matter_link(matter),
        purpose="court_mediation",
    )
    return case


@_command
def mediation_extend(
    *, case: CourtCase, actor: User, days: int, consent: str, expected_version: int | None = None
) -> CourtCase:
    """Extend the pre-filing mediation once, by at most 30 days, with both parties' recorded consent."""
    consent = _reason(consent, "consent")
    if not 1 <= int(days) <= MAX_EXTENSION_DAYS:
        raise ValidationError({"days": _("Give between 1 and %(max)s days.") % {"max": MAX_EXTENSION_DAYS}})
    matter, case = _lock(actor, case, expected_version)
    access.require(access.is_clerk(actor, case) or access.is_court_mediator(actor, case))
    target(CaseCommand.EXTEND_MEDIATION, case.status)
    if case.mediation_extension:
        raise WrongState(_("The pre-filing mediation was already extended once."))
    case.mediation_extension = consent
    case.mediation_due_at = time_limits.deadline(
        case.mediation_due_at or timezone.now(), TimeLimitKind.PRE_FILING_MEDIATION, days=int(days)
    )
    case.due_at = case.mediation_due_at
    _move(
        matter,
        case,
        CaseCommand.EXTEND_MEDIATION,
        actor=actor,
        kind=EventKind.COURT_MEDIATION_EXTENDED,
        data={"days": int(days), "due_at": case.mediation_due_at.isoformat()},
        text=consent,
    )
    return case


@_command
def mediation_settle(
    *,
    case: CourtCase,
    actor: User,
    terms: str,
    obligations: list[ObligationInput],
    expected_version: int | None = None,
) -> CourtCase:
    """Record the settlement reached in pre-filing mediation: the agreement (with its obligations) goes to
    the parties to confirm, as any mediation agreement; once in effect they may apply for its judicial
    confirmation. The case closes as settled; the matter is resolved."""
    matter, case = _lock(actor, case, expected_version)
    access.require(access.is_court_mediator(actor, case) or access.is_clerk(actor, case))
    target(CaseCommand.MEDIATION_SETTLED, case.status)
    agreement_record_settlement(matter=matter, actor=actor, terms=terms, obligations=obligations)
    _clear_due(case)
    _move(
        matter,
        case,
        CaseCommand.MEDIATION_SETTLED,
        actor=actor,
        kind=EventKind.COURT_MEDIATION_SETTLED,
        text=terms.strip(),
    )
    _conclude(matter, case, actor, CaseOutcome.SETTLED, terms.strip())
    return case


@_command
def mediation_fail(
    *, case: CourtCase, actor: User, reason: str, expected_version: int | None = None
) -> CourtCase:
    """Record that the pre-filing mediation failed: the case goes back to the window, and with a complaint
    on file its filing review resumes at once (the time spent mediating does not count against it)."""
    reason = _reason(reason)
    matter, case = _lock(actor, case, expected_version)
    access.require(access.is_court_mediator(actor, case) or access.is_clerk(actor, case))
    target(CaseCommand.MEDIATION_FAILED, case.status)
    _clear_due(case)
    _move(
        matter,
        case,
        CaseCommand.MEDIATION_FAILED,
        actor=actor,
        kind=EventKind.COURT_MEDIATION_FAILED,
        text=reason,
    )
    if case.complaint_submitted_at is not None:
        _set_due(case, TimeLimitKind.FILING_DECISION)
        _move(
            matter,
            case,
            CaseCommand.SUBMIT_COMPLAINT,
            actor=actor,
            kind=EventKind.COMPLAINT_FILED,
            data={"resumed": True, "cause": case.cause.name if case.cause else ""},
        )
    _tell_parties(
        matter,
        lambda party: (
            _("【诉源】The pre-filing mediation of matter %(code)s ended without agreement. %(next)s")
            % {
                "code": matter.display_code,
                "next": _("The court now reviews the filing.")
                if case.complaint_submitted_at
                else _("The applicant can file the complaint online."),
            }
        ),
        purpose="court_mediation_failed",
    )
    return case


# --- judicial confirmation (司法确认) -----------------------------------------------------------------------


def confirmation_deadline(agreement: Agreement) -> dt.datetime | None:
    """Return when the time to apply for the agreement's confirmation ends (30 days from effect)."""
    if agreement.effective_at is None:
        return None
    return time_limits.deadline(agreement.effective_at, TimeLimitKind.CONFIRMATION_APPLICATION)


def _already_decided(agreement: Agreement) -> bool:
    """Whether a court has already ruled on confirming this agreement (confirmed or dismissed): the same
    agreement is not confirmed twice; a withdrawn application may be made again in time."""
    return CourtCase.objects.filter(
        agreement=agreement, outcome__in=[CaseOutcome.CONFIRMED, CaseOutcome.NOT_CONFIRMED]
    ).exists()


def may_apply_for_confirmation(agreement: Agreement, now: dt.datetime | None = None) -> bool:
    deadline = confirmation_deadline(agreement)
    return (
        agreement.status == AgreementStatus.EFFECTIVE
        and deadline is not None
        and (now or timezone.now()) <= deadline
        and _open_case(agreement.matter) is None
        and not _already_decided(agreement)
    )


@_command
def confirmation_apply(
    *, matter: Matter, actor: User, court: Organization | None = None, party_id: Any = None
) -> CourtCase:
    """Apply, as a party, for judicial confirmation of the matter's mediation agreement; the other parties
    are asked to join (the application is joint). Only an agreement made on the platform, in effect, within
    30 days of taking effect."""
    matter = matter_services.matter_lock(actor=actor, matter=matter)
    party = access.acting_party(actor, matter, party_id)
    agreement = Agreement.objects.select_for_update().filter(matter=matter).first()
    if agreement is None:
        raise WrongState(_("Only an agreement made on the platform can be confirmed here."))
    if agreement.status != AgreementStatus.EFFECTIVE:
        raise WrongState(
            _("Only an agreement every party has confirmed, and not yet performed, can be confirmed.")
        )
    if _already_decided(agreement):
        raise WrongState(_("A court has already ruled on confirming this agreement."))
    deadline = confirmation_deadline(agreement)
    if deadline is None or timezone.now() > deadline:
        raise WrongState(
            _("The time to apply ended on %(date)s: 30 days from the day the agreement took effect.")
            % {"date": timezone.localtime(deadline).strftime("%Y-%m-%d") if deadline else "—"}
        )
    court = _check_court(court) if court is not None else court_for_matter(matter)
    case = _create_case(
        matter,
        court=court,
        track=CaseTrack.CONFIRMATION,
        origin=CaseOrigin.AGREEMENT,
        actor=actor,
        kind=EventKind.CONFIRMATION_APPLIED,
        data={"party": party.name},
    )
    case.agreement = agreement
    case.save(update_fields=["agreement"])
    now = timezone.now()
    for each in matter.parties.all():
        mine = each.pk == party.pk
        ConfirmationConsent.objects.create(
            case=case, party=each, joined_at=now if mine else None, joined_by=actor if mine else None
        )
    _tell_parties(
        matter,
        lambda p: (
            _(
                "【诉源】%(party)s applied to %(court)s for judicial confirmation of the agreement of matter "
                "%(code)s. The application is joint: please join it on the matter's page."
            )
            % {"party": party.name, "court": court.name, "code": matter.display_code}
        ),
        purpose="confirmation_applied",
        parties=[p for p in matter.parties.select_related("user") if p.pk != party.pk],
    )
    return case


def _locked_for_party(actor: User, case: CourtCase) -> tuple[Matter, CourtCase]:
    matter = matter_services.matter_lock(actor=actor, matter=case.matter)
    return matter, CourtCase.objects.select_for_update(of=("self",)).select_related("court").get(pk=case.pk)


def _joined(
    matter: Matter, case: CourtCase, consent: ConfirmationConsent, actor: User, reason: str = ""
) -> None:
    if case.track != CaseTrack.CONFIRMATION or case.status != CaseStatus.DOCKED:
        raise WrongState(_("This application no longer waits for the parties."))
    if consent.joined_at is not None:
        raise WrongState(_("This party has already joined the application."))
    consent.joined_at = timezone.now()
    consent.joined_by = actor
    consent.recorded_reason = reason
    consent.save()
    _touch(case)
    _event(
        matter, case, EventKind.CONFIRMATION_JOINED, actor, data={"party": consent.party.name}, text=reason
    )
    if not case.consents.filter(joined_at__isnull=True).exists():
        _tell_staff(
            _clerks(case.court),
            lambda: (
                _("【诉源】A joint application for judicial confirmation is complete: %(code)s.")
                % {"code": matter.display_code}
            ),
            link=case_link(case),
            purpose="confirmation_applied",
        )


@_command
def confirmation_join(*, case: CourtCase, actor: User, party_id: Any = None) -> CourtCase:
    """Join the application for judicial confirmation as the other party."""
    matter, case = _locked_for_party(actor, case)
    party = access.acting_party(actor, matter, party_id)
    consent = (
        ConfirmationConsent.objects.select_for_update()
        .select_related("party")
        .filter(case=case, party=party)
        .first()
    )
    if consent is None:
        raise NotFound
    _joined(matter, case, consent, actor)
    return case


@_command
def confirmation_join_in_person(
    *, case: CourtCase, actor: User, party_id: Any, reason: str, expected_version: int | None = None
) -> CourtCase:
    """Record, as the court's clerk, that a party joined the application at the window (signed the form)."""
    reason = _reason(reason)
    matter, case = _lock(actor, case, expected_version)
    access.require(access.is_clerk(actor, case))
    consent = (
        ConfirmationConsent.objects.select_for_update()
        .select_related("party")
        .filter(case=case, party_id=party_id)
        .first()
    )
    if consent is None:
        raise ValidationError({"party": _("Choose a party of the application.")})
    _joined(matter, case, consent, actor, reason)
    return case


@_command
def confirmation_accept(*, case: CourtCase, actor: User, expected_version: int | None = None) -> CourtCase:
    """Accept the joint application (受理): the case gets its 民特 number; the court decides within 15 days."""
    matter, case = _lock(actor, case, expected_version)
    access.require(access.is_clerk(actor, case))
    target(CaseCommand.ACCEPT_CONFIRMATION, case.status)
    if case.track != CaseTrack.CONFIRMATION:
        raise WrongState(_("This case is not an application for judicial confirmation."))
    waiting = [c.party.name for c in case.consents.select_related("party") if c.joined_at is None]
    if waiting:
        raise WrongState(
            _("The application is joint; still to join: %(names)s.") % {"names": "、".join(waiting)}
        )
    case.number = case_number_issue(
        court=case.court, case_type=CaseType.JUDICIAL_CONFIRMATION, matter=matter, actor=actor
    )
    case.clerk = case.clerk or actor
    _set_due(case, TimeLimitKind.CONFIRMATION_DECISION)
    _move(
        matter,
        case,
        CaseCommand.ACCEPT_CONFIRMATION,
        actor=actor,
        kind=EventKind.CONFIRMATION_ACCEPTED,
        data={"case_number": case.number.number, "due_at": case.due_at.isoformat() if case.due_at else ""},
    )
    _tell_parties(
        matter,
        lambda p: (
            _(
                "【诉源】%(court)s accepted the application for judicial confirmation of matter %(code)s (%(number)s)."
            )
            % {"court": case.court.name, "code": matter.display_code, "number": case.display_number}
        ),
        purpose="confirmation_accepted",
    )
    return case


@_command
def confirmation_rule(
    *, case: CourtCase, actor: User, confirmed: bool, reason: str, expected_version: int | None = None
) -> CourtCase:
    """Rule on the confirmation (裁定): the agreement is confirmed valid (and can be enforced if not
    performed), or the application is dismissed with the reasons. The ruling is served on every party and
    takes effect at once; the case closes."""
    reason = _reason(reason)
    matter, case = _lock(actor, case, expected_version)
    if case.judge_id is None:
        raise WrongState(_("Assign a judge to the case first."))
    access.require(access.is_judge(actor, case))
    target(CaseCommand.RULE_CONFIRMATION, case.status)
    now = timezone.now()
    case.reason = reason
    case.decision_kind = DecisionKind.RULING
    case.decided_at = now
    case.performance = PerformanceStatus.PENDING if confirmed else PerformanceStatus.NONE
    outcome = CaseOutcome.CONFIRMED if confirmed else CaseOutcome.NOT_CONFIRMED
    _move(
        matter,
        case,
        CaseCommand.RULE_CONFIRMATION,
        actor=actor,
        kind=EventKind.CONFIRMATION_RULED,
        data={"confirmed": confirmed},
        text=reason,
    )
    name, content = paperwork.confirmation_ruling(case, matter, confirmed=confirmed, judge=actor)
    document = _store(case, matter, actor, DocumentKind.RULING, name, content)
    case.decision = document
    case.save(update_fields=["decision"])
    _serve(matter, case, [document], list(matter.parties.select_related("user")), actor)
    _conclude(matter, case, actor, outcome, reason)
    return case


# --- judges and notes -------------------------------------------------------------------------------------


def judges_of(court: Organization) -> list[User]:
    return list(_members(court, Role.JUDGE).order_by("full_name", "pk"))


@_command
def judge_assign(
    *, case: CourtCase, actor: User, judge: User, expected_version: int | None = None
) -> CourtCase:
    """Assign the case to a judge of its court (承办法官); the judge is told and can open the matter."""
    matter, case = _lock(actor, case, expected_version)
    access.require(access.is_clerk(actor, case))
    target(CaseCommand.ASSIGN_JUDGE, case.status)
    if not _members(case.court, Role.JUDGE).filter(pk=judge.pk).exists():
        raise ValidationError({"judge": _("Choose a judge of this court.")})
    if case.judge_id == judge.pk:
        raise WrongState(_("This judge already has the case."))
    case.judge = judge
    _move(
        matter,
        case,
        CaseCommand.ASSIGN_JUDGE,
        actor=actor,
        kind=EventKind.JUDGE_ASSIGNED,
        data={"judge": judge.full_name or judge.get_username()},
    )
    _share(case, judge, "承办法官", actor)
    _tell_staff(
        [judge],
        lambda: _("【诉源】A case was assigned to you: matter %(code)s.") % {"code": matter.display_code},
        link=case_link(case),
        purpose="judge_assigned",
    )
    return case


@_command
def case_note_add(*, case: CourtCase, actor: User, text: str) -> CaseNote:
    """Add an internal note of the court (read by the court's clerks and the case's judge only)."""
    text = _clean_text(text, field="text", required=True)
    _matter, case = _lock(actor, case)
    access.require(access.reads_notes(actor, case))
    return CaseNote.objects.create(case=case, author=actor, text=text)


# --- service (送达) -----------------------------------------------------------------------------------------


def reachable_electronically(party: Party) -> bool:
    """A party is served electronically at the phone the matter holds (verified when they sign in)."""
    return bool(party.phone_hash)


def _serve(
    matter: Matter, case: CourtCase, documents: list[Document], parties: list[Party], actor: User
) -> list[Service]:
    """Serve ``documents`` on each party: electronically (in effect when they reach the party's portal,
    with one text message telling them) or, for a party without a mobile number, in person by the grid
    workers of their village, who photograph the signed receipt. A party reachable neither way makes the
    whole command fail with the reason, before anything is written."""
    for party in parties:
        if not reachable_electronically(party) and _courier_organization(matter, party) is None:
            raise ValidationError(
                {
                    "service": _(
                        "%(party)s cannot be served: the matter has neither a mobile number nor an address "
                        "where grid workers can deliver. Add one first."
                    )
                    % {"party": party.name}
                }
            )
    services: list[Service] = []
    now = timezone.now()
    names = "、".join(d.original_name for d in documents)
    for party in parties:
        electronic = reachable_electronically(party)
        organization = None if electronic else _courier_organization(matter, party)
        for document in documents:
            service = Service.objects.create(
                case=case,
                document=document,
                party=party,
                method=ServiceMethod.ELECTRONIC if electronic else ServiceMethod.IN_PERSON,
                status=ServiceStatus.SERVED if electronic else ServiceStatus.PENDING,
                sent_by=actor,
                sent_at=now,
                served_at=now if electronic else None,
                courier_organization=organization,
            )
            services.append(service)
            _event(
                matter,
                case,
                EventKind.DOCUMENT_SERVED if electronic else EventKind.SERVICE_PENDING,
                actor,
                data={
                    "service_id": service.pk,
                    "document_id": document.pk,
                    "party": party.name,
                    "method": service.method,
                },
                text=document.original_name,
            )
        if electronic:
            _tell_parties(
                matter,
                lambda p: (
                    _(
                        "【诉源】%(court)s served documents on you in matter %(code)s (%(names)s); they are in "
                        "effect from now. Read them on the portal."
                    )
                    % {"court": case.court.name, "code": matter.display_code, "names": names[:80]}
                ),
                purpose="document_served",
                parties=[party],
            )
        elif organization is not None:
            _tell_couriers(matter, organization, party, actor)
    return services


def _courier_organization(matter: Matter, party: Party) -> Organization | None:
    return field_task_organization(matter, party) if party.address or matter.region_id else None


def _tell_couriers(matter: Matter, organization: Organization, party: Party, actor: User) -> None:
    """Let the grid workers of ``organization`` open the matter (to attach the receipt) and tell them."""
    couriers = list(_members(organization, Role.GRID_WORKER).order_by("pk"))
    if not matter_access.matters_visible_to(couriers[0] if couriers else actor).filter(pk=matter.pk).exists():
        access_grant_create(obj=matter, organization=organization, reason="法院文书直接送达", actor=actor)
    _tell_staff(
        couriers,
        lambda: (
            _(
                "【诉源】Please deliver court documents of matter %(code)s to %(party)s and photograph the "
                "signed receipt; see your deliveries."
            )
            % {"code": matter.display_code, "party": party.name}
        ),
        link=reverse("court:deliveries"),
        purpose="court_delivery",
        sms=True,
    )


def _deliveries_locked(actor: User, services: list[Service]) -> tuple[Matter, CourtCase, list[Service]]:
    """Lock the matter, the case and the services (one delivery: same case and party), all pending."""
    ids = sorted({s.pk for s in services})
    if not ids or access.deliveries_for(actor).filter(pk__in=ids).count() != len(ids):
        raise NotFound
    first = Service.objects.get(pk=ids[0])
    matter = Matter.objects.select_for_update().get(pk=first.case.matter_id)
    case = CourtCase.objects.select_for_update(of=("self",)).select_related("court").get(pk=first.case_id)
    locked = list(
        Service.objects.select_for_update(of=("self",))
        .select_related("party", "document")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if any(s.case_id != case.pk or s.party_id != first.party_id for s in locked):
        raise ValidationError({"service": _("One delivery is to one party in one case.")})
    if any(s.status != ServiceStatus.PENDING for s in locked):
        raise WrongState(_("This delivery was already reported."))
    return matter, case, locked


@_command
def delivery_report(*, services: list[Service], actor: User, photo: Any, note: str = "") -> list[Service]:
    """Report an in-person delivery of documents to one party with one photo of the signed receipt
    (送达回证): each service is in effect from now; the photo is stored once, as the proof of them all."""
    note = _clean_text(note, field="note", required=False, limit=500)
    matter, case, locked = _deliveries_locked(actor, services)
    if photo is None:
        raise ValidationError({"photo": _("Add a photo of the signed receipt.")})
    proof = document_add(matter=matter, actor=actor, upload=photo, kind=DocumentKind.SERVICE_RECEIPT)
    now = timezone.now()
    for service in locked:
        service.status = ServiceStatus.SERVED
        service.served_at = now
        service.courier = actor
        service.proof = proof
        service.failure_reason = note
        service.save()
        _event(
            matter,
            case,
            EventKind.DOCUMENT_SERVED,
            actor,
            data={
                "service_id": service.pk,
                "document_id": service.document_id,
                "party": service.party.name,
                "method": service.method,
            },
            text=service.document.original_name,
        )
    _update_appeal_period(case)
    if case.due_kind == TimeLimitKind.ANSWER and any(
        s.document.kind in (DocumentKind.COMPLAINT, DocumentKind.COURT_NOTICE) for s in locked
    ):
        _set_due(case, TimeLimitKind.ANSWER, now)  # the answer period runs from the defendant's receipt
        case.save(update_fields=["due_kind", "due_at"])
    return locked


def service_deliver(*, service: Service, actor: User, photo: Any, note: str = "") -> Service:
    """Report the in-person delivery of one document (see ``delivery_report``)."""
    return delivery_report(services=[service], actor=actor, photo=photo, note=note)[0]


@_command
def delivery_fail(*, services: list[Service], actor: User, reason: str) -> list[Service]:
    """Report that the documents could not be delivered in person, and why; the court's clerks are told."""
    reason = _reason(reason)
    matter, case, locked = _deliveries_locked(actor, services)
    for service in locked:
        service.status = ServiceStatus.FAILED
        service.courier = actor
        service.failure_reason = reason
        service.save()
        _event(
            matter,
            case,
            EventKind.SERVICE_FAILED,
            actor,
            data={"service_id": service.pk, "party": service.party.name},
            text=reason,
        )
    _tell_staff(
        _clerks(case.court),
        lambda: (
            _("【诉源】A document of matter %(code)s could not be delivered.") % {"code": matter.display_code}
        ),
        link=case_link(case),
        purpose="service_failed",
    )
    return locked


def service_fail(*, service: Service, actor: User, reason: str) -> Service:
    """Report that one document could not be delivered (see ``delivery_fail``)."""
    return delivery_fail(services=[service], actor=actor, reason=reason)[0]


def service_mark_read(*, service: Service, actor: User) -> None:
    """Record when the party first opened a document served on them (the service took effect earlier)."""
    if service.read_at is not None:
        return
    if any(p.pk == service.party_id for p in access.parties_of(actor, service.case.matter)):
        Service.objects.filter(pk=service.pk, read_at__isnull=True).update(read_at=timezone.now())


# --- hearings -----------------------------------------------------------------------------------------------


def _may_hear(actor: User, case: CourtCase) -> bool:
    return access.is_judge(actor, case) or access.is_clerk(actor, case)


@_command
def hearing_schedule(
    *,
    case: CourtCase,
    actor: User,
    mode: str,
    starts_at: dt.datetime | None = None,
    place: str = "",
    link: str = "",
    expected_version: int | None = None,
) -> Hearing:
    """Schedule a hearing in the court room or online (summonses served at once, so the hearing must be at
    least the notice period away), or start an asynchronous hearing in written rounds."""
    if mode not in HearingMode.values:
        raise ValidationError({"mode": _("Choose how the hearing is held.")})
    place = _clean_text(place, field="place", required=mode == HearingMode.ROOM, limit=200)
    link = _clean_text(link, field="link", required=mode == HearingMode.ONLINE, limit=500)
    if link and not link.startswith("https://"):
        raise ValidationError({"link": _("Give the hearing's https:// link.")})
    now = timezone.now()
    if mode != HearingMode.ASYNC:
        if starts_at is None:
            raise ValidationError({"starts_at": _("Give the date and time of the hearing.")})
        if starts_at <= now:
            raise ValidationError({"starts_at": _("A hearing cannot be scheduled in the past.")})
        earliest = time_limits.earliest_hearing(now)
        if starts_at < earliest:
            raise ValidationError(
                {
                    "starts_at": _(
                        "The parties must be summoned at least %(days)s days before the hearing: the earliest "
                        "is %(earliest)s."
                    )
                    % {
                        "days": time_limits.rule_for(TimeLimitKind.HEARING_NOTICE).days,
                        "earliest": timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M"),
                    }
                }
            )
        if starts_at > now + MAX_HEARING_AHEAD:
            raise ValidationError({"starts_at": _("Schedule the hearing within a year.")})
    matter, case = _lock(actor, case, expected_version)
    access.require(_may_hear(actor, case))
    target(CaseCommand.SCHEDULE_HEARING, case.status)
    if case.judge_id is None:
        raise WrongState(_("Assign a judge to the case first."))
    if case.hearings.filter(status=HearingStatus.SCHEDULED).exists():
        raise WrongState(_("The case already has a scheduled hearing: hold or cancel it first."))
    hearing = Hearing.objects.create(
        case=case,
        mode=mode,
        starts_at=now if mode == HearingMode.ASYNC or starts_at is None else starts_at,
        place=place,
        link=link,
        created_by=actor,
    )
    _clear_due(case)
    _move(
        matter,
        case,
        CaseCommand.SCHEDULE_HEARING,
        actor=actor,
        kind=EventKind.HEARING_SCHEDULED,
        data={
            "hearing_id": hearing.pk,
            "mode": mode,
            "starts_at": hearing.starts_at.isoformat(),
            "place": place,
            "link": link,
        },
    )
    if mode != HearingMode.ASYNC:
        for party in list(matter.parties.select_related("user")):
            name, content = paperwork.summons(case, matter, hearing, party)
            document = _store(case, matter, actor, DocumentKind.SUMMONS, name, content)
            _serve(matter, case, [document], [party], actor)
    else:
        _tell_parties(
            matter,
            lambda p: (
                _("【诉源】Case %(number)s will be heard in writing, in rounds, on the matter's page.")
                % {"number": case.display_number}
            ),
            purpose="hearing_scheduled",
        )
    return hearing


def _touch(case: CourtCase) -> None:
    """Bump the case's version for a change that is not a move (a hearing, a round, a party joining)."""
    case.version += 1
    case.save(update_fields=["version", "updated_at"])


def _locked_hearing(
    actor: User, hearing: Hearing, expected_version: int | None = None
) -> tuple[Matter, CourtCase, Hearing]:
    matter, case = _lock(actor, hearing.case, expected_version)
    access.require(_may_hear(actor, case))
    hearing = Hearing.objects.select_for_update().get(pk=hearing.pk)
    if hearing.status != HearingStatus.SCHEDULED:
        raise WrongState(_("This hearing was already held or cancelled."))
    return matter, case, hearing


@_command
def hearing_cancel(
    *, hearing: Hearing, actor: User, reason: str, expected_version: int | None = None
) -> Hearing:
    reason = _reason(reason)
    matter, case, hearing = _locked_hearing(actor, hearing, expected_version)
    _touch(case)
    hearing.status = HearingStatus.CANCELLED
    hearing.cancel_reason = reason
    hearing.save()
    HearingRound.objects.filter(hearing=hearing, closed_at__isnull=True).update(closed_at=timezone.now())
    _event(matter, case, EventKind.HEARING_CANCELLED, actor, data={"hearing_id": hearing.pk}, text=reason)
    _tell_parties(
        matter,
        lambda p: (
            _("【诉源】The hearing of case %(number)s was cancelled: %(reason)s")
            % {"number": case.display_number, "reason": reason[:60]}
        ),
        purpose="hearing_cancelled",
    )
    return hearing


@_command
def hearing_record(
    *, hearing: Hearing, actor: User, record: str, expected_version: int | None = None
) -> Hearing:
    """Record that the hearing was held, with its record (庭审笔录); open written rounds close."""
    record = _clean_text(record, field="record", required=True, limit=20000)
    matter, case, hearing = _locked_hearing(actor, hearing, expected_version)
    if hearing.mode != HearingMode.ASYNC and hearing.starts_at > timezone.now():
        raise WrongState(_("A hearing is recorded once it has taken place."))
    _touch(case)
    now = timezone.now()
    hearing.status = HearingStatus.HELD
    hearing.record = record
    hearing.held_at = now
    hearing.save()
    HearingRound.objects.filter(hearing=hearing, closed_at__isnull=True).update(closed_at=now)
    _event(matter, case, EventKind.HEARING_HELD, actor, data={"hearing_id": hearing.pk, "mode": hearing.mode})
    return hearing


@_command
def round_open(
    *,
    hearing: Hearing,
    actor: User,
    kind: str,
    due_at: dt.datetime,
    instructions: str = "",
    expected_version: int | None = None,
) -> HearingRound:
    """Open a written round of an asynchronous hearing (statements, evidence, cross-examination, final
    statements); the parties write by ``due_at``. One round is open at a time."""
    if kind not in RoundKind.values:
        raise ValidationError({"kind": _("Choose the kind of round.")})
    instructions = _clean_text(instructions, field="instructions", required=False)
    now = timezone.now()
    if due_at < now + dt.timedelta(hours=MIN_ROUND_HOURS):
        raise ValidationError({"due_at": _("Give the parties at least a day: the deadline is too close.")})
    if due_at > now + dt.timedelta(days=MAX_ROUND_DAYS):
        raise ValidationError(
            {"due_at": _("A round lasts at most %(days)s days.") % {"days": MAX_ROUND_DAYS}}
        )
    matter, case, hearing = _locked_hearing(actor, hearing, expected_version)
    if hearing.mode != HearingMode.ASYNC:
        raise WrongState(_("Only an asynchronous hearing has written rounds."))
    if hearing.rounds.filter(closed_at__isnull=True).exists():
        raise WrongState(_("Close the open round first."))
    _touch(case)
    position = hearing.rounds.count() + 1
    round_ = HearingRound.objects.create(
        hearing=hearing, kind=kind, instructions=instructions, due_at=due_at, position=position
    )
    _event(
        matter,
        case,
        EventKind.ROUND_OPENED,
        actor,
        data={"round_id": round_.pk, "kind": kind, "position": position, "due_at": due_at.isoformat()},
        text=instructions,
    )
    _tell_parties(
        matter,
        lambda p: (
            _("【诉源】Case %(number)s: written round %(position)s (%(kind)s) is open until %(due)s.")
            % {
                "number": case.display_number,
                "position": position,
                "kind": RoundKind(kind).label,
                "due": timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M"),
            }
        ),
        purpose="round_opened",
    )
    return round_


@_command
def round_submit(
    *, round: HearingRound, actor: User, text: str, upload: Any = None, party_id: Any = None
) -> RoundSubmission:
    """Submit a party's statement (and one attachment) in an open written round, before its deadline."""
    text = _clean_text(text, field="text", required=True)
    case = round.hearing.case
    matter, case = _locked_for_party(actor, case)
    party = access.acting_party(actor, matter, party_id)
    round_ = HearingRound.objects.select_for_update(of=("self",)).select_related("hearing").get(pk=round.pk)
    if round_.closed_at is not None or round_.hearing.status != HearingStatus.SCHEDULED:
        raise WrongState(_("This round is closed."))
    if timezone.now() > round_.due_at:
        raise WrongState(_("The deadline of this round has passed."))
    document = None
    if upload is not None:
        kind = DocumentKind.EVIDENCE if round_.kind == RoundKind.EVIDENCE else DocumentKind.WRITTEN_STATEMENT
        document = document_add(matter=matter, actor=actor, upload=upload, kind=kind)
    submission = RoundSubmission.objects.create(
        round=round_, party=party, author=actor, text=text, document=document
    )
    _event(
        matter,
        case,
        EventKind.ROUND_SUBMITTED,
        actor,
        data={
            "round_id": round_.pk,
            "party": party.name,
            "document_id": document.pk if document else None,
        },
        text=text,
    )
    return submission


@_command
def round_close(*, round: HearingRound, actor: User, expected_version: int | None = None) -> HearingRound:
    matter, case, _hearing = _locked_hearing(actor, round.hearing, expected_version)
    round_ = HearingRound.objects.select_for_update().get(pk=round.pk)
    if round_.closed_at is not None:
        raise WrongState(_("This round is already closed."))
    _touch(case)
    round_.closed_at = timezone.now()
    round_.save(update_fields=["closed_at"])
    count = round_.submissions.count()
    _event(matter, case, EventKind.ROUND_CLOSED, actor, data={"round_id": round_.pk, "submissions": count})
    return round_


# --- decisions, appeals, closing --------------------------------------------------------------------------


def _update_appeal_period(case: CourtCase) -> None:
    """Once the decision was served on every party, the appeal period runs from the last service."""
    if case.status != CaseStatus.JUDGMENT or case.decision_id is None:
        return
    services = list(Service.objects.filter(case=case, document_id=case.decision_id))
    if not services or any(s.status != ServiceStatus.SERVED for s in services):
        return
    last = max(s.served_at for s in services if s.served_at is not None)
    kind = (
        TimeLimitKind.APPEAL_JUDGMENT
        if case.decision_kind == DecisionKind.JUDGMENT
        else TimeLimitKind.APPEAL_RULING
    )
    case.appeal_ends_at = time_limits.deadline(last, kind)
    case.due_kind = kind
    case.due_at = case.appeal_ends_at
    case.save(update_fields=["appeal_ends_at", "due_kind", "due_at"])


@_command
def decision_issue(
    *,
    case: CourtCase,
    actor: User,
    kind: str,
    upload: Any,
    summary: str,
    expected_version: int | None = None,
) -> CourtCase:
    """Issue the judgment or ruling (uploaded as a PDF signed outside the platform): served on every
    party; the appeal period (15 days for a judgment, 10 for a ruling) runs from service."""
    if kind not in DecisionKind.values:
        raise ValidationError({"kind": _("Choose judgment or ruling.")})
    summary = _clean_text(summary, field="summary", required=True, minimum=4)
    if upload is None:
        raise ValidationError({"file": _("Attach the signed judgment or ruling (PDF).")})
    matter, case = _lock(actor, case, expected_version)
    access.require(access.is_judge(actor, case))
    target(CaseCommand.ISSUE_DECISION, case.status)
    if case.hearings.filter(status=HearingStatus.SCHEDULED).exists():
        raise WrongState(_("Hold or cancel the scheduled hearing first."))
    document = document_add(
        matter=matter,
        actor=actor,
        upload=upload,
        kind=DocumentKind.JUDGMENT if kind == DecisionKind.JUDGMENT else DocumentKind.RULING,
    )
    if document.content_type != "application/pdf":
        raise ValidationError({"file": _("The judgment or ruling must be a PDF.")})
    case.decision_kind = kind
    case.decision = document
    case.decided_at = timezone.now()
    case.reason = summary
    _clear_due(case)
    _move(
        matter,
        case,
        CaseCommand.ISSUE_DECISION,
        actor=actor,
        kind=EventKind.DECISION_ISSUED,
        data={"kind": kind, "document_id": document.pk},
        text=summary,
    )
    _serve(matter, case, [document], list(matter.parties.select_related("user")), actor)
    _update_appeal_period(case)
    return case


@_command
def appeal_record(
    *, case: CourtCase, actor: User, party_id: Any, note: str = "", expected_version: int | None = None
) -> CourtCase:
    """Record that a party appealed within the appeal period: the case leaves this court (closed here)."""
    note = _clean_text(note, field="note", required=False)
    matter, case = _lock(actor, case, expected_version)
    access.require(access.is_clerk(actor, case))
    target(CaseCommand.RECORD_APPEAL, case.status)
    party = matter.parties.filter(pk=party_id).first() if str(party_id or "").isdigit() else None
    if party is None:
        raise ValidationError({"party": _("Choose the party who appealed.")})
    if case.appeal_ends_at is not None and timezone.now() > case.appeal_ends_at:
        raise WrongState(_("The appeal period has ended."))
    _move(
        matter,
        case,
        CaseCommand.RECORD_APPEAL,
        actor=actor,
        kind=EventKind.APPEAL_RECORDED,
        data={"party": party.name},
        text=note,
    )
    _conclude(matter, case, actor, CaseOutcome.APPEALED, note)
    return case


def cases_close_effective(*, now: dt.datetime | None = None) -> int:
    """Close the cases whose appeal period ended without an appeal: the decision is in effect (periodic)."""
    now = now or timezone.now()
    closed = 0
    due = CourtCase.objects.filter(status=CaseStatus.JUDGMENT, appeal_ends_at__lt=now).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            case = CourtCase.objects.select_for_update().filter(pk=pk, status=CaseStatus.JUDGMENT).first()
            if case is None:
                continue
            matter = Matter.objects.select_for_update().get(pk=case.matter_id)
            refused = case.outcome == CaseOutcome.REFUSED
            if not refused and case.decision_kind == DecisionKind.JUDGMENT:
                case.performance = PerformanceStatus.PENDING
            _move(
                matter,
                case,
                CaseCommand.CLOSE_EFFECTIVE,
                actor=None,
                kind=EventKind.CASE_CLOSED,
                data={"effective": True},
            )
            _conclude(matter, case, None, CaseOutcome.REFUSED if refused else CaseOutcome.JUDGED)
            closed += 1
    return closed


@_command
def case_withdraw(
    *, case: CourtCase, actor: User, reason: str, party_id: Any = None, expected_version: int | None = None
) -> CourtCase:
    """Withdraw the complaint or application: by the applicant before the court decides, or recorded by the
    clerk (after filing, withdrawal needs the court's leave, which the clerk records)."""
    reason = _reason(reason)
    matter = matter_services.matter_lock(actor=actor, matter=case.matter)
    case = CourtCase.objects.select_for_update(of=("self",)).select_related("court").get(pk=case.pk)
    if expected_version is not None and case.version != expected_version:
        raise StaleCase
    clerk = access.is_clerk(actor, case)
    if not clerk:
        party = access.acting_party(actor, matter, party_id)
        # A confirmation is applied for jointly: any party who joined may withdraw the application.
        joined = (
            case.track == CaseTrack.CONFIRMATION
            and case.consents.filter(party=party, joined_at__isnull=False).exists()
        )
        if party.role != PartyRole.APPLICANT and not joined:
            raise Forbidden(_("Only the applicant withdraws."))
        if case.status in (CaseStatus.FILED, CaseStatus.HEARING):
            raise WrongState(
                _("After filing, ask the court: the clerk records a withdrawal the court allows.")
            )
    target(CaseCommand.WITHDRAW, case.status)
    _move(matter, case, CaseCommand.WITHDRAW, actor=actor, kind=EventKind.CASE_WITHDRAWN, text=reason)
    _conclude(matter, case, actor, CaseOutcome.WITHDRAWN, reason)
    return case


@_command
def performance_report(
    *,
    case: CourtCase,
    actor: User,
    performed: bool,
    note: str = "",
    enforcement: bool = False,
    expected_version: int | None = None,
) -> CourtCase:
    """Report whether a confirmed agreement or a judgment was performed; a breach can be marked for
    enforcement (申请强制执行) by the clerk or by the party who is owed."""
    note = _clean_text(note, field="note", required=not performed, limit=MAX_TEXT)
    matter = matter_services.matter_lock(actor=actor, matter=case.matter)
    case = CourtCase.objects.select_for_update(of=("self",)).select_related("court").get(pk=case.pk)
    if expected_version is not None and case.version != expected_version:
        raise StaleCase
    clerk = access.is_clerk(actor, case)
    if not clerk:
        party = access.acting_party(actor, matter)
        # Enforcement is asked for by the side that is owed: the plaintiff of a judgment; any party of a
        # confirmed agreement (each may be owed something under it).
        if enforcement and case.track == CaseTrack.LITIGATION and party.role != PartyRole.APPLICANT:
            raise Forbidden(_("Only the party who is owed asks for enforcement."))
    if case.performance not in (PerformanceStatus.PENDING, PerformanceStatus.BREACHED):
        raise WrongState(_("Nothing of this case is followed for performance."))
    if enforcement:
        if performed:
            raise ValidationError({"enforcement": _("Only what was not performed is enforced.")})
        case.performance = PerformanceStatus.ENFORCEMENT
    else:
        case.performance = PerformanceStatus.PERFORMED if performed else PerformanceStatus.BREACHED
    case.performance_note = note
    case.version += 1
    case.save()
    _event(
        matter,
        case,
        EventKind.PERFORMANCE_REPORTED,
        actor,
        data={"performance": case.performance},
        text=note,
    )
    return case
