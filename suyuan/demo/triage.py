"""Triage in the demo: the stories that show it, and the first models trained on the demo's own labels.

Every demo matter goes through triage right after it is received (under the demo clock, so it sees only
the matters that came before it), and a dispatcher's acceptance confirms the category as a label. Three
small stories make the rest visible in 江山市: a group dispute (four building workers' wage claims against
one contractor within two weeks), a matter whose words raise an urgent flag, and one dispute reported
twice (by hotline, then at the centre's window by the same person) that triage proposes to merge.
All names, numbers and texts here are invented for the demo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from suyuan.accounts.models import User
from suyuan.matters import services as matter_services
from suyuan.matters.choices import Channel, MatterKind, PartyKind, PartyRole
from suyuan.matters.models import Category, Matter
from suyuan.matters.services import PartyInput
from suyuan.regions.models import Region
from suyuan.triage import classifier
from suyuan.triage import services as triage_services

Clock = Callable[[dt.datetime], AbstractContextManager[Any]]

CONTRACTOR = "江山市恒达建设工程有限公司"
CONSENT = "来电录音中口头同意代为登记"


@dataclass(frozen=True)
class Story:
    key: str
    days_ago: float
    channel: str
    category: str
    title: str
    description: str
    applicant: str
    phone: str
    respondent: str
    respondent_kind: str = PartyKind.PERSON


STORIES = [
    *[
        Story(
            key=f"triage-wages-{i}",
            days_ago=days,
            channel=Channel.HOTLINE if i % 2 else Channel.WALK_IN,
            category="labour_wages",
            title=title,
            description=text,
            applicant=name,
            phone=f"1390000{9101 + i}",
            respondent=CONTRACTOR,
            respondent_kind=PartyKind.ORGANIZATION,
        )
        for i, (days, title, text, name) in enumerate(
            [
                (
                    13,
                    "工地拖欠工资",
                    "在城北安置房工地做泥水工，恒达建设欠我四个月工资两万八千元，项目经理一直说等工程款。",
                    "毛建军",
                ),
                (
                    10,
                    "钢筋工工资未结",
                    "我们钢筋班组八个人去年十月开始在安置房工地干活，工钱一直没结，老板电话也不接。",
                    "周海平",
                ),
                (
                    6,
                    "木工讨要工钱",
                    "安置房项目的木工活早就干完了，恒达公司拖着工钱不给，快过年了家里等着用钱。",
                    "祝立新",
                ),
                (
                    2,
                    "水电工欠薪",
                    "给恒达建设的安置房工地做水电安装，三个月工资没发，包工头说公司没拨款。",
                    "姜卫东",
                ),
            ]
        )
    ],
    Story(
        key="triage-threat",
        days_ago=3,
        channel=Channel.HOTLINE,
        category="neighbours",
        title="邻里排水纠纷激化",
        description="邻居把排水沟改到我家门口，说了几次不听，还说再找他就拿刀砍死我，家里老人吓得不敢出门。",
        applicant="郑春花",
        phone="13900009201",
        respondent="郑某",
    ),
    Story(
        key="triage-repeat-hotline",
        days_ago=5,
        channel=Channel.HOTLINE,
        category="property_management",
        title="小区电梯停运",
        description="来电人反映：小区3幢电梯停运一个多月，物业一直说等配件，楼上老人下楼很困难，要求尽快修好电梯。",
        applicant="汪丽娟",
        phone="13900009301",
        respondent="小区物业服务中心",
    ),
    Story(
        key="triage-repeat-window",
        days_ago=1,
        channel=Channel.WALK_IN,
        category="property_management",
        title="电梯停运一个多月",
        description="小区3幢电梯停运一个多月了，物业一直说等配件，楼上老人下楼很困难，希望尽快修好电梯。",
        applicant="汪丽娟",
        phone="13900009301",
        respondent="小区物业服务中心",
    ),
]


def _receive(story: Story, *, village: Region, actor: User, owner: User | None, key: str) -> Matter:
    staff_entry = story.channel != Channel.PORTAL
    return matter_services.matter_receive(
        kind=MatterKind.DISPUTE,
        channel=story.channel,
        title=story.title,
        description=story.description,
        region=village,
        category=Category.objects.get(code=story.category),
        parties=[
            PartyInput(role=PartyRole.APPLICANT, name=story.applicant, phone=story.phone),
            PartyInput(role=PartyRole.RESPONDENT, name=story.respondent, kind=story.respondent_kind),
        ],
        actor=actor if staff_entry else (owner or actor),
        owner=None if staff_entry else owner,
        privacy_consent=True,
        agent_consent=CONSENT if staff_entry else "",
        idempotency_key=key,
    )


def triage_stories(
    *, now: dt.datetime, clock: Clock, key_prefix: str, village: Region, dispatcher: User, citizen: User
) -> int:
    """Receive and triage the demo's triage stories that do not exist yet; return how many were created."""
    created = 0
    for story in sorted(STORIES, key=lambda s: -s.days_ago):
        key = key_prefix + story.key
        if Matter.objects.filter(idempotency_key=key).exists():
            continue
        at = now - dt.timedelta(days=story.days_ago)
        with clock(at):
            matter = _receive(story, village=village, actor=dispatcher, owner=citizen, key=key)
            triage_services.matter_triage(matter_id=matter.pk)
        created += 1
    return created


def triage_received(matter: Matter) -> None:
    """The first pass on a demo matter right after it is received (under the caller's demo clock)."""
    triage_services.matter_triage(matter_id=matter.pk)


def confirm_category(matter: Matter, dispatcher: User) -> None:
    """A dispatcher accepting a matter confirms its category: a label for the next training."""
    if matter.category is not None:
        triage_services.category_decide(matter=matter, actor=dispatcher, category=matter.category)


def train_models() -> list[str]:
    """Train the deployment's models on the demo's labels; return one line per model."""
    lines = []
    for name in triage_services.DEFAULT_MODELS:
        try:
            trained = triage_services.model_train_from_labels(name=name)
        except classifier.TrainingError as exc:
            lines.append(f"{name}: {exc}")
            continue
        version = trained.version
        lines.append(f"{name} v{version.number} {version.status} macro-F1 {version.macro_f1 or 0:.3f}")
    return lines
