"""The live board: what is happening now in a place, counted (never listed with personal data: the board
hangs on a wall screen).

The counts are of open matters in the place (its code and below) and within the viewer's scope, in one
query over the matters' status and deadline indexes, plus the open supervision orders and what came in
and ended today (the figures' read models), and the active incidents of emergency mode over the place
(one more query).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from suyuan.accounts.access import code_prefix_q
from suyuan.analytics.alerts import alerts_visible_to
from suyuan.analytics.choices import LIVE_ALERT_STATUSES
from suyuan.analytics.models import MatterFact
from suyuan.analytics.selectors import covers, home_regions, may_open_matters, may_view, region_for
from suyuan.emergency.selectors import BoardIncident, board_incidents
from suyuan.matters.access import matters_visible_to
from suyuan.matters.choices import OPEN_STATUSES, MatterStatus
from suyuan.matters.models import Matter
from suyuan.matters.selectors import DUE_SOON
from suyuan.regions.models import Region
from suyuan.supervision.choices import OrderStatus
from suyuan.supervision.models import SupervisionOrder

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

__all__ = ["Board", "board", "covers", "home_regions", "may_open_matters", "may_view", "region_for"]


@dataclass(frozen=True)
class Board:
    region: Region
    at: dt.datetime
    new: int  # received, waiting to be accepted
    in_progress: int  # accepted, assigned or in mediation
    waiting: int  # assigned: the mediator is reaching the parties
    due_soon: int
    overdue: int
    urgent: int  # raised priority (risk flags or staff)
    orders_open: int  # supervision orders waiting for an answer
    orders_overdue: int
    orders_escalated: int  # open orders that came from a level up after a missed answer
    received_today: int
    concluded_today: int
    alerts: int  # live early warnings of the place
    children: list[tuple[Region, int, int]]  # the places one level down: (place, open, overdue)
    # Emergency mode: the active incidents over the place the viewer may see, with their tasks' counts.
    incidents: list[BoardIncident] = field(default_factory=list)


def _child_length(code: str) -> int:
    return {2: 4, 4: 6, 6: 9, 9: 12}.get(len(code), 12)


def board(actor: Actor, region: Region) -> Board:
    """The board of ``region`` for ``actor`` (the caller checked ``covers(actor, region.code)``)."""
    now = timezone.now()
    today = timezone.localdate()
    place = code_prefix_q("region_id", region.code)
    matters = matters_visible_to(actor).filter(place, status__in=OPEN_STATUSES)
    counts = matters.aggregate(
        new=Count("pk", filter=Q(status=MatterStatus.SUBMITTED)),
        in_progress=Count("pk", filter=~Q(status=MatterStatus.SUBMITTED)),
        waiting=Count("pk", filter=Q(status=MatterStatus.ASSIGNED)),
        due_soon=Count("pk", filter=Q(due_at__gte=now, due_at__lt=now + DUE_SOON)),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        urgent=Count("pk", filter=Q(priority__gt=0)),
    )
    orders = SupervisionOrder.objects.filter(
        Q(matter__isnull=False) & code_prefix_q("matter__region_id", region.code)
        | Q(matter__isnull=True) & code_prefix_q("responding_organization__region_id", region.code),
        status=OrderStatus.OPEN,
    ).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        escalated=Count("pk", filter=Q(level__gt=1)),
    )
    facts = MatterFact.objects.filter(code_prefix_q("region", region.code))
    length = _child_length(region.code)
    children = {
        r.code: r
        for r in Region.objects.filter(code_prefix_q("code", region.code)).order_by("code")
        if len(r.code) == length
    }
    by_child: dict[str, list[int]] = {code: [0, 0] for code in children}
    if children:
        for code, n_open, n_overdue in _per_child(matters, length, now):
            if code in by_child:
                by_child[code] = [n_open, n_overdue]
    return Board(
        region=region,
        at=now,
        new=counts["new"],
        in_progress=counts["in_progress"],
        waiting=counts["waiting"],
        due_soon=counts["due_soon"],
        overdue=counts["overdue"],
        urgent=counts["urgent"],
        orders_open=orders["open"],
        orders_overdue=orders["overdue"],
        orders_escalated=orders["escalated"],
        received_today=facts.filter(received_on=today).count(),
        concluded_today=facts.filter(concluded_on=today).count(),
        alerts=alerts_visible_to(actor)
        .filter(code_prefix_q("region", region.code), status__in=LIVE_ALERT_STATUSES)
        .count(),
        children=sorted(
            ((children[c], n[0], n[1]) for c, n in by_child.items()),
            key=lambda item: (-item[2], -item[1], item[0].code),
        ),
        incidents=board_incidents(actor, region.code),
    )


def _per_child(matters: QuerySet[Matter], length: int, now: dt.datetime) -> list[tuple[str, int, int]]:
    rows = (
        matters.annotate(child=Substr("region_id", 1, length))
        .order_by()
        .values("child")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
        .values_list("child", "open", "overdue")
    )
    return list(rows)
