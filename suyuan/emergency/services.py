"""Every change in emergency mode: declare, change the level, add regions, close; send, acknowledge,
report on, finish and cancel tasks; tag a dispute. Each is atomic and writes a row of the incident's
timeline (``IncidentEvent``).

Errors: bad input raises ``ValidationError`` naming the field; a command the incident's or task's status
does not allow raises ``StateError`` (the pages answer 409); a command the actor may not give raises
``Forbidden``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership, Organization, User
from suyuan.core.exceptions import Forbidden
from suyuan.emergency import access
from suyuan.emergency.choices import (
    FINAL_TASK_STATUSES,
    OPEN_TASK_STATUSES,
    IncidentEventKind,
    IncidentKind,
    IncidentLevel,
    IncidentStatus,
    TaskStatus,
)
from suyuan.emergency.models import (
    Incident,
    IncidentEvent,
    IncidentMatter,
    IncidentRegion,
    IncidentTask,
    TaskReport,
)
from suyuan.matters.choices import EventKind, Visibility
from suyuan.matters.models import Matter
from suyuan.matters.services import matter_event_record, matter_lock
from suyuan.notifications.services import notify
from suyuan.regions.models import Region

MAX_TITLE = 200
MAX_TEXT = 5000
MIN_SUMMARY = 4
MIN_REASON = 4
MAX_REGIONS = 50
MAX_PEOPLE = 1_000_000  # more than live in any county: a typo, not a count
MAX_DUE_DAYS = 30
# Told of a new task; a village committee without them tells its mediators and grid workers instead.
TOLD_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)
TOLD_FALLBACK_ROLES = (Role.MEDIATOR, Role.GRID_WORKER)


class StateError(Exception):
    """Raised when the status of an incident or a task does not allow the command."""

    def __init__(self, message: Any) -> None:
        self.message = str(message)
        super().__init__(self.message)


COMMANDS = {
    "acknowledge": gettext_lazy("acknowledged"),
    "report": gettext_lazy("reported on"),
    "done": gettext_lazy("marked done"),
    "cancel": gettext_lazy("cancelled"),
}


def _task_state_error(task: IncidentTask, command: str) -> StateError:
    return StateError(
        _("A task that is “%(status)s” cannot be %(command)s.")
        % {"status": TaskStatus(task.status).label, "command": COMMANDS[command]}
    )


def _closed_error() -> StateError:
    return StateError(_("This incident is closed."))


# --- Helpers -------------------------------------------------------------------------------------------


def _text(value: str | None, *, field: str, required: bool, limit: int = MAX_TEXT, minimum: int = 1) -> str:
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


def _choice(value: str, choices: type[Any], field: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: _("Choose a valid option.")})
    return value


def _people(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a whole number.")}) from None
    if number < 0:
        raise ValidationError({field: _("A number of people cannot be negative.")})
    if number > MAX_PEOPLE:
        raise ValidationError(
            {field: _("That is more than %(max)s people: check the number.") % {"max": f"{MAX_PEOPLE:,}"}}
        )
    return number


def _event(
    incident: Incident,
    kind: str,
    actor: User | None,
    /,
    *,
    task: IncidentTask | None = None,
    **data: Any,
) -> IncidentEvent:
    return IncidentEvent.objects.create(incident=incident, kind=kind, actor=actor, task=task, data=data)


def _regions(codes: Iterable[str], centre: Organization) -> list[Region]:
    wanted = sorted({str(code).strip() for code in codes if str(code).strip()})
    if not wanted:
        raise ValidationError({"regions": _("Choose at least one region.")})
    if len(wanted) > MAX_REGIONS:
        raise ValidationError({"regions": _("Choose at most %(max)s regions.") % {"max": MAX_REGIONS}})
    found = {r.code: r for r in Region.objects.filter(code__in=wanted)}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise ValidationError({"regions": _("Unknown region: %(codes)s.") % {"codes": ", ".join(unknown)}})
    outside = [found[c].name for c in wanted if not c.startswith(centre.region_id)]
    if outside:
        raise ValidationError(
            {
                "regions": _("%(regions)s lie outside the area of %(centre)s.")
                % {"regions": "、".join(outside), "centre": centre.name}
            }
        )
    return [found[code] for code in wanted]


def _lock_incident(incident: Incident) -> Incident:
    locked = Incident.objects.select_for_update().select_related("organization").get(pk=incident.pk)
    return locked


def _require_command(actor: User, incident: Incident) -> None:
    if not access.may_command(actor, incident):
        raise Forbidden(_("Only supervisors and dispatchers of the declaring centre (or above) may do this."))


def _lock_task(task: IncidentTask) -> IncidentTask:
    return IncidentTask.objects.select_for_update().select_related("incident", "organization").get(pk=task.pk)


# --- Incidents -----------------------------------------------------------------------------------------


@transaction.atomic
def incident_declare(
    *,
    actor: User,
    organization: Organization,
    kind: str,
    level: str,
    title: str,
    description: str = "",
    region_codes: Iterable[str],
    demo_key: str = "",
) -> Incident:
    """Declare an incident for ``organization`` (a centre where the actor commands) over its regions."""
    if not access.declaring_organizations(actor).filter(pk=organization.pk).exists():
        raise Forbidden(
            _("Only supervisors and dispatchers of a county or township centre declare incidents.")
        )
    kind = _choice(kind, IncidentKind, "kind")
    level = _choice(level, IncidentLevel, "level")
    title = _text(title, field="title", required=True, limit=MAX_TITLE)
    description = _text(description, field="description", required=False)
    regions = _regions(region_codes, organization)
    incident = Incident.objects.create(
        kind=kind,
        level=level,
        title=title,
        description=description,
        organization=organization,
        declared_by=actor,
        demo_key=demo_key,
    )
    IncidentRegion.objects.bulk_create([IncidentRegion(incident=incident, region=r) for r in regions])
    _event(
        incident,
        IncidentEventKind.DECLARED,
        actor,
        kind=kind,
        level=level,
        title=title,
        organization=organization.name,
        regions=[{"code": r.code, "name": r.name} for r in regions],
    )
    return incident


@transaction.atomic
def incident_add_regions(*, incident: Incident, actor: User, region_codes: Iterable[str]) -> list[Region]:
    """Add regions to an active incident; return those that were new."""
    incident = _lock_incident(incident)
    _require_command(actor, incident)
    if not incident.is_active:
        raise _closed_error()
    regions = _regions(region_codes, incident.organization)
    have = set(incident.incident_regions.values_list("region_id", flat=True))
    new = [r for r in regions if r.code not in have]
    if not new:
        raise ValidationError({"regions": _("The incident already covers these regions.")})
    IncidentRegion.objects.bulk_create([IncidentRegion(incident=incident, region=r) for r in new])
    _event(
        incident,
        IncidentEventKind.REGION_ADDED,
        actor,
        regions=[{"code": r.code, "name": r.name} for r in new],
    )
    return new


@transaction.atomic
def incident_change_level(*, incident: Incident, actor: User, level: str, note: str = "") -> Incident:
    """Raise or lower the incident's warning level."""
    incident = _lock_incident(incident)
    _require_command(actor, incident)
    if not incident.is_active:
        raise _closed_error()
    level = _choice(level, IncidentLevel, "level")
    note = _text(note, field="note", required=False)
    if level == incident.level:
        raise ValidationError({"level": _("The incident is already at this level.")})
    previous = incident.level
    incident.level = level
    incident.save(update_fields=["level"])
    _event(incident, IncidentEventKind.LEVEL_CHANGED, actor, previous=previous, level=level, note=note)
    return incident


