"""Demo history: two years of concluded matters across Quzhou, with the seasons a centre sees.

The service-made demo (``suyuan.demo.matters``) covers the last six months with a few hundred matters.
This module adds the two years behind them: generated, concluded matters from 24 months ago on (and the
90 days before, which the early warning scales its earlier years by), bulk
inserted with their events exactly as the matter services write them (received; accepted; assigned;
mediation started; an agreement or a failure with its next route, to court, arbitration or an
administrative body; closed; some declined or withdrawn; ratings by applicants who filed online). In
the last six months a thinner stream continues beside the service-made matters, so the monthly figures
run on at one level; it stops two weeks before today, where the service-made matters are.

The seasons (what the figures and the early warning show):

* wage claims (``labour_wages``) rise in the six weeks before the Spring Festival, when workers go
  home and want their year's pay, and fall in the holiday itself;
* forest, farmland and homestead disputes peak in spring ploughing and tomb sweeping (March to May),
  neighbour disputes in summer (noise, water, air conditioners);
* family disputes follow the holidays (the weeks after the Spring Festival, National Day and May Day);
* every category dips in the Spring Festival and National Day holidays and on weekends.

A current rise is planted for the early warning: in the last 13 days one township of Jiangshan
(``RISE_TOWNSHIP``, 上余镇, or another township when the regions lack it: ``rise_township``) receives a cluster of
neighbour disputes (``RISE_CATEGORY``), well above that township's seasonal baseline and small beside
the county's, so that ``alerts_detect`` finds that one rise. Those matters are in mediation.

Everything is made up: names are drawn from common surnames and given names, the stories come from the
demo's templates, applicants' phones are 13900002000 + n and respondents' 1380000xxxx (the demo ranges);
nothing is copied from anyone's message. The build is deterministic for a given day (seeded
``random.Random``; tracking codes are random as always) and idempotent: every history matter carries the
idempotency key ``demohist-<n>`` and the history is built once (a second run finds the keys and creates
nothing). ``counties`` narrows it as it narrows the rest of the demo.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from suyuan.accounts.models import Membership, Organization, User
from suyuan.accounts.services import identifier_fields
from suyuan.analytics.warning import LUNAR_NEW_YEAR
from suyuan.core.identifiers import PHONE, hash_identifier
from suyuan.demo.matters import (
    CATEGORY_WEIGHTS,
    CONSENT,
    DISPATCHERS,
    GRID_WORKER,
    MEDIATOR_NOTES,
    Plan,
    Step,
    _compose,
    _desk_for,
    _lifecycle,
    _office,
    _places,
    _upsert_matter_staff,
    _weighted,
)
from suyuan.demo.services import HOME_COUNTY, HOME_TOWNSHIP, SeedReport
from suyuan.matters import codes, deadlines
from suyuan.matters.choices import (
    Channel,
    EventKind,
    MatterKind,
    MatterStatus,
    PartyKind,
    PartyRole,
    Visibility,
)
from suyuan.matters.models import Category, Matter, MatterEvent, MatterRating, Party
from suyuan.regions.choices import RegionLevel
from suyuan.regions.models import Region
from suyuan.workdays.selectors import CHINA
from suyuan.workdays.services import is_working_day

S = MatterStatus
K = MatterKind
C = Channel

KEY_PREFIX = "demohist-"
SEED = "suyuan-demo-history-1"
# How far back the history goes: two years, and the 90 days before them, so that the early warning has
# two earlier years (each with the level period it scales by) to compare the last two weeks with.
DAYS = 730 + 95
SERVICE_DAYS = 180  # the service-made demo's window (``suyuan.demo.matters.AGE_DAYS``)
QUIET_DAYS = 14  # the last days, left to the service-made matters (and the planted rise)
# Matters received per day in each county on an ordinary working day (before the seasons).
DAILY: dict[str, float] = {
    "330881": 3.0,
    "330802": 1.2,
    "330803": 0.5,
    "330822": 0.45,
    "330824": 0.45,
    "330825": 0.5,
}
# The service-made demo's matters per county (``COUNTY_COUNTS``) over its six months: the history's stream
# in those months is thinned by as much, so that both together keep the level.
SERVICE_DAILY: dict[str, float] = {
    "330881": 168 / SERVICE_DAYS,
    "330802": 28 / SERVICE_DAYS,
    "330803": 26 / SERVICE_DAYS,
    "330822": 26 / SERVICE_DAYS,
    "330824": 26 / SERVICE_DAYS,
    "330825": 26 / SERVICE_DAYS,
}
KIND_WEIGHTS = {K.DISPUTE: 66, K.REQUEST: 15, K.PETITION: 4, K.CONSULTATION: 15}
# The history's channels (no court window, API or import: those come with their own stories).
CHANNELS: dict[str, dict[str, int]] = {
    K.DISPUTE: {C.WALK_IN: 40, C.PORTAL: 22, C.HOTLINE: 18, C.FIELD_VISIT: 20},
    K.REQUEST: {C.HOTLINE: 45, C.PORTAL: 35, C.WALK_IN: 20},
    K.PETITION: {C.PETITION_LETTER: 40, C.WALK_IN: 35, C.PORTAL: 25},
    K.CONSULTATION: {C.HOTLINE: 45, C.WALK_IN: 30, C.PORTAL: 25},
}
OUTCOMES: dict[str, dict[str, int]] = {
    K.DISPUTE: {S.CLOSED: 72, S.RESOLVED: 5, S.UNRESOLVED: 5, S.DECLINED: 8, S.WITHDRAWN: 10},
    K.REQUEST: {S.CLOSED: 82, S.DECLINED: 10, S.WITHDRAWN: 8},
    K.PETITION: {S.CLOSED: 80, S.DECLINED: 14, S.WITHDRAWN: 6},
    K.CONSULTATION: {S.CLOSED: 90, S.DECLINED: 4, S.WITHDRAWN: 6},
}
APPLICANT_PHONE_BASE = 13900002000  # 13900002000-13900009999: the history's applicants
RESPONDENT_PHONE_BASE = 13800001000  # 13800001000-13800004999: the history's respondents
RESPONDENT_PHONES = 4000
MAX_MATTERS = 8000
RESIDENT_PREFIX = "demo.hresident."
# How applicants who filed online rated the handling: score, weight, comments.
RATINGS: tuple[tuple[int, int, tuple[str, ...]], ...] = (
    (5, 46, ("调解员很耐心，问题解决了。", "办事效率高，感谢。", "")),
    (4, 30, ("总体满意，就是等的时间长了点。", "")),
    (3, 14, ("结果还可以，沟通可以再及时一些。", "")),
    (2, 6, ("拖了很久才有人联系。",)),
    (1, 4, ("对结果不满意。",)),
)
RATED_SHARE = 0.45

# The planted rise: a cluster of neighbour disputes in one township of Jiangshan in the last 13 days.
RISE_TOWNSHIP = "330881116"  # 上余镇
RISE_CATEGORY = "neighbours"
RISE_MATTERS = 9
RISE_TITLES = (
    "安置小区装修噪音扰民",
    "楼道堆放杂物影响通行",
    "空调外机对着邻居窗户",
    "新建围墙挡住邻居采光",
    "排水沟被堵雨水倒灌",
    "邻居占用公共通道停车",
    "宠物狗夜间吠叫扰邻",
    "楼上漏水殃及楼下",
)
RISE_STORY = (
    "{place}居民{applicant}反映：{title}，与邻居{respondent}沟通多次没有结果，双方关系越来越僵，"
    "希望调解组织出面协调。近期镇里不少安置房住户集中入住，类似矛盾较多。"
)
RISE_DESIRED = "由调解员约双方面谈，商定解决办法，恢复正常的邻里关系。"


def rise_township(counties: Sequence[str]) -> str:
    """The township the planted rise is in: 上余镇 if the regions have it, else the last township of
    Jiangshan other than the county seat (the seat when it is the only one); "" without Jiangshan."""
    if HOME_COUNTY not in counties:
        return ""
    codes = list(
        Region.objects.filter(code__startswith=HOME_COUNTY, level=RegionLevel.TOWNSHIP)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if RISE_TOWNSHIP in codes:
        return RISE_TOWNSHIP
    others = [code for code in codes if code != HOME_TOWNSHIP]
    return (others or codes or [""])[-1]


# --- Seasons -----------------------------------------------------------------------------------------------


def _festival_offsets(day: dt.date) -> tuple[int, int]:
    """Days until the next Spring Festival and days since the last one (999 when out of the table)."""
    until, since = 999, 999
    for festival in (LUNAR_NEW_YEAR.get(day.year), LUNAR_NEW_YEAR.get(day.year + 1)):
        if festival is not None and festival >= day:
            until = min(until, (festival - day).days)
    for festival in (LUNAR_NEW_YEAR.get(day.year), LUNAR_NEW_YEAR.get(day.year - 1)):
        if festival is not None and festival <= day:
            since = min(since, (day - festival).days)
    return until, since


def season(category: str, day: dt.date) -> float:
    """How many times its ordinary rate a category comes in on ``day`` (the yearly pattern)."""
    until, since = _festival_offsets(day)
    month = day.month
    factor = 1.0
    if category == "labour_wages":
        if until <= 42:
            factor = 1.5 + 3.0 * (42 - until) / 42  # 1.5 six weeks before, 4.5 on the eve
        elif since <= 14:
            factor = 0.5
        elif month == 12:
            factor = 1.3
    elif category in ("forest_land", "housing_homestead"):
        if month in (3, 4, 5):
            factor = 2.0 if month in (3, 4) else 1.6
        elif month in (6, 7, 8):
            factor = 1.2
    elif category == "neighbours":
        if month in (6, 7, 8):
            factor = 1.6
        elif month in (3, 4, 5):
            factor = 1.2
    elif category == "marriage_family":
        if 3 <= since <= 24:
            factor = 2.2
        elif month == 10 and 8 <= day.day <= 28:
            factor = 1.6
        elif month == 5 and 6 <= day.day <= 20:
            factor = 1.3
    elif category == "traffic" and until <= 12:
        factor = 1.5
    return factor


def _day_factor(day: dt.date) -> float:
    """The whole intake on ``day``: the Spring Festival and National Day holidays and weekends are quiet."""
    until, since = _festival_offsets(day)
    if until <= 1 or since <= 6:
        return 0.3
    if day.month == 10 and day.day <= 7:
        return 0.4
    return 1.0 if is_working_day(day) else 0.35


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: the means here are small)."""
    if mean <= 0:
        return 0
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


