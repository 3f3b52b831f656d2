"""Who may see and act on supervision orders: the chokepoint the pages and the API go through.

* Supervisors and dispatchers see the orders issued by or addressed to the organisations of their scope
  (their own and every one below them, by tree and region): a county centre's supervisor sees the
  county's orders, a township's those of the township and its villages, nobody those of another county.
* Staff of the responding organisation who handle matters (mediators, dispatchers, supervisors, court and
  agency staff) see the orders addressed to it, and answer them.
* A supervisor of the issuing organisation, or of one above it, clears an order.
* A supervisor issues an order by hand on a matter in their scope, and on a group dispute or an alert of
  a place in their scope, to an organisation below theirs (orders on groups and alerts are seen, answered
  and cleared by the same rules: through their issuing and responding organisations).
* Platform operators see and may do everything; citizens, analysts, administrators and grid workers
  have no orders.

``access_order`` raises ``NotFound`` for a missing and a hidden order alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from suyuan.accounts.access import scope_for
from suyuan.accounts.choices import Role
from suyuan.core.exceptions import NotFound
from suyuan.matters import access as matter_access
from suyuan.matters.models import Matter
from suyuan.supervision.models import SupervisionOrder

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

PROTECTED_MODELS = ("SupervisionOrder",)

# See every order of the organisations in their scope.
WATCH_ROLES = frozenset({Role.SUPERVISOR, Role.DISPATCHER})
# As staff of the responding organisation, see and answer the orders addressed to it.
ANSWER_ROLES = frozenset(
    {Role.MEDIATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.COURT_CLERK, Role.JUDGE, Role.AGENCY_OFFICER}
)
# Issue orders by hand, and clear them.
SUPERVISE_ROLES = frozenset({Role.SUPERVISOR})


def works_with_orders(actor: Actor) -> bool:
    """Return whether the actor holds a role that has supervision pages."""
    scope = scope_for(actor)
    return scope.is_platform_operator or scope.has_role(*(WATCH_ROLES | ANSWER_ROLES))


def orders_visible_to(actor: Actor) -> QuerySet[SupervisionOrder]:
    """Return every supervision order the actor may read."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return SupervisionOrder.objects.all()
    if not scope.is_staff:
        return SupervisionOrder.objects.none()
    visible = Q(pk__in=[])
    watch = scope_for(actor, roles=WATCH_ROLES)
    if watch.is_staff:
        visible |= watch.organization_q("issuing_organization__") | watch.organization_q(
            "responding_organization__"
        )
    answer = scope_for(actor, roles=ANSWER_ROLES)
    if answer.is_staff:
        visible |= Q(responding_organization_id__in=sorted(answer.own_organization_ids))
    return SupervisionOrder.objects.filter(visible)


def access_order(actor: Actor, order_id: Any, *, for_update: bool = False) -> SupervisionOrder:
    """Return the order if the actor may see it (locked for update if asked), else raise ``NotFound``."""
    try:
        if for_update:
            pk = orders_visible_to(actor).values_list("pk", flat=True).get(pk=order_id)
            return SupervisionOrder.objects.select_for_update().get(pk=pk)
        return orders_visible_to(actor).select_related(*ORDER_RELATED).get(pk=order_id)
    except (SupervisionOrder.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


ORDER_RELATED = (
    "matter",
    "group",
    "region",
    "issuing_organization",
    "responding_organization",
    "issued_by",
    "answered_by",
    "cleared_by",
)


def may_answer(actor: Actor, order: SupervisionOrder) -> bool:
    """Return whether the actor answers for the order's responding organisation."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return True
    answer = scope_for(actor, roles=ANSWER_ROLES)
    return order.responding_organization_id in answer.own_organization_ids


def may_clear(actor: Actor, order: SupervisionOrder) -> bool:
    """Return whether the actor supervises the order's issuing organisation (or one above it)."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return True
    supervise = scope_for(actor, roles=SUPERVISE_ROLES)
    return order.issuing_organization_id in supervise.organization_ids


def may_issue(actor: Actor, matter: Matter) -> bool:
    """Return whether the actor may issue an order by hand on ``matter`` (a supervisor in its scope)."""
    return matter_access.may_act(actor, matter, SUPERVISE_ROLES)


def may_issue_area(actor: Actor, region_code: str) -> bool:
    """Return whether the actor may issue an order on an alert about ``region_code``'s place.

    A supervisor whose scope covers the place. (A group's orders need no such check: the organisation
    addressed must be below the supervisor's and cover every open matter of the group.) Which
    organisation may be addressed is the services' level rule.
    """
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return True
    return scope_for(actor, roles=SUPERVISE_ROLES).covers_region(region_code)


def may_supervise(actor: Actor) -> bool:
    """Return whether the actor issues orders at all (a supervisor somewhere, or a platform operator)."""
    scope = scope_for(actor)
    return scope.is_platform_operator or scope.has_role(*SUPERVISE_ROLES)


def is_platform_operator(actor: Actor) -> bool:
    return scope_for(actor).is_platform_operator


def supervisor_organization_ids(actor: Actor) -> frozenset[int]:
    """Return the organisations where the actor is a supervisor (not those below them)."""
    return scope_for(actor, roles=SUPERVISE_ROLES).own_organization_ids
