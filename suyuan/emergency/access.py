"""Who may see and act on incidents: the chokepoint the pages go through.

* **Command** (declare, send tasks, change the level, cancel tasks, close): supervisors and dispatchers of
  a county or township centre. They declare for their own centre, over regions inside its region; they
  command the incidents of their centre and of the centres below it.
* **Tasks** (acknowledge, report progress, mark done): dispatchers, supervisors, mediators and grid
  workers of the organisation the task is assigned to.
* **View**: supervisors, dispatchers, analysts and mediators whose scope overlaps one of the incident's regions (the
  incident's region lies in their area, or their area lies in it) or holds the declaring centre; and the
  task staff of an organisation that has a task in it. Incidents hold no personal data, so analysts see
  them; the tagged disputes are listed only to those who may open them.
* Everyone else (citizens, administrators, court and agency staff, staff of another county) sees
  nothing; a hidden incident answers ``NotFound`` like a missing one. Platform operators see everything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from suyuan.accounts.access import code_prefix_q, scope_for
from suyuan.accounts.choices import OrganizationType, Role
from suyuan.accounts.models import Organization
from suyuan.core.exceptions import NotFound
from suyuan.emergency.models import Incident, IncidentRegion, IncidentTask
from suyuan.matters import access as matter_access
from suyuan.matters.models import Matter

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

PROTECTED_MODELS = (
    "Incident",
    "IncidentRegion",
    "IncidentTask",
    "TaskReport",
    "IncidentEvent",
    "IncidentMatter",
)

COMMAND_ROLES = frozenset({Role.SUPERVISOR, Role.DISPATCHER})
# See the incidents over their area: the centres' rooms, and the mediators who handle what arises there.
WATCH_ROLES = frozenset({Role.SUPERVISOR, Role.DISPATCHER, Role.ANALYST, Role.MEDIATOR})
TASK_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.MEDIATOR, Role.GRID_WORKER})
# Staff who may tag a dispute with an incident: those who take in or mediate it.
TAG_ROLES = matter_access.INTAKE_ROLES | matter_access.MEDIATION_ROLES
CENTRE_TYPES = (OrganizationType.COUNTY_CENTRE, OrganizationType.TOWNSHIP_CENTRE)
TASK_ORGANIZATION_TYPES = (OrganizationType.TOWNSHIP_CENTRE, OrganizationType.VILLAGE_COMMITTEE)


def _ancestor_codes(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9) if n < len(code)]


def works_with_incidents(actor: Actor) -> bool:
    """Return whether the actor holds a role that has emergency pages."""
    scope = scope_for(actor)
    return scope.is_platform_operator or scope.has_role(*(WATCH_ROLES | TASK_ROLES))


def overlap_q(prefixes: tuple[str, ...] | list[str], field: str = "region_id") -> Q:
    """Return a filter of incident regions (``field`` holds the code) that overlap one of ``prefixes``:
    inside it, or enclosing it."""
    query = Q(pk__in=[])
    for prefix in prefixes:
        query |= code_prefix_q(field, prefix)
    above = sorted({code for prefix in prefixes for code in _ancestor_codes(prefix)})
    if above:
        query |= Q(**{f"{field}__in": above})
    return query


def incidents_visible_to(actor: Actor) -> QuerySet[Incident]:
    """Return every incident the actor may read."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return Incident.objects.all()
    if not scope.is_staff:
        return Incident.objects.none()
    visible = Q(pk__in=[])
    watch = scope_for(actor, roles=WATCH_ROLES)
    if watch.is_staff:
        if watch.region_codes:
            regions = IncidentRegion.objects.filter(overlap_q(watch.region_codes), incident=OuterRef("pk"))
            visible |= Q(Exists(regions))
        visible |= watch.organization_q("organization__")
    tasks = scope_for(actor, roles=TASK_ROLES)
    if tasks.is_staff:
        assigned = IncidentTask.objects.filter(
            incident=OuterRef("pk"), organization_id__in=sorted(tasks.own_organization_ids)
        )
        visible |= Q(Exists(assigned))
    return Incident.objects.filter(visible)