@transaction.atomic
def incident_close(*, incident: Incident, actor: User, summary: str) -> Incident:
    """Close the incident with a summary; every task must be done or cancelled first."""
    incident = _lock_incident(incident)
    _require_command(actor, incident)
    if not incident.is_active:
        raise _closed_error()
    summary = _text(summary, field="summary", required=True, minimum=MIN_SUMMARY)
    still_open = incident.tasks.filter(status__in=sorted(OPEN_TASK_STATUSES)).count()
    if still_open:
        raise ValidationError(
            {
                "summary": _(
                    "%(count)s tasks are still open: mark them done or cancel them before closing the incident."
                )
                % {"count": still_open}
            }
        )
    now = timezone.now()
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = now
    incident.closed_by = actor
    incident.close_summary = summary
    incident.save(update_fields=["status", "closed_at", "closed_by", "close_summary"])
    _event(incident, IncidentEventKind.CLOSED, actor, summary=summary)
    return incident


# --- Tasks ---------------------------------------------------------------------------------------------


def _notify_task(task: IncidentTask, actor: User) -> int:
    """Tell the assigned organisation's dispatchers and supervisors (or, if it has none, its mediators and
    grid workers) of a new task; return how many people were told."""
    members = list(
        Membership.objects.filter(
            organization=task.organization,
            is_active=True,
            user__is_active=True,
            role__in=TOLD_ROLES + TOLD_FALLBACK_ROLES,
        ).select_related("user")
    )
    chosen = [m for m in members if m.role in TOLD_ROLES] or members
    users = {m.user.pk: m.user for m in chosen if m.user.pk != actor.pk}
    body = _("【诉源】Emergency task from %(centre)s: %(title)s.") % {
        "centre": task.incident.organization.name,
        "title": task.title,
    }
    for user in users.values():
        notify(
            user=user,
            title=body.removeprefix("【诉源】")[:200],
            body=body,
            link=reverse("emergency:task", kwargs={"task_id": task.pk}),
            purpose="emergency_task",
            email=False,
        )
    return len(users)


