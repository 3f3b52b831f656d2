"""Every change to a matter: one service per command, atomic, writing its event in the same transaction.

Services take keyword-only arguments and the acting user, check the actor's right through
``matters.access``, move the status only through ``transitions.target``, write a ``MatterEvent``, set the
stage's deadline, and queue what the parties must be told through the notifications outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suyuan.accounts.access import REVEAL_ROLES, scope_for
from suyuan.accounts.models import Membership, Organization, User
from suyuan.accounts.services import reveal_logged
from suyuan.core import identifiers
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import access, codes, deadlines, hooks, routing
from suyuan.matters.choices import (
    FINAL_STATUSES,
    Channel,
    EventKind,
    FailureRoute,
    MatterKind,
    MatterStatus,
    PartyKind,
    PartyRole,
    Priority,
    Visibility,
)
from suyuan.matters.models import Category, Matter, MatterEvent, Party
from suyuan.matters.transitions import Command, IllegalTransition, target
from suyuan.notifications.services import notify, sms_queue
from suyuan.regions.models import Region

MAX_TITLE = 120
MAX_TEXT = 5000
MIN_REASON = 4


@dataclass(frozen=True)
class PartyInput:
    role: str
    name: str
    kind: str = PartyKind.PERSON
    phone: str = ""
    id_number: str = ""
    credit_code: str = ""
    address: str = ""


# --- helpers ----------------------------------------------------------------------------------------------


def _actor_label(actor: User | None, matter: Matter) -> str:
    """Return how the actor appears on the timeline: organisation and role for staff, the role for parties."""
    if actor is None:
        return str(gettext_lazy("system"))
    memberships = (
        list(
            Membership.objects.filter(user=actor, is_active=True)
            .select_related("organization")
            .order_by("id")
        )
        if scope_for(actor).memberships  # a citizen has none: no need to ask the database
        else []
    )
    # Prefer the membership in the matter's handling organisation: that is the capacity the actor acts in.
    membership = next(
        (m for m in memberships if m.organization_id == matter.organization_id),
        memberships[0] if memberships else None,
    )
    if membership is not None:
        return f"{membership.organization.name} · {membership.get_role_display()}"
    if matter.owner_id == actor.pk:
        return str(gettext_lazy("applicant"))
    return str(gettext_lazy("party"))


def _record(
    matter: Matter,
    *,
    kind: str,
    actor: User | None,
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
    text: str = "",
    visibility: str = Visibility.PUBLIC,
) -> MatterEvent:
    last = MatterEvent.objects.filter(matter=matter).aggregate(last=Max("seq"))["last"] or 0
    event = MatterEvent.objects.create(
        matter=matter,
        seq=last + 1,
        kind=kind,
        visibility=visibility,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=_actor_label(actor, matter),
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        text=text,
    )
    hooks.event_written(matter.pk, kind)
    return event


def _move(
    matter: Matter,
    command: str,
    *,
    actor: User | None,
    kind: str,
    data: dict[str, Any] | None = None,
    text: str = "",
    visibility: str = Visibility.PUBLIC,
) -> MatterEvent:
    """Apply ``command`` to the (locked) matter: new status, new deadline, version bump, event."""
    before = matter.status
    after = target(command, before)
    now = timezone.now()
    matter.status = after
    matter.version += 1
    if after in FINAL_STATUSES:
        matter.due_at = None
        matter.closed_at = now
    elif after != before or command in (Command.ESCALATE,):
        matter.due_at = deadlines.stage_deadline(kind=matter.kind, status=after, start=now)
    matter.save()
    return _record(
        matter,
        kind=kind,
        actor=actor,
        from_status=before,
        to_status=after,
        data=data,
        text=text,
        visibility=visibility,
    )


def _tell_applicant(matter: Matter, applicant: Party | None, body: str) -> None:
    """Tell the applicant ``body``: a text message to the phone the matter gives for them, and, when the
    matter belongs to an account, a notification in the portal (and an e-mail if the account has one)."""
    purpose = f"matter_{matter.status}"
    if applicant is not None and applicant.phone:
        sms_queue(phone=applicant.phone, body=body, purpose=purpose)
    owner = matter.owner
    if owner is not None and owner.is_active:
        notify(
            user=owner,
            title=body.removeprefix("【诉源】")[:200],
            body=body,
            link=reverse("matters:matter", kwargs={"code": matter.display_code}),
            purpose=purpose,
            sms=False,
        )


def _notify_applicant(matter: Matter, body: str) -> None:
    applicant = matter.parties.filter(role=PartyRole.APPLICANT).exclude(phone_hash="").first()
    _tell_applicant(matter, applicant, body)


def _clean_text(value: str, *, field: str, required: bool, limit: int, errors: dict[str, Any]) -> str:
    text = (value or "").strip()
    if required and not text:
        errors[field] = _("This field is required.")
    elif len(text) > limit:
        errors[field] = _("Enter at most %(max_length)s characters.") % {"max_length": limit}
    return text


def _clean_reason(reason: str) -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise ValidationError(
            {"reason": _("Give a reason the citizen will understand (at least 4 characters).")}
        )
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {"reason": _("Enter at most %(max_length)s characters.") % {"max_length": MAX_TEXT}}
        )
    return text


def _clean_party(index: int, party: PartyInput, errors: dict[str, Any]) -> dict[str, Any]:
    prefix = f"parties[{index}]"
    values: dict[str, Any] = {"role": party.role, "kind": party.kind}
    if party.role not in PartyRole.values:
        errors[f"{prefix}.role"] = _("Choose a valid role.")
    if party.kind not in PartyKind.values:
        errors[f"{prefix}.kind"] = _("Choose person or organisation.")
    values["name"] = _clean_text(party.name, field=f"{prefix}.name", required=True, limit=100, errors=errors)
    values["address"] = _clean_text(
        party.address, field=f"{prefix}.address", required=False, limit=300, errors=errors
    )
    for field, normalize, kind in (
        ("phone", identifiers.normalize_mobile, identifiers.PHONE),
        ("id_number", identifiers.normalize_resident_id, identifiers.RESIDENT_ID),
    ):
        raw = getattr(party, field)
        if raw and raw.strip():
            try:
                clean = normalize(raw)
            except ValidationError as exc:
                errors[f"{prefix}.{field}"] = exc.messages[0]
                continue
            values[field] = clean
            values[f"{field}_hash"] = identifiers.hash_identifier(kind, clean)
    if party.credit_code and party.credit_code.strip():
        try:
            values["credit_code"] = identifiers.normalize_uscc(party.credit_code)
        except ValidationError as exc:
            errors[f"{prefix}.credit_code"] = exc.messages[0]
    return values


# --- intake -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Received:
    """What ``matter_receive`` keeps of its input once checked."""

    title: str
    description: str
    desired_outcome: str
    address_text: str
    parties: list[dict[str, Any]]
    is_staff_entry: bool


def _receive_checked(
    *,
    kind: str,
    channel: str,
    title: str,
    description: str,
    region: Region,
    parties: list[PartyInput],
    actor: User | None,
    desired_outcome: str,
    address_text: str,
    category: Category | None,
    occurred_on: dt.date | None,
    privacy_consent: bool,
    owner: User | None,
    agent_consent: str,
) -> _Received:
    errors: dict[str, Any] = {}
    if kind not in MatterKind.values:
        errors["kind"] = _("Choose a valid kind of matter.")
    if channel not in Channel.values:
        errors["channel"] = _("Choose a valid channel.")
    title = _clean_text(title, field="title", required=True, limit=MAX_TITLE, errors=errors)
    description = _clean_text(description, field="description", required=True, limit=MAX_TEXT, errors=errors)
    desired_outcome = _clean_text(
        desired_outcome, field="desired_outcome", required=False, limit=MAX_TEXT, errors=errors
    )
    address_text = _clean_text(address_text, field="address_text", required=False, limit=300, errors=errors)
    if occurred_on is not None and occurred_on > timezone.localdate():
        errors["occurred_on"] = _("The date it happened cannot be in the future.")
    if not privacy_consent:
        errors["privacy_consent"] = _("Please read and accept the privacy notice.")
    if category is not None and not category.is_active:
        errors["category"] = _("Choose a valid category.")
    if region.level < 3:
        errors["region"] = _("Choose at least the county (district) where it happened.")
    cleaned_parties = [_clean_party(i, p, errors) for i, p in enumerate(parties)]
    roles = [p.role for p in parties]
    if roles.count(PartyRole.APPLICANT) != 1:
        errors["parties"] = _("A matter has exactly one applicant.")
    elif kind == MatterKind.DISPUTE and PartyRole.RESPONDENT not in roles:
        errors["parties"] = _("A dispute needs the other side: name at least one respondent.")
    applicant = next((p for p in cleaned_parties if p.get("role") == PartyRole.APPLICANT), None)
    if applicant is not None and not applicant.get("phone") and "parties" not in errors:
        index = roles.index(PartyRole.APPLICANT)
        errors.setdefault(
            f"parties[{index}].phone", _("The applicant's mobile number is needed to follow the matter.")
        )

    scope = scope_for(actor)
    is_staff_entry = scope.is_staff and owner != actor
    if is_staff_entry:
        if not scope.has_role(*access.ENTRY_ROLES):
            raise Forbidden
        if not agent_consent.strip():
            errors["agent_consent"] = _(
                "Record how the citizen agreed that you file for them (e.g. signed form, recorded call)."
            )
    if errors:
        raise ValidationError(errors)
    return _Received(
        title=title,
        description=description,
        desired_outcome=desired_outcome,
        address_text=address_text,
        parties=cleaned_parties,
        is_staff_entry=is_staff_entry,
    )


def matter_receive_check(
    *,
    kind: str,
    channel: str,
    title: str,
    description: str,
    region: Region,
    parties: list[PartyInput],
    actor: User | None,
    desired_outcome: str = "",
    address_text: str = "",
    category: Category | None = None,
    occurred_on: dt.date | None = None,
    privacy_consent: bool,
    owner: User | None = None,
    agent_consent: str = "",
) -> None:
    """Raise what ``matter_receive`` would raise for this input (ValidationError, Forbidden); write nothing.

    For dry runs (batch import): the same checks as the real intake, so a dry run predicts it exactly.
    """
    _receive_checked(
        kind=kind,
        channel=channel,
        title=title,
        description=description,
        region=region,
        parties=parties,
        actor=actor,
        desired_outcome=desired_outcome,
        address_text=address_text,
        category=category,
        occurred_on=occurred_on,
        privacy_consent=privacy_consent,
        owner=owner,
        agent_consent=agent_consent,
    )


def matter_receive(
    *,
    kind: str,
    channel: str,
    title: str,
    description: str,
    region: Region,
    parties: list[PartyInput],
    actor: User | None,
    desired_outcome: str = "",
    address_text: str = "",
    category: Category | None = None,
    occurred_on: dt.date | None = None,
    privacy_consent: bool,
    owner: User | None = None,
    agent_consent: str = "",
    idempotency_key: str = "",
    external_reference: str = "",
) -> Matter:
    """Take in a new matter from any channel: validate, store, give it its code, route it, tell the applicant.

    ``actor`` is who enters it: the citizen themselves (portal) or a member of staff (window, hotline,
    field visit), who then files as the citizen's agent and must record how the citizen consented.
    A retry with the same ``idempotency_key`` by the same actor returns the matter created the first time.
    ``external_reference`` is the number a source system gave the matter (a 12345 work order).
    """
    if idempotency_key and actor is not None:
        existing = Matter.objects.filter(entered_by=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing

    checked = _receive_checked(
        kind=kind,
        channel=channel,
        title=title,
        description=description,
        region=region,
        parties=parties,
        actor=actor,
        desired_outcome=desired_outcome,
        address_text=address_text,
        category=category,
        occurred_on=occurred_on,
        privacy_consent=privacy_consent,
        owner=owner,
        agent_consent=agent_consent,
    )
    title, description = checked.title, checked.description
    desired_outcome, address_text = checked.desired_outcome, checked.address_text
    cleaned_parties, is_staff_entry = checked.parties, checked.is_staff_entry

    now = timezone.now()
    matter = Matter(
        kind=kind,
        channel=channel,
        title=title,
        description=description,
        desired_outcome=desired_outcome,
        occurred_on=occurred_on,
        region=region,
        address_text=address_text,
        category=category,
        owner=owner,
        entered_by=actor if actor is not None and actor.is_authenticated else None,
        agent=actor if is_staff_entry else None,
        agent_consent=agent_consent.strip() if is_staff_entry else "",
        privacy_consent_at=now,
        created_at=now,
        due_at=deadlines.stage_deadline(kind=kind, status=MatterStatus.SUBMITTED, start=now),
        idempotency_key=idempotency_key if actor is not None else "",
        external_reference=external_reference.strip()[:64],
    )
    # Everything is known before the first write, so intake costs a handful of statements: one insert per
    # table, the routing lookup, and the applicant's text message in the outbox.
    actor_label = _actor_label(actor, matter)
    suggestion = routing.suggest_route(matter)
    if suggestion is not None:
        matter.organization = suggestion.organization
    try:
        with transaction.atomic():
            # 55 random bits: a clash of codes does not happen in practice; if it ever did, the unique
            # constraint refuses it and the client's retry (same idempotency key) draws a new code.
            matter.tracking_code = codes.generate()
            matter.save(force_insert=True)
            party_rows = []
            for values in cleaned_parties:
                if values["role"] == PartyRole.APPLICANT and owner is not None:
                    values["user"] = owner
                party_rows.append(Party(matter=matter, **values))
            Party.objects.bulk_create(party_rows)
            events = [
                MatterEvent(
                    matter=matter,
                    seq=1,
                    kind=EventKind.RECEIVED,
                    actor=actor if actor is not None and actor.is_authenticated else None,
                    actor_label=actor_label,
                    to_status=MatterStatus.SUBMITTED,
                    data={"channel": channel, "agent": bool(is_staff_entry)},
                    created_at=now,
                )
            ]
            if suggestion is not None:
                events.append(
                    MatterEvent(
                        matter=matter,
                        seq=2,
                        kind=EventKind.NOTE,
                        visibility=Visibility.INTERNAL,
                        actor_label=_actor_label(None, matter),
                        data={
                            "routed_to": suggestion.organization.name,
                            "organization_id": suggestion.organization.pk,
                            "reason": suggestion.reason,
                            "rule_id": suggestion.rule_id,
                        },
                        created_at=now,
                    )
                )
            MatterEvent.objects.bulk_create(events)
            for event in events:
                hooks.event_written(matter.pk, event.kind)
            _tell_applicant(
                matter,
                next((p for p in party_rows if p.role == PartyRole.APPLICANT), None),
                _(
                    "【诉源】Your matter “%(title)s” was received. Tracking code %(code)s: use it with your "
                    "phone number to follow it."
                )
                % {"title": title[:20], "code": matter.display_code},
            )
            hooks.received(matter.pk)
    except IntegrityError:
        # Two concurrent retries with one key: the other one committed first; return its matter.
        if idempotency_key and actor is not None:
            existing = Matter.objects.filter(entered_by=actor, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        raise
    return matter


# --- commands ---------------------------------------------------------------------------------------------


def _locked(actor: User, matter: Matter, expected_version: int | None) -> Matter:
    locked = access.access_matter(actor, matter.pk, for_update=True)
    if expected_version is not None and locked.version != expected_version:
        raise StaleMatter
    return locked


def matter_lock(*, actor: User, matter: Matter, expected_version: int | None = None) -> Matter:
    """Return the matter locked for update if the actor may see it; raise ``StaleMatter`` if it moved on.

    For services of the apps above matters (mediation, supervision, …) that change a matter's world:
    call it inside their transaction, then ``matter_event_record``.
    """
    return _locked(actor, matter, expected_version)


def matter_event_record(
    *,
    matter: Matter,
    kind: str,
    actor: User | None,
    data: dict[str, Any] | None = None,
    text: str = "",
    visibility: str = Visibility.PUBLIC,
) -> MatterEvent:
    """Append an event that does not move the status to a matter the caller holds locked."""
    return _record(matter, kind=kind, actor=actor, data=data, text=text, visibility=visibility)


def applicant_notify(matter: Matter, body: str) -> None:
    """Queue a text message to the matter's applicant, if a phone number is known."""
    _notify_applicant(matter, body)


