"""The emergency task flow through the services: declare, send, acknowledge, report, done, close; the
levels a task may go to; bad input; tagging the disputes that arose."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from suyuan.accounts.choices import Role
from suyuan.core.exceptions import Forbidden
from suyuan.emergency import services
from suyuan.emergency.choices import IncidentEventKind, IncidentLevel, IncidentStatus, TaskStatus
from suyuan.emergency.models import Incident, IncidentEvent, IncidentMatter, IncidentTask, TaskReport
from suyuan.emergency.tests.conftest import declare, send
from suyuan.matters.choices import EventKind, Visibility
from suyuan.matters.models import MatterEvent
from suyuan.matters.tests.conftest import file_dispute
from suyuan.notifications.models import Notification
from suyuan.regions.models import Region

pytestmark = pytest.mark.django_db


def kinds(incident: Incident) -> list[str]:
    return list(
        IncidentEvent.objects.filter(incident=incident)
        .order_by("created_at", "pk")
        .values_list("kind", flat=True)
    )


def test_the_whole_flow_writes_the_timeline_in_order(world, english):
    dispatcher = world.staff[Role.DISPATCHER]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        incident = declare(world)
        assert incident.status == IncidentStatus.ACTIVE and incident.declared_by == dispatcher
        assert list(incident.regions.values_list("code", flat=True)) == ["330881001"]
        clock.shift(dt.timedelta(minutes=5))
        village = send(world, incident, "village")
        shelter = send(world, incident, "township", title="开放避灾安置点")
        assert village.status == TaskStatus.SENT
        clock.shift(dt.timedelta(minutes=5))
        services.task_acknowledge(task=village, actor=world.staff[Role.GRID_WORKER])
        clock.shift(dt.timedelta(minutes=30))
        services.task_report(
            task=village,
            actor=world.staff["village_mediator"],
            people_moved=40,
            people_sheltered=35,
            needs="缺少棉被",
        )
        clock.shift(dt.timedelta(minutes=30))
        services.task_report(
            task=village, actor=world.staff[Role.GRID_WORKER], people_moved=120, people_sheltered=98
        )
        # A report on an unacknowledged task acknowledges it.
        services.task_report(
            task=shelter, actor=world.staff["township_dispatcher"], people_moved=0, people_sheltered=60
        )
        clock.shift(dt.timedelta(minutes=5))
        with pytest.raises(ValidationError) as refused:
            services.incident_close(incident=incident, actor=dispatcher, summary="台风过境，转移安置完成。")
        assert "2 tasks are still open" in str(refused.value)
        assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.ACTIVE
        services.incident_change_level(
            incident=incident, actor=world.staff[Role.SUPERVISOR], level=IncidentLevel.RED
        )
        services.task_done(task=village, actor=world.staff[Role.GRID_WORKER])
        services.task_cancel(task=shelter, actor=dispatcher, reason="安置点已由上级统一安排")
        clock.shift(dt.timedelta(minutes=5))
        services.incident_close(incident=incident, actor=dispatcher, summary="台风过境，转移安置完成。")

    village.refresh_from_db()
    shelter.refresh_from_db()
    # The latest report counts (cumulative figures), not the sum of reports.
    assert (village.people_moved, village.people_sheltered, village.needs) == (120, 98, "")
    assert village.status == TaskStatus.DONE and village.acknowledged_by == world.staff[Role.GRID_WORKER]
    assert (
        shelter.status == TaskStatus.CANCELLED
        and shelter.acknowledged_by == world.staff["township_dispatcher"]
    )
    assert TaskReport.objects.filter(task=village).count() == 2
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.level == IncidentLevel.RED
    assert incident.close_summary and incident.closed_by == dispatcher
    assert kinds(incident) == [
        IncidentEventKind.DECLARED,
        IncidentEventKind.TASK_SENT,
        IncidentEventKind.TASK_SENT,
        IncidentEventKind.TASK_ACKNOWLEDGED,
        IncidentEventKind.TASK_REPORTED,
        IncidentEventKind.TASK_REPORTED,
        IncidentEventKind.TASK_REPORTED,
        IncidentEventKind.LEVEL_CHANGED,
        IncidentEventKind.TASK_DONE,
        IncidentEventKind.TASK_CANCELLED,
        IncidentEventKind.CLOSED,
    ]
    # Nothing more on a closed incident.
    with pytest.raises(services.StateError):
        send(world, incident, "village")
    with pytest.raises(services.StateError):
        services.incident_change_level(incident=incident, actor=dispatcher, level=IncidentLevel.BLUE)


def test_a_new_task_tells_the_assigned_room(world, incident):
    task = send(world, incident, "township")
    told = Notification.objects.filter(purpose="emergency_task")
    assert [n.recipient for n in told] == [world.staff["township_dispatcher"]]
    assert told[0].link == f"/staff/emergency/tasks/{task.pk}/"
    # A village committee without dispatchers or supervisors: its mediators and grid workers are told.
    send(world, incident, "village")
    assert {n.recipient.username for n in told.exclude(recipient=world.staff["township_dispatcher"])} == {
        "js.village_mediator",
        f"js.{Role.GRID_WORKER}",
    }


def test_task_states_refuse_what_they_do_not_allow(world, tasks):
    task = tasks["village"]
    services.task_acknowledge(task=task, actor=world.staff[Role.GRID_WORKER])
    with pytest.raises(services.StateError):
        services.task_acknowledge(task=task, actor=world.staff[Role.GRID_WORKER])
    services.task_done(task=task, actor=world.staff[Role.GRID_WORKER])
    for command in (
        lambda: services.task_report(
            task=task, actor=world.staff[Role.GRID_WORKER], people_moved=1, people_sheltered=1
        ),
        lambda: services.task_done(task=task, actor=world.staff[Role.GRID_WORKER]),
        lambda: services.task_cancel(task=task, actor=world.staff[Role.DISPATCHER], reason="不需要了"),
    ):
        with pytest.raises(services.StateError):
            command()


@pytest.mark.parametrize(
    ("org", "message"),
    [
        ("shangyu", "cannot receive tasks"),  # a township centre outside the incident's regions
        ("centre", "cannot receive tasks"),  # the declaring centre itself: not below it
        ("court", "cannot receive tasks"),  # not a room that takes emergency tasks
        ("kecheng_centre", "cannot receive tasks"),  # another county
    ],
)
def test_a_task_goes_only_below_the_centre_inside_the_regions(world, incident, org, message, english):
    with pytest.raises(ValidationError) as refused:
        send(world, incident, org)
    assert message in str(refused.value)
    assert not IncidentTask.objects.exists()
    assert kinds(incident) == [IncidentEventKind.DECLARED]


def test_a_township_centre_commands_its_own_incident_and_its_villages(world, english):
    incident = services.incident_declare(
        actor=world.staff["township_dispatcher"],
        organization=world.orgs["township"],
        kind="flood",
        level="yellow",
        title="山洪",
        region_codes=["330881001001"],
    )
    task = services.task_send(
        incident=incident,
        actor=world.staff["township_dispatcher"],
        organization=world.orgs["village"],
        title="转移",
    )
    assert task.organization == world.orgs["village"]
    # The township centre itself is not below itself.
    with pytest.raises(ValidationError):
        services.task_send(
            incident=incident,
            actor=world.staff["township_dispatcher"],
            organization=world.orgs["township"],
            title="x",
        )
    # The county centre, above, commands it too; another township's dispatcher does not.
    services.incident_change_level(incident=incident, actor=world.staff[Role.SUPERVISOR], level="orange")
    with pytest.raises(Forbidden):
        services.incident_change_level(
            incident=incident, actor=world.staff["shangyu_dispatcher"], level="red"
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "台" * 201}, "title"),
        ({"kind": "volcano"}, "kind"),
        ({"level": "purple"}, "level"),
        ({"region_codes": []}, "regions"),
        ({"region_codes": ["330802001"]}, "regions"),  # Kecheng: outside the centre's area
        ({"region_codes": ["330881999"]}, "regions"),  # no such region
    ],
)
def test_declaring_refuses_bad_input(world, changes, field):
    values = {
        "actor": world.staff[Role.DISPATCHER],
        "organization": world.orgs["centre"],
        "kind": "typhoon",
        "level": "blue",
        "title": "台风",
        "region_codes": ["330881001"],
        **changes,
    }
    with pytest.raises(ValidationError) as refused:
        services.incident_declare(**values)
    assert field in refused.value.message_dict
    assert not Incident.objects.exists() and not IncidentEvent.objects.exists()


@pytest.mark.parametrize(
    "who", [Role.MEDIATOR, Role.ANALYST, Role.ADMINISTRATOR, Role.GRID_WORKER, "kecheng"]
)
def test_only_commanders_declare(world, who):
    with pytest.raises(Forbidden):
        services.incident_declare(
            actor=world.actor(who),
            organization=world.orgs["centre"],
            kind="typhoon",
            level="blue",
            title="台风",
            region_codes=["330881001"],
        )
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("moved", "sheltered", "field"),
    [
        (-1, 0, "people_moved"),
        (0, -5, "people_sheltered"),
        (2_000_000, 0, "people_moved"),
        ("many", 0, "people_moved"),
    ],
)
def test_reports_refuse_bad_numbers(world, tasks, moved, sheltered, field):
    task = tasks["village"]
    with pytest.raises(ValidationError) as refused:
        services.task_report(
            task=task, actor=world.staff[Role.GRID_WORKER], people_moved=moved, people_sheltered=sheltered
        )
    assert field in refused.value.message_dict
    task.refresh_from_db()
    assert task.status == TaskStatus.SENT and task.people_moved == 0
    assert not TaskReport.objects.exists()


def test_only_the_assigned_room_acknowledges_and_reports(world, tasks):
    task = tasks["village"]
    for who in (Role.DISPATCHER, Role.MEDIATOR, "township_dispatcher", "kecheng", Role.ANALYST):
        with pytest.raises(Forbidden):
            services.task_acknowledge(task=task, actor=world.actor(who))
    with pytest.raises(Forbidden):
        services.task_cancel(task=task, actor=world.staff[Role.GRID_WORKER], reason="不需要了")
    assert IncidentTask.objects.get(pk=task.pk).status == TaskStatus.SENT


def test_closing_needs_a_summary(world, incident):
    with pytest.raises(ValidationError) as refused:
        services.incident_close(incident=incident, actor=world.staff[Role.DISPATCHER], summary=" ok ")
    assert "summary" in refused.value.message_dict
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.ACTIVE


def test_tagging_a_dispute_writes_both_logs(world, incident, english):
    matter = file_dispute(world, title="台风吹倒围墙砸坏邻居车辆，赔偿纠纷")
    tag = services.incident_tag_matter(incident=incident, actor=world.staff[Role.DISPATCHER], matter=matter)
    assert tag.matter == matter
    event = MatterEvent.objects.get(matter=matter, kind=EventKind.INCIDENT_TAGGED)
    assert event.visibility == Visibility.INTERNAL and event.data["incident"] == incident.pk
    assert kinds(incident)[-1] == IncidentEventKind.MATTER_TAGGED
    with pytest.raises(ValidationError, match="already tagged"):
        services.incident_tag_matter(incident=incident, actor=world.staff[Role.DISPATCHER], matter=matter)


def test_tagging_refuses_disputes_outside_the_regions_or_before_the_declaration(world, english):
    before = file_dispute(world)
    incident = declare(world)
    elsewhere = file_dispute(world, region=Region.objects.get(code="330881100"))
    with pytest.raises(ValidationError, match="outside the incident's regions"):
        services.incident_tag_matter(incident=incident, actor=world.staff[Role.DISPATCHER], matter=elsewhere)
    with pytest.raises(ValidationError, match="before the incident was declared"):
        services.incident_tag_matter(incident=incident, actor=world.staff[Role.DISPATCHER], matter=before)
    with pytest.raises(Forbidden):  # analysts do not handle disputes
        services.incident_tag_matter(
            incident=incident, actor=world.staff[Role.ANALYST], matter=file_dispute(world)
        )
    assert not IncidentMatter.objects.exists()
    assert not MatterEvent.objects.filter(kind=EventKind.INCIDENT_TAGGED).exists()
