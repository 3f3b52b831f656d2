"""A matter as the figures see it, and what it adds to the rollups: pure functions, no database.

``derive`` folds a matter's current dimensions and its events into a :class:`Fact` (when it came in,
where and how it ended, whether mediation worked, whether the agreement was honoured, …);
``contributions`` turns a fact into the rollup rows it adds one to. The read models are kept by applying
``contributions(new) - contributions(old)`` whenever a matter's fact changes, and rebuilt by summing
``contributions`` over every fact: the same two functions, so both ways give the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from suyuan.analytics.choices import Measure, Stage
from suyuan.matters.choices import EventKind, FailureRoute, MatterKind
from suyuan.workdays.selectors import CHINA

# The events a fact is made of (others, such as notes and messages, change nothing here).
FACT_EVENTS = frozenset(
    {
        EventKind.RECEIVED,
        EventKind.DECLINED,
        EventKind.MERGED,
        EventKind.WITHDRAWN,
        EventKind.CLOSED,
        EventKind.MEDIATION_STARTED,
        EventKind.AGREEMENT_RECORDED,
        EventKind.FAILURE_RECORDED,
        EventKind.AGREEMENT_EFFECTIVE,
        EventKind.OBLIGATION_PERFORMED,
        EventKind.OBLIGATION_BREACHED,
        EventKind.SUPERVISION_ORDERED,
        EventKind.COURT_DOCKED,
        EventKind.COURT_MEDIATION_SETTLED,
        EventKind.FILING_ACCEPTED,
        EventKind.CASE_CLOSED,
        EventKind.CASE_WITHDRAWN,
        EventKind.RATED,
        EventKind.CATEGORIZED,
        EventKind.TRIAGED,
    }
)
# The events that show a mediator at work on a matter, and those a party does with their own account:
# who was active where, each month (``activity``).
MEDIATOR_EVENTS = frozenset(
    {
        EventKind.MEDIATION_STARTED,
        EventKind.SESSION_SCHEDULED,
        EventKind.SESSION_HELD,
        EventKind.MEDIATION_EXTENDED,
        EventKind.AGREEMENT_RECORDED,
        EventKind.FAILURE_RECORDED,
        EventKind.COURT_MEDIATION,
        EventKind.COURT_MEDIATION_SETTLED,
        EventKind.COURT_MEDIATION_FAILED,
    }
)
CITIZEN_EVENTS = frozenset(
    {
        EventKind.RECEIVED,
        EventKind.MESSAGE,
        EventKind.DOCUMENT_ADDED,
        EventKind.WITHDRAWN,
        EventKind.RATED,
        EventKind.RESPONDENT_ACCEPTED,
        EventKind.RESPONDENT_DECLINED,
        EventKind.RESPONDENT_REPLIED,
        EventKind.AGREEMENT_CONFIRMED,
        EventKind.CONFIRMATION_APPLIED,
        EventKind.CONFIRMATION_JOINED,
        EventKind.COMPLAINT_FILED,
        EventKind.ROUND_SUBMITTED,
    }
)
# Every event that changes what the read models hold: a refresh follows each of them.
REFRESH_EVENTS = FACT_EVENTS | MEDIATOR_EVENTS | CITIZEN_EVENTS
MEDIATOR, CITIZEN = "mediator", "citizen"
# Which route a failed mediation hands the matter to, as a funnel stage.
_ROUTE_STAGE = {
    FailureRoute.ARBITRATION: Stage.ARBITRATION,
    FailureRoute.COURT: Stage.COURT,
    FailureRoute.ADMINISTRATIVE: Stage.ADMINISTRATIVE,
    FailureRoute.GUIDANCE: Stage.OTHER,
}


@dataclass(frozen=True)
class Dimensions:
    """What a matter is and where, as it stands now (figures follow corrections, e.g. of a category)."""

    region: str  # division code of its place (village, township or county)
    category_id: int | None
    kind: str
    channel: str


@dataclass(frozen=True)
class Event:
    kind: str
    at: dt.datetime
    data: dict[str, Any]
    actor_id: int | None = None


@dataclass(frozen=True)
class Fact:
    region: str
    category_id: int | None
    kind: str
    channel: str
    received_on: dt.date
    concluded_on: dt.date | None = None
    stage: str = ""  # a Stage once concluded
    days: int | None = None  # from receipt to conclusion, in calendar days
    mediation: str = ""  # "succeeded" or "failed" once mediation ended
    mediation_on: dt.date | None = None
    overdue: bool = False  # a stage's deadline was missed (an automatic supervision order was raised)
    agreement: str = ""  # "honoured" or "broken" once an effective agreement's performance is known
    agreement_on: dt.date | None = None
    court_filed_on: dt.date | None = None
    rating: int | None = None
    rated_on: dt.date | None = None
    returned: bool = False  # the applicant had a matter that ended in the 180 days before this one came


def local_day(moment: dt.datetime) -> dt.date:
    """The day in Beijing time (figures count by the calendar day people live in)."""
    return moment.astimezone(CHINA).date()


def derive(dims: Dimensions, events: Iterable[Event], *, returned: bool = False) -> Fact | None:
    """The fact of a matter from its dimensions and its events (any order); None before it is received."""
    ordered = sorted(events, key=lambda e: e.at)
    received = next((e for e in ordered if e.kind == EventKind.RECEIVED), None)
    if received is None:
        return None
    received_on = local_day(received.at)
    concluded: tuple[dt.date, str] | None = None
    mediation, mediation_on = "", None
    agreement, agreement_on = "", None
    effective = False
    overdue = False
    in_court = False
    court_filed_on = None
    rating, rated_on = None, None

    def conclude(at: dt.datetime, stage: str) -> None:
        nonlocal concluded
        if concluded is None:
            concluded = (local_day(at), stage)

    for event in ordered:
        kind, data = event.kind, event.data or {}
        if kind == EventKind.SUPERVISION_ORDERED and data.get("origin") == "automatic":
            overdue = True
        elif kind == EventKind.AGREEMENT_RECORDED:
            mediation, mediation_on = "succeeded", local_day(event.at)
            conclude(event.at, Stage.MEDIATION)
        elif kind == EventKind.FAILURE_RECORDED:
            mediation, mediation_on = "failed", local_day(event.at)
            route = data.get("route", "")
            if route != FailureRoute.COURT:  # the court route ends when the court's case does
                conclude(event.at, _ROUTE_STAGE.get(route, Stage.OTHER))
        elif kind == EventKind.COURT_DOCKED:
            in_court = True
        elif kind in (EventKind.COURT_MEDIATION_SETTLED, EventKind.CASE_CLOSED, EventKind.CASE_WITHDRAWN):
            conclude(event.at, Stage.COURT)
        elif kind == EventKind.FILING_ACCEPTED and court_filed_on is None:
            court_filed_on = local_day(event.at)
        elif kind in (EventKind.DECLINED, EventKind.WITHDRAWN, EventKind.MERGED):
            conclude(event.at, Stage.OTHER)
        elif kind == EventKind.CLOSED:
            conclude(event.at, _closed_stage(dims.kind, in_court))
        elif kind == EventKind.AGREEMENT_EFFECTIVE:
            effective = True
        elif kind == EventKind.OBLIGATION_BREACHED and effective and agreement != "broken":
            agreement, agreement_on = "broken", local_day(event.at)
        elif kind == EventKind.OBLIGATION_PERFORMED and effective and not agreement:
            if data.get("agreement_performed"):
                agreement, agreement_on = "honoured", local_day(event.at)
        elif kind == EventKind.RATED and data.get("score"):
            rating, rated_on = int(data["score"]), local_day(event.at)
    concluded_on, stage = concluded if concluded is not None else (None, "")
    return Fact(
        region=dims.region,
        category_id=dims.category_id,
        kind=dims.kind,
        channel=dims.channel,
        received_on=received_on,
        concluded_on=concluded_on,
        stage=stage,
        days=(concluded_on - received_on).days if concluded_on is not None else None,
        mediation=mediation,
        mediation_on=mediation_on,
        overdue=overdue,
        agreement=agreement,
        agreement_on=agreement_on,
        court_filed_on=court_filed_on,
        rating=rating,
        rated_on=rated_on,
        returned=returned,
    )


def _closed_stage(kind: str, in_court: bool) -> str:
    """A matter closed without an agreement, a failure or a court case: answered where it was brought."""
    if in_court:
        return Stage.COURT
    if kind == MatterKind.CONSULTATION:
        return Stage.CONSULTATION
    if kind in (MatterKind.REQUEST, MatterKind.PETITION):
        return Stage.ADMINISTRATIVE
    return Stage.MEDIATION


# A rollup row's key: (month, region, category id or 0, kind, channel, measure, stage, value).
Key = tuple[dt.date, str, int, str, str, str, str, int]
# A daily row's key (what early warning reads): (day, region, category id or 0).
DayKey = tuple[dt.date, str, int]

COUNTY, TOWNSHIP = 6, 9


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def contributions(fact: Fact | None) -> Counter[Key]:
    """The monthly rollup rows this fact adds one to, at its county: receipts by category, kind and
    channel, every other measure by category only (kind and channel blank: no figure breaks them down,
    and the days and scores already multiply the rows); and its receipt at its township too (when its
    place is at or below one), which ranks the townships of a county. A township's or a village's own
    figures are summed from its matters' facts."""
    found: Counter[Key] = Counter()
    if fact is None:
        return found
    category = fact.category_id or 0

    def add(day: dt.date, measure: str, stage: str = "", value: int = 0) -> None:
        month = _month(day)
        if measure == Measure.RECEIVED:
            found[(month, fact.region[:COUNTY], category, fact.kind, fact.channel, measure, "", 0)] += 1
            if len(fact.region) >= TOWNSHIP:
                found[(month, fact.region[:TOWNSHIP], category, "", "", measure, "", 0)] += 1
        else:
            found[(month, fact.region[:COUNTY], category, "", "", measure, stage, value)] += 1

    add(fact.received_on, Measure.RECEIVED)
    if fact.returned:
        add(fact.received_on, Measure.RETURNED)
    if fact.concluded_on is not None:
        add(fact.concluded_on, Measure.CONCLUDED, stage=fact.stage, value=fact.days or 0)
        if fact.overdue:
            add(fact.concluded_on, Measure.OVERDUE)
    if fact.mediation_on is not None:
        measure = Measure.MEDIATION_SUCCEEDED if fact.mediation == "succeeded" else Measure.MEDIATION_FAILED
        add(fact.mediation_on, measure)
    if fact.agreement_on is not None:
        measure = Measure.AGREEMENT_HONOURED if fact.agreement == "honoured" else Measure.AGREEMENT_BROKEN
        add(fact.agreement_on, measure)
    if fact.court_filed_on is not None:
        add(fact.court_filed_on, Measure.COURT_FILED)
    if fact.rated_on is not None and fact.rating is not None:
        add(fact.rated_on, Measure.RATED, value=fact.rating)
    return found