class StaleMatter(Exception):
    """Raised when a command was made on an older version of the matter than the current one."""

    message = gettext_lazy("Someone changed this matter meanwhile. Reload it and try again.")


@transaction.atomic
def matter_accept(
    *, matter: Matter, actor: User, expected_version: int | None = None, note: str = ""
) -> Matter:
    """Accept (受理) a submitted matter for its handling organisation."""
    matter = _locked(actor, matter, expected_version)
    access.require_act(actor, matter, access.INTAKE_ROLES)
    matter.accepted_at = timezone.now()
    data = {"organization": matter.organization.name if matter.organization else ""}
    _move(matter, Command.ACCEPT, actor=actor, kind=EventKind.ACCEPTED, data=data, text=note.strip())
    _notify_applicant(
        matter,
        _("【诉源】Your matter %(code)s was accepted by %(org)s.")
        % {"code": matter.display_code, "org": data["organization"] or _("the centre")},
    )
    return matter


@transaction.atomic
def matter_decline(
    *, matter: Matter, actor: User, reason: str, expected_version: int | None = None
) -> Matter:
    """Decline (不予受理) a submitted matter; the reason is shown to the citizen."""
    reason = _clean_reason(reason)
    matter = _locked(actor, matter, expected_version)
    access.require_act(actor, matter, access.INTAKE_ROLES)
    matter.decline_reason = reason
    _move(matter, Command.DECLINE, actor=actor, kind=EventKind.DECLINED, text=reason)
    _notify_applicant(
        matter,
        _("【诉源】Your matter %(code)s was not accepted. Reason: %(reason)s")
        % {"code": matter.display_code, "reason": reason[:60]},
    )
    return matter


