"""The demo's typhoon story: declared by Jiangshan's county centre months ago, tasks acknowledged and
reported on, closed with a summary; built once (a second run creates nothing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from suyuan.accounts.models import User
from suyuan.demo import services
from suyuan.demo.emergency import DEMO_KEY, emergency_seed
from suyuan.demo.tests.conftest import QUIET_TASKS
from suyuan.emergency import access
from suyuan.emergency.choices import IncidentEventKind, IncidentStatus, TaskStatus
from suyuan.emergency.models import Incident, IncidentEvent, IncidentMatter, IncidentTask, TaskReport
from suyuan.matters.choices import EventKind, MatterStatus
from suyuan.matters.models import Matter, MatterEvent
from suyuan.notifications.choices import MessageStatus
from suyuan.notifications.models import Notification, OutboundMessage

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
    # Declared first; closed after every task; then the disputes it caused, tagged as they came in.
    assert kinds[0] == IncidentEventKind.DECLARED
    assert kinds[-4:] == [IncidentEventKind.CLOSED, *[IncidentEventKind.MATTER_TAGGED] * 3]
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


@override_settings(TASKS=QUIET_TASKS)
def test_the_disputes_the_typhoon_caused_are_received_accepted_and_tagged(small_quzhou):
    services.demo_seed(counties=small_quzhou, matters=False)
    assert emergency_seed() == 1
    incident = Incident.objects.get(demo_key=DEMO_KEY)
    regions = list(incident.regions.values_list("code", flat=True))
    tagged = [
        link.matter for link in IncidentMatter.objects.filter(incident=incident).select_related("matter")
    ]
    assert len(tagged) == 3
    for matter in tagged:
        assert matter.idempotency_key.startswith("demotyphoon-")
        assert matter.category is not None and matter.category.code == "damages"
        assert "台风" in matter.description
        assert any(matter.region_id.startswith(code) for code in regions)
        assert matter.created_at > incident.declared_at
        event = MatterEvent.objects.get(matter=matter, kind=EventKind.INCIDENT_TAGGED)
        assert event.created_at > matter.created_at
    # Two were mediated to an agreement and closed; the last came in yesterday and waits.
    assert sorted(m.status for m in Matter.objects.filter(pk__in=[m.pk for m in tagged])) == [
        MatterStatus.ACCEPTED, MatterStatus.CLOSED, MatterStatus.CLOSED,
    ]  # fmt: skip
    # Their receipts tell of weeks ago: recorded as sent, none waiting.
    assert not OutboundMessage.objects.filter(status=MessageStatus.QUEUED).exists()
    before = Matter.objects.count()
    assert emergency_seed() == 0 and Matter.objects.count() == before
