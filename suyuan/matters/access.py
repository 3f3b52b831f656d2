"""Who may see and act on a matter: the chokepoint every view and API goes through.

* Centre and committee staff (grid workers, mediators, dispatchers, supervisors, administrators) see
  the matters of the regions below their organisations, and the matters their organisation tree handles.
* Court and agency staff see the matters their own organisations handle (referrals reach them so),
  not every matter of their county.
* Analysts work with aggregate figures only: no matter pages.
* Citizens see the matters they brought and those where they are a party: with their account, or with
  the mobile number they signed in with (verified by a texted code).
* The assigned mediator always sees the matter; platform operators see everything.

``access_matter`` raises ``NotFound`` for a missing and a hidden matter alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet

from suyuan.accounts.access import scope_for, shared_object_ids
from suyuan.accounts.choices import Role
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import codes
from suyuan.matters.models import Matter, MatterEvent, Party

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

PROTECTED_MODELS = (
    "Matter",
    "Party",
    "MatterEvent",
    "Document",
    "MatterRating",
    "ImportBatch",
    "RespondentInvitation",
    "FieldTask",
)

REGION_ROLES = frozenset(
    {Role.GRID_WORKER, Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR}
)
# Judges are not here: a judge sees the matters of the court cases assigned to them (the court app
# shares each one with its judge when it assigns them), not every matter their court handles.
HANDLING_ROLES = frozenset({Role.COURT_CLERK, Role.AGENCY_OFFICER})

# Who may give which kind of command (besides platform operators), on a matter they can see.
INTAKE_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR})  # accept, decline, merge, assign, escalate
MEDIATION_ROLES = frozenset({Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR})  # run and record mediation
ENTRY_ROLES = frozenset(
    {Role.GRID_WORKER, Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR}
)  # enter for walk-ins


def works_with_matters(actor: Actor) -> bool:
    """Return whether the actor holds a role that has matter pages (everyone on staff but analysts)."""
    scope = scope_for(actor)
    return scope.is_platform_operator or scope.has_role(*(REGION_ROLES | HANDLING_ROLES | {Role.JUDGE}))


def shared_with_staff(actor: Actor, matter: Matter) -> bool:
    """Return whether the matter was shared with the actor (or their organisation) as staff: a judge
    the court assigned, a court-invited mediator, a grid worker visiting outside their village."""
    scope = scope_for(actor)
    if not scope.is_staff:
        return False
    return shared_object_ids(actor, Matter).filter(object_id=str(matter.pk)).exists()


def _staff_q(actor: Actor, roles: frozenset[str]) -> Q:
    """Return the filter of matters that ``actor``'s memberships in ``roles`` let them see."""
    query = Q(pk__in=[])
    region_scope = scope_for(actor, roles=roles & REGION_ROLES)
    if region_scope.is_staff:
        query |= region_scope.region_q("region__code") | region_scope.organization_q("organization__")
    handling_scope = scope_for(actor, roles=roles & HANDLING_ROLES)
    if handling_scope.is_staff:
        query |= Q(organization_id__in=sorted(handling_scope.organization_ids))
    return query