@transaction.atomic
def matter_merge(
    *, matter: Matter, into: Matter, actor: User, reason: str = "", expected_version: int | None = None
) -> Matter:
    """Merge a duplicate into the matter it repeats; the citizen sees "merged into code X"."""
    if into.pk == matter.pk:
        raise ValidationError({"into": _("A matter cannot be merged into itself.")})
    matter = _locked(actor, matter, expected_version)
    into = access.access_matter(actor, into.pk, for_update=True)
    access.require_act(actor, matter, access.INTAKE_ROLES)
    access.require_act(actor, into, access.INTAKE_ROLES)
    if into.status in FINAL_STATUSES:
        raise ValidationError({"into": _("Merge into a matter that is still open.")})
    matter.merged_into = into
    _move(
        matter,
        Command.MERGE,
        actor=actor,
        kind=EventKind.MERGED,
        text=reason.strip(),
        data={"into": into.display_code},
    )
    _record(
        into,
        kind=EventKind.MERGED_IN,
        actor=actor,
        visibility=Visibility.INTERNAL,
        data={"duplicate": matter.display_code},
    )
    _notify_applicant(
        matter,
        _("【诉源】Your matter %(code)s is the same as matter %(into)s and is handled there.")
        % {"code": matter.display_code, "into": into.display_code},
    )
    return matter


