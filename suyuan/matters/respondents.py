"""The other side of a matter: the invitation to answer, the answer, reminders, and the grid worker's visit.

* ``respondent_invite`` sends the respondent a text message with a link to a page where they read what is
  claimed and answer: agree to mediation (proposing times) or decline (with a reason), and write a reply.
  The link needs no account: whoever holds it may answer, so it is long, expires, and the page is
  rate-limited. The token in it is derived from the invitation's random ``nonce`` with a server key and is
  never stored; the database holds its keyed hash, which is how a link finds its invitation.
* ``invitations_remind_due`` (periodic) reminds those who have not answered, on working days after the
  invitation (``settings.RESPONDENT_REMINDER_WORKING_DAYS``), each reminder once. A while after the last
  one (``settings.RESPONDENT_VISIT_AFTER_WORKING_DAYS``) it opens a ``FieldTask`` for the grid workers of
  the respondent's village, who visit and report with ``field_task_complete``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suyuan.accounts.access import scope_for
from suyuan.accounts.choices import Role
from suyuan.accounts.models import Organization, User
from suyuan.accounts.services import access_grant_create
from suyuan.core.crypto import keyed_hash
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import access, hooks
from suyuan.matters.choices import (
    DayPart,
    EventKind,
    FieldTaskKind,
    FieldTaskOutcome,
    FieldTaskStatus,
    InvitationStatus,
    MatterStatus,
    PartyRole,
    Visibility,
)
from suyuan.matters.models import FieldTask, Matter, MatterEvent, Party, RespondentInvitation
from suyuan.matters.services import applicant_notify, matter_event_record, matter_lock
from suyuan.notifications.services import notify, sms_queue
from suyuan.workdays.selectors import CHINA
from suyuan.workdays.services import add_working_days, deadline_at

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

# The other side is invited while the matter is being handled, before its outcome.
INVITABLE_STATUSES = frozenset({MatterStatus.ACCEPTED, MatterStatus.ASSIGNED, MatterStatus.IN_MEDIATION})
# Who invites: those who accept and assign matters, and those who mediate them.
INVITE_ROLES = access.INTAKE_ROLES | access.MEDIATION_ROLES
# Invitations a link still opens (an answered one shows its answer; a closed one is gone).
LIVE_STATUSES = (
    InvitationStatus.SENT,
    InvitationStatus.ACCEPTED,
    InvitationStatus.DECLINED,
    InvitationStatus.NO_REACTION,
)
# Waiting for an answer: reminders run, and an answer is still welcome after the grid worker was asked.
WAITING_STATUSES = (InvitationStatus.SENT, InvitationStatus.NO_REACTION)

MAX_PROPOSED_TIMES = 3
PROPOSE_DAYS_AHEAD = 90
MAX_REPLY = 2000
MAX_NOTE = 2000
MIN_REASON = 2
# Reminders and visits are due at this hour (Beijing time) of their working day, not at midnight.
REMINDER_HOUR = dt.time(9, 0)
TOKEN_KIND = "respondent-link"  # noqa: S105 (a label mixed into the hash, not a secret)
GRANT_REASON = "field task: reach the other side in person"
GRANT_DAYS_AFTER_DUE = 30


class InvalidLink(NotFound):
    """Raised for a link that is wrong, expired or replaced: the page says only "not valid"."""


@dataclass(frozen=True)
class ProposedTime:
    date: dt.date
    part: str

    def as_json(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "part": self.part}


# --- The link ---------------------------------------------------------------------------------------------


def invitation_token(invitation: RespondentInvitation) -> str:
    """Return the token of the invitation's link (43 characters), derived from its nonce; never stored."""
    digest = salted_hmac(TOKEN_KIND, invitation.nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def token_hash(token: str) -> str:
    return keyed_hash(TOKEN_KIND, token)


def invitation_url(invitation: RespondentInvitation) -> str:
    """Return the absolute address of the invitation's page, for the text message."""
    path = reverse("matters:respond", kwargs={"token": invitation_token(invitation)})
    return f"{settings.SITE_URL}{path}"


def invitation_for_token(token: str, *, for_update: bool = False) -> RespondentInvitation:
    """Return the live, unexpired invitation a link's token belongs to; else raise ``InvalidLink``.

    The lookup is by the keyed hash of the token (an index lookup of a value an attacker cannot steer),
    and the hash found is compared again in constant time.
    """
    token = (token or "").strip()
    if not 20 <= len(token) <= 100:
        raise InvalidLink
    wanted = token_hash(token)
    queryset = RespondentInvitation.objects.filter(token_hash=wanted, status__in=LIVE_STATUSES)
    if for_update:
        queryset = queryset.select_for_update()
    invitation = queryset.select_related("matter", "party").first()
    if (
        invitation is None
        or not hmac.compare_digest(invitation.token_hash, wanted)
        or invitation.expires_at <= timezone.now()
    ):
        raise InvalidLink
    return invitation


# --- Helpers ----------------------------------------------------------------------------------------------


def _at_reminder_hour(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, REMINDER_HOUR, tzinfo=CHINA)


def _schedule() -> tuple[int, ...]:
    return tuple(sorted(int(days) for days in settings.RESPONDENT_REMINDER_WORKING_DAYS))


def next_step_at(invitation: RespondentInvitation) -> dt.datetime:
    """Return when the job next acts on an unanswered invitation: its next reminder, or the visit."""
    schedule = _schedule()
    if invitation.reminders_sent < len(schedule):
        days = schedule[invitation.reminders_sent]
    else:
        days = (schedule[-1] if schedule else 0) + settings.RESPONDENT_VISIT_AFTER_WORKING_DAYS
    return _at_reminder_hour(add_working_days(invitation.sent_at, days))


def _respondent_label(party: Party) -> str:
    return f"{PartyRole.RESPONDENT.label} · {party.name}"


def _record_as_respondent(matter: Matter, party: Party, *, kind: str, **fields: Any) -> MatterEvent:
    """Append an event written by the respondent through their link (no account, so no actor)."""
    last = MatterEvent.objects.filter(matter=matter).aggregate(last=Max("seq"))["last"] or 0
    event = MatterEvent.objects.create(
        matter=matter, seq=last + 1, kind=kind, actor=None, actor_label=_respondent_label(party), **fields
    )
    hooks.event_written(matter.pk, kind)
    return event


def _lock_matter(matter_id: int) -> Matter:
    return Matter.objects.select_for_update().get(pk=matter_id)


def _notify_handler(matter: Matter, body: str) -> None:
    """Text the matter's mediator, if one is named and has a phone number on file."""
    mediator = matter.mediator
    if mediator is not None and mediator.phone:
        sms_queue(phone=mediator.phone, body=body, purpose="respondent_answer")


def _cancel_visits(party: Party, *, note: str) -> None:
    FieldTask.objects.filter(
        party=party, kind=FieldTaskKind.REACH_RESPONDENT, status=FieldTaskStatus.OPEN
    ).update(status=FieldTaskStatus.CANCELLED, note=note, completed_at=timezone.now())


def clean_proposed_times(values: Iterable[Any], *, today: dt.date | None = None) -> list[ProposedTime]:
    """Return up to three proposed (date, part of day), each from today to 90 days ahead; else raise.

    Each value is a ``ProposedTime``, a (date, part) pair or a mapping with ``date`` and ``part``.
    """
    today = today or timezone.localdate()
    cleaned: list[ProposedTime] = []
    day: Any
    part: Any
    for value in values:
        if isinstance(value, ProposedTime):
            day, part = value.date, value.part
        elif isinstance(value, Mapping):
            day, part = value.get("date"), value.get("part")
        else:
            day, part = value
        if isinstance(day, str):
            try:
                day = dt.date.fromisoformat(day)
            except ValueError:
                raise ValidationError({"proposed_times": _("Enter a valid date.")}) from None
        if not isinstance(day, dt.date) or part not in DayPart.values:
            raise ValidationError({"proposed_times": _("Choose a day and a part of the day.")})
        if not today <= day <= today + dt.timedelta(days=PROPOSE_DAYS_AHEAD):
            raise ValidationError(
                {"proposed_times": _("Choose a day from today to %(days)d days ahead.") % {"days": 90}}
            )
        proposed = ProposedTime(day, part)
        if proposed not in cleaned:
            cleaned.append(proposed)
    if len(cleaned) > MAX_PROPOSED_TIMES:
        raise ValidationError({"proposed_times": _("Propose at most three times.")})
    return sorted(cleaned, key=lambda p: (p.date, DayPart.values.index(p.part)))


def _clean_text(value: str, *, field: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationError({field: _("Enter at most %(max_length)s characters.") % {"max_length": limit}})
    return text


# --- Inviting ---------------------------------------------------------------------------------------------


def may_invite(actor: Actor, matter: Matter) -> bool:
    """Return whether the actor may invite the other side of this matter now."""
    return matter.status in INVITABLE_STATUSES and access.may_act(actor, matter, INVITE_ROLES)


@transaction.atomic
def respondent_invite(*, matter: Matter, party: Party, actor: User) -> RespondentInvitation:
    """Text the respondent a link to answer the matter; an earlier unanswered invitation is replaced.

    By the handling staff (intake or mediation roles), while the matter is accepted, assigned or in
    mediation, for a respondent with a mobile number. Writes ``respondent_invited``.
    """
    matter = matter_lock(actor=actor, matter=matter)
    access.require_act(actor, matter, INVITE_ROLES)
    if matter.status not in INVITABLE_STATUSES:
        raise ValidationError(
            {"matter": _("The other side is invited once the matter is accepted, and before its outcome.")}
        )
    party = Party.objects.filter(pk=party.pk, matter=matter, role=PartyRole.RESPONDENT).first()  # type: ignore[assignment]
    if party is None:
        raise ValidationError({"party": _("Choose a respondent of this matter.")})
    if not party.phone:
        raise ValidationError({"party": _("This respondent has no mobile number; reach them another way.")})
    now = timezone.now()
    earlier = RespondentInvitation.objects.filter(party=party, status__in=WAITING_STATUSES)
    again = RespondentInvitation.objects.filter(party=party).exists()
    earlier.update(status=InvitationStatus.CLOSED, next_reminder_at=None)
    nonce = secrets.token_hex(32)
    invitation = RespondentInvitation(
        matter=matter,
        party=party,
        nonce=nonce,
        sent_at=now,
        expires_at=now + dt.timedelta(days=settings.RESPONDENT_LINK_DAYS),
        created_by=actor,
    )
    invitation.token_hash = token_hash(invitation_token(invitation))
    invitation.next_reminder_at = next_step_at(invitation)
    invitation.save()
    organization = matter.organization.name if matter.organization else _("the dispute resolution centre")
    sms_queue(
        phone=party.phone,
        body=_(
            "【诉源】%(org)s asks you to take part in mediation about “%(title)s” (matter %(code)s). "
            "Read what it is about and answer here: %(url)s"
        )
        % {
            "org": organization,
            "title": matter.title[:20],
            "code": matter.display_code,
            "url": invitation_url(invitation),
        },
        purpose="respondent_invitation",
    )
    matter_event_record(
        matter=matter,
        kind=EventKind.RESPONDENT_INVITED,
        actor=actor,
        data={"party": party.name, "party_id": party.pk, "invitation_id": invitation.pk, "again": again},
    )
    return invitation


# --- Answering through the link ---------------------------------------------------------------------------


@transaction.atomic
def invitation_respond(
    *,
    token: str,
    accept: bool,
    proposed_times: Iterable[Any] = (),
    reply: str = "",
    reason: str = "",
) -> RespondentInvitation:
    """Record the respondent's answer given through their link: agree (with times) or decline (with a reason).

    One decision per invitation: once answered, ``invitation_reply`` adds messages but the answer stays.
    The handler (by text message, if a mediator is named) and the applicant are told.
    """
    reply = _clean_text(reply, field="reply", limit=MAX_REPLY)
    reason = _clean_text(reason, field="reason", limit=MAX_REPLY)
    times = clean_proposed_times(proposed_times) if accept else []
    if not accept and len(reason) < MIN_REASON:
        raise ValidationError({"reason": _("Please tell us briefly why you do not want mediation.")})
    invitation = invitation_for_token(token, for_update=True)
    matter = _lock_matter(invitation.matter_id)
    if invitation.is_answered:
        raise ValidationError({"accept": _("You have already answered. You can still write a message.")})
    if matter.status not in INVITABLE_STATUSES:
        raise ValidationError({"accept": _("This matter is no longer being mediated.")})
    now = timezone.now()
    invitation.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    invitation.responded_at = now
    invitation.proposed_times = [t.as_json() for t in times]
    invitation.reply = reply
    invitation.decline_reason = "" if accept else reason
    invitation.next_reminder_at = None
    invitation.save()
    _cancel_visits(invitation.party, note=_("The other side answered through the link."))
    _record_as_respondent(
        matter,
        invitation.party,
        kind=EventKind.RESPONDENT_ACCEPTED if accept else EventKind.RESPONDENT_DECLINED,
        data={"party": invitation.party.name, "invitation_id": invitation.pk, "proposed": len(times)},
    )
    _tell_about_answer(matter, invitation.party, accept=accept)
    return invitation


def _tell_about_answer(matter: Matter, party: Party, *, accept: bool) -> None:
    values = {"code": matter.display_code, "name": party.name}
    if accept:
        applicant_notify(
            matter, _("【诉源】The other side (%(name)s) agreed to mediation in matter %(code)s.") % values
        )
        _notify_handler(
            matter,
            _("【诉源】%(name)s agreed to mediation in matter %(code)s; see the proposed times.") % values,
        )
    else:
        applicant_notify(
            matter, _("【诉源】The other side (%(name)s) declined mediation in matter %(code)s.") % values
        )
        _notify_handler(matter, _("【诉源】%(name)s declined mediation in matter %(code)s.") % values)


@transaction.atomic
def invitation_reply(*, token: str, text: str) -> MatterEvent:
    """Add a message from the respondent, through their link, for the handling staff (``respondent_replied``)."""
    text = _clean_text(text, field="reply", limit=MAX_REPLY)
    if not text:
        raise ValidationError({"reply": _("Write your message.")})
    invitation = invitation_for_token(token, for_update=True)
    matter = _lock_matter(invitation.matter_id)
    if matter.status not in INVITABLE_STATUSES:
        raise ValidationError({"reply": _("This matter is no longer being mediated.")})
    event = _record_as_respondent(
        matter,
        invitation.party,
        kind=EventKind.RESPONDENT_REPLIED,
        visibility=Visibility.INTERNAL,
        text=text,
        data={"party": invitation.party.name, "invitation_id": invitation.pk},
    )
    _notify_handler(
        matter,
        _("【诉源】%(name)s wrote a message in matter %(code)s.")
        % {"name": invitation.party.name, "code": matter.display_code},
    )
    return event


# --- Reminders and the grid worker's visit (periodic) -----------------------------------------------------


def invitations_remind_due(*, now: dt.datetime | None = None) -> int:
    """Send the reminders that are due, and open a visit where the last one went unanswered; return how many.

    Each invitation is handled in its own transaction under a row lock, and checked again there, so a job
    that runs twice (or two workers at once) sends each reminder once.
    """
    now = now or timezone.now()
    due = list(
        RespondentInvitation.objects.filter(status=InvitationStatus.SENT, next_reminder_at__lte=now)
        .order_by("next_reminder_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    done = 0
    for pk in due:
        with transaction.atomic():
            invitation = (
                RespondentInvitation.objects.select_for_update()
                .filter(pk=pk, status=InvitationStatus.SENT, next_reminder_at__lte=now)
                .select_related("party")
                .first()
            )
            if invitation is None:
                continue  # answered, replaced or handled by another run meanwhile
            matter = _lock_matter(invitation.matter_id)
            if matter.status not in INVITABLE_STATUSES:
                invitation.status = InvitationStatus.CLOSED
                invitation.next_reminder_at = None
                invitation.save(update_fields=["status", "next_reminder_at"])
                continue
            if invitation.reminders_sent < len(_schedule()):
                _remind(invitation, matter)
            else:
                _open_visit(invitation, matter, now=now)
            done += 1
    return done


def _remind(invitation: RespondentInvitation, matter: Matter) -> None:
    invitation.reminders_sent += 1
    invitation.next_reminder_at = next_step_at(invitation)
    invitation.save(update_fields=["reminders_sent", "next_reminder_at"])
    organization = matter.organization.name if matter.organization else _("the dispute resolution centre")
    sms_queue(
        phone=invitation.party.phone,
        body=_(
            "【诉源】Reminder: %(org)s is waiting for your answer about matter %(code)s “%(title)s”. "
            "Please answer here: %(url)s"
        )
        % {
            "org": organization,
            "code": matter.display_code,
            "title": matter.title[:20],
            "url": invitation_url(invitation),
        },
        purpose="respondent_reminder",
    )
    matter_event_record(
        matter=matter,
        kind=EventKind.RESPONDENT_REMINDED,
        actor=None,
        data={"party": invitation.party.name, "reminder": invitation.reminders_sent},
    )


def _has_grid_workers() -> Q:
    return Q(
        memberships__role=Role.GRID_WORKER,
        memberships__is_active=True,
        memberships__user__is_active=True,
    )


def field_task_organization(matter: Matter, party: Party | None) -> Organization | None:
    """Return the organisation whose grid workers should visit ``party``.

    The village (or grid) of the respondent's address, else of the matter's place; up the regions to the
    county, then up the handling organisation's tree, to the nearest organisation that has grid workers.
    """
    from suyuan.regions.address import resolve_address

    places: list[str] = []
    if party is not None and party.address:
        resolved = resolve_address(party.address).region
        if resolved is not None:
            places.append(resolved.code)
    places.append(matter.region_id)
    with_workers = Organization.objects.filter(_has_grid_workers(), is_active=True).distinct()
    for code in places:
        for length in (12, 9, 6):
            if len(code) < length:
                continue
            found = with_workers.filter(region_id=code[:length]).order_by("type", "pk").first()
            if found is not None:
                return found
    organization = matter.organization
    while organization is not None:
        if with_workers.filter(pk=organization.pk).exists():
            return organization
        organization = organization.parent
    return matter.organization


def _open_visit(invitation: RespondentInvitation, matter: Matter, *, now: dt.datetime) -> FieldTask | None:
    invitation.status = InvitationStatus.NO_REACTION
    invitation.next_reminder_at = None
    invitation.save(update_fields=["status", "next_reminder_at"])
    party = invitation.party
    organization = field_task_organization(matter, party)
    if organization is None:
        return None
    due = deadline_at(now, settings.RESPONDENT_VISIT_WORKING_DAYS)
    instructions = _(
        "Visit %(name)s in person%(address)s. Tell them about matter %(code)s (“%(title)s”) and ask whether "
        "they agree to mediation. They did not answer the invitation of %(sent)s nor %(count)d reminder(s)."
    ) % {
        "name": party.name,
        "address": f" ({party.address})" if party.address else "",
        "code": matter.display_code,
        "title": matter.title,
        "sent": timezone.localtime(invitation.sent_at, CHINA).strftime("%Y-%m-%d"),
        "count": invitation.reminders_sent,
    }
    task = FieldTask.objects.create(
        matter=matter,
        kind=FieldTaskKind.REACH_RESPONDENT,
        party=party,
        invitation=invitation,
        organization=organization,
        instructions=instructions,
        due_at=due,
        created_at=now,
    )
    if not matter.region_id.startswith(organization.region_id):
        # The respondent lives outside the matter's place: let that village's grid workers open the matter.
        access_grant_create(
            obj=matter,
            organization=organization,
            reason=GRANT_REASON,
            expires_at=due + dt.timedelta(days=GRANT_DAYS_AFTER_DUE),
        )
    matter_event_record(
        matter=matter,
        kind=EventKind.FIELD_TASK_OPENED,
        actor=None,
        visibility=Visibility.INTERNAL,
        data={"party": party.name, "organization": organization.name, "task_id": task.pk},
    )
    _tell_grid_workers(task, matter)
    return task


def _tell_grid_workers(task: FieldTask, matter: Matter) -> None:
    """Tell the grid workers of the task's organisation, in the workbench and by text message."""
    workers = User.objects.filter(
        memberships__organization=task.organization,
        memberships__role=Role.GRID_WORKER,
        memberships__is_active=True,
        is_active=True,
    ).distinct()
    for worker in workers:
        with translation.override(worker.preferred_language or settings.LANGUAGE_CODE):
            notify(
                user=worker,
                title=_("A visit to make for matter %(code)s") % {"code": matter.display_code},
                body=_(
                    "【诉源】Please visit the other side of matter %(code)s by %(due)s; see the task list."
                )
                % {
                    "code": matter.display_code,
                    "due": timezone.localtime(task.due_at, CHINA).strftime("%Y-%m-%d") if task.due_at else "",
                },
                link=reverse("matters:staff_tasks"),
                purpose="field_task_opened",
            )


# --- Field tasks ------------------------------------------------------------------------------------------


def field_tasks_for_worker(actor: Actor) -> QuerySet[FieldTask]:
    """Return the tasks of the organisations where the actor is a grid worker (and below), or given to them."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        tasks = FieldTask.objects.all()
    elif scope.user_id is None:
        return FieldTask.objects.none()
    else:
        workers = scope_for(actor, roles=[Role.GRID_WORKER])
        query = Q(assignee_id=scope.user_id)
        if workers.is_staff:
            query |= Q(organization_id__in=sorted(workers.organization_ids))
        tasks = FieldTask.objects.filter(query)
    return tasks.select_related("matter", "matter__region", "party", "organization", "assignee")


def access_field_task(actor: Actor, task_id: Any) -> FieldTask:
    """Return the task if the actor works on it or on its matter (staff only); else raise ``NotFound``."""
    try:
        task = field_tasks_for_worker(actor).filter(pk=task_id).first()
        if task is None and scope_for(actor).is_staff:
            task = (
                FieldTask.objects.filter(pk=task_id, matter__in=access.matters_visible_to(actor))
                .select_related("matter", "party", "organization", "assignee")
                .first()
            )
    except (ValueError, TypeError):
        task = None
    if task is None:
        raise NotFound
    return task


def may_complete(actor: Actor, task: FieldTask) -> bool:
    """Return whether the actor may report the task's outcome: its grid workers, or the matter's handlers."""
    scope = scope_for(actor)
    if scope.is_platform_operator or (scope.user_id is not None and task.assignee_id == scope.user_id):
        return True
    if task.organization_id in scope_for(actor, roles=[Role.GRID_WORKER]).organization_ids:
        return True
    return access.may_act(actor, task.matter, access.MEDIATION_ROLES)


def field_tasks_of_matter(actor: Actor, matter: Matter) -> list[FieldTask]:
    """Return the field tasks of a matter the actor already opened, for staff; nothing for anyone else."""
    scope = scope_for(actor)
    if not (scope.is_staff or scope.is_platform_operator):
        return []
    return list(
        FieldTask.objects.filter(matter=matter)
        .select_related("organization", "party", "assignee", "completed_by")
        .order_by("-created_at", "-pk")
    )


@transaction.atomic
def field_task_complete(*, task: FieldTask, actor: User, outcome: str, note: str = "") -> FieldTask:
    """Report the visit: its outcome and a note (``field_task_done``).

    When the grid worker reached the respondent and they agreed (or declined), the answer is recorded on
    their invitation on their behalf, marked as recorded by the grid worker.
    """
    if outcome not in FieldTaskOutcome.values:
        raise ValidationError({"outcome": _("Choose what happened on the visit.")})
    note = _clean_text(note, field="note", limit=MAX_NOTE)
    if outcome == FieldTaskOutcome.REACHED_DECLINES and len(note) < MIN_REASON:
        raise ValidationError({"note": _("Write down why they do not want mediation.")})
    task = access_field_task(actor, task.pk)
    if not may_complete(actor, task):
        raise Forbidden(_("Only the grid workers of this task's organisation report it."))
    matter = _lock_matter(task.matter_id)
    task = FieldTask.objects.select_for_update().get(pk=task.pk)
    if task.status != FieldTaskStatus.OPEN:
        raise ValidationError({"outcome": _("This task is already closed.")})
    now = timezone.now()
    task.status = FieldTaskStatus.DONE
    task.outcome = outcome
    task.note = note
    task.completed_at = now
    task.completed_by = actor
    if task.assignee_id is None:
        task.assignee = actor
    task.save()
    matter_event_record(
        matter=matter,
        kind=EventKind.FIELD_TASK_DONE,
        actor=actor,
        visibility=Visibility.INTERNAL,
        data={"task_id": task.pk, "outcome": outcome, "party": task.party.name if task.party else ""},
        text=note,
    )
    if outcome in (FieldTaskOutcome.REACHED_AGREES, FieldTaskOutcome.REACHED_DECLINES) and task.party:
        _record_on_behalf(matter, task, actor=actor, accept=outcome == FieldTaskOutcome.REACHED_AGREES)
    return task


def _record_on_behalf(matter: Matter, task: FieldTask, *, actor: User, accept: bool) -> None:
    invitation = (
        RespondentInvitation.objects.select_for_update()
        .filter(party=task.party, status__in=WAITING_STATUSES)
        .order_by("-sent_at", "-pk")
        .first()
    )
    if invitation is None or matter.status not in INVITABLE_STATUSES:
        return
    invitation.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    invitation.responded_at = timezone.now()
    invitation.recorded_by = actor
    invitation.next_reminder_at = None
    if not accept:
        invitation.decline_reason = task.note
    invitation.save()
    matter_event_record(
        matter=matter,
        kind=EventKind.RESPONDENT_ACCEPTED if accept else EventKind.RESPONDENT_DECLINED,
        actor=actor,
        data={
            "party": invitation.party.name,
            "invitation_id": invitation.pk,
            "recorded_by_grid_worker": True,
        },
    )
    _tell_about_answer(matter, invitation.party, accept=accept)


# --- Reads for the pages ----------------------------------------------------------------------------------


def invitations_of_matter(actor: Actor, matter: Matter) -> list[RespondentInvitation]:
    """Return the invitations of a matter the actor already opened, newest first, for staff only."""
    scope = scope_for(actor)
    if not (scope.is_staff or scope.is_platform_operator):
        return []
    return list(
        RespondentInvitation.objects.filter(matter=matter)
        .select_related("party", "recorded_by", "created_by")
        .order_by("-sent_at", "-pk")
    )


def answer_summary(matter: Matter) -> list[dict[str, Any]]:
    """Return, per respondent, where their latest invitation stands: for the applicant's page."""
    latest: dict[int, RespondentInvitation] = {}
    for invitation in (
        RespondentInvitation.objects.filter(matter=matter).select_related("party").order_by("sent_at", "pk")
    ):
        latest[invitation.party_id] = invitation
    return [{"party": inv.party, "status": inv.status, "invitation": inv} for inv in latest.values()]


STATUS_FOR_APPLICANT = {
    InvitationStatus.SENT: gettext_lazy("The other side has been invited to answer."),
    InvitationStatus.NO_REACTION: gettext_lazy(
        "The other side has not answered yet; someone from their village will visit them."
    ),
    InvitationStatus.ACCEPTED: gettext_lazy("The other side agreed to mediation."),
    InvitationStatus.DECLINED: gettext_lazy("The other side declined mediation."),
    InvitationStatus.CLOSED: gettext_lazy("The invitation of the other side was closed."),
}