def daily_contributions(fact: Fact | None) -> Counter[DayKey]:
    """The daily rows (matters received per day, by county and by township, and category) early warning
    reads."""
    found: Counter[DayKey] = Counter()
    if fact is None:
        return found
    category = fact.category_id or 0
    found[(fact.received_on, fact.region[:COUNTY], category)] += 1
    if len(fact.region) >= TOWNSHIP:
        found[(fact.received_on, fact.region[:TOWNSHIP], category)] += 1
    return found


# An activity row's key: (month, region (county or township), role, user id).
ActivityKey = tuple[dt.date, str, str, int]


def activity(region: str, events: Iterable[Event], party_users: Iterable[int]) -> set[ActivityKey]:
    """Who was active on this matter, each month, at its county and township: the mediators who took a
    mediation step (``MEDIATOR_EVENTS``), and the parties who acted with their own account (an event of
    ``CITIZEN_EVENTS`` whose actor is one of ``party_users``, the accounts linked to the matter's
    parties). Staff acting for a party count as neither. Only ever grows: a month's activity stays."""
    parties = set(party_users)
    found: set[ActivityKey] = set()
    for event in events:
        if event.actor_id is None:
            continue
        if event.actor_id in parties:
            if event.kind not in CITIZEN_EVENTS:
                continue
            role = CITIZEN
        elif event.kind in MEDIATOR_EVENTS:
            role = MEDIATOR
        else:
            continue
        month = _month(local_day(event.at))
        found.add((month, region[:COUNTY], role, event.actor_id))
        if len(region) >= TOWNSHIP:
            found.add((month, region[:TOWNSHIP], role, event.actor_id))
    return found
