"""The grid worker's visit: reporting its outcome, recording the respondent's answer on their behalf."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError

from suyuan.accounts.choices import Role
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import respondents
from suyuan.matters.choices import EventKind, FieldTaskOutcome, FieldTaskStatus, InvitationStatus, Visibility
from suyuan.matters.models import FieldTask, MatterEvent
from suyuan.matters.tests.conftest import APPLICANT_PHONE
from suyuan.matters.tests.test_respondent_support import Invited, beijing, invite, other_village

pytestmark = pytest.mark.django_db


def with_visit(world) -> tuple[Invited, FieldTask]:
    """Invite the respondent and let every reminder go unanswered, so that a visit is opened."""
    with time_machine.travel(beijing(2026, 3, 2, 10), tick=False):
        invited = invite(world)
    for day in (4, 9, 11):
        with time_machine.travel(beijing(2026, 3, day, 9), tick=False):
            respondents.invitations_remind_due()
    return invited, FieldTask.objects.get()


def test_reached_and_agrees_records_acceptance_on_their_behalf(world, sms_outbox):
    invited, task = with_visit(world)
    worker = world.staff[Role.GRID_WORKER]
    sms_outbox.clear()

    done = respondents.field_task_complete(
        task=task, actor=worker, outcome=FieldTaskOutcome.REACHED_AGREES, note="在家，同意调解"
    )

    assert done.status == FieldTaskStatus.DONE
    assert done.completed_by == worker and done.assignee == worker and done.completed_at
    invitation = invited.invitation
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert invitation.recorded_by == worker
    [reported] = MatterEvent.objects.filter(matter=invited.matter, kind=EventKind.FIELD_TASK_DONE)
    assert reported.visibility == Visibility.INTERNAL and reported.text == "在家，同意调解"
    [accepted] = MatterEvent.objects.filter(matter=invited.matter, kind=EventKind.RESPONDENT_ACCEPTED)
    assert accepted.actor == worker and accepted.data["recorded_by_grid_worker"] is True
    assert [phone for phone, _body in sms_outbox] == [APPLICANT_PHONE]


def test_reached_and_declines_needs_the_reason(world):
    invited, task = with_visit(world)
    worker = world.staff[Role.GRID_WORKER]
    with pytest.raises(ValidationError) as info:
        respondents.field_task_complete(task=task, actor=worker, outcome=FieldTaskOutcome.REACHED_DECLINES)
    assert "note" in info.value.message_dict
    respondents.field_task_complete(
        task=task, actor=worker, outcome=FieldTaskOutcome.REACHED_DECLINES, note="认为不是自己的责任"
    )
    invited.invitation.refresh_from_db()
    assert invited.invitation.status == InvitationStatus.DECLINED
    assert invited.invitation.decline_reason == "认为不是自己的责任"


def test_not_reached_leaves_the_invitation_waiting(world):
    invited, task = with_visit(world)
    respondents.field_task_complete(
        task=task, actor=world.staff[Role.GRID_WORKER], outcome=FieldTaskOutcome.NOT_REACHED, note="两次无人"
    )
    invited.invitation.refresh_from_db()
    assert invited.invitation.status == InvitationStatus.NO_REACTION
    # The respondent may still answer through the link afterwards.
    with time_machine.travel(beijing(2026, 3, 12, 9), tick=False):
        respondents.invitation_respond(token=invited.token, accept=True)


def test_a_task_is_reported_once_with_a_known_outcome(world):
    _invited, task = with_visit(world)
    worker = world.staff[Role.GRID_WORKER]
    with pytest.raises(ValidationError):
        respondents.field_task_complete(task=task, actor=worker, outcome="maybe")
    respondents.field_task_complete(task=task, actor=worker, outcome=FieldTaskOutcome.REFUSED)
    with pytest.raises(ValidationError):
        respondents.field_task_complete(task=task, actor=worker, outcome=FieldTaskOutcome.NOT_REACHED)


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        (Role.GRID_WORKER, "done"),
        (Role.MEDIATOR, "done"),
        (Role.DISPATCHER, "done"),
        (Role.SUPERVISOR, "done"),
        ("operator", "done"),
        (Role.ADMINISTRATOR, Forbidden),
        (Role.ANALYST, NotFound),
        (Role.COURT_CLERK, NotFound),
        ("kecheng", NotFound),
        ("citizen", NotFound),
        ("other_village", NotFound),
    ],
)
def test_who_may_report_a_visit(world, name, outcome):
    _invited, task = with_visit(world)
    actor = other_village(world)[1] if name == "other_village" else world.actor(name)
    if outcome == "done":
        assert respondents.field_task_complete(task=task, actor=actor, outcome="not_reached").status == "done"
    else:
        with pytest.raises(outcome):
            respondents.field_task_complete(task=task, actor=actor, outcome="not_reached")
        task.refresh_from_db()
        assert task.status == FieldTaskStatus.OPEN