def _due(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    now = timezone.now()
    if value <= now:
        raise ValidationError({"due_at": _("The due time must be in the future.")})
    if value > now + dt.timedelta(days=MAX_DUE_DAYS):
        raise ValidationError({"due_at": _("Give at most %(days)s days.") % {"days": MAX_DUE_DAYS}})
    return value


@transaction.atomic
def task_send(
    *,
    incident: Incident,
    actor: User,
    organization: Organization,
    title: str,
    instructions: str = "",
    due_at: dt.datetime | None = None,
) -> IncidentTask:
    """Send a task to a township centre or village committee inside the incident's regions, below its
    declaring centre; tell its staff."""
    incident = _lock_incident(incident)
    _require_command(actor, incident)
    if not incident.is_active:
        raise _closed_error()
    title = _text(title, field="title", required=True, limit=MAX_TITLE)
    instructions = _text(instructions, field="instructions", required=False)
    due_at = _due(due_at)
    if access.organization_for_task(incident, organization.pk) is None:
        raise ValidationError(
            {
                "organization": _(
                    "%(org)s cannot receive tasks of this incident: choose a township centre or village "
                    "committee inside the incident's regions and below %(centre)s."
                )
                % {"org": organization.name, "centre": incident.organization.name}
            }
        )
    task = IncidentTask.objects.create(
        incident=incident,
        organization=organization,
        title=title,
        instructions=instructions,
        due_at=due_at,
        created_by=actor,
    )
    _event(
        incident,
        IncidentEventKind.TASK_SENT,
        actor,
        task=task,
        title=title,
        organization=organization.name,
        due_at=due_at.isoformat() if due_at else None,
    )
    _notify_task(task, actor)
    return task


def _require_worker(actor: User, task: IncidentTask) -> None:
    if not access.may_work_on(actor, task):
        raise Forbidden(_("Only staff of the organisation the task was sent to may do this."))


@transaction.atomic
def task_acknowledge(*, task: IncidentTask, actor: User) -> IncidentTask:
    """The assigned organisation acknowledges the task."""
    task = _lock_task(task)
    _require_worker(actor, task)
    if task.status != TaskStatus.SENT:
        raise _task_state_error(task, "acknowledge")
    task.status = TaskStatus.ACKNOWLEDGED
    task.acknowledged_at = timezone.now()
    task.acknowledged_by = actor
    task.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    _event(
        task.incident,
        IncidentEventKind.TASK_ACKNOWLEDGED,
        actor,
        task=task,
        organization=task.organization.name,
    )
    return task


@transaction.atomic
def task_report(
    *,
    task: IncidentTask,
    actor: User,
    people_moved: Any,
    people_sheltered: Any,
    needs: str = "",
    note: str = "",
) -> TaskReport:
    """Report progress: the figures so far (cumulative; the latest report's figures are the task's)."""
    task = _lock_task(task)
    _require_worker(actor, task)
    if task.status not in OPEN_TASK_STATUSES:
        raise _task_state_error(task, "report")
    moved = _people(people_moved, "people_moved")
    sheltered = _people(people_sheltered, "people_sheltered")
    needs = _text(needs, field="needs", required=False)
    note = _text(note, field="note", required=False)
    report = TaskReport.objects.create(
        task=task, author=actor, people_moved=moved, people_sheltered=sheltered, needs=needs, note=note
    )
    if task.status == TaskStatus.SENT:  # reporting implies the task was received
        task.acknowledged_at = report.created_at
        task.acknowledged_by = actor
    task.status = TaskStatus.IN_PROGRESS
    task.people_moved = moved
    task.people_sheltered = sheltered
    task.needs = needs
    task.reported_at = report.created_at
    task.save(
        update_fields=[
            "status",
            "acknowledged_at",
            "acknowledged_by",
            "people_moved",
            "people_sheltered",
            "needs",
            "reported_at",
        ]
    )
    _event(
        task.incident,
        IncidentEventKind.TASK_REPORTED,
        actor,
        task=task,
        organization=task.organization.name,
        people_moved=moved,
        people_sheltered=sheltered,
        needs=needs,
        note=note,
    )
    return report


@transaction.atomic
def task_done(*, task: IncidentTask, actor: User, note: str = "") -> IncidentTask:
    """Mark the task done: the assigned organisation, or whoever commands the incident."""
    task = _lock_task(task)
    if not (access.may_work_on(actor, task) or access.may_command(actor, task.incident)):
        raise Forbidden(_("Only staff of the organisation the task was sent to may do this."))
    if task.status in FINAL_TASK_STATUSES:
        raise _task_state_error(task, "done")
    note = _text(note, field="note", required=False)
    task.status = TaskStatus.DONE
    task.done_at = timezone.now()
    task.done_by = actor
    task.save(update_fields=["status", "done_at", "done_by"])
    _event(
        task.incident,
        IncidentEventKind.TASK_DONE,
        actor,
        task=task,
        organization=task.organization.name,
        note=note,
    )
    return task


@transaction.atomic
def task_cancel(*, task: IncidentTask, actor: User, reason: str) -> IncidentTask:
    """Cancel the task, with a reason (whoever commands the incident)."""
    task = _lock_task(task)
    _require_command(actor, task.incident)
    if task.status in FINAL_TASK_STATUSES:
        raise _task_state_error(task, "cancel")
    reason = _text(reason, field="reason", required=True, minimum=MIN_REASON)
    task.status = TaskStatus.CANCELLED
    task.cancelled_at = timezone.now()
    task.cancel_reason = reason
    task.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    _event(
        task.incident,
        IncidentEventKind.TASK_CANCELLED,
        actor,
        task=task,
        organization=task.organization.name,
        reason=reason,
    )
    return task


# --- Disputes arising from an incident -----------------------------------------------------------------


@transaction.atomic
def incident_tag_matter(*, incident: Incident, actor: User, matter: Matter) -> IncidentMatter:
    """Tag a dispute as arising from the incident: its place lies in the incident's regions, it was
    received on or after the declaration, and the actor may handle it. Writes an event on both logs."""
    if not access.may_tag(actor, matter):
        raise Forbidden(_("Only staff who take in or mediate this dispute may tag it."))
    matter = matter_lock(actor=actor, matter=matter)
    incident = _lock_incident(incident)
    codes = list(incident.incident_regions.values_list("region_id", flat=True))
    if not any(matter.region_id.startswith(code) for code in codes):
        raise ValidationError({"code": _("This dispute's place lies outside the incident's regions.")})
    if matter.created_at < incident.declared_at:
        raise ValidationError({"code": _("This dispute was received before the incident was declared.")})
    if IncidentMatter.objects.filter(incident=incident, matter=matter).exists():
        raise ValidationError({"code": _("This dispute is already tagged with the incident.")})
    tag = IncidentMatter.objects.create(incident=incident, matter=matter, tagged_by=actor)
    matter_event_record(
        matter=matter,
        kind=EventKind.INCIDENT_TAGGED,
        actor=actor,
        data={"incident": incident.pk, "title": incident.title, "kind": incident.kind},
        visibility=Visibility.INTERNAL,
    )
    _event(incident, IncidentEventKind.MATTER_TAGGED, actor, matter=matter.pk)
    return tag