@transaction.atomic
def matter_categorize(
    *,
    matter: Matter,
    actor: User,
    category: Category | None,
    expected_version: int | None = None,
    note: str = "",
) -> Matter:
    """Set or correct the matter's category (a dispatcher's decision; staff see the change and why)."""
    matter = _locked(actor, matter, expected_version)
    access.require_act(actor, matter, access.INTAKE_ROLES)
    if category is not None and not category.is_active:
        raise ValidationError({"category": _("Choose a valid category.")})
    if matter.status in FINAL_STATUSES:
        raise ValidationError({"category": _("This matter is closed; its category can no longer change.")})
    if matter.category_id == (category.pk if category else None):
        return matter
    before = matter.category.code if matter.category else ""
    matter.category = category
    matter.version += 1
    matter.save(update_fields=["category", "version", "updated_at"])
    _record(
        matter,
        kind=EventKind.CATEGORIZED,
        actor=actor,
        visibility=Visibility.INTERNAL,
        data={"from": before, "to": category.code if category else ""},
        text=note.strip()[:500],
    )
    return matter


@transaction.atomic
def matter_set_priority(
    *, matter: Matter, actor: User, priority: int, reason: str, expected_version: int | None = None
) -> Matter:
    """Change the matter's priority by hand, with a reason (e.g. after clearing a flag raised in error)."""
    reason = _clean_reason(reason)
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose a valid priority.")})
    matter = _locked(actor, matter, expected_version)
    access.require_act(actor, matter, access.INTAKE_ROLES)
    if matter.priority == priority:
        return matter
    before = matter.priority
    matter.priority = priority
    matter.version += 1
    matter.save(update_fields=["priority", "version", "updated_at"])
    _record(
        matter,
        kind=EventKind.PRIORITY_CHANGED,
        actor=actor,
        visibility=Visibility.INTERNAL,
        data={"from": before, "to": priority},
        text=reason,
    )
    return matter


