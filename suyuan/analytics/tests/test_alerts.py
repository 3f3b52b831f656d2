"""Early warning on the database: each kind of alert found from constructed data, kept in step by later
runs, not raised again after a dismissal, and the room's actions with their access rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import World, build_world, sign_in
from suyuan.analytics import alerts
from suyuan.analytics.choices import AlertKind, AlertStatus
from suyuan.analytics.models import Alert, DailyCount
from suyuan.core.exceptions import Forbidden
from suyuan.matters.models import Category, Matter
from suyuan.matters.tests.conftest import file_dispute
from suyuan.triage.tests.conftest import wage_parties

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def world(db) -> World:
    return build_world()


def client_for(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def daily(region: str, category: int, counts: dict[dt.date, int]) -> None:
    DailyCount.objects.bulk_create(
        [DailyCount(day=day, region=region, category_id=category, count=n) for day, n in counts.items() if n]
    )


def spike(world: World) -> int:
    """A township's wage claims: one every other day for two years, then five a day for two weeks."""
    wages = Category.objects.get(code="labour_wages").pk
    counts = {TODAY - dt.timedelta(days=d): (1 if d % 2 else 0) for d in range(14, 800)}
    counts.update({TODAY - dt.timedelta(days=d): 5 for d in range(14)})
    daily("330881001", wages, counts)
    return wages


def test_a_rise_is_found_with_its_baseline(world):
    wages = spike(world)
    report = alerts.alerts_detect(today=TODAY)
    alert = Alert.objects.get(kind=AlertKind.RISE)
    assert report.raised == 1
    assert (alert.region, alert.category_id, alert.status) == ("330881001", wages, AlertStatus.OPEN)
    assert alert.numbers["observed"] == 70 and alert.numbers["ratio"] > 3
    assert alert.numbers["method"] == "seasonal" and alert.numbers["baseline"]
    assert alert.window_end == TODAY


def test_a_flat_series_raises_nothing(world):
    wages = Category.objects.get(code="labour_wages").pk
    daily("330881001", wages, {TODAY - dt.timedelta(days=d): 1 for d in range(800)})
    assert alerts.alerts_detect(today=TODAY).raised == 0


def test_runs_keep_one_live_alert_close_what_no_longer_holds_and_respect_dismissals(world):
    spike(world)
    alerts.alerts_detect(today=TODAY)
    again = alerts.alerts_detect(today=TODAY)
    assert (again.raised, again.updated) == (0, 1)
    assert Alert.objects.count() == 1
    alert = Alert.objects.get()
    alerts.alert_dismiss(alert=alert, actor=world.staff[Role.SUPERVISOR], reason="已知原因：工程款已到位")
    assert alerts.alerts_detect(today=TODAY).raised == 0  # the same episode stays dismissed
    DailyCount.objects.all().delete()
    alert2 = Alert.objects.create(kind=AlertKind.OVERDUE, subject="overdue:330881100", region="330881100")
    assert alerts.alerts_detect(today=TODAY).closed == 1
    alert2.refresh_from_db()
    assert alert2.status == AlertStatus.CLOSED and alert2.closed_at is not None


def test_group_violence_and_overdue_alerts(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for i, text in enumerate(
            ["工地干活工资拖欠了四个月", "钢筋工的工钱一直不发", "木工班组的工资都没拿到"]
        ):
            file_dispute(
                world, category=None, description=text, parties=wage_parties(phone=f"1390000{4000 + i}")
            )
        threat = file_dispute(world, description="再不赔钱我就拿刀去砍他全家")
        late = [file_dispute(world, description=f"第{i}件：楼道堆放杂物无人清理") for i in range(5)]
    Matter.objects.filter(pk__in=[m.pk for m in late]).update(due_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    alerts.alerts_detect()
    group = Alert.objects.get(kind=AlertKind.GROUP)
    assert len(group.matter_ids) == 3 and group.region == "330881"
    violence = Alert.objects.get(kind=AlertKind.VIOLENCE)
    assert violence.matter_ids == [threat.pk] and "violence" in violence.numbers["flags"]
    overdue = Alert.objects.get(kind=AlertKind.OVERDUE)
    assert overdue.region == "330881001" and overdue.numbers["overdue"] == 5
    # Nothing in an alert names a person: numbers, places, categories and matter ids only.
    for alert in Alert.objects.all():
        assert "工人" not in str(alert.numbers) and "市民" not in str(alert.numbers)


def test_acting_on_an_alert(world):
    alert = Alert.objects.create(kind=AlertKind.OVERDUE, subject="overdue:330881001", region="330881001")
    supervisor = world.staff[Role.SUPERVISOR]
    with pytest.raises(ValidationError) as refused:
        alerts.alert_dismiss(alert=alert, actor=supervisor, reason="  ")
    assert "reason" in refused.value.message_dict
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN  # nothing changed
    with pytest.raises(Forbidden):
        alerts.alert_acknowledge(alert=alert, actor=world.staff[Role.ANALYST])
    with pytest.raises(Forbidden):
        alerts.alert_acknowledge(alert=alert, actor=world.kecheng)
    with pytest.raises(ValidationError):
        alerts.alert_assign(alert=alert, actor=supervisor, organization=world.orgs["kecheng_centre"])
    alerts.alert_assign(alert=alert, actor=supervisor, organization=world.orgs["township"])
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.assigned_to == world.orgs["township"]
    alerts.alert_dismiss(alert=alert, actor=supervisor, reason="已派双塔街道处理完毕")
    with pytest.raises(ValidationError):
        alerts.alert_acknowledge(alert=alert, actor=supervisor)  # no longer open


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (Role.SUPERVISOR, 200),
        (Role.ANALYST, 200),
        (Role.DISPATCHER, 200),
        ("kecheng", 404),
        ("operator", 200),
    ],
)
def test_who_sees_an_alert(world, who, status):
    alert = Alert.objects.create(kind=AlertKind.OVERDUE, subject="overdue:330881001", region="330881001")
    assert client_for(world.actor(who)).get(f"/staff/board/alerts/{alert.pk}/").status_code == status
    listed = client_for(world.actor(who)).get("/staff/board/alerts/")
    assert listed.status_code == 200
    assert (b'data-testid="alert-row"' in listed.content) == (status == 200)


def test_the_room_acts_through_the_page(world, english):
    alert = Alert.objects.create(kind=AlertKind.OVERDUE, subject="overdue:330881001", region="330881001")
    url = f"/staff/board/alerts/{alert.pk}/"
    client = client_for(world.staff[Role.SUPERVISOR])
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    refused = client.post(url, {"action": "dismiss", "reason": ""})
    assert refused.status_code == 422 and "reason" in refused.context["errors"]
    assert client.post(url, {"action": "dismiss", "reason": "已核实，数据重复"}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.DISMISSED and alert.dismissed_by == world.staff[Role.SUPERVISOR]
    fresh = Alert.objects.create(kind=AlertKind.OVERDUE, subject="overdue:330881100", region="330881100")
    analyst = client_for(world.staff[Role.ANALYST])
    assert b"alert-ack" not in analyst.get(f"/staff/board/alerts/{fresh.pk}/").content
    assert analyst.post(f"/staff/board/alerts/{fresh.pk}/", {"action": "acknowledge"}).status_code == 403
