"""Reads of emergency mode with rules: the list, one incident's page, the board's strip.

Every read starts from ``access.incidents_visible_to``; the queries are a fixed few however many
incidents, tasks and reports there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from suyuan.accounts.access import code_prefix_q
from suyuan.emergency import access
from suyuan.emergency.choices import OPEN_TASK_STATUSES, IncidentStatus, TaskStatus
from suyuan.emergency.models import (
    Incident,
    IncidentEvent,
    IncidentMatter,
    IncidentRegion,
    IncidentTask,
    TaskReport,
)
from suyuan.matters.models import Matter
from suyuan.regions.models import Region

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

LIST_LIMIT = 200
BOARD_LIMIT = 5
OPEN = sorted(OPEN_TASK_STATUSES)


def _with_counts(incidents: QuerySet[Incident], now: dt.datetime) -> QuerySet[Incident]:
    """Annotate each incident with its tasks' counts and the sum of their latest figures (one query)."""
    return incidents.annotate(
        tasks_open=Count("tasks", filter=Q(tasks__status__in=OPEN)),
        tasks_overdue=Count("tasks", filter=Q(tasks__status__in=OPEN, tasks__due_at__lt=now)),
        tasks_done=Count("tasks", filter=Q(tasks__status=TaskStatus.DONE)),
        people_moved=Sum("tasks__people_moved", filter=~Q(tasks__status=TaskStatus.CANCELLED), default=0),
        people_sheltered=Sum(
            "tasks__people_sheltered", filter=~Q(tasks__status=TaskStatus.CANCELLED), default=0
        ),
    )


def incident_list(*, actor: Actor) -> list[Incident]:
    """Return the incidents the actor may see: active first, then the newest; with their task counts."""
    now = timezone.now()
    incidents = _with_counts(
        incidents_ordered(actor).select_related("organization"),
        now,
    )
    return list(incidents[:LIST_LIMIT])


def incidents_ordered(actor: Actor) -> QuerySet[Incident]:
    active_first = Case(
        When(status=IncidentStatus.ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        access.incidents_visible_to(actor)
        .annotate(active_first=active_first)
        .order_by("active_first", "-declared_at", "-pk")
    )


def region_names(incidents: list[Incident]) -> dict[int, list[Region]]:
    """Return each incident's regions, in one query."""
    found: dict[int, list[Region]] = {i.pk: [] for i in incidents}
    rows = (
        IncidentRegion.objects.filter(incident_id__in=list(found))
        .select_related("region")
        .order_by("region_id")
    )
    for row in rows:
        found[row.incident_id].append(row.region)
    return found


@dataclass
class IncidentPage:
    """What one incident's page shows."""

    incident: Incident
    regions: list[Region]
    tasks: list[IncidentTask]
    totals: dict[str, int]
    needs: list[tuple[IncidentTask, str]]  # the latest needs of the open tasks that have any
    events: list[IncidentEvent]
    tagged_count: int
    tagged: list[Matter]  # the tagged disputes the viewer may open
    at: dt.datetime
    overdue_ids: set[int] = field(default_factory=set)


def incident_page(*, actor: Actor, incident: Incident) -> IncidentPage:
    """Return one incident's page (the caller read ``incident`` through ``access.access_incident``)."""
    now = timezone.now()
    regions = [r.region for r in incident.incident_regions.select_related("region").order_by("region_id")]
    tasks = list(
        incident.tasks.select_related("organization", "acknowledged_by").order_by("created_at", "pk")
    )
    counted = [t for t in tasks if t.status != TaskStatus.CANCELLED]
    totals = {
        "people_moved": sum(t.people_moved for t in counted),
        "people_sheltered": sum(t.people_sheltered for t in counted),
        "open": sum(1 for t in tasks if t.status in OPEN_TASK_STATUSES),
        "overdue": sum(1 for t in tasks if t.is_overdue(now)),
        "done": sum(1 for t in tasks if t.status == TaskStatus.DONE),
        "all": len(tasks),
    }
    events = list(incident.events.select_related("actor", "task").order_by("created_at", "pk"))
    tag_ids = list(IncidentMatter.objects.filter(incident=incident).values_list("matter_id", flat=True))
    tagged = list(access.matters_openable(actor, tag_ids).order_by("created_at")) if tag_ids else []
    return IncidentPage(
        incident=incident,
        regions=regions,
        tasks=tasks,
        totals=totals,
        needs=[(t, t.needs) for t in tasks if t.needs and t.status in OPEN_TASK_STATUSES],
        events=events,
        tagged_count=len(tag_ids),
        tagged=tagged,
        at=now,
        overdue_ids={t.pk for t in tasks if t.is_overdue(now)},
    )


def task_reports(task: IncidentTask) -> list[TaskReport]:
    """Return a task's reports, oldest first (the caller read ``task`` through ``access.access_task``)."""
    return list(task.reports.select_related("author").order_by("created_at", "pk"))


@dataclass(frozen=True)
class BoardIncident:
    pk: int
    title: str
    kind: str
    kind_label: str
    level: str
    level_label: str
    declared_at: dt.datetime
    tasks_open: int
    tasks_overdue: int
    tasks_done: int
    people_moved: int
    people_sheltered: int


def board_incidents(actor: Actor, region_code: str) -> list[BoardIncident]:
    """Return the active incidents the actor may see whose regions overlap ``region_code``, with their
    task counts and figures, in one query (the most severe and newest first)."""
    overlapping = IncidentRegion.objects.filter(access.overlap_q([region_code])).values("incident_id")
    severity = Case(
        When(level="red", then=Value(0)),
        When(level="orange", then=Value(1)),
        When(level="yellow", then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    incidents = (
        _with_counts(
            access.incidents_visible_to(actor).filter(status=IncidentStatus.ACTIVE, pk__in=overlapping),
            timezone.now(),
        )
        .annotate(severity=severity)
        .order_by("severity", "-declared_at", "-pk")
    )
    return [
        BoardIncident(
            pk=i.pk,
            title=i.title,
            kind=i.kind,
            kind_label=i.get_kind_display(),
            level=i.level,
            level_label=i.get_level_display(),
            declared_at=i.declared_at,
            tasks_open=i.tasks_open,  # type: ignore[attr-defined]
            tasks_overdue=i.tasks_overdue,  # type: ignore[attr-defined]
            tasks_done=i.tasks_done,  # type: ignore[attr-defined]
            people_moved=i.people_moved,  # type: ignore[attr-defined]
            people_sheltered=i.people_sheltered,  # type: ignore[attr-defined]
        )
        for i in incidents[:BOARD_LIMIT]
    ]


def region_choices(actor: Actor) -> list[tuple[str, str]]:
    """Return the regions the actor may declare over: each declaring centre's region and one level below."""
    centres = list(access.declaring_organizations(actor))
    if not centres:
        return []
    query = Q(pk__in=[])
    for centre in centres:
        query |= code_prefix_q("code", centre.region_id) & Q(level__lte=centre.region.level + 1)
    return [(r.code, f"{r.code} {r.name}") for r in Region.objects.filter(query).order_by("code")[:500]]