def matter_triage_apply(
    *,
    matter: Matter,
    category: Category | None = None,
    organization: Organization | None = None,
    priority: int | None = None,
    data: dict[str, Any],
) -> Matter:
    """Record the platform's first pass on a new matter (the triage task; no human actor).

    ``matter`` is the caller's row, locked with ``select_for_update`` in the caller's transaction (the
    task locks it once, before it writes its proposals and flags). A confident category fills an empty one
    and a confident organisation routes a matter still waiting for acceptance; priority only goes up.
    Nothing a human set is overwritten: once a matter has left ``submitted`` only the priority may still
    rise. One internal ``triaged`` event says what was proposed, what was applied and why.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("matter_triage_apply needs the caller's transaction and lock")
    changed: list[str] = []
    applied: dict[str, Any] = {}
    waiting = matter.status == MatterStatus.SUBMITTED
    if category is not None and category.is_active and waiting and matter.category_id is None:
        matter.category = category
        changed.append("category")
        applied["category"] = category.code
    if organization is not None and organization.is_active and waiting and not matter.accepted_at:
        if matter.organization_id != organization.pk:
            matter.organization = organization
            changed.append("organization")
        applied["organization"] = organization.pk
    if priority is not None and priority > matter.priority and matter.status not in FINAL_STATUSES:
        applied["priority"] = {"from": matter.priority, "to": priority}
        matter.priority = priority
        changed.append("priority")
    if changed:
        matter.version += 1
        matter.save(update_fields=[*changed, "version", "updated_at"])
    _record(
        matter,
        kind=EventKind.TRIAGED,
        actor=None,
        visibility=Visibility.INTERNAL,
        data={**data, "applied": applied},
    )
    return matter


@transaction.atomic
def matter_assign(
    *,
    matter: Matter,
    actor: User,
    organization: Organization,
    mediator: User | None = None,
    expected_version: int | None = None,
) -> Matter:
    """Name the handling organisation and mediator (again, to reassign)."""
    matter = _locked(actor, matter, expected_version)
    access.require_act(actor, matter, access.INTAKE_ROLES)
    if not organization.is_active:
        raise ValidationError({"organization": _("This organisation is not active.")})
    if (
        mediator is not None
        and not Membership.objects.filter(
            user=mediator, organization=organization, role="mediator", is_active=True
        ).exists()
    ):
        raise ValidationError({"mediator": _("This person is not a mediator of that organisation.")})
    from suyuan.accounts.access import organizations_visible_to

    if not organizations_visible_to(actor).filter(pk=organization.pk).exists():
        raise ValidationError({"organization": _("Choose an organisation in your area.")})
    matter.organization = organization
    matter.mediator = mediator
    data = {"organization": organization.name, "mediator": mediator.full_name if mediator else ""}
    _move(matter, Command.ASSIGN, actor=actor, kind=EventKind.ASSIGNED, data=data)
    if mediator is not None:
        _notify_applicant(
            matter,
            _("【诉源】Mediator %(name)s of %(org)s will contact you about matter %(code)s.")
            % {"name": mediator.full_name, "org": organization.name, "code": matter.display_code},
        )
        if mediator.pk != actor.pk:
            with translation.override(mediator.preferred_language or settings.LANGUAGE_CODE):
                notify(
                    user=mediator,
                    title=_("Matter %(code)s was assigned to you") % {"code": matter.display_code},
                    body=_(
                        "【诉源】Matter %(code)s “%(title)s” was assigned to you. Contact the parties soon."
                    )
                    % {"code": matter.display_code, "title": matter.title[:20]},
                    link=reverse("matters:staff_detail", kwargs={"code": matter.display_code}),
                    purpose="matter_assigned",
                )
    return matter


@transaction.atomic
def matter_escalate(
    *, matter: Matter, actor: User, reason: str, expected_version: int | None = None
) -> Matter:
    """Hand the matter up to the parent of its handling organisation, unassigned."""
    reason = _clean_reason(reason)
    matter = _locked(actor, matter, expected_version)
    if not (access.may_act(actor, matter, access.INTAKE_ROLES) or matter.mediator_id == actor.pk):
        raise Forbidden
    parent = routing.escalation_target(matter.organization) if matter.organization else None
    if parent is None:
        raise ValidationError({"organization": _("There is no level above this organisation.")})
    before = matter.organization.name if matter.organization else ""
    matter.organization = parent
    matter.mediator = None
    _move(
        matter,
        Command.ESCALATE,
        actor=actor,
        kind=EventKind.ESCALATED,
        text=reason,
        data={"from": before, "to": parent.name},
    )
    return matter


@transaction.atomic
def matter_start_mediation(*, matter: Matter, actor: User, expected_version: int | None = None) -> Matter:
    matter = _locked(actor, matter, expected_version)
    access.require_act(actor, matter, access.MEDIATION_ROLES)
    _move(matter, Command.START_MEDIATION, actor=actor, kind=EventKind.MEDIATION_STARTED)
    return matter


@transaction.atomic
def matter_record_agreement(
    *, matter: Matter, actor: User, terms: str, expected_version: int | None = None
) -> Matter:
    """Record that the parties agreed; ``terms`` is the agreement's content as the parties see it."""
    errors: dict[str, Any] = {}
    terms = _clean_text(terms, field="terms", required=True, limit=MAX_TEXT, errors=errors)
    if errors:
        raise ValidationError(errors)
    matter = _locked(actor, matter, expected_version)
    access.require_act(actor, matter, access.MEDIATION_ROLES)
    matter.outcome_summary = terms
    _move(matter, Command.RECORD_AGREEMENT, actor=actor, kind=EventKind.AGREEMENT_RECORDED, text=terms)
    _notify_applicant(
        matter, _("【诉源】An agreement was recorded in matter %(code)s.") % {"code": matter.display_code}
    )
    return matter