# --- The plan ----------------------------------------------------------------------------------------------


@dataclass
class HistoryPlan:
    plan: Plan
    received: dt.datetime
    rating: tuple[int, str] | None = None
    rated_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _received_moment(rng: random.Random, day: dt.date, channel: str) -> dt.datetime:
    if channel == C.PORTAL or not is_working_day(day):
        start = dt.datetime.combine(day, dt.time(7, 0), tzinfo=CHINA)
        return start + dt.timedelta(seconds=int(rng.uniform(0, 16 * 3600)))
    start = dt.datetime.combine(day, dt.time(8, 40), tzinfo=CHINA)
    return start + dt.timedelta(seconds=int(rng.uniform(0, 8 * 3600 + 40 * 60)))


def history_plan(*, counties: Sequence[str], desks: dict[str, str], now: dt.datetime) -> list[HistoryPlan]:
    """Return the history's matters of ``counties``: what each says and what happened to it, when."""
    places = _places(counties)
    specialties = dict(Category.objects.values_list("code", "specialty"))
    today = now.astimezone(CHINA).date()
    first = today - dt.timedelta(days=DAYS)
    service_start = today - dt.timedelta(days=SERVICE_DAYS)
    last = today - dt.timedelta(days=QUIET_DAYS)
    base = {kind: sum(weights.values()) for kind, weights in CATEGORY_WEIGHTS.items()}
    plans: list[HistoryPlan] = []
    n = 0
    day = first
    while day < last:
        rng = random.Random(f"{SEED}-{(day - first).days}")  # noqa: S311 - demo data, not security
        day_factor = _day_factor(day)
        for county in sorted(counties):
            rate = DAILY.get(county, 0.0)
            if day >= service_start:
                rate = max(0.0, rate - SERVICE_DAILY.get(county, 0.0))
            for kind, kind_weight in KIND_WEIGHTS.items():
                weights = {c: w * season(c, day) for c, w in CATEGORY_WEIGHTS[kind].items()}
                lift = sum(weights.values()) / base[kind]
                mean = rate * kind_weight / 100 * day_factor * lift
                for _ in range(_poisson(rng, mean)):
                    plan = Plan(n=n, county=county, kind=kind, status=_weighted(rng, OUTCOMES[kind]))
                    plan.category = rng.choices(list(weights), weights=list(weights.values()))[0]
                    plan.channel = _weighted(rng, CHANNELS[kind])
                    received = _received_moment(rng, day, plan.channel)
                    plans.append(_fill_plan(plan, rng, places, desks, specialties, received, now))
                    n += 1
        day += dt.timedelta(days=1)
    township = rise_township(counties)
    if township:
        plans.extend(_rise_plans(n, township, places, desks, now))
    if len(plans) > MAX_MATTERS:
        raise ValueError(f"The history plan has {len(plans)} matters, more than the phone range holds.")
    return plans


