"""The periodic sweeps: raising orders for overdue matters, escalating unanswered ones, with frozen time.

Deadlines are the end of their day in Beijing (23:59:59.999999), so a matter due on Friday is overdue
from the first moment of Saturday: the sweep raises its order on Saturday morning, and the order's
answer is due two working days later, Tuesday night. Across the 2025 National Day holidays the working
days skip the holiday week and count the make-up working Saturday.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction

from suyuan.accounts.choices import Role
from suyuan.core import periodic
from suyuan.matters import services as matter_services
from suyuan.matters.choices import EventKind, MatterStatus, Visibility
from suyuan.matters.models import Matter, MatterEvent
from suyuan.matters.tests.conftest import file_dispute
from suyuan.supervision import services, tasks
from suyuan.supervision.choices import OrderOrigin, OrderStatus
from suyuan.supervision.models import SupervisionOrder
from suyuan.supervision.tests.conftest import (
    COUNTY_SUPERVISOR_PHONE,
    TOWNSHIP_DISPATCHER_PHONE,
    TOWNSHIP_SUPERVISOR_PHONE,
    VILLAGE_MEDIATOR_PHONE,
    assigned_to_village,
    beijing,
)
from suyuan.workdays.selectors import CHINA

pytestmark = pytest.mark.django_db

END_OF_DAY = dt.time(23, 59, 59, 999999)


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def events(matter, kind) -> list[MatterEvent]:
    return list(MatterEvent.objects.filter(matter=matter, kind=kind).order_by("seq"))


class TestRaiseOverdue:
    def test_a_matter_due_friday_is_not_overdue_on_friday_night_and_is_on_saturday_morning(self, world):
        with at(beijing(2026, 3, 3, 10)):  # Tuesday
            matter = assigned_to_village(world)
        # Assigned on Tuesday: 3 working days, Wednesday to Friday, due Friday at the end of the day.
        assert matter.due_at == dt.datetime.combine(
            dt.date(2026, 3, 6), END_OF_DAY, tzinfo=beijing(2026, 1, 1).tzinfo
        )
        assert services.orders_raise_overdue(now=beijing(2026, 3, 6, 23, 30)) == []
        raised = services.orders_raise_overdue(now=beijing(2026, 3, 7, 8, 0))  # Saturday morning
        assert len(raised) == 1
        order = raised[0]
        assert order.origin == OrderOrigin.AUTOMATIC
        assert order.stage == MatterStatus.ASSIGNED
        assert order.stage_due_at == matter.due_at
        assert order.late_working_days == 0  # late by hours, on a weekend
        assert order.responding_organization == world.orgs["village"]
        assert order.issuing_organization == world.orgs["township"]
        # Two working days to answer: Monday and Tuesday.
        assert order.due_at == dt.datetime.combine(
            dt.date(2026, 3, 10), END_OF_DAY, tzinfo=order.due_at.tzinfo
        )

    def test_running_twice_raises_once(self, world, sms_outbox):
        with at(beijing(2026, 3, 3, 10)):
            matter = assigned_to_village(world)
        sms_outbox.clear()
        now = beijing(2026, 3, 9, 9)
        assert len(services.orders_raise_overdue(now=now)) == 1
        assert services.orders_raise_overdue(now=now) == []
        assert services.orders_raise_overdue(now=now + dt.timedelta(days=1)) == []
        assert SupervisionOrder.objects.filter(matter=matter).count() == 1
        (event,) = events(matter, EventKind.SUPERVISION_ORDERED)
        assert event.visibility == Visibility.INTERNAL
        assert event.actor is None
        assert event.data["stage"] == MatterStatus.ASSIGNED
        # One short message each to the village mediator and the township supervisor.
        assert sorted(phone for phone, _ in sms_outbox) == sorted(
            [VILLAGE_MEDIATOR_PHONE, TOWNSHIP_SUPERVISOR_PHONE]
        )
        assert all(len(body) <= 70 for _phone, body in sms_outbox)
        # The same people find it in their workbench's notifications, linking to the orders.
        from suyuan.notifications.models import Notification

        told = Notification.objects.filter(purpose="supervision_order")
        assert told.count() >= 2 and {n.link for n in told} == {"/staff/supervision/"}

    def test_the_database_allows_one_open_automatic_order_per_matter_and_stage(self, world):
        with at(beijing(2026, 3, 3, 10)):
            matter = assigned_to_village(world)
        (order,) = services.orders_raise_overdue(now=beijing(2026, 3, 9, 9))
        with pytest.raises(IntegrityError), transaction.atomic():
            SupervisionOrder.objects.create(
                matter=matter,
                origin=OrderOrigin.AUTOMATIC,
                stage=order.stage,
                issuing_organization=order.issuing_organization,
                responding_organization=order.responding_organization,
                due_at=order.due_at,
            )

    def test_a_cleared_order_is_not_raised_again_for_the_same_deadline_but_for_the_next_stage(self, world):
        with at(beijing(2026, 3, 3, 10)):
            matter = assigned_to_village(world)
        (order,) = services.orders_raise_overdue(now=beijing(2026, 3, 9, 9))
        services.order_clear(order=order, actor=world.staff["township_supervisor"])
        assert services.orders_raise_overdue(now=beijing(2026, 3, 9, 10)) == []
        with at(beijing(2026, 3, 9, 11)):
            matter = matter_services.matter_start_mediation(
                matter=matter, actor=world.staff["village_mediator"]
            )
        assert services.orders_raise_overdue(now=beijing(2026, 3, 9, 12)) == []  # 30 days to mediate
        (second,) = services.orders_raise_overdue(now=beijing(2026, 4, 10, 9))
        assert second.stage == MatterStatus.IN_MEDIATION

    def test_an_unaccepted_matter_is_addressed_to_the_township_centre_from_the_county(
        self, world, sms_outbox
    ):
        with at(beijing(2026, 3, 3, 10)):
            file_dispute(world)
        sms_outbox.clear()
        (order,) = services.orders_raise_overdue(now=beijing(2026, 3, 9, 9))
        assert order.stage == MatterStatus.SUBMITTED
        assert order.responding_organization == world.orgs["township"]
        assert order.issuing_organization == world.orgs["centre"]
        assert order.late_working_days == 1  # due Friday, now Monday
        phones = sorted(phone for phone, _ in sms_outbox)
        assert phones == sorted(
            [TOWNSHIP_DISPATCHER_PHONE, TOWNSHIP_SUPERVISOR_PHONE, COUNTY_SUPERVISOR_PHONE]
        )

    def test_finished_and_not_yet_due_matters_are_left_alone(self, world):
        with at(beijing(2026, 3, 3, 10)):
            declined = file_dispute(world)
            matter_services.matter_decline(
                matter=declined, actor=world.staff[Role.DISPATCHER], reason="不属于受理范围"
            )
            assigned_to_village(world)
        assert services.orders_raise_overdue(now=beijing(2026, 3, 5, 9)) == []
        assert not SupervisionOrder.objects.exists()

    def test_across_the_national_day_holidays(self, world):
        # Filed on Tuesday 30 September 2025: 1–8 October are holidays, Saturday 11 October is a make-up
        # working day, so the 3 working days to accept are 9, 10 and 11 October.
        with at(beijing(2025, 9, 30, 10)):
            matter = file_dispute(world)
        assert matter.due_at == dt.datetime.combine(dt.date(2025, 10, 11), END_OF_DAY, tzinfo=CHINA)
        assert services.orders_raise_overdue(now=beijing(2025, 10, 8, 12)) == []
        assert services.orders_raise_overdue(now=beijing(2025, 10, 11, 18)) == []
        (order,) = services.orders_raise_overdue(now=beijing(2025, 10, 12, 9))  # Sunday
        # Two working days to answer from Sunday: Monday 13 and Tuesday 14.
        assert order.due_at.astimezone(beijing(2025, 1, 1).tzinfo).date() == dt.date(2025, 10, 14)

    def test_the_sweep_reads_matters_that_need_nothing_in_a_constant_number_of_queries(
        self, world, django_assert_max_num_queries
    ):
        with at(beijing(2026, 3, 3, 10)):
            for _ in range(5):
                assigned_to_village(world)
        services.orders_raise_overdue(now=beijing(2026, 3, 9, 9))
        with django_assert_max_num_queries(1):
            assert services.orders_raise_overdue(now=beijing(2026, 3, 9, 10)) == []

    def test_the_task_is_registered_with_the_clock(self):
        names = {job.name for job in periodic.jobs()}
        assert {"supervision.raise_overdue", "supervision.escalate_due"} <= names

    def test_the_tasks_run_the_sweeps(self, world):
        with at(beijing(2026, 3, 3, 10)):
            assigned_to_village(world)
        with at(beijing(2026, 3, 9, 9)):
            assert tasks.raise_overdue.call() == 1
        with at(beijing(2026, 3, 12, 9)):  # answer was due Wednesday night
            assert tasks.escalate_due.call() == 1


class TestEscalate:
    def test_the_chain_goes_village_township_county_then_stays_open_and_flagged(self, world, sms_outbox):
        with at(beijing(2026, 3, 3, 10)):
            matter = assigned_to_village(world)
        (first,) = services.orders_raise_overdue(now=beijing(2026, 3, 7, 8))  # Saturday; answer by Tuesday
        assert (first.issuing_organization, first.level) == (world.orgs["township"], 1)

        assert services.orders_escalate_due(now=beijing(2026, 3, 10, 23)).escalated == []  # not yet due
        sms_outbox.clear()
        result = services.orders_escalate_due(now=beijing(2026, 3, 11, 9))  # Wednesday
        (second,) = result.escalated
        first.refresh_from_db()
        assert first.status == OrderStatus.ESCALATED
        assert first.escalated_at == beijing(2026, 3, 11, 9)
        assert second.previous == first
        assert (second.issuing_organization, second.responding_organization, second.level) == (
            world.orgs["centre"],
            world.orgs["village"],
            2,
        )
        assert second.status == OrderStatus.OPEN
        assert second.stage == first.stage
        assert second.due_at.astimezone(beijing(2026, 1, 1).tzinfo).date() == dt.date(2026, 3, 13)
        assert COUNTY_SUPERVISOR_PHONE in [phone for phone, _ in sms_outbox]
        # Escalating did not make the sweep raise a second order for the same stage.
        assert services.orders_raise_overdue(now=beijing(2026, 3, 11, 10)) == []

        result = services.orders_escalate_due(now=beijing(2026, 3, 14, 9))
        assert result.escalated == []
        assert [o.pk for o in result.flagged] == [second.pk]
        second.refresh_from_db()
        assert second.status == OrderStatus.OPEN
        assert second.flagged_at == beijing(2026, 3, 14, 9)
        # Flagged once: the next run does nothing more.
        again = services.orders_escalate_due(now=beijing(2026, 3, 16, 9))
        assert (again.escalated, again.flagged) == ([], [])

        kinds = [e.kind for e in MatterEvent.objects.filter(matter=matter, kind__startswith="supervision")]
        assert kinds == [
            EventKind.SUPERVISION_ORDERED,
            EventKind.SUPERVISION_ESCALATED,
            EventKind.SUPERVISION_ESCALATED,
        ]
        assert events(matter, EventKind.SUPERVISION_ESCALATED)[-1].data["top"]
        # The flagged order at the top can still be answered and cleared.
        services.order_answer(order=second, actor=world.staff["village_mediator"], response="已完成调解安排")
        services.order_clear(order=second, actor=world.staff[Role.SUPERVISOR])

    def test_an_answered_order_is_not_escalated(self, world):
        with at(beijing(2026, 3, 3, 10)):
            assigned_to_village(world)
        (order,) = services.orders_raise_overdue(now=beijing(2026, 3, 7, 8))
        services.order_answer(order=order, actor=world.staff["village_mediator"], response="已经处理完毕")
        result = services.orders_escalate_due(now=beijing(2026, 3, 20, 9))
        assert (result.escalated, result.flagged) == ([], [])

    def test_an_order_from_the_county_centre_is_flagged_at_once(self, world):
        with at(beijing(2026, 3, 3, 10)):
            file_dispute(world)
        (order,) = services.orders_raise_overdue(now=beijing(2026, 3, 9, 9))
        assert order.issuing_organization == world.orgs["centre"]
        result = services.orders_escalate_due(now=beijing(2026, 3, 12, 9))
        assert result.escalated == []
        assert [o.pk for o in result.flagged] == [order.pk]

    def test_matters_untouched(self, world):
        with at(beijing(2026, 3, 3, 10)):
            matter = assigned_to_village(world)
        services.orders_raise_overdue(now=beijing(2026, 3, 7, 8))
        services.orders_escalate_due(now=beijing(2026, 3, 11, 9))
        after = Matter.objects.get(pk=matter.pk)
        assert (after.status, after.version, after.organization_id) == (
            matter.status,
            matter.version,
            matter.organization_id,
        )
