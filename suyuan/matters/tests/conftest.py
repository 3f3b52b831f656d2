"""Fixtures for matter tests: the accounts test world (Jiangshan, Kecheng, one person per role) and filing."""

from __future__ import annotations

from typing import Any

import pytest

from suyuan.accounts.tests.world import World, build_world
from suyuan.matters import services
from suyuan.matters.choices import Channel, MatterKind, PartyRole
from suyuan.matters.models import Category, Matter
from suyuan.matters.services import PartyInput
from suyuan.regions.models import Region

APPLICANT_PHONE = "13900001111"
RESPONDENT_PHONE = "13900002222"


@pytest.fixture
def world(db) -> World:
    return build_world()


def file_dispute(world: World, **overrides: Any) -> Matter:
    """File a neighbours' dispute in 城北社区 as the world's citizen through the portal."""
    values: dict[str, Any] = {
        "kind": MatterKind.DISPUTE,
        "channel": Channel.PORTAL,
        "title": "邻居装修噪音扰民",
        "description": "楼上邻居连续两周在晚上十点后装修，多次沟通无果。",
        "desired_outcome": "晚上八点后停止施工",
        "address_text": "江山市双塔街道城北社区某小区3幢",
        "parties": [
            PartyInput(role=PartyRole.APPLICANT, name="市民甲", phone=APPLICANT_PHONE),
            PartyInput(role=PartyRole.RESPONDENT, name="楼上住户", phone=RESPONDENT_PHONE),
        ],
        "actor": world.citizen,
        "owner": world.citizen,
        "privacy_consent": True,
    }
    values.update(overrides)
    if "region" not in values:
        values["region"] = Region.objects.get(code="330881001001")
    if "category" not in values:
        values["category"] = Category.objects.get(code="neighbours")
    return services.matter_receive(**values)


@pytest.fixture
def dispute(world) -> Matter:
    return file_dispute(world)
