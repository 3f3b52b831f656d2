"""Fixtures for emergency tests: the accounts test world with staff at the township and village rooms.

The world's own staff sit at Jiangshan's county centre (dispatcher, supervisor, analyst, administrator),
its 双塔街道 township centre (mediator) and 城北社区 village committee (grid worker). Emergency mode
needs a dispatcher at the township centre, a mediator at the village, and a second township (上余镇) with
its own centre, outside the incident.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from suyuan.accounts.choices import OrganizationType, Role
from suyuan.accounts.models import Membership, User
from suyuan.accounts.tests.world import World, build_world, new_organization, new_user, sign_in
from suyuan.emergency import services
from suyuan.emergency.choices import IncidentKind, IncidentLevel
from suyuan.emergency.models import Incident, IncidentTask
from suyuan.regions.models import Region

TOWNSHIP_DISPATCHER_PHONE = "13700000011"


def _member(world: World, name: str, org: str, role: str, phone: str = "") -> User:
    user = new_user(username=f"js.{name}", full_name=name)
    if phone:
        user.phone = phone
        user.save()
    Membership.objects.create(user=user, organization=world.orgs[org], role=role)
    world.staff[name] = user
    return user


@pytest.fixture
def world(db) -> World:
    world = build_world()
    world.orgs["shangyu"] = new_organization(
        code="W-330881100-TC", name="上余镇社会矛盾纠纷调处化解中心", region=Region.objects.get(code="330881100"),
        type=OrganizationType.TOWNSHIP_CENTRE, parent=world.orgs["centre"],
    )  # fmt: skip
    _member(world, "township_dispatcher", "township", Role.DISPATCHER, TOWNSHIP_DISPATCHER_PHONE)
    _member(world, "village_mediator", "village", Role.MEDIATOR)
    _member(world, "shangyu_dispatcher", "shangyu", Role.DISPATCHER)
    return world


def client_for(user: User | None) -> Client:
    return sign_in(Client(), user)


def declare(
    world: World, *, regions: tuple[str, ...] = ("330881001",), title: str = "台风“海葵”防御"
) -> Incident:
    """Declare a typhoon over 双塔街道 as the county centre's dispatcher."""
    return services.incident_declare(
        actor=world.staff[Role.DISPATCHER],
        organization=world.orgs["centre"],
        kind=IncidentKind.TYPHOON,
        level=IncidentLevel.ORANGE,
        title=title,
        description="台风即将登陆，请各地做好转移安置。",
        region_codes=regions,
    )


def send(
    world: World, incident: Incident, org: str = "village", hours: int = 6, title: str = "转移城北社区低洼户"
) -> IncidentTask:
    return services.task_send(
        incident=incident,
        actor=world.staff[Role.DISPATCHER],
        organization=world.orgs[org],
        title=title,
        instructions="今晚八点前完成转移。",
        due_at=timezone.now() + dt.timedelta(hours=hours),
    )


@pytest.fixture
def incident(world) -> Incident:
    return declare(world)


@pytest.fixture
def tasks(world, incident) -> dict[str, IncidentTask]:
    """A task to the village committee (evacuate) and one to the township centre (open a shelter)."""
    return {
        "village": send(world, incident, "village"),
        "township": send(world, incident, "township", title="开放双塔街道避灾安置点"),
    }
