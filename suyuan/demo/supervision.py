"""Supervision orders (督办) on the overdue demo matters, and the demo staff's reading of their notices.

The sweeps of ``supervision.services`` run as the clock runs them: once a few working days ago (under
the demo clock), so that an order left unanswered was escalated a level up, and once more now, at the end
of the seed. Then the matter's mediator answers one order and a supervisor of the county centre clears
another after its answer, so ``/staff/supervision/`` shows every state. The sweeps are idempotent; the
answers are given only while no order was answered or cleared yet.

The demo's history leaves many notices behind. Those older than a few days are marked read when they
would have been, so the inboxes show a few unread notices, as a working inbox does.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max
from django.utils import timezone

from suyuan.accounts.models import User
from suyuan.demo.timeline import Clock, at_local, office_after, working_days_ahead, working_days_back
from suyuan.matters.choices import OPEN_STATUSES
from suyuan.matters.models import Matter, MatterEvent
from suyuan.notifications.models import Notification
from suyuan.notifications.services import notification_read
from suyuan.supervision import access as supervision_access
from suyuan.supervision import services as supervision_services
from suyuan.supervision.choices import OrderStatus
from suyuan.supervision.models import SupervisionOrder
from suyuan.workdays.selectors import CHINA

PAST_SWEEP_BACK = 4  # working days before today
ANSWER = "已督促承办调解员当天联系双方当事人，约定本周内组织调解，调解结果将及时报送。"
CLEAR_NOTE = "已联系双方并安排调解，情况属实，予以销号。"
UNREAD_DAYS = 4
KEEP_UNREAD = 3  # the newest notices of each person stay unread, however old


def _past_sweep_moment(now: dt.datetime) -> dt.datetime | None:
    """Return a moment a few working days ago after every event of the matters overdue then, or None."""
    moment = at_local(working_days_back(timezone.localdate(now), PAST_SWEEP_BACK), dt.time(9, 5))
    for _ in range(10):
        overdue = Matter.objects.filter(due_at__lt=moment, status__in=OPEN_STATUSES)
        last = MatterEvent.objects.filter(matter__in=overdue).aggregate(last=Max("created_at"))["last"]
        if last is None:
            return None
        if last < moment:
            return moment
        moment = office_after(last + dt.timedelta(minutes=5))
    return None


def supervision_seed(*, now: dt.datetime, clock: Clock, mediator: User, supervisor: User) -> int:
    """Raise, escalate, answer and clear the demo's supervision orders; return how many orders exist."""
    if not SupervisionOrder.objects.exists():
        past = _past_sweep_moment(now)
        if past is not None and past < now - dt.timedelta(hours=1):
            with clock(past):
                raised = supervision_services.orders_raise_overdue(now=past)
            if raised:
                due = min(order.due_at for order in raised)
                escalate_at = at_local(working_days_ahead(due.astimezone(CHINA).date(), 1), dt.time(9, 5))
                touched = [o.matter_id for o in raised if o.matter_id is not None]
                last = MatterEvent.objects.filter(matter_id__in=touched).aggregate(last=Max("created_at"))[
                    "last"
                ]
                if escalate_at < now - dt.timedelta(hours=1) and (last is None or last < escalate_at):
                    with clock(escalate_at):
                        supervision_services.orders_escalate_due(now=escalate_at)
    supervision_services.orders_raise_overdue(now=now)
    supervision_services.orders_escalate_due(now=now)
    if not SupervisionOrder.objects.filter(status__in=[OrderStatus.ANSWERED, OrderStatus.CLEARED]).exists():
        _answer_and_clear(mediator, supervisor)
    return SupervisionOrder.objects.count()


def _answer_and_clear(mediator: User, supervisor: User) -> None:
    """Have the mediator answer two open orders of their matters, and the supervisor clear one of them."""
    open_orders = list(
        SupervisionOrder.objects.filter(status=OrderStatus.OPEN, matter__mediator=mediator).order_by("pk")
    )
    if len(open_orders) < 2:
        open_orders = list(SupervisionOrder.objects.filter(status=OrderStatus.OPEN).order_by("pk"))
    answered = []
    for order in open_orders:
        answerer = mediator if supervision_access.may_answer(mediator, order) else None
        if answerer is None and order.matter is not None and order.matter.mediator is not None:
            answerer = order.matter.mediator
        if answerer is None or not supervision_access.may_answer(answerer, order):
            continue
        answered.append(supervision_services.order_answer(order=order, actor=answerer, response=ANSWER))
        if len(answered) == 2:
            break
    for order in answered:
        if supervision_access.may_clear(supervisor, order):
            supervision_services.order_clear(order=order, actor=supervisor, note=CLEAR_NOTE)
            break


def notices_read(*, since_id: int, now: dt.datetime, clock: Clock) -> int:
    """Mark read, at the moment they would have been, the notices written since ``since_id`` that are older
    than a few days, except each person's newest few; return how many."""
    cutoff = now - dt.timedelta(days=UNREAD_DAYS)
    notices = list(
        Notification.objects.filter(pk__gt=since_id, read_at__isnull=True)
        .select_related("recipient")
        .order_by("-created_at", "-pk")
    )
    kept: set[int] = set()
    seen: dict[int, int] = {}
    for notice in notices:  # newest first
        seen[notice.recipient_id] = seen.get(notice.recipient_id, 0) + 1
        if seen[notice.recipient_id] <= KEEP_UNREAD:
            kept.add(notice.pk)
    count = 0
    for notice in reversed(notices):
        if notice.pk in kept or notice.created_at >= cutoff:
            continue
        read_at = office_after(notice.created_at + dt.timedelta(hours=1 + notice.pk % 20))
        read_at = min(read_at, now - dt.timedelta(minutes=5))
        with clock(read_at):
            notification_read(notification_id=notice.pk, actor=notice.recipient)
        count += 1
    return count