def access_incident(actor: Actor, incident_id: Any, *, for_update: bool = False) -> Incident:
    """Return the incident if the actor may see it (locked for update if asked), else raise ``NotFound``."""
    try:
        pk = incidents_visible_to(actor).values_list("pk", flat=True).get(pk=incident_id)
        if for_update:
            return Incident.objects.select_for_update().get(pk=pk)
        return Incident.objects.select_related("organization", "declared_by", "closed_by").get(pk=pk)
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def tasks_visible_to(actor: Actor) -> QuerySet[IncidentTask]:
    """Return the tasks of the incidents the actor may read."""
    return IncidentTask.objects.filter(incident__in=incidents_visible_to(actor).values("pk"))


def access_task(actor: Actor, task_id: Any, *, for_update: bool = False) -> IncidentTask:
    """Return the task if the actor may see its incident (locked if asked), else raise ``NotFound``."""
    try:
        pk = tasks_visible_to(actor).values_list("pk", flat=True).get(pk=task_id)
        if for_update:
            return IncidentTask.objects.select_for_update().get(pk=pk)
        return IncidentTask.objects.select_related(
            "incident", "incident__organization", "organization", "created_by", "acknowledged_by", "done_by"
        ).get(pk=pk)
    except (IncidentTask.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


# --- What one may do ---------------------------------------------------------------------------------


def declaring_organizations(actor: Actor) -> QuerySet[Organization]:
    """Return the centres the actor may declare an incident for (supervisor or dispatcher there)."""
    scope = scope_for(actor)
    centres = Organization.objects.filter(type__in=CENTRE_TYPES, is_active=True).select_related("region")
    if scope.is_platform_operator:
        return centres.order_by("region_id", "pk")
    command = scope_for(actor, roles=COMMAND_ROLES)
    return centres.filter(pk__in=sorted(command.own_organization_ids)).order_by("region_id", "pk")


def may_declare(actor: Actor) -> bool:
    return declaring_organizations(actor).exists()


def may_command(actor: Actor, incident: Incident) -> bool:
    """Return whether the actor commands the incident: supervisor or dispatcher of its declaring centre or
    of a centre above it."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return True
    command = scope_for(actor, roles=COMMAND_ROLES)
    if not command.is_staff:
        return False
    return incident.organization_id in command.organization_ids or command.covers_region(
        incident.organization.region_id
    )


def may_work_on(actor: Actor, task: IncidentTask) -> bool:
    """Return whether the actor is staff of the organisation the task is assigned to."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return True
    return task.organization_id in scope_for(actor, roles=TASK_ROLES).own_organization_ids


def may_tag(actor: Actor, matter: Matter) -> bool:
    """Return whether the actor may tag ``matter`` (which they can see) with an incident they can see."""
    return matter_access.may_act(actor, matter, TAG_ROLES)


def assignable_organizations(incident: Incident) -> QuerySet[Organization]:
    """Return the organisations a task of ``incident`` may go to: township centres and village committees
    inside the incident's regions and strictly below its declaring centre."""
    codes = list(incident.incident_regions.values_list("region_id", flat=True))
    centre_code = incident.organization.region_id
    inside = Q(pk__in=[])
    for code in codes:
        inside |= code_prefix_q("region_id", code)
    return (
        Organization.objects.filter(inside, code_prefix_q("region_id", centre_code))
        .exclude(region_id=centre_code)
        .filter(type__in=TASK_ORGANIZATION_TYPES, is_active=True)
        .order_by("region_id", "pk")
    )


def organization_for_task(incident: Incident, organization_id: Any) -> Organization | None:
    """Return the organisation if a task of ``incident`` may go to it, else None."""
    try:
        return assignable_organizations(incident).filter(pk=int(organization_id)).first()
    except (ValueError, TypeError):
        return None


def matters_openable(actor: Actor, matter_ids: list[int]) -> QuerySet[Matter]:
    """Return those of ``matter_ids`` the actor may open."""
    return matter_access.matters_visible_to(actor).filter(pk__in=matter_ids)
