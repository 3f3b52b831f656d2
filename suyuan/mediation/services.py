"""Every write of mediation: sessions, the agreement and its confirmations, obligations and reminders.

Each service runs in one transaction, locks the matter (``matters.services.matter_lock``), checks the
actor through ``matters.access`` and writes its event on the matter's log, so the citizen's timeline
tells the whole story. A step the agreement's state does not allow raises ``WrongState`` (409 in the API).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suyuan.accounts.models import User
from suyuan.accounts.signin import clean_numeric_code
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import access
from suyuan.matters import services as matter_services
from suyuan.matters.choices import EventKind, MatterStatus, PartyRole
from suyuan.matters.models import Matter, Party
from suyuan.mediation.choices import (
    AgreementStatus,
    ConfirmationMethod,
    FollowUpRoute,
    ObligationStatus,
    ReminderKind,
    SessionMode,
    SessionStatus,
)
from suyuan.mediation.models import (
    Agreement,
    AgreementConfirmation,
    FollowUp,
    MediationExtension,
    MediationSession,
    Obligation,
    ObligationReminder,
)
from suyuan.notifications.services import sms_queue

MAX_TEXT = 5000
MAX_OBLIGATIONS = 20
MAX_AMOUNT = Decimal("9999999999.99")
# An obligation due further ahead than this is a typing mistake (or not something to follow up here).
MAX_DUE_AHEAD = dt.timedelta(days=5 * 366)
# Sessions: not in the past (a held one is recorded, not scheduled), not absurdly far ahead.
MAX_SESSION_AHEAD = dt.timedelta(days=366)

CODE_LENGTH = 6
CODE_TTL = dt.timedelta(minutes=10)
CODE_RESEND_INTERVAL = dt.timedelta(seconds=60)
CODE_HOURLY_LIMIT = 5
CODE_MAX_ATTEMPTS = 5

REMIND_DAYS_BEFORE = 3

# People's mediation ends within 30 days; the parties may agree once to at most this much more time.
MAX_EXTENSION_DAYS = 30

SESSION_STATUSES = frozenset({MatterStatus.ASSIGNED, MatterStatus.IN_MEDIATION})


class WrongState(Exception):
    """Raised when a step does not apply in the current state (already confirmed, not in effect, …)."""

    def __init__(self, message: Any) -> None:
        self.message = message
        super().__init__(str(message))


@dataclass(frozen=True)
class ObligationInput:
    obligor: Party | int | None
    description: str
    due_on: dt.date | None
    amount: Decimal | str | None = None


# --- helpers ----------------------------------------------------------------------------------------------


def _clean_text(value: str, *, field: str, required: bool, limit: int, errors: dict[str, Any]) -> str:
    text = (value or "").strip()
    if required and not text:
        errors[field] = _("This field is required.")
    elif len(text) > limit:
        errors[field] = _("Enter at most %(max_length)s characters.") % {"max_length": limit}
    return text


def _clean_reason(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if len(text) < 4:
        raise ValidationError({field: _("Give a reason (at least 4 characters).")})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {field: _("Enter at most %(max_length)s characters.") % {"max_length": MAX_TEXT}}
        )
    return text


def _require_mediation(actor: User, matter: Matter) -> None:
    access.require_act(actor, matter, access.MEDIATION_ROLES)


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _sms_language(party: Party) -> str:
    user = party.user
    return (user.preferred_language if user else "") or settings.LANGUAGE_CODE


def _notify_parties(matter: Matter, build: Any, *, purpose: str, parties: list[Party] | None = None) -> int:
    """Text every party with a phone; ``build(party)`` returns the body (in the party's language)."""
    sent = 0
    for party in parties if parties is not None else list(matter.parties.select_related("user")):
        if not party.phone:
            continue
        with translation.override(_sms_language(party)):
            body = str(build(party))
        sms_queue(phone=party.phone, body=body, purpose=purpose)
        sent += 1
    return sent


def _event(matter: Matter, kind: str, actor: User | None, *, data: dict[str, Any], text: str = "") -> None:
    matter_services.matter_event_record(matter=matter, kind=kind, actor=actor, data=data, text=text)


# --- sessions ---------------------------------------------------------------------------------------------


def _clean_session(
    *, starts_at: dt.datetime | None, mode: str, place: str, link: str, errors: dict[str, Any]
) -> tuple[str, str]:
    now = timezone.now()
    if starts_at is None:
        errors["starts_at"] = _("Give the date and time.")
    elif starts_at < now - dt.timedelta(minutes=5):
        errors["starts_at"] = _("The time is in the past; record a session that was held instead.")
    elif starts_at > now + MAX_SESSION_AHEAD:
        errors["starts_at"] = _("Schedule at most a year ahead.")
    if mode not in SessionMode.values:
        errors["mode"] = _("Choose how the session takes place.")
    place = _clean_text(
        place, field="place", required=mode == SessionMode.IN_PERSON, limit=200, errors=errors
    )
    link = (link or "").strip()
    if mode == SessionMode.VIDEO:
        if not link:
            errors["link"] = _("Give the link the parties open to join.")
        elif not link.startswith("https://") or len(link) > 500 or any(ch.isspace() for ch in link):
            errors["link"] = _("Give a link that starts with https://.")
    return (place if mode == SessionMode.IN_PERSON else "", link if mode == SessionMode.VIDEO else "")


def _session_line(session: MediationSession) -> str:
    where = {
        SessionMode.IN_PERSON: session.place,
        SessionMode.PHONE: _("the mediator will call you"),
        SessionMode.VIDEO: session.link,
        SessionMode.TEXT: _("in writing on the matter's page"),
    }[SessionMode(session.mode)]
    return f"{_local(session.starts_at)} {SessionMode(session.mode).label}: {where}"


def _session_data(session: MediationSession) -> dict[str, Any]:
    return {
        "session_id": session.pk,
        "starts_at": session.starts_at.isoformat(),
        "mode": session.mode,
        "place": session.place,
        "link": session.link,
    }


def _locked_session(actor: User, session: MediationSession) -> tuple[Matter, MediationSession]:
    matter = matter_services.matter_lock(actor=actor, matter=session.matter)
    _require_mediation(actor, matter)
    session = MediationSession.objects.select_for_update().get(pk=session.pk)
    return matter, session


@transaction.atomic
def session_schedule(
    *,
    matter: Matter,
    actor: User,
    starts_at: dt.datetime | None,
    mode: str,
    place: str = "",
    link: str = "",
) -> MediationSession:
    """Plan a session with the parties and tell them when and how by text message."""
    errors: dict[str, Any] = {}
    place, link = _clean_session(starts_at=starts_at, mode=mode, place=place, link=link, errors=errors)
    matter = matter_services.matter_lock(actor=actor, matter=matter)
    _require_mediation(actor, matter)
    if matter.status not in SESSION_STATUSES:
        raise WrongState(_("Sessions are scheduled once the matter is assigned and until it has an outcome."))
    if errors or starts_at is None:
        raise ValidationError(errors)
    session = MediationSession.objects.create(
        matter=matter, starts_at=starts_at, mode=mode, place=place, link=link, created_by=actor
    )
    _event(matter, EventKind.SESSION_SCHEDULED, actor, data=_session_data(session))
    _notify_parties(
        matter,
        lambda party: (
            _("【诉源】Mediation session for matter %(code)s: %(when)s")
            % {"code": matter.display_code, "when": _session_line(session)}
        ),
        purpose="mediation_session",
    )
    return session


@transaction.atomic
def session_change(
    *,
    session: MediationSession,
    actor: User,
    starts_at: dt.datetime | None,
    mode: str,
    place: str = "",
    link: str = "",
) -> MediationSession:
    """Move a scheduled session or change how it takes place; the parties are told."""
    errors: dict[str, Any] = {}
    place, link = _clean_session(starts_at=starts_at, mode=mode, place=place, link=link, errors=errors)
    matter, session = _locked_session(actor, session)
    if session.status != SessionStatus.SCHEDULED:
        raise WrongState(_("Only a scheduled session can be changed."))
    if errors or starts_at is None:
        raise ValidationError(errors)
    before = _session_data(session)
    session.starts_at, session.mode, session.place, session.link = starts_at, mode, place, link
    session.save()
    _event(matter, EventKind.SESSION_CHANGED, actor, data={**_session_data(session), "before": before})
    _notify_parties(
        matter,
        lambda party: (
            _("【诉源】The mediation session for matter %(code)s changed: %(when)s")
            % {"code": matter.display_code, "when": _session_line(session)}
        ),
        purpose="mediation_session",
    )
    return session


@transaction.atomic
def session_cancel(*, session: MediationSession, actor: User, reason: str) -> MediationSession:
    """Call off a scheduled session, with a reason the parties read."""
    reason = _clean_reason(reason)
    matter, session = _locked_session(actor, session)
    if session.status != SessionStatus.SCHEDULED:
        raise WrongState(_("Only a scheduled session can be cancelled."))
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason
    session.save()
    _event(matter, EventKind.SESSION_CANCELLED, actor, data=_session_data(session), text=reason)
    _notify_parties(
        matter,
        lambda party: (
            _("【诉源】The mediation session of %(when)s for matter %(code)s is cancelled: %(reason)s")
            % {"code": matter.display_code, "when": _local(session.starts_at), "reason": reason[:60]}
        ),
        purpose="mediation_session",
    )
    return session


@transaction.atomic
def session_record(
    *, session: MediationSession, actor: User, record: str, attendees: str = ""
) -> MediationSession:
    """Keep the record (笔录) of a session that took place; the record itself stays with staff."""
    errors: dict[str, Any] = {}
    record = _clean_text(record, field="record", required=True, limit=20000, errors=errors)
    attendees = _clean_text(attendees, field="attendees", required=False, limit=1000, errors=errors)
    if errors:
        raise ValidationError(errors)
    matter, session = _locked_session(actor, session)
    if session.status == SessionStatus.CANCELLED:
        raise WrongState(_("A cancelled session has no record."))
    if session.starts_at > timezone.now() + dt.timedelta(hours=1):
        raise WrongState(_("This session has not taken place yet."))
    first = session.status == SessionStatus.SCHEDULED
    session.status = SessionStatus.HELD
    session.record = record
    session.attendees = attendees
    session.held_at = session.held_at or timezone.now()
    session.save()
    _event(
        matter, EventKind.SESSION_HELD, actor, data={**_session_data(session), "record_updated": not first}
    )
    return session


# --- the agreement ----------------------------------------------------------------------------------------


def _clean_amount(value: Any, field: str, errors: dict[str, Any]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        errors[field] = _("Enter an amount in yuan, e.g. 800 or 800.50.")
        return None
    if not amount.is_finite():
        errors[field] = _("Enter an amount in yuan, e.g. 800 or 800.50.")
    elif amount < 0:
        errors[field] = _("The amount cannot be negative.")
    elif amount.as_tuple().exponent < -2:  # type: ignore[operator]
        errors[field] = _("Give at most two decimals (fen).")
    elif amount > MAX_AMOUNT:
        errors[field] = _("This amount is too large.")
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def _clean_obligations(
    matter: Matter, obligations: list[ObligationInput], errors: dict[str, Any]
) -> list[dict[str, Any]]:
    parties = {party.pk: party for party in matter.parties.all()}
    today = timezone.localdate()
    if len(obligations) > MAX_OBLIGATIONS:
        errors["obligations"] = _("Give at most %(max)d obligations.") % {"max": MAX_OBLIGATIONS}
        return []
    cleaned = []
    for index, item in enumerate(obligations):
        prefix = f"obligations[{index}]"
        obligor_id = item.obligor.pk if isinstance(item.obligor, Party) else item.obligor
        obligor = parties.get(obligor_id) if obligor_id is not None else None
        if obligor is None:
            errors[f"{prefix}.obligor"] = _("Choose a party of this matter.")
        description = _clean_text(
            item.description, field=f"{prefix}.description", required=True, limit=500, errors=errors
        )
        if item.due_on is None:
            errors[f"{prefix}.due_on"] = _("Give the due date.")
        elif item.due_on < today:
            errors[f"{prefix}.due_on"] = _("The due date cannot be in the past.")
        elif item.due_on > today + MAX_DUE_AHEAD:
            errors[f"{prefix}.due_on"] = _("The due date is more than five years ahead.")
        amount = _clean_amount(item.amount, f"{prefix}.amount", errors)
        cleaned.append(
            {"obligor": obligor, "description": description, "due_on": item.due_on, "amount": amount}
        )
    return cleaned


def agreement_record(
    *,
    matter: Matter,
    actor: User,
    terms: str,
    obligations: list[ObligationInput],
    expected_version: int | None = None,
) -> Agreement:
    """Record the agreement: the matter becomes resolved, and each party is asked to confirm it.

    The status move and its event come from ``matters.services.matter_record_agreement``; the agreement,
    its obligations and one confirmation request per party are created in the same transaction.
    """
    with transaction.atomic():
        matter = matter_services.matter_lock(actor=actor, matter=matter, expected_version=expected_version)
        errors: dict[str, Any] = {}
        terms = _clean_text(terms, field="terms", required=True, limit=MAX_TEXT, errors=errors)
        cleaned = _clean_obligations(matter, obligations, errors)
        _require_mediation(actor, matter)
        if errors:
            raise ValidationError(errors)
        if Agreement.objects.filter(matter=matter).exists():
            raise WrongState(_("This matter already has an agreement."))
        matter = matter_services.matter_record_agreement(
            matter=matter, actor=actor, terms=terms, expected_version=expected_version
        )
        # The applicant was told by matter_record_agreement; the others are told here.
        return _agreement_create(matter, actor, terms, cleaned, tell_applicant=False)


def _agreement_create(
    matter: Matter, actor: User, terms: str, cleaned: list[dict[str, Any]], *, tell_applicant: bool
) -> Agreement:
    agreement = Agreement.objects.create(matter=matter, terms=terms, recorded_by=actor)
    for position, values in enumerate(cleaned):
        Obligation.objects.create(agreement=agreement, position=position, **values)
    parties = list(matter.parties.select_related("user"))
    for party in parties:
        AgreementConfirmation.objects.create(agreement=agreement, party=party)
    _notify_parties(
        matter,
        lambda party: (
            _(
                "【诉源】An agreement was recorded in matter %(code)s. Please read it and confirm it with "
                "the mediator or on the portal."
            )
            % {"code": matter.display_code}
        ),
        purpose="agreement_recorded",
        parties=parties if tell_applicant else [p for p in parties if p.role != PartyRole.APPLICANT],
    )
    return agreement


def agreement_record_settlement(
    *, matter: Matter, actor: User, terms: str, obligations: list[ObligationInput]
) -> Agreement:
    """Record an agreement reached outside the matter's own mediation (in a court's pre-filing mediation).

    For the court app, inside its transaction, with the matter locked: the matter's status is the
    court's business; the agreement, its obligations and the parties' confirmations work as usual.
    """
    errors: dict[str, Any] = {}
    terms = _clean_text(terms, field="terms", required=True, limit=MAX_TEXT, errors=errors)
    cleaned = _clean_obligations(matter, obligations, errors)
    if errors:
        raise ValidationError(errors)
    if Agreement.objects.filter(matter=matter).exists():
        raise WrongState(_("This matter already has an agreement."))
    return _agreement_create(matter, actor, terms, cleaned, tell_applicant=True)


# --- confirmations ----------------------------------------------------------------------------------------


def party_acts_for(actor: Any, party: Party) -> bool:
    """Return whether the signed-in citizen is this party: their account, or their verified phone."""
    if actor is None or not actor.is_authenticated:
        return False
    if party.user_id is not None:
        return bool(party.user_id == actor.pk)
    return bool(actor.phone_hash) and bool(party.phone_hash) and actor.phone_hash == party.phone_hash


def _code_hash(confirmation: AgreementConfirmation, code: str) -> str:
    digest = salted_hmac(
        "suyuan.mediation.confirmation.code", f"{confirmation.pk}:{code}", algorithm="sha256"
    ).hexdigest()
    return f"hmac-sha256${digest}"


def _lock_for_party(
    *, agreement: Agreement, party: Party, actor: User
) -> tuple[Matter, Agreement, AgreementConfirmation]:
    """Lock the matter, the agreement and the party's confirmation, for the party themselves."""
    if party.matter_id != agreement.matter_id or not party_acts_for(actor, party):
        raise NotFound
    # The party may not see the matter yet (their phone matches, the account is not linked): the right
    # was checked above, on the party; the lock is taken without the visibility filter.
    matter = Matter.objects.select_for_update().get(pk=agreement.matter_id)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    confirmation = (
        AgreementConfirmation.objects.select_for_update()
        .select_related("party")
        .filter(agreement=agreement, party=party)
        .first()
    )
    if confirmation is None:
        raise NotFound
    return matter, agreement, confirmation


def _link_party(party: Party, actor: User) -> None:
    if party.user_id is None:
        Party.objects.filter(pk=party.pk, user__isnull=True).update(user=actor)
        party.user = actor


def confirmation_code_send(*, agreement: Agreement, party: Party, actor: User) -> AgreementConfirmation:
    """Text a one-time code to the party's phone, for them to confirm the agreement.

    Only a keyed hash of the code is stored; it expires after ``CODE_TTL``; a new code can be asked for a
    minute after the last one and at most ``CODE_HOURLY_LIMIT`` times an hour.
    """
    now = timezone.now()
    with transaction.atomic():
        matter, agreement, confirmation = _lock_for_party(agreement=agreement, party=party, actor=actor)
        if confirmation.is_confirmed:
            raise WrongState(_("You have already confirmed this agreement."))
        if agreement.status != AgreementStatus.AWAITING:
            raise WrongState(_("This agreement no longer waits for confirmations."))
        if not confirmation.party.phone:
            raise ValidationError(
                {"party": _("No mobile number is known for you; confirm in person with the mediator.")}
            )
        if confirmation.code_sent_at is not None and confirmation.code_sent_at > now - CODE_RESEND_INTERVAL:
            raise ValidationError(
                _("A code was sent a moment ago. Wait a minute before asking for another."), code="throttled"
            )
        if confirmation.codes_window_at is None or confirmation.codes_window_at <= now - dt.timedelta(
            hours=1
        ):
            confirmation.codes_window_at = now
            confirmation.codes_sent = 0
        if confirmation.codes_sent >= CODE_HOURLY_LIMIT:
            raise ValidationError(_("Too many codes were sent. Try again in an hour."), code="throttled")
        code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
        confirmation.code_hash = _code_hash(confirmation, code)
        confirmation.code_sent_at = now
        confirmation.code_expires_at = now + CODE_TTL
        confirmation.attempts = 0
        confirmation.codes_sent += 1
        confirmation.save()
        _link_party(confirmation.party, actor)
        with translation.override(_sms_language(confirmation.party)):
            body = _(
                "[Suyuan] Your code to confirm the mediation agreement of matter %(code)s is %(otp)s. "
                "It is valid for %(minutes)d minutes. Do not tell it to anyone."
            ) % {"code": matter.display_code, "otp": code, "minutes": int(CODE_TTL.total_seconds() // 60)}
        sms_queue(phone=confirmation.party.phone, body=body, purpose="agreement_code", sensitive=True)
    return confirmation


def _confirmed(
    matter: Matter,
    agreement: Agreement,
    confirmation: AgreementConfirmation,
    *,
    actor: User,
    method: str,
    reason: str = "",
) -> None:
    """Mark one confirmation given, write its event; when every party has confirmed, the agreement is in effect."""
    now = timezone.now()
    confirmation.method = method
    confirmation.confirmed_at = now
    confirmation.confirmed_by = actor
    confirmation.reason = reason
    confirmation.code_hash = ""
    confirmation.save()
    party = confirmation.party
    _event(
        matter,
        EventKind.AGREEMENT_CONFIRMED,
        actor,
        data={"party": party.name, "role": party.role, "method": method},
        text=reason,
    )
    waiting = AgreementConfirmation.objects.filter(agreement=agreement, confirmed_at__isnull=True).exists()
    if not waiting:
        agreement.status = AgreementStatus.EFFECTIVE
        agreement.effective_at = now
        agreement.save(update_fields=["status", "effective_at"])
        _event(matter, EventKind.AGREEMENT_EFFECTIVE, actor, data={"agreement_id": agreement.pk})
        _notify_parties(
            matter,
            lambda p: (
                _("【诉源】Every party confirmed the agreement of matter %(code)s; it is now in effect.")
                % {"code": matter.display_code}
            ),
            purpose="agreement_effective",
        )


def agreement_confirm(*, agreement: Agreement, party: Party, actor: User, code: str) -> AgreementConfirmation:
    """Confirm the agreement as ``party`` with the code texted to their phone."""
    token = clean_numeric_code(code)
    now = timezone.now()
    error: ValidationError | None = None
    with transaction.atomic():
        matter, agreement, confirmation = _lock_for_party(agreement=agreement, party=party, actor=actor)
        if confirmation.is_confirmed:
            raise WrongState(_("You have already confirmed this agreement."))
        if agreement.status != AgreementStatus.AWAITING:
            raise WrongState(_("This agreement no longer waits for confirmations."))
        if (
            not confirmation.code_hash
            or confirmation.code_expires_at is None
            or confirmation.code_expires_at <= now
        ):
            error = ValidationError(
                {"code": _("This code has expired or was not sent. Ask for a new code.")}, code="expired"
            )
        elif confirmation.attempts >= CODE_MAX_ATTEMPTS:
            error = ValidationError({"code": _("Too many wrong codes. Ask for a new code.")})
        else:
            confirmation.attempts += 1
            if constant_time_compare(confirmation.code_hash, _code_hash(confirmation, token)):
                _link_party(confirmation.party, actor)
                _confirmed(matter, agreement, confirmation, actor=actor, method=ConfirmationMethod.CODE)
            else:
                # Saved here and raised after the commit: the count of wrong tries must survive the error.
                confirmation.save(update_fields=["attempts"])
                if confirmation.attempts >= CODE_MAX_ATTEMPTS:
                    error = ValidationError({"code": _("Too many wrong codes. Ask for a new code.")})
                else:
                    error = ValidationError(
                        {"code": _("That code is not correct. Check the text message and try again.")}
                    )
    if error is not None:
        raise error
    return confirmation


def agreement_confirm_in_person(
    *, agreement: Agreement, party: Party, actor: User, reason: str
) -> AgreementConfirmation:
    """Record that ``party`` confirmed before the mediator (signed on paper, no phone, …), and why."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        matter = matter_services.matter_lock(actor=actor, matter=agreement.matter)
        _require_mediation(actor, matter)
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        confirmation = (
            AgreementConfirmation.objects.select_for_update()
            .select_related("party")
            .filter(agreement=agreement, party_id=party.pk)
            .first()
        )
        if confirmation is None:
            raise NotFound
        if confirmation.is_confirmed:
            raise WrongState(_("This party has already confirmed the agreement."))
        if agreement.status != AgreementStatus.AWAITING:
            raise WrongState(_("This agreement no longer waits for confirmations."))
        _confirmed(
            matter, agreement, confirmation, actor=actor, method=ConfirmationMethod.IN_PERSON, reason=reason
        )
    return confirmation


# --- obligations ------------------------------------------------------------------------------------------

FOLLOW_UP_TEXT = gettext_lazy(
    "The agreement was not kept. You can ask the mediator to mediate again, ask the court to confirm the "
    "agreement (judicial confirmation) so that it can be enforced, or go to court."
)


def _may_report(actor: User, matter: Matter) -> bool:
    if access.may_act(actor, matter, access.MEDIATION_ROLES):
        return True
    return access.is_owner(actor, matter) or Party.objects.filter(matter=matter, user_id=actor.pk).exists()


def obligation_report(*, obligation: Obligation, actor: User, performed: bool, note: str = "") -> Obligation:
    """Report whether an obligation was performed, by a party or the mediator.

    Performed: when every obligation is, the agreement is performed. Not performed (only once it is due):
    the agreement is breached and a follow-up opens, telling the parties what they can do next.
    """
    errors: dict[str, Any] = {}
    note = _clean_text(note, field="note", required=not performed, limit=MAX_TEXT, errors=errors)
    with transaction.atomic():
        matter = matter_services.matter_lock(actor=actor, matter=obligation.agreement.matter)
        if not _may_report(actor, matter):
            raise Forbidden
        agreement = Agreement.objects.select_for_update().get(pk=obligation.agreement_id)
        obligation = Obligation.objects.select_for_update().select_related("obligor").get(pk=obligation.pk)
        if agreement.status not in (AgreementStatus.EFFECTIVE, AgreementStatus.BREACHED):
            raise WrongState(_("Obligations are followed once every party has confirmed the agreement."))
        if obligation.status != ObligationStatus.PENDING:
            raise WrongState(_("This obligation was already reported."))
        if not performed and obligation.due_on >= timezone.localdate():
            raise WrongState(
                _(
                    "This obligation is not overdue yet: it can be reported as not performed after its due date."
                )
            )
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        obligation.status = ObligationStatus.PERFORMED if performed else ObligationStatus.BREACHED
        obligation.settled_at = now
        obligation.reported_by = actor
        obligation.note = note
        obligation.save()
        data: dict[str, Any] = {
            "obligation_id": obligation.pk,
            "obligor": obligation.obligor.name,
            "description": obligation.description,
            "amount": str(obligation.amount) if obligation.amount is not None else "",
            "due_on": obligation.due_on.isoformat(),
        }
        if performed:
            remaining = agreement.obligations.exclude(status=ObligationStatus.PERFORMED).exists()
            if not remaining and agreement.status == AgreementStatus.EFFECTIVE:
                agreement.status = AgreementStatus.PERFORMED
                agreement.settled_at = now
                agreement.comments = note
                agreement.save(update_fields=["status", "settled_at", "comments"])
                data["agreement_performed"] = True
            _event(matter, EventKind.OBLIGATION_PERFORMED, actor, data=data, text=note)
            return obligation
        _event(matter, EventKind.OBLIGATION_BREACHED, actor, data=data, text=note)
        if agreement.status != AgreementStatus.BREACHED:
            agreement.status = AgreementStatus.BREACHED
            agreement.settled_at = now
            agreement.comments = note
            agreement.save(update_fields=["status", "settled_at", "comments"])
            FollowUp.objects.create(agreement=agreement, obligation=obligation, opened_by=actor)
            _event(
                matter,
                EventKind.FOLLOW_UP_OPENED,
                actor,
                data={"obligation_id": obligation.pk, "options": list(FollowUpRoute.values)},
                text=str(FOLLOW_UP_TEXT),
            )
            _notify_parties(
                matter,
                lambda p: (
                    _(
                        "【诉源】An obligation of the agreement in matter %(code)s was reported as not performed. "
                        "You can mediate again, ask the court for judicial confirmation, or go to court."
                    )
                    % {"code": matter.display_code}
                ),
                purpose="follow_up_opened",
            )
    return obligation


# --- reminders (periodic) ---------------------------------------------------------------------------------


def _reminder_due(obligation: Obligation, today: dt.date) -> str | None:
    if obligation.due_on > today:
        return ReminderKind.BEFORE if (obligation.due_on - today).days <= REMIND_DAYS_BEFORE else None
    if obligation.due_on == today:
        return ReminderKind.DUE_DAY
    return ReminderKind.ASK


def _remind(obligation: Obligation, kind: str) -> int:
    agreement = obligation.agreement
    matter = agreement.matter
    parties = list(matter.parties.select_related("user"))
    amount = f" ¥{obligation.amount}" if obligation.amount is not None else ""
    what = f"{obligation.obligor.name}: {obligation.description[:40]}{amount}"
    if kind == ReminderKind.ASK:
        applicants = [p for p in parties if p.role == PartyRole.APPLICANT]
        return _notify_parties(
            matter,
            lambda p: (
                _(
                    "【诉源】Was the obligation “%(what)s” of matter %(code)s (due %(due)s) performed? "
                    "Tell us on the matter's page."
                )
                % {"what": what, "code": matter.display_code, "due": obligation.due_on.isoformat()}
            ),
            purpose="obligation_ask",
            parties=applicants,
        )
    return _notify_parties(
        matter,
        lambda p: (
            _("【诉源】Reminder: “%(what)s” of the agreement in matter %(code)s is due on %(due)s.")
            % {"what": what, "code": matter.display_code, "due": obligation.due_on.isoformat()}
        ),
        purpose="obligation_reminder",
        parties=parties,
    )


def obligation_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Send the reminders that are due: a few days before and on the due date to both sides, and after
    it a question to the applicant; each kind once per obligation. Return how many were sent."""
    today = timezone.localdate(now or timezone.now())
    pending = (
        Obligation.objects.filter(
            status=ObligationStatus.PENDING,
            agreement__status__in=[AgreementStatus.EFFECTIVE, AgreementStatus.BREACHED],
            due_on__lte=today + dt.timedelta(days=REMIND_DAYS_BEFORE),
        )
        .select_related("agreement__matter", "obligor")
        .order_by("due_on", "pk")
    )
    sent = 0
    for obligation in pending:
        kind = _reminder_due(obligation, today)
        if kind is None or obligation.reminders.filter(kind=kind).exists():
            continue
        try:
            with transaction.atomic():
                reminder = ObligationReminder.objects.create(obligation=obligation, kind=kind)
                reminder.recipients = _remind(obligation, kind)
                reminder.save(update_fields=["recipients"])
        except IntegrityError:  # another run sent it a moment ago
            continue
        sent += 1
    return sent


# --- the mediation period ---------------------------------------------------------------------------------


@transaction.atomic
def mediation_extend(
    *, matter: Matter, actor: User, days: int, consent: str, expected_version: int | None = None
) -> MediationExtension:
    """Extend the mediation period once, by up to 30 days, when both parties agreed (say how).

    The matter's deadline moves by ``days`` calendar days; the parties are told by text message.
    """
    errors: dict[str, Any] = {}
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        errors["days"] = _("Extend by 1 to %(max)d days.") % {"max": MAX_EXTENSION_DAYS}
    try:
        consent = _clean_reason(consent, field="consent")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    matter = matter_services.matter_lock(actor=actor, matter=matter, expected_version=expected_version)
    _require_mediation(actor, matter)
    if matter.status != MatterStatus.IN_MEDIATION:
        raise WrongState(_("Only a matter in mediation can have its mediation period extended."))
    if MediationExtension.objects.filter(matter=matter).exists():
        raise WrongState(_("The mediation period was already extended once; it cannot be extended again."))
    previous = matter.due_at
    start = previous if previous is not None else timezone.now()
    extension = MediationExtension.objects.create(
        matter=matter,
        days=days,
        consent=consent,
        previous_due_at=previous,
        new_due_at=start + dt.timedelta(days=days),
        granted_by=actor,
    )
    matter.due_at = extension.new_due_at
    matter.version += 1
    matter.save(update_fields=["due_at", "version", "updated_at"])
    _event(
        matter,
        EventKind.MEDIATION_EXTENDED,
        actor,
        data={"days": days, "due_at": extension.new_due_at.isoformat()},
        text=consent,
    )
    _notify_parties(
        matter,
        lambda party: (
            _("【诉源】With both sides' agreement, the mediation of matter %(code)s is extended to %(due)s.")
            % {
                "code": matter.display_code,
                "due": timezone.localtime(extension.new_due_at).strftime("%Y-%m-%d"),
            }
        ),
        purpose="mediation_extended",
    )
    return extension
