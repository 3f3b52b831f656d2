"""Supervision orders on a group dispute (and the level rule shared with alert orders): issuing to a level
below, refusals with their words, answering and clearing, escalation with frozen time, the pages for
every role and the API's fields."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from suyuan.accounts.choices import OrganizationType, Role
from suyuan.accounts.tests.world import World, new_organization, sign_in
from suyuan.core.exceptions import Forbidden
from suyuan.matters.choices import EventKind, Visibility
from suyuan.matters.models import Matter, MatterEvent
from suyuan.matters.tests.conftest import file_dispute
from suyuan.regions.models import Region
from suyuan.supervision import services
from suyuan.supervision.choices import OrderStatus, OrderSubject
from suyuan.supervision.models import SupervisionOrder
from suyuan.supervision.tests.conftest import TOWNSHIP_SUPERVISOR_PHONE, VILLAGE_MEDIATOR_PHONE, beijing
from suyuan.supervision.tests.test_views import EVERYONE, NO_PAGES
from suyuan.triage.choices import GroupKind
from suyuan.triage.models import GroupMember, MatterGroup

pytestmark = pytest.mark.django_db

BELOW = "An order can only be addressed to a level below yours."
LIST = "/staff/supervision/"


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def others(world: World) -> World:
    """A second township of Jiangshan (上余镇) with a village committee, beside 双塔街道."""
    other = new_organization(
        code="W-330881100-TC", name="上余镇社会矛盾纠纷调处化解中心", region=Region.objects.get(pk="330881100"),
        type=OrganizationType.TOWNSHIP_CENTRE, parent=world.orgs["centre"],
    )  # fmt: skip
    world.orgs["other_township"] = other
    world.orgs["other_village"] = new_organization(
        code="W-330881100-VC", name="上余镇某村人民调解委员会", region=Region.objects.get(pk="330881100"),
        type=OrganizationType.VILLAGE_COMMITTEE, parent=other,
    )  # fmt: skip
    return world


def make_group(world: World, n: int = 3) -> tuple[MatterGroup, list[Matter]]:
    """A group dispute of ``n`` open matters in 城北社区."""
    group = MatterGroup.objects.create(
        kind=GroupKind.COUNTERPARTY,
        key="employer:某建筑公司",
        reason="同一用人单位拖欠工资",
        region=Region.objects.get(pk="330881001"),
        title="某建筑公司欠薪",
    )
    matters = [file_dispute(world, title=f"欠薪 {i}") for i in range(n)]
    for matter in matters:
        GroupMember.objects.create(group=group, matter=matter)
    return group, matters


def group_order(world: World, group: MatterGroup, **overrides: Any) -> SupervisionOrder:
    values: dict[str, Any] = {
        "subject": OrderSubject.GROUP,
        "actor": world.staff["township_supervisor"],
        "responding_organization": world.orgs["village"],
        "reason": "请三日内摸清欠薪人数",
        "deadline_days": 2,
        "group": group,
    }
    values.update(overrides)
    return services.order_issue_area(**values)


def events(matter: Matter, kind: str) -> list[MatterEvent]:
    return list(MatterEvent.objects.filter(matter=matter, kind=kind))


class TestIssue:
    def test_a_township_supervisor_orders_the_village_on_a_group(self, world, sms_outbox):
        group, matters = make_group(world)
        sms_outbox.clear()
        order = group_order(world, group)
        assert order.subject == OrderSubject.GROUP
        assert (order.group, order.region_id, order.title) == (group, "330881001", "某建筑公司欠薪")
        assert order.issuing_organization == world.orgs["township"]
        assert order.responding_organization == world.orgs["village"]
        assert order.matter is None and order.level == 1 and order.status == OrderStatus.OPEN
        for matter in matters:  # one internal event on each open matter of the group
            [event] = events(matter, EventKind.SUPERVISION_ORDERED)
            assert event.visibility == Visibility.INTERNAL
            assert event.data["group"] == group.pk and event.data["order"] == order.pk
        # Notified without a matter: the village's mediator must answer; the issuer is not told.
        told = {phone for phone, _body in sms_outbox}
        assert VILLAGE_MEDIATOR_PHONE in told and TOWNSHIP_SUPERVISOR_PHONE not in told

    def test_a_finished_matter_of_the_group_gets_no_event(self, world):
        group, matters = make_group(world)
        Matter.objects.filter(pk=matters[0].pk).update(status="closed")
        group_order(world, group)
        assert events(matters[0], EventKind.SUPERVISION_ORDERED) == []
        assert len(events(matters[1], EventKind.SUPERVISION_ORDERED)) == 1

    def test_the_county_supervisor_may_order_a_village_two_levels_down(self, world):
        group, _ = make_group(world)
        order = group_order(world, group, actor=world.staff[Role.SUPERVISOR])
        assert order.issuing_organization == world.orgs["centre"]

    @pytest.mark.parametrize(
        "target",
        ["township", "centre", "kecheng_centre", "other_village", "other_township", "hangzhou"],
    )
    def test_orders_to_a_level_not_below_are_refused(self, others, english, target):
        # The same level, above, another county, a committee of another township, the township beside.
        group, matters = make_group(others)
        with pytest.raises(ValidationError) as refused:
            group_order(others, group, responding_organization=others.orgs[target])
        assert refused.value.message_dict["responding_organization"] == [BELOW]
        assert not SupervisionOrder.objects.exists()
        assert events(matters[0], EventKind.SUPERVISION_ORDERED) == []

    def test_the_county_centre_cannot_order_itself(self, world, english):
        group, _ = make_group(world)
        with pytest.raises(ValidationError) as refused:
            group_order(
                world, group, actor=world.staff[Role.SUPERVISOR], responding_organization=world.orgs["centre"]
            )
        assert refused.value.message_dict["responding_organization"] == [BELOW]

    def test_an_organisation_that_does_not_cover_the_group_is_refused(self, others, english):
        group, _ = make_group(others)
        with pytest.raises(ValidationError) as refused:
            group_order(
                others,
                group,
                actor=others.staff[Role.SUPERVISOR],
                responding_organization=others.orgs["other_township"],
            )
        assert "every open matter of the group" in refused.value.message_dict["responding_organization"][0]
        assert not SupervisionOrder.objects.exists()

    def test_only_supervisors_issue(self, world):
        group, _ = make_group(world)
        for name in ("township_dispatcher", "village_mediator", Role.DISPATCHER, Role.ANALYST):
            with pytest.raises(Forbidden):
                group_order(world, group, actor=world.staff[name])
        assert not SupervisionOrder.objects.exists()

    def test_bad_deadline_and_reason(self, world, english):
        group, _ = make_group(world)
        with pytest.raises(ValidationError) as refused:
            group_order(world, group, deadline_days=0)
        assert "deadline_days" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            group_order(world, group, reason=" ")
        assert "reason" in refused.value.message_dict
        assert not SupervisionOrder.objects.exists()

    def test_a_group_with_no_open_matter_has_nothing_to_supervise(self, world):
        group, matters = make_group(world)
        Matter.objects.filter(pk__in=[m.pk for m in matters]).update(status="closed")
        with pytest.raises(ValidationError) as refused:
            group_order(world, group)
        assert "group" in refused.value.message_dict


class TestAnswerClearEscalate:
    def test_answer_then_clear(self, world):
        group, matters = make_group(world)
        order = group_order(world, group)
        services.order_answer(order=order, actor=world.staff["village_mediator"], response="已逐户走访登记")
        order = services.order_clear(order=order, actor=world.staff["township_supervisor"], note="同意")
        assert order.status == OrderStatus.CLEARED
        for matter in matters:
            assert len(events(matter, EventKind.SUPERVISION_ANSWERED)) == 1
            assert len(events(matter, EventKind.SUPERVISION_CLEARED)) == 1

    def test_an_unanswered_group_order_goes_to_the_county_then_is_flagged(self, world):
        group, matters = make_group(world)
        with at(beijing(2026, 3, 3, 10)):  # Tuesday; two working days: due Thursday night
            order = group_order(world, group)
        assert services.orders_escalate_due(now=beijing(2026, 3, 5, 23, 0)).escalated == []
        result = services.orders_escalate_due(now=beijing(2026, 3, 6, 0, 30))
        [new] = result.escalated
        order.refresh_from_db()
        assert order.status == OrderStatus.ESCALATED
        assert new.issuing_organization == world.orgs["centre"]
        assert new.responding_organization == world.orgs["village"]
        assert (new.subject, new.group_id, new.region_id, new.title) == (
            OrderSubject.GROUP, group.pk, "330881001", "某建筑公司欠薪",
        )  # fmt: skip
        assert (new.level, new.previous_id) == (2, order.pk)
        assert len(events(matters[0], EventKind.SUPERVISION_ESCALATED)) == 1
        # The county centre is the top: past the new deadline (Monday and Tuesday) the order is flagged.
        assert services.orders_escalate_due(now=beijing(2026, 3, 10, 20, 0)).flagged == []
        flagged = services.orders_escalate_due(now=beijing(2026, 3, 11, 0, 30)).flagged
        assert [o.pk for o in flagged] == [new.pk]
        new.refresh_from_db()
        assert new.status == OrderStatus.OPEN and new.flagged_at is not None

    def test_an_alert_order_to_a_township_is_flagged_at_the_top(self, world):
        with at(beijing(2026, 3, 3, 10)):
            order = services.order_issue_area(
                subject=OrderSubject.ALERT,
                actor=world.staff[Role.SUPERVISOR],
                responding_organization=world.orgs["township"],
                reason="辖区逾期积压，请说明原因",
                deadline_days=1,
                region=Region.objects.get(pk="330881001"),
                title="逾期积压 · 双塔街道",
            )
        assert order.issuing_organization == world.orgs["centre"]
        result = services.orders_escalate_due(now=beijing(2026, 3, 5, 0, 30))  # due Wednesday night
        assert result.escalated == [] and [o.pk for o in result.flagged] == [order.pk]

    def test_matter_orders_still_escalate(self, world):
        from suyuan.supervision.tests.conftest import assigned_to_village

        with at(beijing(2026, 3, 3, 10)):
            matter = assigned_to_village(world)
            order = services.order_issue(
                matter=matter, actor=world.staff["township_supervisor"], reason="请尽快联系", deadline_days=1
            )
        [new] = services.orders_escalate_due(now=beijing(2026, 3, 5, 0, 30)).escalated
        assert (new.subject, new.matter_id, new.group_id, new.previous_id) == (
            "matter",
            matter.pk,
            None,
            order.pk,
        )


def client_for(world: World, name: str) -> Client:
    return sign_in(Client(), world.actor(name))


class TestPages:
    def test_the_group_issue_page_for_every_role(self, world):
        group, _ = make_group(world)
        url = f"{LIST}groups/{group.pk}/issue/"
        issuers = {Role.SUPERVISOR, "township_supervisor", "operator"}
        for name in EVERYONE:
            response = client_for(world, name).get(url)
            if name == "anonymous":
                assert response.status_code == 302, name
            elif name in NO_PAGES:
                assert response.status_code == 403, name
            elif name in issuers:
                assert response.status_code == 200, name
                assert "某建筑公司欠薪" in response.content.decode(), name
            elif name in {"kecheng", Role.COURT_CLERK}:  # no matter of the group in their area
                assert response.status_code == 404, name
            else:
                assert response.status_code == 403, name

    def test_posting_a_group_order_for_every_role(self, world):
        group, _ = make_group(world)
        url = f"{LIST}groups/{group.pk}/issue/"
        body = {
            "responding_organization": world.orgs["village"].pk,
            "deadline_days": 2,
            "reason": "请摸清欠薪人数",
        }
        for name in EVERYONE:
            before = SupervisionOrder.objects.count()
            response = client_for(world, name).post(url, body)
            if name in {Role.SUPERVISOR, "township_supervisor", "operator"}:
                assert response.status_code == 302, name
                assert SupervisionOrder.objects.count() == before + 1, name
                continue
            expected = (
                302 if name == "anonymous" else 403 if name in NO_PAGES else 404
                if name in {"kecheng", Role.COURT_CLERK} else 403
            )  # fmt: skip
            assert response.status_code == expected, name
            assert SupervisionOrder.objects.count() == before, name

    def test_the_form_lists_only_levels_below_and_refuses_others_with_words(self, others, english):
        group, _ = make_group(others)
        url = f"{LIST}groups/{group.pk}/issue/"
        client = client_for(others, "township_supervisor")
        page = client.get(url).content.decode()
        assert "城北社区人民调解委员会" in page
        assert "上余镇某村人民调解委员会" not in page and "柯城区" not in page
        for target in ("township", "centre", "kecheng_centre", "other_village"):
            response = client.post(
                url,
                {
                    "responding_organization": others.orgs[target].pk,
                    "deadline_days": 2,
                    "reason": "请摸清人数",
                },
            )
            assert response.status_code == 422, target
            assert BELOW in response.content.decode(), target
        response = client.post(
            url, {"responding_organization": "x", "deadline_days": 2, "reason": "请摸清人数"}
        )
        assert response.status_code == 422
        assert not SupervisionOrder.objects.exists()

    def test_the_group_page_links_to_the_form_for_supervisors_only(self, world):
        group, _ = make_group(world)
        link = f"{LIST}groups/{group.pk}/issue/"
        for name in (Role.SUPERVISOR, "township_supervisor", Role.DISPATCHER, Role.MEDIATOR):
            response = client_for(world, name).get(f"/staff/triage/groups/{group.pk}/")
            assert response.status_code == 200, name
            shown = link in response.content.decode()
            assert shown == (name in {Role.SUPERVISOR, "township_supervisor"}), name

    def test_lists_and_detail_show_the_group_and_who_sees_it(self, world):
        group, _ = make_group(world)
        order = group_order(world, group)
        sees = {
            Role.SUPERVISOR,
            Role.DISPATCHER,
            "township_supervisor",
            "township_dispatcher",
            "village_mediator",
            "operator",
        }
        for name in EVERYONE:
            listed = client_for(world, name).get(LIST, {"box": "all", "status": "all"})
            detail = client_for(world, name).get(f"{LIST}{order.pk}/")
            if name == "anonymous":
                assert detail.status_code == 302
                continue
            if name in NO_PAGES:
                assert detail.status_code == 403, name
                continue
            html = listed.content.decode()
            assert ("某建筑公司欠薪" in html) == (name in sees), name
            assert detail.status_code == (200 if name in sees else 404), name
            if name in sees:
                assert f"/staff/triage/groups/{group.pk}/" in detail.content.decode(), name
                assert f"/staff/triage/groups/{group.pk}/" in html, name

    def test_the_api_shows_subject_title_group_and_place(self, world):
        group, _ = make_group(world)
        order = group_order(world, group)
        body = client_for(world, "village_mediator").get(f"/api/supervision/orders/{order.pk}").json()
        assert (body["subject"], body["title"], body["group_id"], body["region_code"], body["matter_code"]) == (
            "group", "某建筑公司欠薪", group.pk, "330881001", None,
        )  # fmt: skip
        assert client_for(world, "kecheng").get(f"/api/supervision/orders/{order.pk}").status_code == 404
        listed = client_for(world, Role.SUPERVISOR).get("/api/supervision/orders", {"status": "all"}).json()
        assert [item["subject"] for item in listed["items"]] == ["group"]
