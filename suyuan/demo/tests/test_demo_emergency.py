"""The demo's typhoon story: declared by Jiangshan's county centre months ago, tasks acknowledged and
reported on, closed with a summary; built once (a second run creates nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from suyuan.accounts.models import User
from suyuan.demo import services
from suyuan.demo.emergency import DAYS_AGO, DEMO_KEY, emergency_seed
from suyuan.demo.matters import demo_clock
from suyuan.demo.tests.conftest import QUIET_TASKS
from suyuan.demo.timeline import at_local
from suyuan.emergency import access
from suyuan.emergency.choices import IncidentEventKind, IncidentStatus, TaskStatus
from suyuan.emergency.models import Incident, IncidentEvent, IncidentMatter, IncidentTask, TaskReport
from suyuan.matters import services as matter_services
from suyuan.matters.choices import Channel, EventKind, MatterKind, PartyRole
from suyuan.matters.models import Category, Matter, MatterEvent
from suyuan.matters.services import PartyInput
from suyuan.notifications.choices import MessageStatus
from suyuan.notifications.models import Notification, OutboundMessage
from suyuan.regions.models import Region

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        Incident.objects.count(),
        IncidentTask.objects.count(),
        TaskReport.objects.count(),
        IncidentEvent.objects.count(),
    )


@override_settings(TASKS=QUIET_TASKS)
def test_the_typhoon_story_is_built_once(small_quzhou):
    services.demo_seed(counties=small_quzhou, matters=False)
    assert emergency_seed() == 1
    incident = Incident.objects.get(demo_key=DEMO_KEY)
    assert incident.organization.code == "330881-CC" and incident.kind == "typhoon"
    assert incident.status == IncidentStatus.CLOSED and incident.close_summary
    assert incident.declared_at < timezone.now() - dt.timedelta(days=60)
    regions = set(incident.regions.values_list("code", flat=True))
    assert "330881001" in regions and all(code.startswith("330881") for code in regions)
    tasks = list(incident.tasks.select_related("organization"))
    assert {t.organization.type for t in tasks} == {"township_centre", "village_committee"}
    assert all(t.status == TaskStatus.DONE for t in tasks)
    assert TaskReport.objects.filter(task__incident=incident).exists()
    assert sum(t.people_moved for t in tasks) > 0 and sum(t.people_sheltered for t in tasks) > 0
    kinds = list(incident.events.order_by("created_at", "pk").values_list("kind", flat=True))
    assert kinds[0] == IncidentEventKind.DECLARED and kinds[-1] == IncidentEventKind.CLOSED
    assert IncidentEventKind.TASK_ACKNOWLEDGED in kinds and IncidentEventKind.LEVEL_CHANGED in kinds
    times = list(incident.events.order_by("pk").values_list("created_at", flat=True))
    assert times == sorted(times)
    # The demo logins see it: the county's analyst, the home village's grid worker; Kecheng's do not.
    for username, sees in [("demo.analyst", True), ("demo.grid_worker", True), ("demo.kecheng", False)]:
        user = User.objects.get(username=username)
        assert access.incidents_visible_to(user).filter(pk=incident.pk).exists() is sees, username

    # Its notices tell of months ago: read, their text messages recorded as sent, none waiting.
    assert Notification.objects.filter(purpose="emergency_task").exists()
    assert not Notification.objects.filter(purpose="emergency_task", read_at__isnull=True).exists()
    assert not OutboundMessage.objects.filter(purpose="emergency_task", status=MessageStatus.QUEUED).exists()

    before = counts()
    assert emergency_seed() == 0
    services.demo_seed(counties=small_quzhou, matters=False)
    assert counts() == before


def _damage_dispute(at: dt.datetime, region: str) -> Matter:
    with demo_clock(at):
        return matter_services.matter_receive(
            kind=MatterKind.DISPUTE,
            channel=Channel.WALK_IN,
            title="台风刮倒围墙砸坏邻居车辆，赔偿纠纷",
            description="台风当晚围墙倒塌砸坏停在院外的车辆，双方就赔偿数额协商不成。",
            region=Region.objects.get(code=region),
            category=Category.objects.get(code="damages"),
            parties=[
                PartyInput(role=PartyRole.APPLICANT, name="车主甲", phone="13800000201"),
                PartyInput(role=PartyRole.RESPONDENT, name="邻居乙", phone="13800000202"),
            ],
            agent_consent="当面签字确认",
            actor=User.objects.get(username="demo.dispatcher"),
            privacy_consent=True,
        )


@override_settings(TASKS=QUIET_TASKS)
def test_damage_disputes_after_the_typhoon_in_its_townships_are_tagged(small_quzhou):
    services.demo_seed(counties=small_quzhou, matters=False)
    declared = at_local(timezone.localdate() - dt.timedelta(days=DAYS_AGO), dt.time(8, 30))
    before = _damage_dispute(declared - dt.timedelta(days=3), "330881001001")
    after = _damage_dispute(declared + dt.timedelta(days=4), "330881001001")
    elsewhere = _damage_dispute(declared + dt.timedelta(days=4), "330802001")
    assert emergency_seed() == 1
    incident = Incident.objects.get(demo_key=DEMO_KEY)
    assert list(IncidentMatter.objects.filter(incident=incident).values_list("matter_id", flat=True)) == [
        after.pk
    ]
    tagged = MatterEvent.objects.get(matter=after, kind=EventKind.INCIDENT_TAGGED)
    assert tagged.created_at > after.created_at
    assert not MatterEvent.objects.filter(
        matter__in=[before, elsewhere], kind=EventKind.INCIDENT_TAGGED
    ).exists()
