"""The figures' hand-computed month (March 2026 in Jiangshan), shared by the tests of the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import World, build_world
from suyuan.matters import services as matter_services
from suyuan.matters.models import Matter
from suyuan.matters.tests.conftest import file_dispute
from suyuan.regions.models import Region

MARCH = {"start": "2026-03", "end": "2026-03"}


@pytest.fixture
def world(db) -> World:
    return build_world()


def at(day: int, time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, day, 2, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def march(world, django_capture_on_commit_callbacks, time_machine) -> dict[str, Matter]:
    """In March 2026, in 城北社区 of Jiangshan: one agreement after 7 days, one failure to arbitration after
    10 days, one withdrawal; and one matter in Kecheng that no Jiangshan figure may count."""
    dispatcher, mediator = world.staff[Role.DISPATCHER], world.staff[Role.MEDIATOR]

    def to_mediation(matter: Matter) -> Matter:
        matter = matter_services.matter_accept(matter=matter, actor=dispatcher)
        matter = matter_services.matter_assign(
            matter=matter, actor=dispatcher, organization=world.orgs["township"], mediator=mediator
        )
        return matter_services.matter_start_mediation(matter=matter, actor=mediator)

    with django_capture_on_commit_callbacks(execute=True):
        at(2, time_machine)
        agreed, failed, withdrawn = (file_dispute(world) for _ in range(3))
        elsewhere = file_dispute(world, region=Region.objects.get(code="330802001"))
        agreed, failed = to_mediation(agreed), to_mediation(failed)
        at(9, time_machine)
        matter_services.matter_record_agreement(matter=agreed, actor=mediator, terms="晚上八点后停止施工。")
        at(12, time_machine)
        matter_services.matter_record_failure(
            matter=failed, actor=mediator, reason="双方分歧较大，无法达成一致。", route="arbitration"
        )
        matter_services.matter_withdraw(matter=withdrawn, actor=world.citizen, reason="已自行协商解决")
    return {"agreed": agreed, "failed": failed, "withdrawn": withdrawn, "elsewhere": elsewhere}
