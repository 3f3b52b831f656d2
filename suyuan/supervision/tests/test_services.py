"""The services of supervision orders: issue, answer, clear, each with its event, rights and states."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from suyuan.accounts.choices import Role
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import services as matter_services
from suyuan.matters.choices import EventKind, Visibility
from suyuan.matters.models import MatterEvent
from suyuan.matters.tests.conftest import file_dispute
from suyuan.supervision import services
from suyuan.supervision.choices import OrderOrigin, OrderStatus
from suyuan.supervision.models import SupervisionOrder
from suyuan.supervision.tests.conftest import VILLAGE_MEDIATOR_PHONE, assigned_to_village

pytestmark = pytest.mark.django_db


def last_event(matter) -> MatterEvent:
    return MatterEvent.objects.filter(matter=matter).order_by("-seq")[0]


def issue(world, matter, actor=None, **kwargs) -> SupervisionOrder:
    return services.order_issue(
        matter=matter,
        actor=actor or world.staff["township_supervisor"],
        reason=kwargs.pop("reason", "请三日内联系双方"),
        **kwargs,
    )


class TestIssue:
    def test_a_township_supervisor_issues_to_the_village_committee_with_an_internal_event(
        self, world, sms_outbox
    ):
        matter = assigned_to_village(world)
        sms_outbox.clear()
        order = issue(world, matter, deadline_days=3)
        assert order.origin == OrderOrigin.ISSUED
        assert order.status == OrderStatus.OPEN
        assert order.issuing_organization == world.orgs["township"]
        assert order.responding_organization == world.orgs["village"]
        assert order.issued_by == world.staff["township_supervisor"]
        assert order.level == 1
        event = last_event(matter)
        assert event.kind == EventKind.SUPERVISION_ORDERED
        assert event.visibility == Visibility.INTERNAL
        assert event.actor == world.staff["township_supervisor"]
        assert event.text == "请三日内联系双方"
        assert event.data["order"] == order.pk
        # The village mediator (staff of the responding organisation) is told by text message.
        assert [phone for phone, _body in sms_outbox] == [VILLAGE_MEDIATOR_PHONE]

    def test_a_county_supervisor_issues_from_the_county_centre(self, world):
        matter = assigned_to_village(world)
        order = issue(world, matter, actor=world.staff[Role.SUPERVISOR])
        assert order.issuing_organization == world.orgs["centre"]
        assert order.responding_organization == world.orgs["village"]

    def test_an_unaccepted_matter_is_addressed_to_the_centre_that_accepts_it(self, world):
        matter = file_dispute(world)  # routed to the village committee, which does not accept
        order = issue(world, matter, actor=world.staff[Role.SUPERVISOR])
        assert order.responding_organization == world.orgs["township"]
        assert order.issuing_organization == world.orgs["centre"]

    @pytest.mark.parametrize("role", [Role.DISPATCHER, Role.MEDIATOR, Role.GRID_WORKER, Role.ADMINISTRATOR])
    def test_only_supervisors_issue(self, world, role):
        matter = assigned_to_village(world)
        with pytest.raises(Forbidden):
            issue(world, matter, actor=world.staff[role])
        assert not SupervisionOrder.objects.exists()

    def test_another_countys_staff_cannot_find_the_matter(self, world):
        matter = assigned_to_village(world)
        with pytest.raises(NotFound):
            issue(world, matter, actor=world.kecheng)

    def test_bad_input_names_the_field_and_changes_nothing(self, world):
        matter = assigned_to_village(world)
        with pytest.raises(ValidationError) as exc:
            issue(world, matter, reason=" ab ")
        assert "reason" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            issue(world, matter, deadline_days=0)
        assert "deadline_days" in exc.value.message_dict
        assert not SupervisionOrder.objects.exists()

    def test_a_finished_matter_is_not_supervised(self, world):
        matter = file_dispute(world)
        matter = matter_services.matter_decline(
            matter=matter, actor=world.staff[Role.DISPATCHER], reason="不属于受理范围"
        )
        with pytest.raises(ValidationError):
            issue(world, matter, actor=world.staff[Role.SUPERVISOR])


class TestAnswer:
    def test_staff_of_the_responding_organisation_answer_with_an_event(self, world):
        matter = assigned_to_village(world)
        order = issue(world, matter)
        answered = services.order_answer(
            order=order, actor=world.staff["village_mediator"], response="已约双方周五调解"
        )
        assert answered.status == OrderStatus.ANSWERED
        assert answered.response == "已约双方周五调解"
        assert answered.answered_by == world.staff["village_mediator"]
        assert answered.answered_at is not None
        event = last_event(matter)
        assert (event.kind, event.visibility, event.text) == (
            EventKind.SUPERVISION_ANSWERED,
            Visibility.INTERNAL,
            "已约双方周五调解",
        )

    @pytest.mark.parametrize("who", ["township_supervisor", Role.SUPERVISOR, Role.DISPATCHER])
    def test_the_supervising_levels_do_not_answer_for_the_village(self, world, who):
        order = issue(world, assigned_to_village(world))
        with pytest.raises(Forbidden):
            services.order_answer(order=order, actor=world.staff[who], response="代为答复一下")

    def test_staff_who_cannot_see_the_order_get_not_found(self, world):
        order = issue(world, assigned_to_village(world))
        for actor in (world.kecheng, world.citizen, world.staff[Role.ANALYST], world.staff[Role.COURT_CLERK]):
            with pytest.raises(NotFound):
                services.order_answer(order=order, actor=actor, response="答复内容")

    def test_an_answered_or_cleared_order_cannot_be_answered_again(self, world):
        order = issue(world, assigned_to_village(world))
        mediator = world.staff["village_mediator"]
        services.order_answer(order=order, actor=mediator, response="第一次答复")
        with pytest.raises(services.OrderStateError):
            services.order_answer(order=order, actor=mediator, response="第二次答复")
        services.order_clear(order=order, actor=world.staff["township_supervisor"])
        with pytest.raises(services.OrderStateError):
            services.order_answer(order=order, actor=mediator, response="第三次答复")

    def test_an_empty_answer_is_refused(self, world):
        order = issue(world, assigned_to_village(world))
        with pytest.raises(ValidationError) as exc:
            services.order_answer(order=order, actor=world.staff["village_mediator"], response="  ")
        assert "response" in exc.value.message_dict


class TestClear:
    def test_a_supervisor_of_the_issuing_level_clears_with_an_event(self, world):
        matter = assigned_to_village(world)
        order = issue(world, matter)
        services.order_answer(order=order, actor=world.staff["village_mediator"], response="已约双方调解")
        cleared = services.order_clear(order=order, actor=world.staff["township_supervisor"], note="同意")
        assert cleared.status == OrderStatus.CLEARED
        assert (cleared.cleared_by, cleared.clear_note) == (world.staff["township_supervisor"], "同意")
        event = last_event(matter)
        assert (event.kind, event.visibility) == (EventKind.SUPERVISION_CLEARED, Visibility.INTERNAL)

    def test_a_supervisor_above_the_issuing_level_clears_too(self, world):
        order = issue(world, assigned_to_village(world))
        cleared = services.order_clear(order=order, actor=world.staff[Role.SUPERVISOR])
        assert cleared.status == OrderStatus.CLEARED

    def test_a_supervisor_below_the_issuing_level_does_not(self, world):
        order = issue(world, assigned_to_village(world), actor=world.staff[Role.SUPERVISOR])
        with pytest.raises(Forbidden):
            services.order_clear(order=order, actor=world.staff["township_supervisor"])

    @pytest.mark.parametrize("who", ["village_mediator", "township_dispatcher", Role.DISPATCHER])
    def test_handlers_and_dispatchers_do_not_clear(self, world, who):
        order = issue(world, assigned_to_village(world))
        with pytest.raises(Forbidden):
            services.order_clear(order=order, actor=world.staff[who])

    def test_a_cleared_order_cannot_be_cleared_again(self, world):
        order = issue(world, assigned_to_village(world))
        services.order_clear(order=order, actor=world.staff["township_supervisor"])
        with pytest.raises(services.OrderStateError):
            services.order_clear(order=order, actor=world.staff["township_supervisor"])
