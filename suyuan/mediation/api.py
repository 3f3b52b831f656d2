"""The JSON API of mediation: sessions, the agreement with its obligations, confirmations and reports.

Thin, like every router: ``matters.access`` finds the matter (404 alike for a missing and a hidden one),
the services write. A step the state does not allow answers 409 (``wrong_state``, ``illegal_transition``
or ``stale``), a right the caller lacks 403, bad input 422 naming the field as the client sent it.
"""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any, cast

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from suyuan.accounts.models import User
from suyuan.core.exceptions import NotFound
from suyuan.matters import access
from suyuan.matters.models import Matter
from suyuan.matters.schemas import ConflictOut, FieldErrorsOut, MessageOut
from suyuan.mediation import selectors, services
from suyuan.mediation.models import Agreement, MediationSession
from suyuan.mediation.services import ObligationInput, WrongState

router = Router(tags=["mediation"])

REFUSALS: dict[int, Any] = {
    401: MessageOut,
    403: MessageOut,
    404: MessageOut,
    409: ConflictOut,
    422: FieldErrorsOut,
}


# --- schemas ----------------------------------------------------------------------------------------------


class SessionIn(Schema):
    starts_at: dt.datetime
    mode: str = Field(description="`in_person`, `phone`, `video` or `text`.")
    place: str = ""
    link: str = ""


class ReasonIn(Schema):
    reason: str


class SessionRecordIn(Schema):
    record: str
    attendees: str = ""


class SessionOut(Schema):
    id: int
    starts_at: dt.datetime
    mode: str
    place: str
    link: str
    status: str
    cancel_reason: str
    record: str | None = Field(None, description="Only for staff who mediate.")
    attendees: str


class ObligationIn(Schema):
    obligor: int = Field(description="The id of a party of the matter.")
    description: str
    due_on: dt.date
    amount: Decimal | None = Field(None, description="Yuan, at most two decimals.")


class AgreementIn(Schema):
    terms: str
    obligations: list[ObligationIn] = Field(default_factory=list, max_length=services.MAX_OBLIGATIONS)
    expected_version: int | None = None


class ObligationOut(Schema):
    id: int
    obligor: int = Field(alias="obligor_id")
    obligor_name: str
    description: str
    amount: Decimal | None
    due_on: dt.date
    status: str
    settled_at: dt.datetime | None
    note: str


class ConfirmationOut(Schema):
    party: int = Field(alias="party_id")
    party_name: str
    role: str
    method: str
    confirmed_at: dt.datetime | None


class AgreementOut(Schema):
    id: int
    terms: str
    status: str
    recorded_at: dt.datetime
    effective_at: dt.datetime | None
    obligations: list[ObligationOut]
    confirmations: list[ConfirmationOut]


class ExtensionIn(Schema):
    days: int = Field(30, description="Extra calendar days, 1 to 30.")
    consent: str = Field(description="How both parties agreed to more time (at least 4 characters).")
    expected_version: int | None = None


class ExtensionOut(Schema):
    days: int
    consent: str
    previous_due_at: dt.datetime | None
    new_due_at: dt.datetime
    granted_at: dt.datetime


class CodeIn(Schema):
    code: str


class ReportIn(Schema):
    performed: bool
    note: str = ""


# --- helpers ----------------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return cast(User, request.user)


