"""Keeping the read models: refresh the facts of the matters whose events changed, apply the difference to
the rollups, and rebuild everything from scratch.

A matter's fact is derived again from the matter and all its events (``facts.derive``) whenever one of its
events is written (a task enqueued on commit, see ``apps.py``), and a sweep catches any refresh that was
lost. The rollups change by ``contributions(new) - contributions(old)`` in the same transaction as the
fact, under the matter's row lock, so two refreshes of one matter never count twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.utils import timezone

from suyuan.analytics import facts
from suyuan.analytics.models import DailyCount, MatterFact, MonthlyActivity, MonthlyCount
from suyuan.matters.choices import PartyRole
from suyuan.matters.models import Matter, MatterEvent, Party

logger = logging.getLogger(__name__)

CHUNK = 1000
RETURN_WINDOW = dt.timedelta(days=180)
# The sweep looks this many events back for matters whose fact is older than their last event.
SWEEP_EVENTS = 50_000

_FACT_FIELDS = [f.name for f in MatterFact._meta.concrete_fields if f.name != "matter"]


def _events(matter_ids: Sequence[int]) -> dict[int, list[tuple[int, facts.Event]]]:
    found: dict[int, list[tuple[int, facts.Event]]] = defaultdict(list)
    rows = (
        MatterEvent.objects.filter(matter_id__in=matter_ids, kind__in=facts.REFRESH_EVENTS)
        .order_by()
        .values_list("matter_id", "id", "kind", "created_at", "data", "actor_id")
    )
    for matter_id, pk, kind, at, data, actor_id in rows:
        found[matter_id].append((pk, facts.Event(kind, at, data or {}, actor_id)))
    return found


def _party_users(matter_ids: Sequence[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    for matter_id, user_id in (
        Party.objects.filter(matter_id__in=matter_ids, user_id__isnull=False)
        .order_by()
        .values_list("matter_id", "user_id")
    ):
        found[matter_id].add(user_id)
    return found


def _activity(
    matter_ids: Sequence[int], regions: dict[int, str], events: dict[int, list[tuple[int, facts.Event]]]
) -> None:
    """Add the activity of these matters (rows that exist already are kept: activity only grows)."""
    users = _party_users(matter_ids)
    found: set[facts.ActivityKey] = set()
    for pk in matter_ids:
        if pk in regions:
            found |= facts.activity(regions[pk], (e for _id, e in events.get(pk, [])), users.get(pk, ()))
    if found:
        MonthlyActivity.objects.bulk_create(
            [MonthlyActivity(month=m, region=r, role=role, user_id=u) for m, r, role, u in sorted(found)],
            ignore_conflicts=True,
            batch_size=2000,
        )


def _returned(fact_by_matter: dict[int, facts.Fact]) -> set[int]:
    """The matters whose applicant (same phone or ID number hash) had another matter that ended in the
    180 days before this one was received."""
    if not fact_by_matter:
        return set()
    keys: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for matter_id, phone, id_number in Party.objects.filter(
        matter_id__in=list(fact_by_matter), role=PartyRole.APPLICANT
    ).values_list("matter_id", "phone_hash", "id_number_hash"):
        if phone:
            keys[matter_id].add(("phone_hash", phone))
        if id_number:
            keys[matter_id].add(("id_number_hash", id_number))
    wanted = {key for found in keys.values() for key in found}
    if not wanted:
        return set()
    # Two IN lists, not one OR term per key: SQLite refuses expression trees deeper than 1,000.
    phones = sorted(value for field, value in wanted if field == "phone_hash")
    id_numbers = sorted(value for field, value in wanted if field == "id_number_hash")
    query = Q(phone_hash__in=phones) | Q(id_number_hash__in=id_numbers)
    others: dict[tuple[str, str], set[int]] = defaultdict(set)
    for matter_id, phone, id_number in Party.objects.filter(query, role=PartyRole.APPLICANT).values_list(
        "matter_id", "phone_hash", "id_number_hash"
    ):
        if phone:
            others[("phone_hash", phone)].add(matter_id)
        if id_number:
            others[("id_number_hash", id_number)].add(matter_id)
    candidates = {m for found in others.values() for m in found}
    concluded: dict[int, dt.date] = {
        pk: day
        for pk, day in MatterFact.objects.filter(
            matter_id__in=list(candidates), concluded_on__isnull=False
        ).values_list("matter_id", "concluded_on")
        if day is not None
    }
    returned = set()
    for matter_id, fact in fact_by_matter.items():
        since = fact.received_on - RETURN_WINDOW
        for key in keys.get(matter_id, ()):
            if any(
                other != matter_id and other in concluded and since <= concluded[other] < fact.received_on
                for other in others.get(key, ())
            ):
                returned.add(matter_id)
                break
    return returned


def _derive(matter_ids: Sequence[int]) -> tuple[dict[int, facts.Fact], dict[int, int]]:
    """The current facts of these matters (and the id of the last event each was made from)."""
    derived, last = _derive_without_returns(matter_ids)
    for pk in _returned(derived):
        derived[pk] = facts.Fact(**{**asdict(derived[pk]), "returned": True})
    return derived, last


def _stored(matter_ids: Sequence[int]) -> dict[int, facts.Fact]:
    return {
        row["matter_id"]: facts.Fact(
            **{k: v for k, v in row.items() if k not in ("matter_id", "last_event_id", "derived_at")}
        )
        for row in MatterFact.objects.filter(matter_id__in=matter_ids).values("matter_id", *_FACT_FIELDS)
    }


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _add_monthly(delta: Counter[facts.Key]) -> None:
    """Add ``delta`` to the monthly rows in one statement (upsert: the same SQL on SQLite and PostgreSQL),
    then drop rows that fell to zero (so kept rows equal rebuilt ones)."""
    rows = [(key, n) for key, n in delta.items() if n]
    if not rows:
        return
    table = _table(MonthlyCount)
    columns = "month, region, category_id, kind, channel, measure, stage, value, count"
    placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for key, n in rows:
        params.extend([*key, n])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {placeholders} "  # noqa: S608 - names from the model
            "ON CONFLICT (month, region, category_id, kind, channel, measure, stage, value) "
            f"DO UPDATE SET count = {table}.count + excluded.count",
            params,
        )
    if any(n < 0 for _key, n in rows):
        MonthlyCount.objects.filter(count__lte=0).delete()


def _add_daily(delta: Counter[facts.DayKey]) -> None:
    rows = [(key, n) for key, n in delta.items() if n]
    if not rows:
        return
    table = _table(DailyCount)
    placeholders = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for key, n in rows:
        params.extend([*key, n])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, region, category_id, count) VALUES {placeholders} "  # noqa: S608
            f"ON CONFLICT (day, region, category_id) DO UPDATE SET count = {table}.count + excluded.count",
            params,
        )
    if any(n < 0 for _key, n in rows):
        DailyCount.objects.filter(count__lte=0).delete()


def _rows(derived: dict[int, facts.Fact], last: dict[int, int]) -> list[MatterFact]:
    now = timezone.now()
    return [
        MatterFact(matter_id=pk, last_event_id=last.get(pk, 0), derived_at=now, **asdict(fact))
        for pk, fact in derived.items()
    ]


def facts_refresh(*, matter_ids: Iterable[int]) -> int:
    """Derive again the facts of these matters and apply the change to the rollups; return how many facts
    changed. Safe to repeat: a fact that did not change adds nothing."""
    ids = sorted(set(matter_ids))
    changed = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            # The matters' row locks serialise refreshes of one matter (and wait for its commands).
            list(Matter.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
            derived, last = _derive(chunk)
            stored = _stored(chunk)
            monthly: Counter[facts.Key] = Counter()
            daily: Counter[facts.DayKey] = Counter()
            for pk in chunk:
                old, new = stored.get(pk), derived.get(pk)
                if old == new:
                    continue
                changed += 1
                monthly.update(facts.contributions(new))
                monthly.subtract(facts.contributions(old))
                daily.update(facts.daily_contributions(new))
                daily.subtract(facts.daily_contributions(old))
            _add_monthly(monthly)
            _add_daily(daily)
            gone = [pk for pk in chunk if pk in stored and pk not in derived]
            if gone:
                MatterFact.objects.filter(matter_id__in=gone).delete()
            if derived:
                MatterFact.objects.bulk_create(
                    _rows(derived, last),
                    update_conflicts=True,
                    unique_fields=["matter"],
                    update_fields=_FACT_FIELDS,
                )
    return changed


def facts_rebuild(*, chunk: int = 5000) -> dict[str, int]:
    """Recompute every fact and rollup row from the matters and their events (the read models are
    emptied first; run it when nothing else writes, e.g. after a restore). Returns the row counts."""
    with transaction.atomic():
        MonthlyCount.objects.all().delete()
        DailyCount.objects.all().delete()
        MonthlyActivity.objects.all().delete()
        MatterFact.objects.all().delete()
        ids = list(Matter.objects.order_by("pk").values_list("pk", flat=True))
        # Facts first (whether a matter "came back" reads the other matters' facts), then the rollups.
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            derived, last = _derive_without_returns(part)
            MatterFact.objects.bulk_create(_rows(derived, last), batch_size=1000)
        monthly: Counter[facts.Key] = Counter()
        daily: Counter[facts.DayKey] = Counter()
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            stored = _stored(part)
            returned = _returned(stored)
            if returned:
                MatterFact.objects.filter(matter_id__in=returned).update(returned=True)
            for pk, fact in stored.items():
                if pk in returned:
                    fact = facts.Fact(**{**asdict(fact), "returned": True})
                monthly.update(facts.contributions(fact))
                daily.update(facts.daily_contributions(fact))
        MonthlyCount.objects.bulk_create(
            [
                MonthlyCount(
                    month=k[0],
                    region=k[1],
                    category_id=k[2],
                    kind=k[3],
                    channel=k[4],
                    measure=k[5],
                    stage=k[6],
                    value=k[7],
                    count=n,
                )
                for k, n in monthly.items()
                if n
            ],
            batch_size=2000,
        )
        DailyCount.objects.bulk_create(
            [DailyCount(day=k[0], region=k[1], category_id=k[2], count=n) for k, n in daily.items() if n],
            batch_size=2000,
        )
    return {
        "facts": MatterFact.objects.count(),
        "monthly": MonthlyCount.objects.count(),
        "daily": DailyCount.objects.count(),
        "activity": MonthlyActivity.objects.count(),
    }


def _derive_without_returns(matter_ids: Sequence[int]) -> tuple[dict[int, facts.Fact], dict[int, int]]:
    dims = {
        pk: facts.Dimensions(region=region, category_id=category, kind=kind, channel=channel)
        for pk, region, category, kind, channel in Matter.objects.filter(pk__in=matter_ids)
        .order_by()
        .values_list("pk", "region_id", "category_id", "kind", "channel")
    }
    events = _events(list(dims))
    _activity(list(dims), {pk: d.region for pk, d in dims.items()}, events)
    derived: dict[int, facts.Fact] = {}
    last: dict[int, int] = {}
    for pk, matter_dims in dims.items():
        rows = events.get(pk, [])
        fact = facts.derive(matter_dims, (event for _id, event in rows))
        if fact is not None:
            derived[pk] = fact
            last[pk] = max(event_id for event_id, _event in rows)
    return derived, last


def stale_matter_ids() -> list[int]:
    """Matters among the latest events whose fact is missing or older than their last event (a refresh
    lost between a commit and its task)."""
    top = MatterEvent.objects.aggregate(top=Max("id"))["top"] or 0
    latest = dict(
        MatterEvent.objects.filter(id__gt=top - SWEEP_EVENTS, kind__in=facts.REFRESH_EVENTS)
        .order_by()
        .values("matter_id")
        .annotate(last=Max("id"))
        .values_list("matter_id", "last")
    )
    if not latest:
        return []
    known = dict(
        MatterFact.objects.filter(matter_id__in=list(latest)).values_list("matter_id", "last_event_id")
    )
    return sorted(pk for pk, last in latest.items() if known.get(pk, -1) < last)
