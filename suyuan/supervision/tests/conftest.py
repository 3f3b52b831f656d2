"""Fixtures for supervision tests: the accounts test world with a supervisor and a mediator at each level.

The world's own staff sit at Jiangshan's county centre (dispatcher, supervisor, analyst, administrator),
its township centre (mediator) and village committee (grid worker). Supervision needs people at the
lower levels too: a township supervisor (the level that supervises the village), and a village mediator
(staff of the handling organisation). Staff who are told of orders have phone numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership, User
from suyuan.accounts.tests.world import World, build_world, new_user
from suyuan.matters import services as matter_services
from suyuan.matters.models import Matter
from suyuan.matters.tests.conftest import file_dispute
from suyuan.supervision.models import SupervisionOrder
from suyuan.workdays.selectors import CHINA

TOWNSHIP_SUPERVISOR_PHONE = "13700000001"
VILLAGE_MEDIATOR_PHONE = "13700000002"
COUNTY_SUPERVISOR_PHONE = "13700000003"
TOWNSHIP_DISPATCHER_PHONE = "13700000004"


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
    _member(world, "township_supervisor", "township", Role.SUPERVISOR, TOWNSHIP_SUPERVISOR_PHONE)
    _member(world, "township_dispatcher", "township", Role.DISPATCHER, TOWNSHIP_DISPATCHER_PHONE)
    _member(world, "village_mediator", "village", Role.MEDIATOR, VILLAGE_MEDIATOR_PHONE)
    supervisor = world.staff[Role.SUPERVISOR]
    supervisor.phone = COUNTY_SUPERVISOR_PHONE
    supervisor.save()
    return world


def beijing(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=CHINA)


def matter_of(order: SupervisionOrder) -> Matter:
    assert order.matter is not None
    return order.matter


def assigned_to_village(world: World, **overrides: Any) -> Matter:
    """File a dispute in 城北社区 and assign it to the village committee and its mediator."""
    matter = file_dispute(world, **overrides)
    matter = matter_services.matter_accept(matter=matter, actor=world.staff[Role.DISPATCHER])
    return matter_services.matter_assign(
        matter=matter,
        actor=world.staff[Role.DISPATCHER],
        organization=world.orgs["village"],
        mediator=world.staff["village_mediator"],
    )
