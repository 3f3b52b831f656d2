"""Reads of supervision orders with rules: lists, filters and counts, within what the actor may see."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.access import code_prefix_q, organizations_visible_to, scope_for
from suyuan.accounts.models import Organization
from suyuan.matters.choices import OPEN_STATUSES
from suyuan.matters.models import Matter
from suyuan.supervision import access
from suyuan.supervision.access import ANSWER_ROLES, ORDER_RELATED, orders_visible_to
from suyuan.supervision.choices import Box, Filter, OrderStatus, OrderSubject
from suyuan.supervision.models import SupervisionOrder
from suyuan.supervision.services import BELOW_YOURS, COUNTY_CODE, Levels, issuing_above
from suyuan.triage.models import GroupMember

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor
    from suyuan.accounts.models import User

MAX_CANDIDATES = 500

BOX_LABELS = {
    Box.TO_ANSWER: _("orders I must answer"),
    Box.ISSUED: _("orders I issued"),
    Box.ALL: _("all orders in my area"),
}
FILTER_LABELS = {
    Filter.OPEN: _("open"),
    Filter.OVERDUE: _("overdue"),
    Filter.ANSWERED: _("answered"),
    Filter.CLEARED: _("cleared"),
    Filter.ESCALATED: _("escalated"),
    Filter.ALL: _("all"),
}


def _box_q(actor: Actor, box: str) -> Q:
    scope = scope_for(actor)
    if box == Box.ALL:
        return Q()
    if box == Box.TO_ANSWER:
        if scope.is_platform_operator:
            return Q()
        return Q(
            responding_organization_id__in=sorted(scope_for(actor, roles=ANSWER_ROLES).own_organization_ids)
        )
    if box == Box.ISSUED:
        if scope.is_platform_operator:
            return Q()
        return Q(issuing_organization_id__in=sorted(scope.own_organization_ids))
    raise ValidationError({"box": _("Choose a valid list.")})


def _filter_q(name: str, *, now: dt.datetime) -> Q:
    match name:
        case Filter.OPEN:
            return Q(status=OrderStatus.OPEN)
        case Filter.OVERDUE:
            return Q(status=OrderStatus.OPEN, due_at__lt=now)
        case Filter.ANSWERED:
            return Q(status=OrderStatus.ANSWERED)
        case Filter.CLEARED:
            return Q(status=OrderStatus.CLEARED)
        case Filter.ESCALATED:
            return Q(status=OrderStatus.ESCALATED)
        case Filter.ALL:
            return Q()
    raise ValidationError({"status": _("Choose a valid status.")})


def order_list(*, actor: Actor, box: str = Box.ALL, status: str = Filter.OPEN) -> QuerySet[SupervisionOrder]:
    """Return the orders of one list the actor may see, filtered by status; the earliest answer due first.

    Bad values raise ValidationError naming the parameter.
    """
    now = timezone.now()
    orders = orders_visible_to(actor).filter(_box_q(actor, box)).filter(_filter_q(status, now=now))
    ordering = ["due_at", "pk"] if status in (Filter.OPEN, Filter.OVERDUE) else ["-created_at", "-pk"]
    return orders.select_related(*ORDER_RELATED).order_by(*ordering)


def order_counts(*, actor: Actor) -> dict[str, int]:
    """Return, in one query, the counts for the badge and the tabs.

    ``to_answer``: open orders addressed to the actor's organisations, ``to_answer_overdue`` those past
    their due time, ``to_clear``: answered orders issued by the actor's organisations, ``open``: every
    open order the actor sees, ``overdue`` those past their due time.
    """
    now = timezone.now()
    to_answer = _box_q(actor, Box.TO_ANSWER)
    issued = _box_q(actor, Box.ISSUED)
    pending = orders_visible_to(actor).filter(status__in=[OrderStatus.OPEN, OrderStatus.ANSWERED])
    overdue = Q(status=OrderStatus.OPEN, due_at__lt=now)
    counts = pending.aggregate(
        to_answer=Count("pk", filter=to_answer & Q(status=OrderStatus.OPEN)),
        to_answer_overdue=Count("pk", filter=to_answer & overdue),
        to_clear=Count("pk", filter=issued & Q(status=OrderStatus.ANSWERED)),
        open=Count("pk", filter=Q(status=OrderStatus.OPEN)),
        overdue=Count("pk", filter=overdue),
    )
    return {name: value or 0 for name, value in counts.items()}


def orders_of_matter(*, actor: Actor, matter: Matter) -> QuerySet[SupervisionOrder]:
    """Return the matter's orders the actor may see, newest first."""
    return (
        orders_visible_to(actor)
        .filter(matter=matter)
        .select_related(*ORDER_RELATED)
        .order_by("-created_at", "-pk")
    )


