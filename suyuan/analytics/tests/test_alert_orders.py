"""Supervision orders (督办) on early-warning alerts: issued from the alert to an organisation below the
supervisor's own, linked from the alert, shown on its page with the newest order of the chain, refused
with clear words for a level not below, escalated with frozen time; the page's form for every role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership
from suyuan.accounts.tests.world import World, build_world, new_user, sign_in
from suyuan.analytics import alerts
from suyuan.analytics.choices import AlertKind, AlertStatus
from suyuan.analytics.models import Alert
from suyuan.core.exceptions import Forbidden
from suyuan.supervision import services as supervision
from suyuan.supervision.choices import OrderStatus, OrderSubject
from suyuan.supervision.models import SupervisionOrder
from suyuan.workdays.selectors import CHINA

pytestmark = pytest.mark.django_db

BELOW = "An order can only be addressed to a level below yours."
EVERYONE = [
    "anonymous",
    "citizen",
    Role.GRID_WORKER,
    Role.MEDIATOR,
    Role.DISPATCHER,
    Role.SUPERVISOR,
    Role.COURT_CLERK,
    Role.JUDGE,
    Role.ANALYST,
    Role.ADMINISTRATOR,
    "township_supervisor",
    "kecheng",
    "operator",
]


@pytest.fixture
def world(db) -> World:
    world = build_world()
    user = new_user(username="js.township_supervisor", full_name="双塔督办员")
    Membership.objects.create(user=user, organization=world.orgs["township"], role=Role.SUPERVISOR)
    world.staff["township_supervisor"] = user
    return world


def beijing(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHINA)


def overdue_alert(region: str = "330881001") -> Alert:
    return Alert.objects.create(
        kind=AlertKind.OVERDUE,
        subject=f"overdue:{region}",
        region=region,
        numbers={"overdue": 7, "threshold": 5},
    )


def supervise(world: World, alert: Alert, **overrides: Any) -> SupervisionOrder:
    values: dict[str, Any] = {
        "alert": alert,
        "actor": world.staff[Role.SUPERVISOR],
        "responding_organization": world.orgs["township"],
        "reason": "逾期积压，请三日内说明原因并清零",
        "deadline_days": 2,
    }
    values.update(overrides)
    return alerts.alert_supervise(**values)


def client_for(world: World, name: str) -> Client:
    return sign_in(Client(), world.actor(name))


def test_a_supervisor_orders_the_township_on_an_alert(world, english):
    alert = overdue_alert()
    order = supervise(world, alert)
    assert order.subject == OrderSubject.ALERT and order.matter is None and order.group is None
    assert order.region_id == "330881001"
    assert order.title.startswith("overdue") and "双塔街道" in order.title
    assert order.issuing_organization == world.orgs["centre"]
    assert order.responding_organization == world.orgs["township"]
    alert.refresh_from_db()
    assert alert.supervision_order == order
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.assigned_to == world.orgs["township"]
    assert alert.acknowledged_by == world.staff[Role.SUPERVISOR]


def test_one_order_at_a_time_then_a_new_one_after_clearing(world):
    alert = overdue_alert()
    order = supervise(world, alert)
    with pytest.raises(ValidationError) as refused:
        supervise(world, alert)
    assert "alert" in refused.value.message_dict
    supervision.order_clear(order=order, actor=world.staff[Role.SUPERVISOR], note="已说明")
    second = supervise(world, alert)
    alert.refresh_from_db()
    assert alert.supervision_order == second
    assert SupervisionOrder.objects.count() == 2


@pytest.mark.parametrize("target", ["centre", "kecheng_centre", "hangzhou"])
def test_orders_to_a_level_not_below_are_refused(world, english, target):
    alert = overdue_alert()
    with pytest.raises(ValidationError) as refused:
        supervise(world, alert, responding_organization=world.orgs[target])
    assert refused.value.message_dict["responding_organization"] == [BELOW]
    alert.refresh_from_db()
    assert alert.supervision_order is None and alert.status == AlertStatus.OPEN
    assert not SupervisionOrder.objects.exists()


def test_a_township_supervisor_cannot_order_their_own_township(world, english):
    alert = overdue_alert()
    with pytest.raises(ValidationError) as refused:
        supervise(world, alert, actor=world.staff["township_supervisor"])
    assert refused.value.message_dict["responding_organization"] == [BELOW]
    # …but the village committee below it, in the alert's place.
    order = supervise(
        world, alert, actor=world.staff["township_supervisor"], responding_organization=world.orgs["village"]
    )
    assert order.issuing_organization == world.orgs["township"]


def test_an_organisation_outside_the_alert_place_is_refused(world, english):
    alert = overdue_alert("330881100")  # 上余镇: 双塔街道's centre is below the county but not of this place
    with pytest.raises(ValidationError) as refused:
        supervise(world, alert)
    assert "place" in refused.value.message_dict["responding_organization"][0]
    assert not SupervisionOrder.objects.exists()


def test_who_may_issue(world):
    alert = overdue_alert()
    for name in (Role.DISPATCHER, Role.ADMINISTRATOR):  # they act on alerts but do not supervise
        with pytest.raises(Forbidden):
            supervise(world, alert, actor=world.staff[name])
    for user in (world.staff[Role.ANALYST], world.kecheng):
        with pytest.raises(Forbidden):
            supervise(world, alert, actor=user)
    alerts.alert_dismiss(alert=alert, actor=world.staff[Role.SUPERVISOR], reason="数据重复，无需处理")
    with pytest.raises(ValidationError):
        supervise(world, alert)  # no longer live
    assert not SupervisionOrder.objects.exists()


def test_an_unanswered_alert_order_goes_up_and_the_page_shows_the_newest(world):
    alert = overdue_alert()
    with time_machine.travel(beijing(2026, 3, 3, 10), tick=False):  # Tuesday: due Thursday night
        first = supervise(
            world,
            alert,
            actor=world.staff["township_supervisor"],
            responding_organization=world.orgs["village"],
        )
    assert supervision.orders_escalate_due(now=beijing(2026, 3, 5, 23)).escalated == []
    [second] = supervision.orders_escalate_due(now=beijing(2026, 3, 6, 0, 30)).escalated
    assert second.issuing_organization == world.orgs["centre"] and second.level == 2
    assert (second.subject, second.region_id, second.title) == (
        OrderSubject.ALERT,
        first.region_id,
        first.title,
    )
    first.refresh_from_db()
    assert first.status == OrderStatus.ESCALATED
    alert.refresh_from_db()
    assert alert.supervision_order == first  # the first order; the chain follows from it
    with time_machine.travel(beijing(2026, 3, 6, 9), tick=False):
        page = client_for(world, Role.SUPERVISOR).get(f"/staff/board/alerts/{alert.pk}/").content.decode()
    assert f"/staff/supervision/{second.pk}/" in page and 'data-status="open"' in page
    # Still unanswered after Monday and Tuesday: the county centre is the top, the order is flagged.
    flagged = supervision.orders_escalate_due(now=beijing(2026, 3, 11, 0, 30)).flagged
    assert [o.pk for o in flagged] == [second.pk]
    # A second order is refused while the chain waits.
    with pytest.raises(ValidationError):
        supervise(world, alert)
    # The supervision list links back to the alert.
    listed = client_for(world, Role.SUPERVISOR).get("/staff/supervision/", {"box": "all", "status": "all"})
    assert f"/staff/board/alerts/{alert.pk}/" in listed.content.decode()


def test_the_page_form_for_every_role(world):
    body = {
        "action": "supervise",
        "responding_organization": "",
        "deadline_days": "2",
        "reason": "请说明积压原因",
    }
    for name in EVERYONE:
        alert = overdue_alert()
        url = f"/staff/board/alerts/{alert.pk}/"
        client = client_for(world, name)
        shown = client.get(url)
        response = client.post(url, {**body, "responding_organization": world.orgs["township"].pk})
        alert.refresh_from_db()
        if name in (Role.SUPERVISOR, "operator"):
            assert b"alert-supervise-form" in shown.content, name
            assert response.status_code == 302, name
            assert alert.supervision_order is not None, name
            assert alert.supervision_order.responding_organization == world.orgs["township"], name
        else:
            expected = {
                "anonymous": 302,
                "kecheng": 404,
                # Sees the alert and supervises, but the township is its own level.
                "township_supervisor": 422,
            }.get(name, 403)
            assert response.status_code == expected, name
            assert alert.supervision_order is None, name
            if shown.status_code == 200:
                has_form = b"alert-supervise-form" in shown.content
                assert has_form == (name == "township_supervisor"), name
        Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.CLOSED)


def test_the_page_refuses_bad_input_with_words(world, english):
    alert = overdue_alert()
    url = f"/staff/board/alerts/{alert.pk}/"
    client = client_for(world, Role.SUPERVISOR)
    page = client.get(url).content.decode()
    assert "城北社区人民调解委员会" in page  # below, in the place
    options = page.split('name="responding_organization"')[1].split("</select>")[0]
    assert "江山市社会矛盾纠纷调处化解中心" not in options and "柯城区" not in options
    base = {"action": "supervise", "deadline_days": "2", "reason": "请说明积压原因"}
    for chosen in (world.orgs["centre"].pk, world.orgs["kecheng_centre"].pk):
        response = client.post(url, {**base, "responding_organization": chosen})
        assert response.status_code == 422
        assert BELOW in response.content.decode()
    for bad in (
        {"responding_organization": ""},
        {"deadline_days": "x"},
        {"deadline_days": "0"},
        {"reason": ""},
    ):
        response = client.post(url, {**base, "responding_organization": world.orgs["township"].pk, **bad})
        assert response.status_code == 422, bad
        assert b"supervise-error" in response.content, bad
    alert.refresh_from_db()
    assert alert.supervision_order is None and alert.status == AlertStatus.OPEN
    assert not SupervisionOrder.objects.exists()
