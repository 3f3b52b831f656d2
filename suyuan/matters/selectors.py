"""Reads of matters with rules: queues and filters, always within what the actor may see."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, cast

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.access import scope_for
from suyuan.core.memo import Memo
from suyuan.matters import codes
from suyuan.matters.access import matters_visible_to
from suyuan.matters.choices import OPEN_STATUSES, MatterKind, MatterStatus
from suyuan.matters.models import Category, Matter

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

# A matter is "due soon" when its stage deadline falls within this window.
DUE_SOON = dt.timedelta(days=3)


class Queue:
    NEW = "new"  # submitted, waiting for acceptance
    MINE = "mine"  # assigned to me as mediator
    DUE_SOON = "due_soon"  # open, deadline within DUE_SOON
    OVERDUE = "overdue"  # open, deadline passed
    WAITING = "waiting"  # assigned, waiting for the parties to come to mediation
    URGENT = "urgent"  # open, priority raised (risk flags): threats, vulnerable parties, large sums …
    OPEN = "open"  # every open matter
    ALL = "all"


QUEUE_LABELS = {
    Queue.NEW: _("new"),
    Queue.MINE: _("mine"),
    Queue.DUE_SOON: _("due soon"),
    Queue.OVERDUE: _("overdue"),
    Queue.WAITING: _("waiting for parties"),
    Queue.URGENT: _("priority"),
    Queue.OPEN: _("all open"),
    Queue.ALL: _("all"),
}


def _queue_q(queue: str, *, user_id: int | None, now: dt.datetime) -> Q:
    open_q = Q(status__in=OPEN_STATUSES)
    match queue:
        case Queue.NEW:
            return Q(status=MatterStatus.SUBMITTED)
        case Queue.MINE:
            return open_q & Q(mediator_id=user_id)
        case Queue.DUE_SOON:
            return open_q & Q(due_at__gte=now, due_at__lt=now + DUE_SOON)
        case Queue.OVERDUE:
            return open_q & Q(due_at__lt=now)
        case Queue.WAITING:
            return Q(status=MatterStatus.ASSIGNED)
        case Queue.URGENT:
            return open_q & Q(priority__gt=0)
        case Queue.OPEN:
            return open_q
        case Queue.ALL:
            return Q()
    raise ValidationError({"queue": _("Choose a valid queue.")})


def matter_list(
    *,
    actor: Actor,
    queue: str = Queue.OPEN,
    status: str = "",
    kind: str = "",
    category: str = "",
    region: str = "",
    organization: int | None = None,
    q: str = "",
) -> QuerySet[Matter]:
    """Return the matters of one queue the actor may see, filtered, newest deadline first.

    ``region`` is a region code prefix; ``q`` finds a tracking code exactly or words in the title.
    Bad filter values raise ValidationError naming the filter.
    """
    errors: dict[str, str] = {}
    if status and status not in MatterStatus.values:
        errors["status"] = str(_("Choose a valid status."))
    if kind and kind not in MatterKind.values:
        errors["kind"] = str(_("Choose a valid kind of matter."))
    if region and (not region.isdigit() or len(region) not in (2, 4, 6, 9, 12)):
        errors["region"] = str(_("A region code has 2, 4, 6, 9 or 12 digits."))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    matters = matters_visible_to(actor).filter(_queue_q(queue, user_id=scope_for(actor).user_id, now=now))
    if status:
        matters = matters.filter(status=status)
    if kind:
        matters = matters.filter(kind=kind)
    if category:
        matters = matters.filter(category__code=category)
    if region:
        matters = matters.filter(region__code__startswith=region)
    if organization is not None:
        matters = matters.filter(organization_id=organization)
    text = (q or "").strip()
    if text:
        try:
            matters = matters.filter(tracking_code=codes.normalize(text))
        except ValidationError:
            matters = matters.filter(title__icontains=text[:50])
    if queue in (Queue.DUE_SOON, Queue.OVERDUE):
        ordering = ["due_at", "-created_at"]
    elif queue == Queue.URGENT:
        ordering = ["-priority", "-created_at", "-id"]
    else:
        ordering = ["-created_at", "-id"]
    return matters.select_related("region", "category", "organization", "mediator").order_by(*ordering)


# How long a user's queue counts are kept. A change to any matter, the next minute (deadlines move
# matters into "due soon" and "overdue" as time passes) or a change of the user's memberships makes new
# ones at once; a new access grant shows within this time.
COUNTS_SECONDS = 60


def _counts_key(actor: Actor, now: dt.datetime) -> str:
    scope = scope_for(actor)
    last_change = Matter.objects.aggregate(last=Max("updated_at"))["last"]
    parts = (
        scope.user_id,
        scope.is_platform_operator,
        scope.memberships,
        last_change.isoformat() if last_change else "",
        now.replace(second=0, microsecond=0).isoformat(),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"matters:queue-counts:{digest}"


def queue_counts(*, actor: Actor) -> dict[str, int]:
    """Return how many matters each work queue holds for the actor, in one query over open matters.

    Every counted queue is a subset of the open matters, so the query reads only those; "all" (which
    grows without end as matters close) is not counted. Counting a county's open matters is the costly
    part of a queue page, so the result is cached until any matter changes or the minute turns (the
    newest ``updated_at`` is one index lookup).
    """
    now = timezone.now()
    key = _counts_key(actor, now)
    cached = cache.get(key)
    if cached is not None:
        return cast(dict[str, int], cached)
    user_id = scope_for(actor).user_id
    queues = (Queue.NEW, Queue.MINE, Queue.URGENT, Queue.DUE_SOON, Queue.OVERDUE, Queue.WAITING)
    counts = (
        matters_visible_to(actor)
        .filter(status__in=OPEN_STATUSES)
        .aggregate(
            **{queue: Count("pk", filter=_queue_q(queue, user_id=user_id, now=now)) for queue in queues},
            **{Queue.OPEN: Count("pk")},
        )
    )
    result = {queue: counts[queue] or 0 for queue in (*queues, Queue.OPEN)}
    cache.set(key, result, COUNTS_SECONDS)
    return result


def matter_lookup_by_code_and_phone(*, tracking_code: str, phone_hash: str) -> Matter | None:
    """Return the matter with this code whose applicant has this phone (keyed hash), for anonymous status checks.

    Callers rate-limit and answer a miss exactly like a wrong code, so nothing can be enumerated.
    """
    return (
        Matter.objects.filter(
            tracking_code=tracking_code, parties__role="applicant", parties__phone_hash=phone_hash
        )
        .select_related("region", "category", "organization", "merged_into")
        .first()
    )


def _active_categories() -> dict[str, Category]:
    return {category.code: category for category in Category.objects.filter(is_active=True)}


# The taxonomy, read once a minute per process (cleared on a write: see MattersConfig).
CATEGORIES: Memo[dict[str, Category]] = Memo(_active_categories, ttl=60)


def category_by_code(code: str) -> Category | None:
    """Return the active category with this code, or None."""
    return CATEGORIES.get().get(code)


# --- A page of a long queue -----------------------------------------------------------------------------

# How many index entries an ordered walk may expect to read before the planner's own plan is used.
SCAN_BUDGET = 20_000
# The queue orderings that have an index to walk in that order.
ORDER_INDEXES: dict[tuple[str, ...], str] = {
    ("-created_at", "-id"): "matter_created_id",
    ("due_at", "-created_at"): "matter_due_created",
}


class QueuePage:
    """A page source for the Paginator over a queue whose size is already known (the tab's count).

    SQLite's planner answers "newest first (or earliest deadline first), 50 at a time" over a county's
    open matters by reading every matching row through the status index and sorting them all; walking
    an index in the queue's order and stopping after the page is many times faster whenever a good share
    of the rows belongs to the queue. That share is known here (the count against the table's size), so
    the walk is used only when it should read at most ``SCAN_BUDGET`` entries; otherwise, and on other
    databases, the query runs as written.
    """

    def __init__(self, matters: QuerySet[Matter], *, count: int) -> None:
        self.matters = matters
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, page: slice) -> list[Matter]:
        start, stop = page.start or 0, page.stop or 0
        index = self._index_to_walk(stop)
        if index is None:
            return list(self.matters[start:stop])
        ids_query = self.matters.values_list("pk", flat=True)[start:stop]
        sql, params = ids_query.query.sql_with_params()
        table = connection.ops.quote_name(Matter._meta.db_table)
        hinted = sql.replace(f"FROM {table}", f"FROM {table} INDEXED BY {index}", 1)
        with connection.cursor() as cursor:
            cursor.execute(hinted, params)
            ids = [row[0] for row in cursor.fetchall()]
        rows = {m.pk: m for m in self.matters.order_by().filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]

    def _index_to_walk(self, stop: int) -> str | None:
        if connection.vendor != "sqlite" or self._count <= 0:
            return None
        index = ORDER_INDEXES.get(tuple(str(term) for term in self.matters.query.order_by))
        if index is None:
            return None
        table_size = Matter.objects.aggregate(last=Max("pk"))["last"] or 0
        return index if stop * table_size / self._count <= SCAN_BUDGET else None