def _fill_plan(
    plan: Plan,
    rng: random.Random,
    places: Any,
    desks: dict[str, str],
    specialties: dict[str, str],
    received: dt.datetime,
    now: dt.datetime,
) -> HistoryPlan:
    _compose(rng, plan, places, received)
    _phones(plan, rng)
    plan.desk = _desk_for(plan, rng, desks, places, specialties.get(plan.category, ""))
    plan.resident = f"{RESIDENT_PREFIX}{plan.parties[0].phone}"
    if plan.channel == C.PORTAL:
        plan.actor = plan.resident
    elif plan.channel == C.FIELD_VISIT and plan.region == places.home_village:
        plan.actor = GRID_WORKER
    else:
        plan.actor = DISPATCHERS[plan.county]
    # Everything in the history ended at least a day before today.
    limit = now - dt.timedelta(days=1)
    _lifecycle(plan, rng, limit, received)
    item = HistoryPlan(plan=plan, received=received)
    finished = plan.status in (S.CLOSED, S.RESOLVED, S.UNRESOLVED)
    if plan.channel == C.PORTAL and finished and rng.random() < RATED_SHARE:
        score = rng.choices([r[0] for r in RATINGS], weights=[r[1] for r in RATINGS])[0]
        comment = rng.choice(next(r[2] for r in RATINGS if r[0] == score))
        at = plan.steps[-1].at + dt.timedelta(hours=rng.uniform(6, 96))
        if at < limit:
            item.rating, item.rated_at = (score, comment), at
    return item


