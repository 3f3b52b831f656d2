"""Reminders on working days, each sent once however often the job runs, then the grid worker's visit."""

from __future__ import annotations

import pytest
import time_machine

from suyuan.accounts.access import forget_scope
from suyuan.accounts.choices import Role
from suyuan.core import periodic
from suyuan.matters import access, respondents, services
from suyuan.matters.choices import EventKind, FieldTaskStatus, InvitationStatus, Visibility
from suyuan.matters.models import FieldTask, MatterEvent, RespondentInvitation
from suyuan.matters.tests.conftest import RESPONDENT_PHONE
from suyuan.matters.tests.test_respondent_support import (
    OTHER_VILLAGE,
    accepted_dispute,
    beijing,
    invite,
    other_village,
)

pytestmark = pytest.mark.django_db


def run(at):
    """Run the job twice at ``at``, as two clocks or a retried task would; return what the first did."""
    with time_machine.travel(at, tick=False):
        first = respondents.invitations_remind_due()
        assert respondents.invitations_remind_due() == 0
    return first


def reminders(matter) -> int:
    return MatterEvent.objects.filter(matter=matter, kind=EventKind.RESPONDENT_REMINDED).count()


def texts_to_respondent(sms_outbox) -> int:
    return sum(1 for phone, _body in sms_outbox if phone == RESPONDENT_PHONE)


def test_the_job_is_registered_with_the_clock():
    assert "matters.remind_respondents" in {job.name for job in periodic.jobs()}


def test_across_national_day_each_reminder_once_then_a_visit(world, sms_outbox):
    # Wednesday 30 September 2026; 1–7 October are holidays, Saturday 10 October a make-up working day.
    with time_machine.travel(beijing(2026, 9, 30, 10), tick=False):
        invited = invite(world)
    assert texts_to_respondent(sms_outbox) == 1
    # Two working days: Thursday 8 and Friday 9 October.
    assert invited.invitation.next_reminder_at == beijing(2026, 10, 9, 9)

    assert run(beijing(2026, 10, 8, 23)) == 0
    assert run(beijing(2026, 10, 9, 9)) == 1
    assert reminders(invited.matter) == 1
    assert texts_to_respondent(sms_outbox) == 2
    assert invited.token in sms_outbox[-1][1]  # the reminder repeats the same link

    # Five working days: 8, 9, 10 (Saturday, make-up day), 12 and 13 October.
    invitation = RespondentInvitation.objects.get(pk=invited.invitation.pk)
    assert invitation.reminders_sent == 1
    assert invitation.next_reminder_at == beijing(2026, 10, 13, 9)
    assert run(beijing(2026, 10, 12, 18)) == 0
    assert run(beijing(2026, 10, 13, 9, 30)) == 1
    assert reminders(invited.matter) == 2
    assert texts_to_respondent(sms_outbox) == 3

    # Two working days after the last reminder (14 and 15 October): a visit by the village's grid worker.
    assert run(beijing(2026, 10, 14, 12)) == 0
    assert not FieldTask.objects.exists()
    assert run(beijing(2026, 10, 15, 9)) == 1
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.NO_REACTION
    assert invitation.next_reminder_at is None
    [task] = FieldTask.objects.all()
    assert task.organization == world.orgs["village"]
    assert task.party == invited.party
    assert task.status == FieldTaskStatus.OPEN
    assert "楼上住户" in task.instructions
    # Five working days to visit: 16, 19, 20, 21, 22 October.
    assert (
        task.due_at is not None
        and task.due_at.astimezone(beijing(2026, 1, 1).tzinfo).date().isoformat() == "2026-10-22"
    )
    [opened] = MatterEvent.objects.filter(matter=invited.matter, kind=EventKind.FIELD_TASK_OPENED)
    assert opened.visibility == Visibility.INTERNAL
    assert texts_to_respondent(sms_outbox) == 3
    # The village's grid worker is told, in the workbench and by text message.
    from suyuan.accounts.tests.world import GRID_WORKER_PHONE
    from suyuan.notifications.models import Notification

    [note] = Notification.objects.filter(recipient=world.staff["grid_worker"], purpose="field_task_opened")
    assert note.link == "/staff/tasks/"
    assert any(phone == GRID_WORKER_PHONE for phone, _body in sms_outbox)

    # Nothing more, ever.
    assert run(beijing(2026, 12, 1, 9)) == 0
    assert reminders(invited.matter) == 2
    assert FieldTask.objects.count() == 1


