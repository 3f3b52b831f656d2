"""The demo's two years of history: months filled, the seasons visible, built once, and the planted rise.

Built once for the module on a slice of real regions (Jiangshan with several of its townships, and
Kecheng), without the service-made matters (their own tests build them), and rolled back at the end.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections import Counter

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from suyuan.analytics.alerts import alerts_detect
from suyuan.analytics.choices import AlertKind
from suyuan.analytics.models import Alert, DailyCount, MatterFact, MonthlyCount
from suyuan.analytics.services import facts_rebuild, facts_refresh
from suyuan.analytics.warning import LUNAR_NEW_YEAR
from suyuan.demo import history, services
from suyuan.demo.matters import is_fake_phone
from suyuan.demo.tests.conftest import QUIET_TASKS, SLICE, make_small_quzhou
from suyuan.matters.choices import FINAL_STATUSES, EventKind, MatterStatus
from suyuan.matters.models import Category, Matter, MatterEvent, MatterRating, Party
from suyuan.regions.tests.factories import make_region
from suyuan.workdays.selectors import CHINA

pytestmark = pytest.mark.django_db

# More of Jiangshan's real townships (and a village of each), so the county is not two townships.
TOWNSHIPS = [
    ("330881002", "虎山街道", "330881002001", "市心社区"),
    ("330881003", "清湖街道", "330881003002", "七里社区"),
    ("330881102", "四都镇", "330881102219", "金山村委会"),
    ("330881105", "坛石镇", "330881105201", "定家坞村民委员会"),
    ("330881106", "大桥镇", "330881106200", "冷水村委会"),
    ("330881116", "上余镇", "330881116200", "大溪滩村委会"),
    ("330881121", "贺村镇", "330881121003", "中心社区"),
]


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(TASKS=QUIET_TASKS), transaction.atomic():
        make_small_quzhou()
        for township, name, village, village_name in TOWNSHIPS:
            make_region(township, name)
            make_region(village, village_name)
        services.demo_seed(counties=SLICE, matters=False)
        report = history.demo_history_seed(counties=SLICE)
        facts_rebuild()
        alerts_detect()
        yield report
        transaction.set_rollback(True)


def history_matters():
    return Matter.objects.filter(idempotency_key__startswith=history.KEY_PREFIX)


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA).date()


def test_two_years_of_months_have_matters_in_both_counties(built):
    assert 1000 < built.created == history_matters().count() <= history.MAX_MATTERS
    today = timezone.localdate()
    months = Counter(
        local_day(at).replace(day=1) for at in history_matters().values_list("created_at", flat=True)
    )
    first = (today - dt.timedelta(days=history.DAYS)).replace(day=1)
    month = (first + dt.timedelta(days=32)).replace(day=1)  # the first month is a partial one
    while month < (today - dt.timedelta(days=history.QUIET_DAYS)).replace(day=1):
        assert months[month] >= 10, month
        month = (month + dt.timedelta(days=32)).replace(day=1)
    assert min(months) == first
    regions = Counter(r[:6] for r in history_matters().values_list("region_id", flat=True))
    assert set(regions) == set(SLICE)
    assert regions[services.HOME_COUNTY] > regions[services.OTHER_COUNTY]
    # The monthly figures are read from the rollups: two years of receipts there.
    assert MonthlyCount.objects.filter(month__lt=today.replace(day=1) - dt.timedelta(days=600)).exists()


def test_matters_are_concluded_and_their_events_tell_the_story(built):
    quiet = timezone.now() - dt.timedelta(days=history.QUIET_DAYS)
    old = history_matters().filter(created_at__lt=quiet)
    assert set(old.values_list("status", flat=True)) <= {
        *FINAL_STATUSES,
        MatterStatus.RESOLVED,
        MatterStatus.UNRESOLVED,
    }
    assert {MatterStatus.CLOSED, MatterStatus.DECLINED, MatterStatus.WITHDRAWN} <= set(
        old.values_list("status", flat=True)
    )
    assert (
        not old.exclude(status__in=[MatterStatus.RESOLVED, MatterStatus.UNRESOLVED])
        .filter(due_at__isnull=False)
        .exists()
    )
    events: dict[int, list[MatterEvent]] = {}
    for event in MatterEvent.objects.filter(matter__in=old).order_by("matter_id", "seq"):
        events.setdefault(event.matter_id, []).append(event)
    for matter in old.select_related("organization")[:400]:
        found = events[matter.pk]
        assert [e.seq for e in found] == list(range(1, len(found) + 1))
        assert found[0].kind == EventKind.RECEIVED and found[0].created_at == matter.created_at
        assert all(a.created_at <= b.created_at for a, b in itertools.pairwise(found))
        moves = [e for e in found if e.to_status]
        assert moves[-1].to_status == matter.status
        assert all(a.to_status == b.from_status for a, b in itertools.pairwise(moves))
        assert all(e.actor_id and e.actor_label for e in found)
        if matter.status == MatterStatus.CLOSED:
            assert matter.closed_at == moves[-1].created_at
    routes = Counter(
        MatterEvent.objects.filter(matter__in=old, kind=EventKind.FAILURE_RECORDED).values_list(
            "data__route", flat=True
        )
    )
    assert routes["court"] and routes["arbitration"]
    rated = MatterRating.objects.filter(matter__in=old)
    assert rated.count() == MatterEvent.objects.filter(matter__in=old, kind=EventKind.RATED).count() > 20
    assert all(r.matter.owner_id == r.user_id for r in rated.select_related("matter"))


def test_every_phone_is_a_made_up_one(built):
    parties = Party.objects.filter(matter__in=history_matters())
    assert all(is_fake_phone(p.phone) for p in parties if p.phone)
    assert not parties.exclude(id_number_hash="").exists()


def test_wage_claims_peak_before_the_spring_festival(built):
    wages = Category.objects.get(code="labour_wages")
    days = [
        local_day(at) for at in history_matters().filter(category=wages).values_list("created_at", flat=True)
    ]
    today = timezone.localdate()
    start = today - dt.timedelta(days=history.DAYS)
    end = today - dt.timedelta(days=history.QUIET_DAYS)
    months = Counter(day.replace(day=1) for day in days)
    full_months = [
        n for month, n in months.items() if start <= month and month + dt.timedelta(days=31) <= end
    ]
    median_month = statistics.median(full_months)
    festivals = [f for f in LUNAR_NEW_YEAR.values() if start + dt.timedelta(days=35) <= f <= end]
    assert festivals
    for festival in festivals:
        before = sum(1 for day in days if festival - dt.timedelta(days=35) <= day < festival)
        assert before > 1.8 * median_month, (festival, before, median_month)


def test_a_second_run_creates_nothing(built):
    counts = (Matter.objects.count(), MatterEvent.objects.count(), Party.objects.count())
    report = history.demo_history_seed(counties=SLICE)
    assert report.created == 0
    assert (Matter.objects.count(), MatterEvent.objects.count(), Party.objects.count()) == counts


def test_the_plan_is_deterministic(built):
    now = timezone.now()
    first = history.history_plan(counties=SLICE, desks={}, now=now)
    second = history.history_plan(counties=SLICE, desks={}, now=now)
    assert [(p.plan.title, p.plan.region, p.received, p.plan.status) for p in first] == [
        (p.plan.title, p.plan.region, p.received, p.plan.status) for p in second
    ]


def test_rebuilt_figures_equal_the_kept_ones(built):
    def snapshot():
        return (
            sorted(
                MatterFact.objects.values_list("matter_id", "received_on", "concluded_on", "stage", "rating")
            ),
            sorted(DailyCount.objects.values_list("day", "region", "category_id", "count")),
        )

    MatterFact.objects.all().delete()
    MonthlyCount.objects.all().delete()
    DailyCount.objects.all().delete()
    ids = list(Matter.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 500):  # kept: each matter's fact refreshed as after its events
        facts_refresh(matter_ids=ids[start : start + 500])
    kept = snapshot()
    facts_rebuild()
    assert snapshot() == kept


def test_the_planted_rise_is_the_one_rise_found(built):
    township = history.rise_township(SLICE)
    assert township == history.RISE_TOWNSHIP
    category = Category.objects.get(code=history.RISE_CATEGORY)
    rises = Alert.objects.filter(kind=AlertKind.RISE)
    assert list(rises.values_list("region", "category_id")) == [(township, category.pk)]
    alert = rises.get()
    assert alert.numbers["observed"] >= history.RISE_MATTERS
    assert alert.numbers["method"] == "seasonal"
    assert set(alert.matter_ids) >= set(
        history_matters()
        .filter(region__code__startswith=township, category=category, status=MatterStatus.IN_MEDIATION)
        .values_list("pk", flat=True)
    )
    # Run again: the same alert is kept, no second one.
    alerts_detect()
    assert Alert.objects.filter(kind=AlertKind.RISE).count() == 1


def test_seasons_lift_the_categories_named():
    festival = LUNAR_NEW_YEAR[2026]
    assert history.season("labour_wages", festival - dt.timedelta(days=7)) > 3
    assert history.season("labour_wages", festival - dt.timedelta(days=100)) == 1
    assert history.season("marriage_family", festival + dt.timedelta(days=10)) > 2
    assert history.season("forest_land", dt.date(2026, 4, 1)) > history.season(
        "forest_land", dt.date(2026, 11, 1)
    )
    assert history.season("neighbours", dt.date(2026, 7, 15)) > history.season(
        "neighbours", dt.date(2026, 1, 5)
    )