def _phones(plan: Plan, rng: random.Random) -> None:
    """Give the parties the history's made-up numbers (applicants one each, respondents from a pool)."""
    parties = []
    for party in plan.parties:
        if party.role == PartyRole.APPLICANT:
            party = replace(party, phone=str(APPLICANT_PHONE_BASE + plan.n))
        elif party.role == PartyRole.RESPONDENT and party.phone:
            party = replace(party, phone=str(RESPONDENT_PHONE_BASE + plan.n % RESPONDENT_PHONES))
        elif party.role == PartyRole.THIRD_PARTY:
            continue
        parties.append(party)
    plan.parties = parties


def _rise_plans(
    start: int, township: str, places: Any, desks: dict[str, str], now: dt.datetime
) -> list[HistoryPlan]:
    """The planted rise: neighbour disputes of one township, received in the last 13 days, in mediation."""
    rng = random.Random(f"{SEED}-rise")  # noqa: S311 - demo data, not security
    villages = [code for code, _name in places.villages.get(township, [])] or [township]
    township_name = dict(places.townships.get(township[:6], [])).get(township, "")
    plans = []
    for i in range(RISE_MATTERS):
        n = start + i
        plan = Plan(n=n, county=township[:6], kind=K.DISPUTE, status=S.IN_MEDIATION)
        plan.category = RISE_CATEGORY
        plan.channel = (C.WALK_IN, C.HOTLINE, C.PORTAL, C.FIELD_VISIT)[i % 4]
        day = (now - dt.timedelta(days=1 + (i * 12) // RISE_MATTERS)).astimezone(CHINA).date()
        received = _office(_received_moment(rng, day, C.WALK_IN), rng, forward=False)
        received = min(received, now - dt.timedelta(days=1))
        _compose(rng, plan, places, received)
        plan.region = rng.choice(villages)
        title = RISE_TITLES[i % len(RISE_TITLES)]
        plan.title = f"{township_name}{title}"
        plan.description = RISE_STORY.format(
            place=township_name,
            applicant=plan.parties[0].name,
            title=title,
            respondent=plan.slots.get("respondent", "对方"),
        )
        plan.desired = RISE_DESIRED
        _phones(plan, rng)
        plan.desk = _desk_for(plan, rng, desks, places, "")
        plan.resident = f"{RESIDENT_PREFIX}{plan.parties[0].phone}"
        plan.actor = plan.resident if plan.channel == C.PORTAL else DISPATCHERS[plan.county]
        if plan.channel == C.FIELD_VISIT and GRID_WORKER and plan.region == places.home_village:
            plan.actor = GRID_WORKER
        hours = [rng.uniform(1, 6), rng.uniform(1, 8), rng.uniform(1, 10)]
        accepted = received + dt.timedelta(hours=hours[0])
        assigned = accepted + dt.timedelta(hours=hours[1])
        started = assigned + dt.timedelta(hours=hours[2])
        plan.steps = [
            Step(received, "receive"),
            Step(accepted, "accept", "材料齐全，予以受理。"),
            Step(assigned, "assign"),
            Step(started, "start"),
        ]
        if i % 2 == 0:
            plan.steps.append(Step(started + dt.timedelta(hours=2), "note", rng.choice(MEDIATOR_NOTES)))
        plans.append(HistoryPlan(plan=plan, received=received))
    return plans


# --- Writing it --------------------------------------------------------------------------------------------


@dataclass
class HistoryReport:
    created: int = 0
    events: int = 0
    ratings: int = 0
    seconds: float = 0.0


class _Labels:
    """How each actor appears on the timeline (``matters.services._actor_label``), from one query."""

    def __init__(self, users: dict[str, User]) -> None:
        self.memberships: dict[int, list[tuple[int, str]]] = {}
        for m in (
            Membership.objects.filter(user__in=list(users.values()), is_active=True)
            .select_related("organization")
            .order_by("id")
        ):
            self.memberships.setdefault(m.user_id, []).append(
                (m.organization_id, f"{m.organization.name} · {m.get_role_display()}")
            )
        self.applicant = gettext("applicant")
        self.party = gettext("party")

    def label(self, user: User, organization_id: int | None, owner: User | None) -> str:
        rows = self.memberships.get(user.pk, [])
        if rows:
            return next((text for org, text in rows if org == organization_id), rows[0][1])
        return self.applicant if owner is not None and owner.pk == user.pk else self.party


def _residents(plans: Sequence[HistoryPlan]) -> dict[str, User]:
    """Create the citizen accounts of the applicants who filed online (no password, as citizens have)."""
    wanted = {
        item.plan.resident: item.plan.parties[0]
        for item in plans
        if item.plan.channel == C.PORTAL and item.plan.actor == item.plan.resident
    }
    existing = set(User.objects.filter(username__in=list(wanted)).values_list("username", flat=True))
    rows = []
    for username, party in wanted.items():
        if username in existing:
            continue
        user = User(
            username=username, full_name=party.name, is_active=True, **identifier_fields(phone=party.phone)
        )
        user.set_unusable_password()
        rows.append(user)
    User.objects.bulk_create(rows, batch_size=500)
    return {u.username: u for u in User.objects.filter(username__in=list(wanted))}


def _events_for(
    item: HistoryPlan,
    matter: Matter,
    people: dict[str, User],
    orgs: dict[str, Organization],
    labels: _Labels,
) -> list[MatterEvent]:
    """The matter's events as the services write them, and its fields as they leave it."""
    plan = item.plan
    dispatcher = people[DISPATCHERS[plan.county]]
    mediator = people.get(plan.desk[1]) if plan.desk[1] else None
    handler = mediator or dispatcher
    owner = matter.owner
    org = orgs.get(plan.desk[0])
    org_id = org.pk if org else None
    events: list[MatterEvent] = []
    status = ""
    moved = [item.received]  # when the matter last changed status

    def add(kind: str, at: dt.datetime, actor: User, to: str = "", **kwargs: Any) -> None:
        nonlocal status
        events.append(
            MatterEvent(
                matter=matter,
                seq=len(events) + 1,
                kind=kind,
                actor=actor,
                actor_label=labels.label(actor, org_id, owner),
                from_status=status if to else "",
                to_status=to,
                created_at=at,
                **kwargs,
            )
        )
        if to:
            status = to
            moved[0] = at
            matter.version += 1 if len(events) > 1 else 0
            if to in (S.DECLINED, S.WITHDRAWN, S.CLOSED):
                matter.closed_at = at

    for step in plan.steps:
        command, at = step.command, step.at
        if command == "receive":
            entered = people[plan.actor]
            staff_entry = plan.channel != C.PORTAL
            add(
                EventKind.RECEIVED,
                at,
                entered,
                S.SUBMITTED,
                data={"channel": plan.channel, "agent": staff_entry},
            )
        elif command == "accept":
            matter.accepted_at = at
            add(
                EventKind.ACCEPTED,
                at,
                dispatcher,
                S.ACCEPTED,
                data={"organization": org.name if org else ""},
                text=step.text,
            )
        elif command == "decline":
            matter.decline_reason = step.text
            add(EventKind.DECLINED, at, dispatcher, S.DECLINED, text=step.text)
        elif command == "assign":
            add(
                EventKind.ASSIGNED,
                at,
                dispatcher,
                S.ASSIGNED,
                data={
                    "organization": org.name if org else "",
                    "mediator": mediator.full_name if mediator else "",
                },
            )
        elif command == "start":
            add(EventKind.MEDIATION_STARTED, at, handler, S.IN_MEDIATION)
        elif command == "note":
            add(EventKind.NOTE, at, handler, visibility=Visibility.INTERNAL, text=step.text)
        elif command == "agree":
            matter.outcome_summary = step.text
            add(EventKind.AGREEMENT_RECORDED, at, handler, S.RESOLVED, text=step.text)
        elif command == "fail":
            matter.failure_route, matter.outcome_summary = step.route, step.text
            add(
                EventKind.FAILURE_RECORDED,
                at,
                handler,
                S.UNRESOLVED,
                text=step.text,
                data={"route": step.route},
            )
        elif command == "close":
            add(EventKind.CLOSED, at, handler, S.CLOSED)
        elif command == "withdraw":
            actor = owner if owner is not None else dispatcher
            add(EventKind.WITHDRAWN, at, actor, S.WITHDRAWN, text=step.text)
    if item.rating is not None and item.rated_at is not None and owner is not None:
        add(EventKind.RATED, item.rated_at, owner, data={"score": item.rating[0]})
    matter.status = status
    # The deadline of the stage it stands in (none once final), counted from when it got there.
    final = status in (S.DECLINED, S.WITHDRAWN, S.CLOSED)
    matter.due_at = (
        None if final else deadlines.stage_deadline(kind=matter.kind, status=status, start=moved[0])
    )
    return events


def demo_history_seed(*, counties: Sequence[str], now: dt.datetime | None = None) -> HistoryReport:
    """Build the history of ``counties`` once (nothing when it exists); see the module's docstring."""
    started = time.perf_counter()
    report = HistoryReport()
    if Matter.objects.filter(idempotency_key__startswith=KEY_PREFIX).exists():
        report.seconds = time.perf_counter() - started
        return report
    now = now or timezone.now()
    with transaction.atomic():
        desks = _upsert_matter_staff(counties, SeedReport())
        plans = history_plan(counties=counties, desks=desks, now=now)
        residents = _residents(plans)
        staff = {*DISPATCHERS.values(), GRID_WORKER, *desks.values()}
        people = {u.username: u for u in User.objects.filter(username__in=staff)} | residents
        orgs = {o.code: o for o in Organization.objects.filter(code__in={p.plan.desk[0] for p in plans})}
        categories = dict(Category.objects.values_list("code", "pk"))
        labels = _Labels(people)
        matters: list[Matter] = []
        for item in plans:
            plan = item.plan
            staff_entry = plan.channel != C.PORTAL
            entered = people[plan.actor]
            org = orgs.get(plan.desk[0])
            matters.append(
                Matter(
                    tracking_code=codes.generate(),
                    kind=plan.kind,
                    channel=plan.channel,
                    category_id=categories[plan.category],
                    title=plan.title[:120],
                    description=plan.description,
                    desired_outcome=plan.desired,
                    occurred_on=plan.occurred_on,
                    region_id=plan.region,
                    address_text=plan.address,
                    organization=org,
                    mediator=people.get(plan.desk[1]) if plan.desk[1] else None,
                    owner=None if staff_entry else entered,
                    entered_by=entered,
                    agent=entered if staff_entry else None,
                    agent_consent=CONSENT.get(plan.channel, "") if staff_entry else "",
                    privacy_consent_at=item.received,
                    created_at=item.received,
                    idempotency_key=f"{KEY_PREFIX}{plan.n}",
                    version=1,
                )
            )
        events: list[MatterEvent] = []
        per_matter = [
            _events_for(item, matter, people, orgs, labels)
            for item, matter in zip(plans, matters, strict=True)
        ]
        Matter.objects.bulk_create(matters, batch_size=500)
        if any(m.pk is None for m in matters):  # a database that returns no ids from a bulk insert
            ids = dict(
                Matter.objects.filter(idempotency_key__startswith=KEY_PREFIX).values_list(
                    "idempotency_key", "pk"
                )
            )
            for m in matters:
                m.pk = m.id = ids[m.idempotency_key]
        parties: list[Party] = []
        ratings: list[MatterRating] = []
        for item, matter, found in zip(plans, matters, per_matter, strict=True):
            for event in found:
                event.matter = matter
            events.extend(found)
            for party in item.plan.parties:
                parties.append(
                    Party(
                        matter=matter,
                        role=party.role,
                        kind=party.kind or PartyKind.PERSON,
                        name=party.name,
                        phone=party.phone,
                        phone_hash=hash_identifier(PHONE, party.phone) if party.phone else "",
                        user=matter.owner if party.role == PartyRole.APPLICANT else None,
                        created_at=item.received,
                    )
                )
            if item.rating is not None and item.rated_at is not None and matter.owner is not None:
                score, comment = item.rating
                ratings.append(
                    MatterRating(
                        matter=matter,
                        user=matter.owner,
                        score=score,
                        comment=comment,
                        created_at=item.rated_at,
                    )
                )
        Party.objects.bulk_create(parties, batch_size=1000)
        MatterEvent.objects.bulk_create(events, batch_size=2000)
        MatterRating.objects.bulk_create(ratings, batch_size=1000)
    report.created = len(matters)
    report.events = len(events)
    report.ratings = len(ratings)
    report.seconds = time.perf_counter() - started
    return report


__all__ = [
    "KEY_PREFIX",
    "RISE_CATEGORY",
    "HistoryReport",
    "demo_history_seed",
    "history_plan",
    "rise_township",
    "season",
]
