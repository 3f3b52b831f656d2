"""Reads of supervision orders with rules: lists, filters and counts, within what the actor may see."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.access import scope_for
from suyuan.matters.models import Matter
from suyuan.supervision.access import ANSWER_ROLES, ORDER_RELATED, orders_visible_to
from suyuan.supervision.choices import Box, Filter, OrderStatus
from suyuan.supervision.models import SupervisionOrder

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

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