@transaction.atomic
def matter_record_failure(
    *, matter: Matter, actor: User, reason: str, route: str, expected_version: int | None = None
) -> Matter:
    """Record that mediation failed, why, and the next route (arbitration, court, administrative, guidance)."""
    reason = _clean_reason(reason)
    if route not in FailureRoute.values:
        raise ValidationError({"route": _("Choose the next route.")})
    matter = _locked(actor, matter, expected_version)
    access.require_act(actor, matter, access.MEDIATION_ROLES)
    matter.failure_route = route
    matter.outcome_summary = reason
    _move(
        matter,
        Command.RECORD_FAILURE,
        actor=actor,
        kind=EventKind.FAILURE_RECORDED,
        text=reason,
        data={"route": route},
    )
    return matter


@transaction.atomic
def matter_withdraw(
    *, matter: Matter, actor: User, reason: str = "", expected_version: int | None = None
) -> Matter:
    """Withdraw the matter: by its applicant, or by intake staff on the applicant's word."""
    matter = _locked(actor, matter, expected_version)
    if not (access.is_owner(actor, matter) or access.may_act(actor, matter, access.INTAKE_ROLES)):
        raise Forbidden
    _move(
        matter,
        Command.WITHDRAW,
        actor=actor,
        kind=EventKind.WITHDRAWN,
        text=(reason or "").strip()[:MAX_TEXT],
    )
    return matter


