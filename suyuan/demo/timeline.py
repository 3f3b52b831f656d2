"""Moments for the demo's later steps (invitations, documents, ratings, supervision), and their order.

Each later step acts on a demo matter that already has a history, so it must come after the matter's
newest event and before now; ``Action`` lists are merged and run in time order under the demo clock, so
every matter's event log stays in order however the steps of different features interleave.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from django.db.models import Max

from suyuan.matters.models import Matter, MatterEvent
from suyuan.workdays.selectors import CHINA
from suyuan.workdays.services import is_working_day

Clock = Callable[[dt.datetime], AbstractContextManager[None]]
OPENS = dt.time(8, 40)
CLOSES = dt.time(17, 20)


@dataclass(order=True)
class Action:
    """One step to take at ``at`` (under the demo clock); ``order`` keeps steps at the same moment stable."""

    at: dt.datetime
    order: int
    run: Callable[[], object] = field(compare=False)


def run_actions(actions: list[Action], *, clock: Clock) -> int:
    """Run the actions in time order, each at its moment; return how many ran."""
    for action in sorted(actions):
        with clock(action.at):
            action.run()
    return len(actions)


def last_event_at(matter: Matter) -> dt.datetime:
    """Return the moment of the matter's newest event (its reception if it has none)."""
    last = MatterEvent.objects.filter(matter=matter).aggregate(last=Max("created_at"))["last"]
    return last or matter.created_at


def last_events_at(matter_ids: list[int]) -> dict[int, dt.datetime]:
    """Return the moment of each matter's newest event, in one query."""
    return dict(
        MatterEvent.objects.filter(matter_id__in=matter_ids)
        .values("matter_id")
        .annotate(last=Max("created_at"))
        .values_list("matter_id", "last")
    )


def at_local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=CHINA)


def working_days_back(today: dt.date, days: int) -> dt.date:
    """Return the working day that lies ``days`` working days before ``today`` (``today`` not counted)."""
    day = today
    while days > 0:
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def working_days_ahead(day: dt.date, days: int) -> dt.date:
    while days > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def office_after(moment: dt.datetime) -> dt.datetime:
    """Return ``moment`` if it falls in office hours of a working day, else the next opening (at 09:10)."""
    local = moment.astimezone(CHINA)
    if is_working_day(local.date()) and OPENS <= local.time() < CLOSES:
        return moment
    day = local.date() if local.time() < OPENS else local.date() + dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return at_local(day, dt.time(9, 10))


def waking_after(moment: dt.datetime) -> dt.datetime:
    """Return ``moment`` if people are awake then (07:30–22:00), else 07:45 the next morning."""
    local = moment.astimezone(CHINA)
    if dt.time(7, 30) <= local.time() < dt.time(22, 0):
        return moment
    day = local.date() if local.time() < dt.time(7, 30) else local.date() + dt.timedelta(days=1)
    return at_local(day, dt.time(7, 45))