def test_across_a_weekend_and_the_dragon_boat_festival(world):
    # Friday 12 June 2026; Friday 19 June is a holiday.
    with time_machine.travel(beijing(2026, 6, 12, 16), tick=False):
        invited = invite(world)
    assert invited.invitation.next_reminder_at == beijing(2026, 6, 16, 9)  # Monday 15, Tuesday 16
    assert run(beijing(2026, 6, 15, 9)) == 0
    assert run(beijing(2026, 6, 16, 9)) == 1
    # 15, 16, 17, 18, then not 19 (holiday) nor the weekend: Monday 22.
    assert RespondentInvitation.objects.get(pk=invited.invitation.pk).next_reminder_at == beijing(
        2026, 6, 22, 9
    )
    assert run(beijing(2026, 6, 19, 9)) == 0
    assert run(beijing(2026, 6, 22, 9)) == 1
    assert reminders(invited.matter) == 2


def test_the_schedule_is_configurable(world, settings):
    settings.RESPONDENT_REMINDER_WORKING_DAYS = (1,)
    settings.RESPONDENT_VISIT_AFTER_WORKING_DAYS = 1
    with time_machine.travel(beijing(2026, 3, 2, 10), tick=False):  # a Monday
        invited = invite(world)
    assert run(beijing(2026, 3, 3, 9)) == 1
    assert run(beijing(2026, 3, 4, 9)) == 1
    assert reminders(invited.matter) == 1
    assert FieldTask.objects.count() == 1


def test_an_answer_stops_the_reminders(world, sms_outbox):
    with time_machine.travel(beijing(2026, 3, 2, 10), tick=False):
        invited = invite(world)
        respondents.invitation_respond(token=invited.token, accept=True)
    assert run(beijing(2026, 3, 30, 9)) == 0
    assert reminders(invited.matter) == 0
    assert not FieldTask.objects.exists()


def test_a_matter_that_ended_closes_its_invitation_without_reminders(world):
    with time_machine.travel(beijing(2026, 3, 2, 10), tick=False):
        invited = invite(world)
        services.matter_withdraw(matter=invited.matter, actor=world.citizen)
    with time_machine.travel(beijing(2026, 3, 30, 9), tick=False):
        respondents.invitations_remind_due()
    assert RespondentInvitation.objects.get(pk=invited.invitation.pk).status == InvitationStatus.CLOSED
    assert reminders(invited.matter) == 0


def test_the_visit_goes_to_the_village_of_the_respondent_s_address_who_may_then_open_the_matter(world):
    organization, worker = other_village(world)
    matter = accepted_dispute(
        world,
        parties=[
            services.PartyInput(role="applicant", name="市民甲", phone="13900001111"),
            services.PartyInput(
                role="respondent", name="外村人", phone=RESPONDENT_PHONE, address="江山市上余镇五家岭村12号"
            ),
        ],
    )
    with time_machine.travel(beijing(2026, 3, 2, 10), tick=False):
        invited = invite(world, matter)
    assert not access.matters_visible_to(worker).filter(pk=matter.pk).exists()
    for day in (4, 9, 11):
        run(beijing(2026, 3, day, 9))
    [task] = FieldTask.objects.all()
    assert task.organization == organization
    forget_scope(worker)
    with time_machine.travel(beijing(2026, 3, 11, 10), tick=False):
        assert access.matters_visible_to(worker).filter(pk=matter.pk).exists()
        assert list(respondents.field_tasks_for_worker(worker)) == [task]
        assert list(respondents.field_tasks_for_worker(world.staff[Role.GRID_WORKER])) == []
    assert OTHER_VILLAGE.startswith(organization.region_id)
    assert invited.party.address.endswith("12号")


def test_without_grid_workers_nearby_the_visit_goes_up_the_tree(world):
    from suyuan.accounts.models import Membership

    Membership.objects.filter(role=Role.GRID_WORKER).update(is_active=False)
    matter = accepted_dispute(world)
    assert respondents.field_task_organization(matter, None) == matter.organization
    Membership.objects.create(
        user=world.staff[Role.MEDIATOR], organization=world.orgs["township"], role=Role.GRID_WORKER
    )
    assert respondents.field_task_organization(matter, None) == world.orgs["township"]