@transaction.atomic
def matter_close(*, matter: Matter, actor: User, expected_version: int | None = None) -> Matter:
    matter = _locked(actor, matter, expected_version)
    access.require_act(actor, matter, access.MEDIATION_ROLES)
    _move(matter, Command.CLOSE, actor=actor, kind=EventKind.CLOSED)
    return matter


def matter_to_court(
    *, matter: Matter, actor: User, court: Organization, kind: str, data: dict[str, Any], text: str = ""
) -> MatterEvent:
    """Move a matter the court app holds locked to the court: the court handles it from now on.

    The court's staff see it because it is now handled by the court; the centre and committee staff who
    saw it before still do (by region, or as its mediator). The event (``kind``) continues the timeline.
    """
    matter.organization = court
    matter.closed_at = None
    return _move(matter, Command.REFER_TO_COURT, actor=actor, kind=kind, data=data, text=text)


def matter_court_concluded(
    *,
    matter: Matter,
    actor: User | None,
    kind: str,
    data: dict[str, Any],
    text: str = "",
    settled: bool = False,
) -> MatterEvent:
    """Finish a matter the court app holds locked once its court case has ended (``kind`` says how):
    resolved when the parties settled in the court's pre-filing mediation, else closed."""
    if text:
        matter.outcome_summary = text
    command = Command.COURT_SETTLED if settled else Command.COURT_CONCLUDED
    return _move(matter, command, actor=actor, kind=kind, data=data, text=text)


