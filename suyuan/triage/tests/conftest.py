"""Fixtures for triage tests: the accounts test world, filing with triage run, a small trained model.

Every text here is written for the tests (no real citizen's words).
"""

from __future__ import annotations

from typing import Any

import pytest

from suyuan.accounts.tests.world import World, build_world
from suyuan.matters.choices import PartyKind, PartyRole
from suyuan.matters.models import Matter
from suyuan.matters.services import PartyInput
from suyuan.matters.tests.conftest import file_dispute
from suyuan.triage import artefacts, services

# A hand-written corpus: three kinds of dispute, eight short accounts each.
CORPUS: dict[str, list[str]] = {
    "labour_wages": [
        "老板拖欠我们三个月工资一直不发",
        "工地包工头欠薪跑路了，工人讨薪无门",
        "公司辞退我不给经济补偿金还扣工资",
        "干了半年活，工钱到现在还没结清",
        "厂里不签劳动合同也不交社保",
        "加班费一分没给，要求补发工资",
        "工伤住院后老板不管医药费和工资",
        "年底了农民工工资还被拖欠着",
    ],
    "neighbours": [
        "楼上邻居半夜装修噪音太大影响休息",
        "邻居在楼道堆放杂物堵住通道",
        "隔壁养狗天天叫，沟通多次无果",
        "楼上卫生间漏水把我家天花板泡坏了",
        "邻居家空调外机对着我家窗户吹热风",
        "对门邻居占用公共走廊放鞋柜",
        "邻里之间因为排水沟吵了起来",
        "楼下烧烤油烟飘进我家窗户",
    ],
    "traffic": [
        "电动车和小轿车在路口相撞，对方不肯赔偿",
        "被货车追尾，车辆维修费谁来出",
        "骑车被撞伤住院，肇事司机拒绝支付医药费",
        "交通事故认定书出来了，保险公司拖着不赔",
        "倒车时刮到停在路边的车，双方协商不成",
        "行人过马路被摩托车撞倒骨折",
        "出租车急刹车导致乘客受伤要求赔偿",
        "两车剐蹭后对方逃逸，后来找到了车主",
    ],
}


def corpus() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, items in CORPUS.items():
        texts.extend(items)
        labels.extend([label] * len(items))
    return texts, labels


@pytest.fixture
def world(db) -> World:
    artefacts.clear()
    return build_world()


@pytest.fixture
def trained(world):
    """A learned category model, active."""
    texts, labels = corpus()
    model = services.model_get_or_create(services.CATEGORY_MODEL)
    return services.model_train(model=model, texts=texts, labels=labels, source="file").version


def file_and_triage(world: World, django_capture_on_commit_callbacks: Any, **overrides: Any) -> Matter:
    """File a matter as the world's citizen and run what intake schedules on commit (the triage task)."""
    overrides.setdefault("category", None)
    with django_capture_on_commit_callbacks(execute=True):
        matter = file_dispute(world, **overrides)
    matter.refresh_from_db()
    return matter


def wage_parties(
    phone: str = "13900003333", employer: str = "江山市某某建筑劳务有限公司"
) -> list[PartyInput]:
    return [
        PartyInput(role=PartyRole.APPLICANT, name="工人甲", phone=phone),
        PartyInput(role=PartyRole.RESPONDENT, name=employer, kind=PartyKind.ORGANIZATION),
    ]


@pytest.fixture
def dispute(world) -> Matter:
    return file_dispute(world)