def matters_visible_to(actor: Actor) -> QuerySet[Matter]:
    """Return every matter the actor may open."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return Matter.objects.all()
    if not scope.is_authenticated:
        return Matter.objects.none()
    user_id = scope.user_id or 0  # authenticated, so never 0
    own = (
        Q(owner_id=user_id)
        | Q(mediator_id=user_id)
        | Q(Exists(Party.objects.filter(matter=OuterRef("pk"), user_id=user_id)))
    )
    if not scope.is_staff:
        # A citizen signs in with a code texted to their phone, so that number is theirs: they also see
        # the matters where a party has it (a respondent told to read the agreement on the portal, an
        # applicant whose matter staff entered at a window), as the text messages about them promise.
        phone_hash = getattr(actor, "phone_hash", None)
        if phone_hash:
            own |= Q(Exists(Party.objects.filter(matter=OuterRef("pk"), phone_hash=phone_hash)))
        return Matter.objects.filter(own | Q(pk__in=shared_object_ids(actor, Matter)))
    # Staff see thousands of matters by region and organisation. Their few own and shared matters are
    # looked up first, so the filter is a union of indexed conditions instead of a scan of every row.
    own_ids = set(
        Matter.objects.filter(owner_id=user_id)
        .order_by()
        .values_list("pk", flat=True)
        .union(
            Matter.objects.filter(mediator_id=user_id).order_by().values_list("pk", flat=True),
            Party.objects.filter(user_id=user_id).order_by().values_list("matter_id", flat=True),
        )
    )
    own_ids.update(int(pk) for pk in shared_object_ids(actor, Matter))
    visible = _staff_q(actor, REGION_ROLES | HANDLING_ROLES)
    if own_ids:
        visible |= Q(pk__in=sorted(own_ids))
    return Matter.objects.filter(visible)


def access_matter(actor: Actor, matter_id: Any, *, for_update: bool = False) -> Matter:
    """Return the matter if the actor may see it (locked for update if asked), else raise ``NotFound``."""
    try:
        queryset = matters_visible_to(actor)
        if for_update:
            # Lock only the matter row: the visibility filter may join tables that must not be locked.
            matter_id = queryset.values_list("pk", flat=True).get(pk=matter_id)
            return Matter.objects.select_for_update().get(pk=matter_id)
        return queryset.select_related("region", "category", "organization", "mediator").get(pk=matter_id)
    except (Matter.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def matter_for_code(actor: Actor, tracking_code: str, *, for_update: bool = False) -> Matter:
    """Return the matter with this tracking code (any spelling: spaces, dashes, lower case) if the actor
    may see it, else raise ``NotFound`` (a malformed code too)."""
    try:
        tracking_code = codes.normalize(tracking_code)
    except ValidationError:
        raise NotFound from None
    pk = matters_visible_to(actor).filter(tracking_code=tracking_code).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFound
    return access_matter(actor, pk, for_update=for_update)


def may_act(actor: Actor, matter: Matter, roles: frozenset[str]) -> bool:
    """Return whether the actor holds one of ``roles`` with this matter in that role's scope."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return True
    if Role.MEDIATOR in roles and matter.mediator_id is not None and matter.mediator_id == scope.user_id:
        return True
    if not scope.has_role(*roles):
        return False
    return Matter.objects.filter(_staff_q(actor, frozenset(roles)), pk=matter.pk).exists()


def require_act(actor: Actor, matter: Matter, roles: frozenset[str]) -> None:
    if not may_act(actor, matter, roles):
        raise Forbidden


def is_owner(actor: Actor, matter: Matter) -> bool:
    scope = scope_for(actor)
    return scope.user_id is not None and (
        matter.owner_id == scope.user_id
        or Party.objects.filter(matter=matter, user_id=scope.user_id, role="applicant").exists()
    )


def events_visible_to(actor: Actor, matter: Matter) -> QuerySet[MatterEvent]:
    """Return the matter's events the actor may read: staff see internal notes, parties do not."""
    events = MatterEvent.objects.filter(matter=matter).select_related("actor").order_by("seq")
    if sees_internal(actor, matter):
        return events
    return events.filter(visibility="public")


def sees_internal(actor: Actor, matter: Matter) -> bool:
    """Return whether the actor reads the matter's staff-only side (internal notes, triage, routing)."""
    scope = scope_for(actor)
    return scope.is_platform_operator or (
        scope.is_staff
        and (
            Matter.objects.filter(
                _staff_q(actor, REGION_ROLES | HANDLING_ROLES) | Q(mediator_id=scope.user_id), pk=matter.pk
            ).exists()
            or shared_with_staff(actor, matter)
        )
    )