@transaction.atomic
def matter_add_note(*, matter: Matter, actor: User, text: str) -> MatterEvent:
    """Add an internal note that only staff read."""
    errors: dict[str, Any] = {}
    text = _clean_text(text, field="text", required=True, limit=MAX_TEXT, errors=errors)
    if errors:
        raise ValidationError(errors)
    matter = access.access_matter(actor, matter.pk, for_update=True)
    if not scope_for(actor).is_staff and not scope_for(actor).is_platform_operator:
        raise Forbidden
    return _record(matter, kind=EventKind.NOTE, actor=actor, visibility=Visibility.INTERNAL, text=text)


@transaction.atomic
def matter_post_message(*, matter: Matter, actor: User, text: str) -> MatterEvent:
    """Post a message on the matter's timeline, between the parties and the handler."""
    errors: dict[str, Any] = {}
    text = _clean_text(text, field="text", required=True, limit=MAX_TEXT, errors=errors)
    if errors:
        raise ValidationError(errors)
    matter = access.access_matter(actor, matter.pk, for_update=True)
    if matter.status in FINAL_STATUSES:
        raise ValidationError({"text": _("This matter is finished; messages are closed.")})
    return _record(matter, kind=EventKind.MESSAGE, actor=actor, text=text)


# --- staff workbench: reveals and bulk commands -----------------------------------------------------------

MAX_BULK = 200


@transaction.atomic
def party_reveal_field(
    *, actor: User, party_id: Any, field: str, reason: str, request: HttpRequest | None = None
) -> str:
    """Return the clear value of a party's ``phone`` or ``id_number``, after logging who asked and why.

    The party is reached through its matter: ``NotFound`` if the actor cannot see the matter. Revealing
    needs a role that works with people's cases in the matter's scope (not analysts, not citizens). The
    audit event (target ``matters.party:<id>``) is written before the value leaves this function, in the
    same transaction, so a value is never shown without its log line.
    """
    try:
        party = Party.objects.filter(pk=party_id).first()
    except (ValueError, TypeError):
        party = None
    if party is None:
        raise NotFound
    matter = access.access_matter(actor, party.matter_id)
    if not access.may_act(actor, matter, REVEAL_ROLES):
        raise Forbidden(_("Your role does not allow revealing personal data."))
    return reveal_logged(obj=party, field=field, reason=reason, actor=actor, request=request)


@dataclass(frozen=True)
class Refusal:
    """One matter a bulk command could not be applied to, and why (in the reader's language)."""

    matter: Matter
    reason: str


class BulkRefused(Exception):
    """Raised when a bulk command was refused for some matters; then nothing was changed at all."""

    def __init__(self, refusals: list[Refusal]) -> None:
        self.refusals = refusals
        super().__init__(f"{len(refusals)} matter(s) refused")


def _refusal_reason(exc: Exception) -> str:
    if isinstance(exc, IllegalTransition):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, Forbidden | NotFound | StaleMatter):
        return str(exc.message)
    raise exc


def matters_bulk_assign(
    *,
    matters: Iterable[Matter],
    actor: User,
    organization: Organization,
    mediator: User | None = None,
    expected_versions: Mapping[int, int] | None = None,
) -> list[Matter]:
    """Assign every matter to ``organization`` (and ``mediator``) with ``matter_assign``: all or nothing.

    Each matter is tried in a savepoint of one transaction; if any is refused (wrong state, no right,
    a stale version from ``expected_versions`` {matter id: version}, …) the whole transaction is rolled
    back and ``BulkRefused`` lists every refused matter with its reason.
    """
    unique = list({matter.pk: matter for matter in matters}.values())
    if not unique:
        raise ValidationError({"matters": _("Choose at least one matter.")})
    if len(unique) > MAX_BULK:
        raise ValidationError({"matters": _("Choose at most %(max)d matters at a time.") % {"max": MAX_BULK}})
    versions = expected_versions or {}
    refusals: list[Refusal] = []
    assigned: list[Matter] = []
    with transaction.atomic():
        for matter in unique:
            try:
                with transaction.atomic():
                    assigned.append(
                        matter_assign(
                            matter=matter,
                            actor=actor,
                            organization=organization,
                            mediator=mediator,
                            expected_version=versions.get(matter.pk),
                        )
                    )
            except (IllegalTransition, ValidationError, Forbidden, NotFound, StaleMatter) as exc:
                refusals.append(Refusal(matter, _refusal_reason(exc)))
        if refusals:
            raise BulkRefused(refusals)
    return assigned