def responding_candidates(
    *, actor: Actor, subject: str, region_code: str, member_regions: frozenset[str] = frozenset()
) -> list[Organization]:
    """Return the organisations the actor may address an order on a group or an alert to (the form's choices).

    Active organisations of the actor's scope, strictly below one of their own (``issuing_above``), that
    answer for the place: for a group, their area includes every open matter's place
    (``member_regions``); for an alert, they lie in its place (``region_code``) or above it. The service
    checks the same again when the order is issued.
    """
    if not access.may_supervise(actor):
        return []
    county = region_code[:COUNTY_CODE]
    found = list(
        organizations_visible_to(actor, roles=access.SUPERVISE_ROLES)
        .filter(is_active=True)
        .filter(code_prefix_q("region_id", county))
        .order_by("region_id", "type", "name")[:MAX_CANDIDATES]
    )
    if subject == OrderSubject.GROUP:
        found = [o for o in found if all(code.startswith(o.region_id) for code in member_regions)]
    else:
        found = [
            o for o in found if o.region_id.startswith(region_code) or region_code.startswith(o.region_id)
        ]
    levels = Levels()
    for org in found:
        levels.orgs[org.pk] = org
    levels.load_parents()
    user = cast("User", actor)
    return [org for org in found if issuing_above(user, org, levels) is not None]


def order_latest(*, actor: Actor, order_id: int) -> SupervisionOrder | None:
    """Return the newest order of the chain that starts at ``order_id`` (following its escalations), if the
    actor may see it; None otherwise."""
    visible = orders_visible_to(actor)
    current = visible.select_related(*ORDER_RELATED).filter(pk=order_id).first()
    for _step in range(20):
        if current is None:
            return None
        following = visible.select_related(*ORDER_RELATED).filter(previous=current).first()
        if following is None:
            return current
        current = following
    return current


def group_open_regions(*, group_id: int) -> frozenset[str]:
    """Return the places (region codes) of a group's open matters, for the choice of who answers."""
    return frozenset(
        GroupMember.objects.filter(group_id=group_id, matter__status__in=OPEN_STATUSES).values_list(
            "matter__region_id", flat=True
        )
    )


def responding_organization(*, actor: Actor, organization_id: int) -> Organization:
    """Return the organisation an order is to be addressed to, as chosen in a form.

    One outside the actor's area cannot be below their level: that is the refusal, with the level rule's
    words (the service checks the rest).
    """
    found = organizations_visible_to(actor).filter(pk=organization_id).first()
    if found is None:
        raise ValidationError({"responding_organization": str(BELOW_YOURS)})
    return found


def alert_ids_of(orders: list[SupervisionOrder]) -> dict[int, int]:
    """Return, for the alert orders among ``orders``, the id of the alert each is about (for a link).

    The alert points at the first order of its chain (analytics sits above supervision, so the order
    holds no alert id): walk each chain back to its first order, a query per level, and read the
    alert through that reverse relation.
    """
    first: dict[int, int] = {o.pk: o.pk for o in orders if o.subject == OrderSubject.ALERT}
    pending = {o.pk: o.previous_id for o in orders if o.subject == OrderSubject.ALERT and o.previous_id}
    for _level in range(20):
        if not pending:
            break
        previous = dict(
            SupervisionOrder.objects.filter(pk__in=sorted(set(pending.values()))).values_list(
                "pk", "previous_id"
            )
        )
        following: dict[int, int] = {}
        for pk, earlier in pending.items():
            first[pk] = earlier
            if previous.get(earlier):
                following[pk] = previous[earlier]
        pending = following
    if not first:
        return {}
    alerts = dict(
        SupervisionOrder.objects.filter(pk__in=sorted(set(first.values())), supervised_alerts__isnull=False)
        .values_list("pk", "supervised_alerts")
        .order_by("pk")
    )
    return {pk: alerts[root] for pk, root in first.items() if root in alerts}