def _conflicts(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer ``WrongState`` with 409 (the matters' conflicts have handlers of their own)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except WrongState as exc:
            return Status(409, {"detail": str(exc.message), "code": "wrong_state"})

    return wrapper


def _session_out(session: MediationSession, *, staff: bool) -> dict[str, Any]:
    return {
        "id": session.pk,
        "starts_at": session.starts_at,
        "mode": session.mode,
        "place": session.place,
        "link": session.link,
        "status": session.status,
        "cancel_reason": session.cancel_reason,
        "record": session.record if staff else None,
        "attendees": session.attendees if staff else "",
    }


def _agreement_out(agreement: Agreement) -> dict[str, Any]:
    return {
        "id": agreement.pk,
        "terms": agreement.terms,
        "status": agreement.status,
        "recorded_at": agreement.recorded_at,
        "effective_at": agreement.effective_at,
        "obligations": [
            {
                "id": o.pk,
                "obligor_id": o.obligor_id,
                "obligor_name": o.obligor.name,
                "description": o.description,
                "amount": o.amount,
                "due_on": o.due_on,
                "status": o.status,
                "settled_at": o.settled_at,
                "note": o.note,
            }
            for o in agreement.obligations.all()
        ],
        "confirmations": [
            {
                "party_id": c.party_id,
                "party_name": c.party.name,
                "role": c.party.role,
                "method": c.method,
                "confirmed_at": c.confirmed_at,
            }
            for c in agreement.confirmations.all()
        ],
    }


def _session(matter: Matter, session_id: int) -> MediationSession:
    session = selectors.session_of(matter, session_id)
    if session is None:
        raise NotFound
    return session


def _agreement(matter: Matter) -> Agreement:
    agreement = selectors.agreement_of(matter)
    if agreement is None:
        raise NotFound
    return agreement


def _party(matter: Matter, party_id: int) -> Any:
    party = next((p for p in matter.parties.all() if p.pk == party_id), None)
    if party is None:
        raise NotFound
    return party


# --- sessions ---------------------------------------------------------------------------------------------


@router.get("/matters/{code}/sessions", response={200: list[SessionOut], **REFUSALS}, summary="List sessions")
def session_list(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    matter = access.matter_for_code(request.user, code)
    staff = access.may_act(request.user, matter, access.MEDIATION_ROLES)
    return [_session_out(s, staff=staff) for s in selectors.sessions_of(matter)]


@router.post("/matters/{code}/sessions", response={201: SessionOut, **REFUSALS}, summary="Schedule a session")
@_conflicts
def session_schedule(request: HttpRequest, code: str, payload: SessionIn) -> Any:
    session = services.session_schedule(
        matter=access.matter_for_code(request.user, code), actor=_actor(request), **payload.dict()
    )
    return Status(201, _session_out(session, staff=True))


@router.put(
    "/matters/{code}/sessions/{session_id}",
    response={200: SessionOut, **REFUSALS},
    summary="Change a session",
)
@_conflicts
def session_change(request: HttpRequest, code: str, session_id: int, payload: SessionIn) -> Any:
    session = _session(access.matter_for_code(request.user, code), session_id)
    session = services.session_change(session=session, actor=_actor(request), **payload.dict())
    return _session_out(session, staff=True)


@router.post(
    "/matters/{code}/sessions/{session_id}/cancel",
    response={200: SessionOut, **REFUSALS},
    summary="Cancel a session",
)
@_conflicts
def session_cancel(request: HttpRequest, code: str, session_id: int, payload: ReasonIn) -> Any:
    session = _session(access.matter_for_code(request.user, code), session_id)
    session = services.session_cancel(session=session, actor=_actor(request), reason=payload.reason)
    return _session_out(session, staff=True)


@router.post(
    "/matters/{code}/sessions/{session_id}/record",
    response={200: SessionOut, **REFUSALS},
    summary="Keep the record of a held session",
)
@_conflicts
def session_record(request: HttpRequest, code: str, session_id: int, payload: SessionRecordIn) -> Any:
    session = _session(access.matter_for_code(request.user, code), session_id)
    session = services.session_record(session=session, actor=_actor(request), **payload.dict())
    return _session_out(session, staff=True)


# --- the agreement ----------------------------------------------------------------------------------------


@router.get(
    "/matters/{code}/agreement", response={200: AgreementOut, **REFUSALS}, summary="Read the agreement"
)
def agreement_read(request: HttpRequest, code: str) -> dict[str, Any]:
    return _agreement_out(_agreement(access.matter_for_code(request.user, code)))


@router.post(
    "/matters/{code}/agreement",
    response={201: AgreementOut, **REFUSALS},
    summary="Record the agreement with its obligations",
)
@_conflicts
def agreement_record(request: HttpRequest, code: str, payload: AgreementIn) -> Any:
    matter = access.matter_for_code(request.user, code)
    services.agreement_record(
        matter=matter,
        actor=_actor(request),
        terms=payload.terms,
        obligations=[
            ObligationInput(obligor=o.obligor, description=o.description, due_on=o.due_on, amount=o.amount)
            for o in payload.obligations
        ],
        expected_version=payload.expected_version,
    )
    return Status(201, _agreement_out(_agreement(matter)))


@router.post(
    "/matters/{code}/agreement/confirmations/{party_id}/code",
    response={202: MessageOut, **REFUSALS},
    summary="Text a one-time code to the party (the party themselves)",
)
@_conflicts
def code_send(request: HttpRequest, code: str, party_id: int) -> Any:
    matter = access.matter_for_code(request.user, code)
    services.confirmation_code_send(
        agreement=_agreement(matter), party=_party(matter, party_id), actor=_actor(request)
    )
    return Status(202, {"detail": "sent"})


@router.post(
    "/matters/{code}/agreement/confirmations/{party_id}/confirm",
    response={200: AgreementOut, **REFUSALS},
    summary="Confirm the agreement with the code (the party themselves)",
)
@_conflicts
def confirm(request: HttpRequest, code: str, party_id: int, payload: CodeIn) -> Any:
    matter = access.matter_for_code(request.user, code)
    agreement = _agreement(matter)
    services.agreement_confirm(
        agreement=agreement, party=_party(matter, party_id), actor=_actor(request), code=payload.code
    )
    return _agreement_out(_agreement(matter))


@router.post(
    "/matters/{code}/agreement/confirmations/{party_id}/in-person",
    response={200: AgreementOut, **REFUSALS},
    summary="Record that the party confirmed in person (staff)",
)
@_conflicts
def confirm_in_person(request: HttpRequest, code: str, party_id: int, payload: ReasonIn) -> Any:
    matter = access.matter_for_code(request.user, code)
    services.agreement_confirm_in_person(
        agreement=_agreement(matter),
        party=_party(matter, party_id),
        actor=_actor(request),
        reason=payload.reason,
    )
    return _agreement_out(_agreement(matter))


@router.post(
    "/matters/{code}/obligations/{obligation_id}/report",
    response={200: AgreementOut, **REFUSALS},
    summary="Report whether an obligation was performed",
)
@_conflicts
def obligation_report(request: HttpRequest, code: str, obligation_id: int, payload: ReportIn) -> Any:
    matter = access.matter_for_code(request.user, code)
    obligation = selectors.obligation_of(matter, obligation_id)
    if obligation is None:
        raise NotFound
    services.obligation_report(
        obligation=obligation, actor=_actor(request), performed=payload.performed, note=payload.note
    )
    return _agreement_out(_agreement(matter))


@router.post(
    "/matters/{code}/extension",
    response={201: ExtensionOut, **REFUSALS},
    summary="Extend the mediation period once, with both parties' agreement",
)
@_conflicts
def extend(request: HttpRequest, code: str, payload: ExtensionIn) -> Any:
    extension = services.mediation_extend(
        matter=access.matter_for_code(request.user, code),
        actor=_actor(request),
        days=payload.days,
        consent=payload.consent,
        expected_version=payload.expected_version,
    )
    return Status(201, extension)
