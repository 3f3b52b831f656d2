"""Demo matters: a few hundred made-up disputes, requests, petitions and consultations across Quzhou.

Every text, name and number here was written for the demo: the people and companies are invented, the
phone numbers lie in ranges kept for the demo (parties 1390000xxxx and 1380000xxxx), and only the place
names (townships, villages) come from the real region data. Nothing is copied from real citizens'
messages.

The matters go through the same services as real ones (``suyuan.matters.services``), acting as the demo
staff, so statuses, events, deadlines, routing and access checks are exactly what the platform produces.
To give them a history over the last six months, each service call runs under ``demo_clock``: see there.

The plan is deterministic (seeded ``random.Random``; only tracking codes, drawn by the services, differ
between databases) and the build is idempotent: each demo matter carries the idempotency key
``demo-<n>`` and a second run skips the keys that exist, so it creates no matter and no event.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any
from unittest import mock

from django.apps import apps
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from suyuan.accounts.choices import Role, Specialty
from suyuan.accounts.models import Membership, Organization, User
from suyuan.demo.court import COURT_STORIES, HOME, PHONE, CourtStory, court_seed
from suyuan.demo.documents import document_actions, rating_actions
from suyuan.demo.mediation import follow_up_obligations, mediate_agreement
from suyuan.demo.respondents import invitation_actions
from suyuan.demo.services import (
    COUNTIES,
    DEMO_CITIZEN_NAME,
    DEMO_CITIZEN_PHONE,
    DEMO_CITIZEN_USERNAME,
    HOME_COUNTY,
    HOME_TOWNSHIP,
    SeedReport,
    _home_village,
    _upsert_user,
    centre_code,
    place_name,
)
from suyuan.demo.supervision import notices_read, supervision_seed
from suyuan.demo.timeline import run_actions, working_days_back
from suyuan.demo.triage import confirm_category, train_models, triage_received, triage_stories
from suyuan.matters import services as matter_services
from suyuan.matters.choices import (
    FINAL_STATUSES,
    Channel,
    FailureRoute,
    MatterKind,
    MatterStatus,
    PartyKind,
    PartyRole,
)
from suyuan.matters.models import Category, Matter
from suyuan.matters.services import PartyInput
from suyuan.notifications.choices import MessageStatus
from suyuan.notifications.models import Notification, OutboundMessage
from suyuan.regions.choices import RegionLevel
from suyuan.regions.models import Region
from suyuan.workdays.selectors import CHINA
from suyuan.workdays.services import is_working_day

S = MatterStatus
K = MatterKind
C = Channel

KEY_PREFIX = "demo-"
SEED = "suyuan-demo-matters-1"
# Parties' numbers: applicants 1390000xxxx, respondents and third parties 1380000xxxx (the demo staff and
# the demo citizen use 13800000001-13800000299, below the party numbers).
APPLICANT_PHONE_BASE = 13900001000
RESPONDENT_PHONE_BASE = 13800005000
THIRD_PARTY_PHONE_BASE = 13800008000
FAKE_PHONE_PREFIXES = ("1380000", "1390000")

# How many matters of each county, kind and final status the demo has (300 in all).
COUNTY_COUNTS: dict[str, int] = {
    "330881": 168,
    "330802": 28,
    "330803": 26,
    "330822": 26,
    "330824": 26,
    "330825": 26,
}
KIND_COUNTS: dict[str, int] = {K.DISPUTE: 180, K.REQUEST: 54, K.PETITION: 24, K.CONSULTATION: 42}
STATUS_COUNTS: dict[str, int] = {
    S.SUBMITTED: 20,
    S.ACCEPTED: 14,
    S.ASSIGNED: 20,
    S.IN_MEDIATION: 42,
    S.RESOLVED: 34,
    S.UNRESOLVED: 16,
    S.DECLINED: 18,
    S.MERGED: 12,
    S.WITHDRAWN: 20,
    S.CLOSED: 104,
}
# When a matter of each final status was received: days before now (low, high).
AGE_DAYS: dict[str, tuple[float, float]] = {
    S.SUBMITTED: (0.1, 9),
    S.ACCEPTED: (1, 12),
    S.ASSIGNED: (2, 18),
    S.IN_MEDIATION: (4, 45),
    S.RESOLVED: (12, 150),
    S.UNRESOLVED: (15, 170),
    S.DECLINED: (1, 175),
    S.MERGED: (2, 170),
    S.WITHDRAWN: (2, 175),
    S.CLOSED: (25, 180),
}
# The demo citizen's own matters ("my matters"): status, kind, category, channel.
CITIZEN_MATTERS = (
    (S.IN_MEDIATION, K.DISPUTE, "neighbours", C.PORTAL),
    (S.RESOLVED, K.DISPUTE, "consumer", C.PORTAL),
    (S.CLOSED, K.DISPUTE, "marriage_family", C.WALK_IN),
    (S.SUBMITTED, K.REQUEST, "property_management", C.PORTAL),
    (S.WITHDRAWN, K.DISPUTE, "lending_finance", C.PORTAL),
    (S.DECLINED, K.DISPUTE, "labour_wages", C.HOTLINE),
    (S.CLOSED, K.CONSULTATION, "housing_homestead", C.PORTAL),
)

CHANNEL_WEIGHTS: dict[str, dict[str, int]] = {
    K.DISPUTE: {
        C.WALK_IN: 30,
        C.PORTAL: 20,
        C.HOTLINE: 12,
        C.FIELD_VISIT: 12,
        C.COURT_WINDOW: 10,
        C.API: 4,
        C.IMPORT: 2,
    },
    K.REQUEST: {C.HOTLINE: 30, C.PORTAL: 25, C.IMPORT: 20, C.API: 15, C.WALK_IN: 10},
    K.PETITION: {C.PETITION_LETTER: 40, C.WALK_IN: 35, C.PORTAL: 25},
    K.CONSULTATION: {C.HOTLINE: 45, C.WALK_IN: 30, C.PORTAL: 25},
}
CATEGORY_WEIGHTS: dict[str, dict[str, int]] = {
    K.DISPUTE: {
        "neighbours": 16,
        "marriage_family": 14,
        "housing_homestead": 10,
        "labour_wages": 10,
        "lending_finance": 9,
        "traffic": 9,
        "contract": 7,
        "property_management": 6,
        "forest_land": 6,
        "damages": 6,
        "consumer": 5,
        "medical": 3,
        "environment": 3,
        "land_requisition": 2,
        "administrative": 2,
        "other": 2,
    },
    K.REQUEST: {
        "property_management": 20,
        "environment": 20,
        "consumer": 15,
        "administrative": 15,
        "labour_wages": 12,
        "other": 10,
        "housing_homestead": 8,
    },
    K.PETITION: {
        "land_requisition": 30,
        "administrative": 25,
        "environment": 15,
        "labour_wages": 15,
        "forest_land": 10,
        "housing_homestead": 5,
    },
    K.CONSULTATION: {
        "marriage_family": 20,
        "labour_wages": 20,
        "lending_finance": 15,
        "housing_homestead": 15,
        "traffic": 10,
        "contract": 10,
        "consumer": 10,
    },
}
# How staff recorded that the citizen agreed to their filing, by channel.
CONSENT: dict[str, str] = {
    C.WALK_IN: "申请人在窗口当面签署《代为登记同意书》",
    C.HOTLINE: "来电中口头同意代为登记，通话已录音",
    C.PETITION_LETTER: "来信中请求代为登记办理，原件已扫描存档",
    C.COURT_WINDOW: "法院诉讼服务中心引导诉前调解，申请人签署《诉前调解同意书》",
    C.API: "12345政务服务热线平台转办，来电人同意转交处理",
    C.IMPORT: "12345平台工单批量导入，来电人已同意转交",
    C.FIELD_VISIT: "走访时当事人同意代为登记，已在走访记录上签字",
}
SPECIALIST_BODY: dict[str, str] = {
    Specialty.TRAFFIC: "SC-TRAFFIC",
    Specialty.MEDICAL: "SC-MEDICAL",
    Specialty.LABOUR: "SC-LABOUR",
    Specialty.FINANCIAL: "SC-FINANCIAL",
}
# Categories a village notable (乡贤) typically settles in their own village.
VILLAGE_CATEGORIES = frozenset(
    {"neighbours", "marriage_family", "housing_homestead", "forest_land", "damages", "other"}
)


# --- The demo clock ------------------------------------------------------------------------------------


_REAL_NOW = timezone.now


@cache
def _fields_defaulting_to_now() -> list[Any]:
    return [
        f
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if getattr(f, "default", None) is _REAL_NOW
    ]


@contextmanager
def demo_clock(at: dt.datetime) -> Iterator[None]:
    """Make Django's clock read ``at`` while the demo calls the services: DEMO ONLY.

    The services take the time of each step from ``django.utils.timezone.now()`` (status dates, the
    event's time, the stage deadline counted on the holiday calendar from that moment), and the event log
    is append-only, so the only way to give a demo matter a past that is consistent everywhere is to let
    the services run "at" that past moment. This patches ``timezone.now`` and the fields whose default is
    that function (Django keeps its own reference to it, e.g. ``MatterEvent.created_at``). The patch is
    process-wide and not thread-safe: use it only in the single-threaded ``seed_demo`` command, never in a
    process that serves requests. It needs nothing beyond the standard library, so it works wherever the
    project is installed (time-machine is a test dependency only).
    """
    if timezone.is_naive(at):
        raise ValueError("demo_clock needs an aware datetime")

    def clock() -> dt.datetime:
        return at

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(timezone, "now", clock))
        for model_field in _fields_defaulting_to_now():
            stack.enter_context(mock.patch.object(model_field, "_get_default", clock))
        yield


# --- Who handles the demo matters --------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSpec:
    """A member of staff who handles demo matters but has no demo login (no usable password)."""

    username: str
    full_name: str
    role: str
    county: str
    # "centre", "township" (the county's first township or ``township``), or a COUNTY_BODIES suffix
    place: str
    phone: str
    township: str = ""
    specialty: str = ""


MATTER_STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("demo.jiangshan.centre", "柴光明", Role.MEDIATOR, "330881", "centre", "13800000201"),
    StaffSpec(
        "demo.jiangshan.traffic",
        "吴立新",
        Role.MEDIATOR,
        "330881",
        "SC-TRAFFIC",
        "13800000202",
        specialty=Specialty.TRAFFIC,
    ),
    StaffSpec(
        "demo.jiangshan.medical",
        "程淑芬",
        Role.MEDIATOR,
        "330881",
        "SC-MEDICAL",
        "13800000203",
        specialty=Specialty.MEDICAL,
    ),
    StaffSpec(
        "demo.jiangshan.labour",
        "邵建军",
        Role.MEDIATOR,
        "330881",
        "SC-LABOUR",
        "13800000204",
        specialty=Specialty.LABOUR,
    ),
    StaffSpec(
        "demo.jiangshan.finance",
        "何雅琴",
        Role.MEDIATOR,
        "330881",
        "SC-FINANCIAL",
        "13800000205",
        specialty=Specialty.FINANCIAL,
    ),
    StaffSpec(
        "demo.jiangshan.hushan", "余春燕", Role.MEDIATOR, "330881", "township", "13800000206", "330881002"
    ),
    StaffSpec(
        "demo.jiangshan.qinghu", "占志华", Role.MEDIATOR, "330881", "township", "13800000207", "330881003"
    ),
    StaffSpec(
        "demo.jiangshan.hecun", "蔡永福", Role.MEDIATOR, "330881", "township", "13800000208", "330881121"
    ),
    StaffSpec(
        "demo.jiangshan.sidu", "徐丽君", Role.MEDIATOR, "330881", "township", "13800000209", "330881102"
    ),
    StaffSpec(
        "demo.jiangshan.xiakou", "祝永强", Role.MEDIATOR, "330881", "township", "13800000210", "330881119"
    ),
    StaffSpec("demo.kecheng.centre", "方静怡", Role.MEDIATOR, "330802", "centre", "13800000211"),
    StaffSpec("demo.kecheng.township", "黄振华", Role.MEDIATOR, "330802", "township", "13800000212"),
    StaffSpec("demo.qujiang.dispatcher", "邱海燕", Role.DISPATCHER, "330803", "centre", "13800000220"),
    StaffSpec("demo.qujiang.centre", "傅国庆", Role.MEDIATOR, "330803", "centre", "13800000221"),
    StaffSpec("demo.qujiang.township", "洪丽萍", Role.MEDIATOR, "330803", "township", "13800000222"),
    StaffSpec("demo.changshan.dispatcher", "樊晓东", Role.DISPATCHER, "330822", "centre", "13800000230"),
    StaffSpec("demo.changshan.centre", "江秀兰", Role.MEDIATOR, "330822", "centre", "13800000231"),
    StaffSpec("demo.changshan.township", "王德胜", Role.MEDIATOR, "330822", "township", "13800000232"),
    StaffSpec("demo.kaihua.dispatcher", "鲁志刚", Role.DISPATCHER, "330824", "centre", "13800000240"),
    StaffSpec("demo.kaihua.centre", "汪丽华", Role.MEDIATOR, "330824", "centre", "13800000241"),
    StaffSpec("demo.kaihua.township", "余建平", Role.MEDIATOR, "330824", "township", "13800000242"),
    StaffSpec("demo.longyou.dispatcher", "童美玲", Role.DISPATCHER, "330825", "centre", "13800000250"),
    StaffSpec("demo.longyou.centre", "翁建新", Role.MEDIATOR, "330825", "centre", "13800000251"),
    StaffSpec("demo.longyou.township", "胡家明", Role.MEDIATOR, "330825", "township", "13800000252"),
)
# The dispatcher who accepts and assigns each county's matters.
DISPATCHERS = {
    "330881": "demo.dispatcher",
    "330802": "demo.kecheng",
    "330803": "demo.qujiang.dispatcher",
    "330822": "demo.changshan.dispatcher",
    "330824": "demo.kaihua.dispatcher",
    "330825": "demo.longyou.dispatcher",
}
HOME_MEDIATOR = "demo.mediator"  # 双塔街道's centre, specialty marriage and family
HOME_NOTABLE = "demo.notable"  # 城北社区's committee, a village notable
GRID_WORKER = "demo.grid_worker"  # 城北社区
SUPERVISOR = "demo.supervisor"  # the county centre's supervisor, who clears supervision orders


def _below(counties: Sequence[str]) -> Q:
    query = Q(pk__in=[])
    for county in counties:
        query |= Q(code__startswith=county)
    return query


def _county_townships(counties: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """Return each county's townships as ``(code, name)``, in code order."""
    found: dict[str, list[tuple[str, str]]] = {county: [] for county in counties}
    for code, name in (
        Region.objects.filter(_below(counties), level=RegionLevel.TOWNSHIP)
        .order_by("code")
        .values_list("code", "name")
    ):
        found[code[:6]].append((code, name))
    return found


def _staff_org_code(spec: StaffSpec, townships: dict[str, list[tuple[str, str]]]) -> str | None:
    if spec.place == "centre":
        return centre_code(spec.county)
    if spec.place == "township":
        codes = [code for code, _name in townships.get(spec.county, [])]
        township = spec.township or (codes[0] if codes else "")
        return centre_code(township) if township in codes else None
    return f"{spec.county}-{spec.place}"


def _upsert_matter_staff(counties: Sequence[str], report: SeedReport) -> dict[str, str]:
    """Create the staff who handle demo matters outside the demo logins; return ``{org code: mediator}``."""
    townships = _county_townships(counties)
    wanted = [
        (spec, code)
        for spec in MATTER_STAFF
        if spec.county in counties and (code := _staff_org_code(spec, townships)) is not None
    ]
    orgs = {o.code: o.pk for o in Organization.objects.filter(code__in=[code for _spec, code in wanted])}
    desks: dict[str, str] = {}
    for spec, code in wanted:
        if code not in orgs:
            continue
        user = _upsert_user(spec.username, spec.full_name, spec.phone, report, passwords=None)
        _, created = Membership.objects.get_or_create(
            user=user,
            organization_id=orgs[code],
            role=spec.role,
            is_active=True,
            defaults={"specialty": spec.specialty},
        )
        report.memberships_created += int(created)
        if spec.role == Role.MEDIATOR:
            desks[code] = spec.username
    home_village = _home_village() if HOME_COUNTY in counties else ""
    for username, code in (
        (HOME_MEDIATOR, centre_code(HOME_TOWNSHIP)),
        (HOME_NOTABLE, f"{home_village}-VC"),
    ):
        if (
            home_village
            and Membership.objects.filter(
                user__username=username, organization__code=code, role=Role.MEDIATOR, is_active=True
            ).exists()
        ):
            desks[code] = username
    return desks


# --- What the matters say ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    kind: str
    category: str
    # "" (no respondent), "person", or an organisation's name pattern
    respondent: str
    amount: tuple[int, int, int] | None  # low, high, step in yuan
    title: str
    description: str
    desired: str
    where: str = ""  # URBAN (a residential community), RURAL (a village), or "" (anywhere)


def _t(
    kind: str,
    category: str,
    respondent: str,
    amount: tuple[int, int, int] | None,
    title: str,
    description: str,
    desired: str,
    where: str = "",
) -> Template:
    return Template(kind, category, respondent, amount, title, description, desired, where)


URBAN, RURAL = "urban", "rural"


DIS, REQ, PET, CON = K.DISPUTE, K.REQUEST, K.PETITION, K.CONSULTATION

TEMPLATES: tuple[Template, ...] = (
    # --- disputes ---
    _t(DIS, "marriage_family", "person", (800, 2500, 100), "离婚后拖欠子女抚养费",
       "申请人{applicant}与{respondent}于{year}协议离婚，孩子随申请人生活，约定{respondent}每月支付抚养费"
       "{amount}。自{month}起对方以收入减少为由停止支付，至今已欠{n}个月，多次电话催要没有结果。",
       "按离婚协议补齐拖欠的抚养费，今后每月按时支付。"),
    _t(DIS, "marriage_family", "person", (3000, 20000, 500), "{village}兄妹赡养老人费用分摊纠纷",
       "{village}村民{applicant}反映：母亲今年八十多岁，常年患病，兄妹{n}人对赡养费和轮流照顾的安排意见不一。"
       "兄长{respondent}近半年没有分担医药费，申请人已先行垫付{amount}，兄妹间矛盾越来越大。",
       "兄妹共同商定赡养费分摊和轮流照顾办法，签订赡养协议。", RURAL),
    _t(DIS, "marriage_family", "person", None, "夫妻矛盾激化，申请调解家庭纠纷",
       "申请人{applicant}称，与丈夫{respondent}因家庭开支和照顾老人问题长期争吵，{month}以来对方搬到外面居住，"
       "不接电话，也不给家里生活费。申请人暂不想离婚，希望调解组织出面先把生活费和孩子上学接送安排好。",
       "由调解员约双方面谈，明确每月生活费和孩子接送安排。"),
    _t(DIS, "neighbours", "person", None, "楼上装修噪音影响休息",
       "{place}居民{applicant}反映，楼上住户{respondent}从{date}开始装修，经常晚上九点以后和周末早上施工，"
       "电钻声影响家中老人休息和孩子学习。当面沟通过两次，情况没有改善。",
       "晚上八点以后和周末上午不进行噪音作业，剩余工期提前告知。", URBAN),
    _t(DIS, "neighbours", "person", (2000, 12000, 500), "翻建房屋抬高地坪，雨水流入邻居家",
       "{applicant}与邻居{respondent}房屋相邻。{respondent}{month}翻建房屋时把院子地坪抬高了约{m}公分，"
       "下雨时积水全部流向申请人一侧，墙脚渗水、墙面发霉，申请人估算修复要{amount}。双方为此多次争吵。",
       "对方改建排水沟，承担墙面修复费用。", RURAL),
    _t(DIS, "neighbours", "person", None, "邻居在公共通道堆放杂物",
       "{village}村民{applicant}反映，邻居{respondent}长期在两家共用的通道上堆放柴火和建材，电动车和老人进出"
       "都不方便，还有火灾隐患。网格员劝过一次，对方清走一部分后又堆上了。",
       "清理通道内的杂物，今后不再占用公共通道。", RURAL),
    _t(DIS, "neighbours", "person", None, "{village}邻居饲养家禽气味扰邻",
       "{village}村民{applicant}称，邻居{respondent}在两家之间的空地上搭棚养了{m}只鸡鸭，气味和叫声影响生活，"
       "夏天蚊蝇很多。申请人多次上门沟通，对方认为在自家地上养殖别人管不着。",
       "拆除或迁移禽棚，保持房前屋后卫生。", RURAL),
    _t(DIS, "housing_homestead", "person", None, "{village}宅基地界址争议",
       "{village}村民{applicant}与{respondent}的宅基地相邻。{respondent}新建房屋时地基越过原来的界址约{m}公分，"
       "申请人认为占了自家宅基地，双方在施工现场发生争执，村干部协调未果。",
       "会同村里按原审批资料丈量界址，按批准范围确定边界。", RURAL),
    _t(DIS, "housing_homestead", "person", (2000, 8000, 500), "租房漏水维修和押金退还纠纷",
       "{applicant}租住{respondent}在{township}的一套住房。屋顶漏水已经{n}个月，房东一直拖着不修，屋内衣柜和"
       "床垫被泡坏。申请人提出退租，房东以未满租期为由不退押金{amount}。",
       "解除租约，退还押金，赔偿被泡坏的家具。"),
    _t(DIS, "housing_homestead", "person", (80000, 400000, 10000), "老屋继承和改造补偿款分配纠纷",
       "申请人{applicant}的父亲去世后，在{village}留下老屋一处，一直由弟弟{respondent}居住。今年老屋列入改造"
       "范围，补偿款约{amount}，兄弟二人对是否分割、怎么分配意见不一。",
       "按法定继承份额分配补偿款。"),
    _t(DIS, "forest_land", "person", None, "毛竹山林界线纠纷",
       "{village}村民{applicant}与邻村村民{respondent}对一片约{m}亩毛竹山的界线认识不一致，两家林权证上的四至"
       "描述对不上。今年挖春笋时双方发生争吵，差点动手。",
       "由镇、村核对林权档案，到现场确认界线。", RURAL),
    _t(DIS, "forest_land", "{cshort}{brand}家庭农场", (20000, 90000, 1000), "土地流转租金拖欠",
       "{applicant}等{n}户村民把承包地流转给{respondent}种植柑橘，合同约定每年{month}底前付清当年租金。今年"
       "租金合计{amount}至今未付，农场负责人说资金周转困难，没有给出付款时间。",
       "按合同付清拖欠的流转租金，并明确以后的付款时间。", RURAL),
    _t(DIS, "forest_land", "person", (3000, 15000, 500), "修路砍伐自留山林木未补偿",
       "{respondent}承包{village}机耕路修建工程，施工时砍伐了申请人{applicant}自留山上的杉木{m}余株，事先"
       "没有征得同意，事后也不给补偿。",
       "按林木市场价赔偿损失约{amount}。", RURAL),
    _t(DIS, "labour_wages", "person", (15000, 80000, 1000), "装修工程欠薪",
       "申请人{applicant}等{n}名工人跟着包工头{respondent}在{township}一处工地做装修，工程{month}完工，工资"
       "合计{amount}一直没结清。包工头说业主还没付工程款，让大家再等等。",
       "一次性结清拖欠的工资。"),
    _t(DIS, "labour_wages", "{cshort}{brand}机械制造有限公司", (8000, 40000, 1000), "被辞退后未支付经济补偿",
       "申请人{applicant}在{respondent}上班{n}年，{month}被车间主任口头通知不用再来上班，公司没有支付经济"
       "补偿，最后一个月工资也没有结清，合计约{amount}。",
       "公司支付经济补偿和最后一个月工资。"),
    _t(DIS, "labour_wages", "{cshort}{brand}木业有限公司", (10000, 60000, 1000), "车间受伤赔偿纠纷",
       "{applicant}{date}在{respondent}车间操作设备时手指受伤，住院治疗{n}周。公司垫付了部分医药费，但不认可"
       "停工期间的工资和后续赔偿，双方差距较大。",
       "公司依法支付停工留薪期工资，协商一次性赔偿。"),
    _t(DIS, "lending_finance", "person", (20000, 150000, 5000), "朋友借款到期不还",
       "{applicant}在{year}借给朋友{respondent}{amount}用于生意周转，有借条，约定一年内还清。到期后"
       "{respondent}多次推脱，近一个月电话不接、微信不回。",
       "归还借款本金，并按约定支付利息。"),
    _t(DIS, "lending_finance", "person", (5000, 50000, 1000), "亲戚间借款金额争议",
       "申请人{applicant}称，{year}前后陆续借给表哥{respondent}共{amount}，部分是现金、部分是转账。对方只承认"
       "转账部分，双方对借款数额说法不一。",
       "核对转账和现金记录，确认借款数额并约定还款计划。"),
    _t(DIS, "lending_finance", "{cshort}{brand}小额贷款有限公司", (30000, 200000, 10000), "经营贷款逾期后还款协商",
       "申请人{applicant}在{township}经营一家餐馆，向{respondent}借款{amount}。近几个月生意下滑出现逾期，"
       "公司要求一次性还清并收取较高的逾期费用，申请人希望协商分期还款。",
       "减免部分逾期费用，重新约定分期还款计划。"),
    _t(DIS, "contract", "{cshort}{brand}装饰工程有限公司", (60000, 250000, 5000), "装修质量问题与尾款纠纷",
       "{applicant}与{respondent}签订家装合同，总价{amount}。入住后发现卫生间渗水、墙面开裂，公司派人看过"
       "以后一直没有维修，申请人拒付尾款，公司多次上门催款。",
       "公司一个月内维修到位，验收合格后再付尾款。"),
    _t(DIS, "contract", "{cshort}{brand}建材有限公司", (20000, 120000, 5000), "货款拖欠纠纷",
       "{applicant}给{respondent}供应毛竹加工料，累计货款{amount}。对方以部分产品有瑕疵为由拖欠尾款至今，"
       "申请人认为交货时已经验收过。",
       "对方支付拖欠的货款，有争议的部分当面核对。"),
    _t(DIS, "contract", "person", (30000, 200000, 5000), "合伙经营散伙后账目纠纷",
       "{applicant}与{respondent}合伙在{village}开办农家乐，{month}散伙。双方对投入资金{amount}怎么分、剩下的"
       "桌椅厨具归谁意见不一，账目也没有对清。",
       "清算合伙账目，按出资比例返还。", RURAL),
    _t(DIS, "consumer", "{cshort}{brand}健身有限公司", (1500, 8000, 100), "预付卡退费纠纷",
       "{applicant}在{respondent}办理了会员卡，充值{amount}。{month}门店突然停业，称要搬到新址，至今没有重新"
       "开门，申请人要求退还剩余费用被拒绝。",
       "退还未消费部分的费用。"),
    _t(DIS, "consumer", "{cshort}{brand}汽车销售有限公司", (40000, 120000, 1000), "购买二手车隐瞒事故",
       "{applicant}在{respondent}购买一辆二手小汽车，价格{amount}，销售人员承诺无重大事故。后来在保养时发现"
       "车辆曾严重碰撞过，申请人要求退车，商家不同意。",
       "退车退款，或者按差价赔偿。"),
    _t(DIS, "consumer", "{cshort}{brand}家电有限公司", (300, 2000, 50), "空调安装另收高额费用",
       "{applicant}在{respondent}购买空调，店家承诺免费安装。安装师傅上门后以加长铜管、支架等名义另收了"
       "{amount}，申请人认为收费不透明、明显偏高。",
       "退还不合理的安装费用。"),
    _t(DIS, "traffic", "person", (8000, 60000, 1000), "电动自行车与小汽车相撞赔偿",
       "{date}，申请人{applicant}骑电动自行车在{township}一处路口与{respondent}驾驶的小汽车相撞，交警认定对方"
       "负主要责任。申请人腿部骨折，已花医疗费{amount}，与对方及保险公司就误工费、护理费协商不成。",
       "对方及其保险公司赔偿医疗费、误工费、护理费等损失。"),
    _t(DIS, "traffic", "person", (3000, 20000, 500), "追尾事故维修费用争议",
       "{date}在{township}发生一起追尾，{respondent}负全部责任。申请人{applicant}的车在4S店报价维修费{amount}，"
       "对方认为报价偏高，只愿意按路边修理厂的价格赔偿。",
       "按合理维修费用赔偿，必要时共同委托评估。"),
    _t(DIS, "traffic", "person", (20000, 150000, 5000), "行人被撞受伤赔偿纠纷",
       "{date}傍晚，申请人{applicant}的父亲在{village}村口步行时被{respondent}驾驶的三轮车撞倒，造成骨折住院。"
       "对方没有保险，只愿意承担部分医疗费，家属要求赔偿后续治疗和护理费用约{amount}。",
       "对方赔偿医疗、护理、营养等各项损失。", RURAL),
    _t(DIS, "medical", "{cshort}{brand}医院", (20000, 150000, 5000), "术后感染引发医疗纠纷",
       "{applicant}的父亲在{respondent}做完手术后出现感染，二次住院{n}周，多花费用约{amount}。家属认为医院"
       "术后护理有过失，医院认为属于手术并发症。",
       "医院说明诊疗经过，承担部分费用并给予赔偿。"),
    _t(DIS, "medical", "{cshort}{brand}门诊部", (3000, 30000, 1000), "门诊误诊延误治疗",
       "申请人{applicant}{month}因腹痛在{respondent}就诊，被诊断为肠胃炎。服药几天后症状加重，到上级医院确诊"
       "为阑尾炎穿孔，多花医疗费{amount}。",
       "门诊部承担延误治疗多支出的医疗费用。"),
    _t(DIS, "property_management", "{cshort}{brand}物业服务有限公司", None, "电梯故障频繁引发物业费纠纷",
       "{place}某小区业主{applicant}反映，{respondent}管理的小区电梯经常故障，地下车库积水长期没人处理。"
       "部分业主因此拒交物业费，物业公司停止了这些业主的门禁卡授权，矛盾升级。",
       "物业公司限期维修电梯和车库排水，恢复门禁；业主按时缴费。", URBAN),
    _t(DIS, "property_management", "{cshort}{brand}物业服务有限公司", (2000, 10000, 500), "楼上漏水维修责任纠纷",
       "业主{applicant}家卫生间天花板长期渗水，楼上住户说是公共管道的问题，{respondent}说是楼上住户自家管道"
       "的问题，互相推诿{n}个月，家中吊顶已经损坏，修复约需{amount}。",
       "查明漏水原因，由责任方维修并赔偿吊顶损失。", URBAN),
    _t(DIS, "property_management", "{cshort}{brand}物业服务有限公司", None, "小区车位管理纠纷",
       "{place}某小区业主{applicant}反映，{respondent}把小区公共道路划成收费车位对外出租，业主自家车反而停不下，"
       "物业公司称经过了业委会同意，但业主没见过相关决议。",
       "公开车位收费的依据和收支，恢复业主车辆正常停放。", URBAN),
    _t(DIS, "land_requisition", "{township}征迁工作组", (50000, 300000, 10000), "征收房屋附属物补偿异议",
       "{village}村民{applicant}的房屋列入征收范围。申请人对评估结果有异议，认为漏算了一间辅房和院墙，"
       "附属物补偿少了约{amount}，多次找{respondent}没有得到答复。",
       "重新核实辅房和院墙面积，按政策补足补偿。", RURAL),
    _t(DIS, "land_requisition", "{village}股份经济合作社", (10000, 60000, 1000), "征地补偿款分配纠纷",
       "{village}部分土地被征收后，村里制定了补偿款分配方案。申请人{applicant}出嫁后户口仍在村里，却被排除在"
       "分配名单外，应得份额约{amount}。",
       "按村民身份参与征地补偿款分配。", RURAL),
    _t(DIS, "environment", "{cshort}{brand}生态养殖场", None, "养殖场异味和污水影响村民",
       "{village}村民{applicant}等反映，村边{respondent}近期扩大养殖规模，夏天臭味严重，污水流进农田水沟，"
       "附近稻田减产。村民与养殖场多次交涉无果。",
       "养殖场整改粪污处理设施，停止向水沟排放，赔偿农作物损失。", RURAL),
    _t(DIS, "environment", "person", None, "饭店油烟直排影响楼上住户",
       "{place}居民{applicant}反映，楼下{respondent}经营的饭店排烟管道直接对着居民窗户，中午、晚上油烟很大，"
       "窗户不能开，衣服不能晾。",
       "饭店加装油烟净化设备，改变排烟口位置。", URBAN),
    _t(DIS, "damages", "person", (1500, 6000, 100), "宠物犬咬伤赔偿",
       "{date}，申请人{applicant}在{village}散步时被{respondent}家没有拴绳的狗咬伤小腿，打狂犬疫苗、处理伤口"
       "共花费{amount}。对方只愿意承担一半。",
       "对方全额承担医疗费，并赔偿误工损失。"),
    _t(DIS, "damages", "person", (3000, 20000, 500), "高空坠物砸坏车辆",
       "{date}，{applicant}停在{place}某小区楼下的轿车被楼上掉下的花盆砸坏前挡风玻璃和引擎盖，维修报价"
       "{amount}。经查看监控，花盆是从{respondent}家阳台掉落的，对方不承认。",
       "对方赔偿车辆维修费用。", URBAN),
    _t(DIS, "damages", "person", (5000, 30000, 1000), "烧田埂引燃邻家竹林",
       "{date}，{respondent}在田边焚烧杂草时引燃了申请人{applicant}家的竹林，烧毁毛竹约{m}株。申请人估算损失"
       "{amount}，对方认为损失没有那么大。",
       "按实际损失赔偿，由村里组织现场清点。", RURAL),
    _t(DIS, "administrative", "{county}综合行政执法局", (500, 5000, 100), "对占道经营罚款有异议",
       "{applicant}在{township}经营一家早餐店，因门前摆放桌椅被{respondent}罚款{amount}。申请人认为之前没有"
       "收到整改通知，处罚偏重。",
       "核实处罚程序，减轻或者撤销罚款。"),
    _t(DIS, "other", "person", (3000, 20000, 500), "借用文化礼堂办酒损坏设备",
       "{respondent}借用{village}文化礼堂办喜酒，用后音响设备和部分桌椅损坏。村务管理员{applicant}代表村里"
       "要求照价赔偿{amount}，对方认为设备本来就旧。",
       "对方按实际维修费用赔偿。", RURAL),
    _t(DIS, "other", "person", None, "祖坟迁移引发家族矛盾",
       "{village}村民{applicant}与堂兄{respondent}因祖坟迁移的时间和费用分摊发生争执，两家人已有{n}个月互不"
       "来往，清明前后矛盾更加突出。",
       "由村里长辈和调解员出面，商定迁坟时间和费用分摊。", RURAL),
    # --- requests and complaints ---
    _t(REQ, "property_management", "", None, "小区路灯损坏长期无人修",
       "{place}居民{applicant}反映，小区内{n}盏路灯坏了两个多月，物业和社区互相推诿，晚上出行很不方便，"
       "已有老人摔倒。",
       "尽快修复路灯，明确以后的维修责任。", URBAN),
    _t(REQ, "property_management", "{cshort}{brand}物业服务有限公司", None, "投诉物业擅自涨价",
       "{place}某小区业主{applicant}投诉，{respondent}在没有召开业主大会的情况下，从{month}起把物业费每平方米"
       "上调了{n}角，业主多次询问得不到合理解释。",
       "暂停涨价，公开物业服务成本和收支情况。", URBAN),
    _t(REQ, "environment", "", None, "夜间渣土车噪音和扬尘扰民",
       "{township}一条主干道每天晚上有大量渣土车经过，车辆超载抛洒，噪音很大，沿街居民{applicant}等人反映"
       "晚上无法入睡。",
       "规范渣土车通行时间和线路，加强冲洗和抽查。"),
    _t(REQ, "environment", "", None, "{village}河道垃圾堆积请求清理",
       "{village}村民{applicant}反映，村边河道上游冲下来的垃圾堆积在桥洞附近，已经{n}周没人清理，天热后有异味。",
       "尽快清理河道垃圾，落实日常保洁。", RURAL),
    _t(REQ, "environment", "{cshort}{brand}石料加工厂", None, "石料加工厂粉尘污染",
       "{village}村民{applicant}反映，{respondent}生产时粉尘很大，附近农户家里、菜地上都是灰，晾晒的衣服也没法收。",
       "督促企业落实降尘措施，达不到要求的依法处理。", RURAL),
    _t(REQ, "consumer", "{cshort}{brand}商贸有限公司", (200, 3000, 50), "网购商品质量问题退货被拒",
       "{applicant}在{respondent}的网店购买了一台电暖器，价格{amount}，使用{n}天后出现异响和焦味。商家以已经"
       "使用为由拒绝退货，只同意维修。",
       "退货退款。"),
    _t(REQ, "consumer", "{cshort}{brand}教育培训有限公司", (3000, 15000, 500), "培训机构停课后拒不退费",
       "{applicant}给孩子在{respondent}报了一年的课程，缴费{amount}，上了{n}次课后机构停课，负责人联系不上。",
       "退还剩余课时费用。"),
    _t(REQ, "labour_wages", "{cshort}{brand}建筑劳务有限公司", (30000, 200000, 5000), "反映工地拖欠农民工工资",
       "{applicant}反映，{township}一处在建工地的劳务公司{respondent}拖欠{m}余名工人工资共约{amount}，工人多次"
       "讨要没有结果。",
       "督促用工单位尽快支付工资。"),
    _t(REQ, "administrative", "", None, "村道路面塌陷请求修复",
       "{village}村民{applicant}反映，{village}通往{township}的村道有一段路面塌陷，雨天积水很深，电动车已经摔倒过"
       "好几次。",
       "尽快修复路面，设置警示标志。", RURAL),
    _t(REQ, "administrative", "", None, "申请低保复核",
       "{village}村民{applicant}家中有{n}口人，其中一人重度残疾。今年复核时家庭被取消低保，申请人认为家庭收入"
       "核算有误。",
       "重新核定家庭收入，符合条件的恢复低保。", RURAL),
    _t(REQ, "housing_homestead", "", None, "建房审批长时间没有结果",
       "{village}村民{applicant}在{year}提交了农村建房审批申请，材料齐全，至今没有结果，多次到镇里询问都说在走流程。",
       "告知审批进度和还需要的材料，依法限期办结。", RURAL),
    _t(REQ, "other", "", None, "农村公交班次减少出行不便",
       "{village}村民{applicant}反映，从{month}起通往{township}的公交车由每天{n}班减少到两班，老人看病、学生上学"
       "很不方便。",
       "恢复原有班次或者调整发车时间。", RURAL),
    # --- petitions ---
    _t(PET, "land_requisition", "{township}人民政府", (50000, 300000, 10000), "反映征迁安置房分配不公",
       "信访人{applicant}反映，{village}征迁后安置房抽签分配过程不公开，部分户型被提前预留，本人家庭人口多却只"
       "分到小户型，要求重新分配或补偿差价约{amount}。",
       "公开安置房分配过程，依政策重新核定。", RURAL),
    _t(PET, "land_requisition", "{township}人民政府", None, "反映被征地农民社保未落实",
       "信访人{applicant}称，{year}{village}土地被征收时承诺为被征地农民办理养老保险，至今本人和家人{n}人仍未办理。",
       "按政策落实被征地农民社会保障。", RURAL),
    _t(PET, "administrative", "", None, "反映低保评定不公",
       "信访人{applicant}反映，{village}低保评定时，有的家庭条件较好却享受了低保，本人家庭困难反而被取消，"
       "要求公开评定结果并重新评议。",
       "公开评定过程，重新评议。", RURAL),
    _t(PET, "administrative", "{county}自然资源和规划局", None, "对违建认定结果有异议",
       "信访人{applicant}在{village}自家院内搭建的农具房被认定为违法建筑，限期拆除。信访人认为该房建于审批"
       "制度实施之前，不应认定为违建。",
       "重新核查建造年份，撤销违建认定。", RURAL),
    _t(PET, "environment", "{cshort}{brand}化工有限公司", None, "多次反映企业废气扰民未解决",
       "信访人{applicant}等{village}村民反映，{respondent}夜间排放刺激性气味，已通过热线反映{n}次，问题反复出现，"
       "村民担心影响健康。",
       "组织监测并公开结果，依法查处超标排放。", RURAL),
    _t(PET, "labour_wages", "{cshort}{brand}建设有限公司", (50000, 300000, 10000), "反映工程项目欠薪问题",
       "信访人{applicant}反映，{respondent}承建的{township}某安置房项目拖欠班组工资{amount}，已经过去{n}个月，"
       "多次找项目部和劳动监察，至今没有解决。",
       "督促总包单位依法支付工资。"),
    _t(PET, "forest_land", "{village}村民委员会", None, "反映村集体山林发包不公开",
       "信访人{applicant}反映，{village}集体山林{year}重新发包时没有召开村民代表大会，也没有公示，承包价格明显"
       "偏低，要求查处。",
       "公开发包程序和合同，依法处理。", RURAL),
    _t(PET, "housing_homestead", "", None, "反映危房改造补助未发放",
       "信访人{applicant}反映，{year}经村里申报、镇里验收的危房改造，补助资金至今没有到位，本人已借钱完成改造。",
       "核实情况，按政策发放补助资金。", RURAL),
    # --- consultations ---
    _t(CON, "marriage_family", "", None, "咨询离婚后孩子抚养权如何确定",
       "{applicant}询问：与丈夫准备协议离婚，孩子{n}岁，双方都想要抚养权，法律上怎么确定，抚养费一般按什么标准。",
       "了解抚养权的确定原则和抚养费标准。"),
    _t(CON, "marriage_family", "", None, "咨询老人赡养费用如何分摊",
       "{applicant}询问：父母年纪大了，兄弟姐妹{n}人，有的在外地，赡养费用怎么分摊比较合理，能不能签协议。",
       "了解赡养协议的签订方法。"),
    _t(CON, "lending_finance", "", (5000, 80000, 1000), "借条没写还款日期怎么追讨",
       "{applicant}咨询：{year}借给熟人{amount}，借条上没有写还款日期，现在对方不还，还能不能要回来，诉讼时效怎么算。",
       "了解追讨借款的方法和时效。"),
    _t(CON, "lending_finance", "", (20000, 200000, 10000), "亲戚借款要求做担保的风险",
       "{applicant}咨询：亲戚向小贷公司借款{amount}，要求本人做担保人，想了解担保人要承担什么责任。",
       "了解担保的法律责任。"),
    _t(CON, "labour_wages", "", None, "没签劳动合同能否要求双倍工资",
       "{applicant}咨询：在{township}一家工厂上班{n}个月，公司一直没签劳动合同，现在想辞职，能不能要求双倍工资，"
       "应该找哪个部门。",
       "了解维权途径和需要准备的证据。"),
    _t(CON, "labour_wages", "", None, "工伤认定流程咨询",
       "{applicant}咨询：丈夫在工地干活时摔伤，老板说没买社保不能认定工伤，想了解工伤认定怎么申请、有没有时间限制。",
       "了解工伤认定的流程和时限。"),
    _t(CON, "traffic", "", None, "交通事故后保险理赔流程咨询",
       "{applicant}咨询：{date}在{township}发生轻微交通事故，对方全责，想了解保险理赔需要哪些材料，对方保险公司"
       "拖着不赔怎么办。",
       "了解理赔流程和纠纷解决途径。"),
    _t(CON, "housing_homestead", "", None, "农村老宅能否继承及如何登记",
       "{applicant}咨询：父母在{village}的老房子，自己户口已经迁到城里，还能不能继承，房子怎么办理不动产登记。",
       "了解农村房屋继承和登记的规定。", RURAL),
    _t(CON, "contract", "", (2000, 20000, 500), "装修合同口头约定是否有效",
       "{applicant}咨询：装修时和师傅口头约定的增项没有写进合同，现在结算时对方多要{amount}，口头约定算不算数。",
       "了解口头约定的效力和证据要求。"),
    _t(CON, "consumer", "", None, "网购商品七天无理由退货咨询",
       "{applicant}咨询：在网上买的衣服拆了吊牌，商家说不能七天无理由退货，这种情况应该怎么处理，可以向哪里投诉。",
       "了解退货规定和投诉渠道。"),
)  # fmt: skip

AGREEMENTS = {
    "marriage_family": "经调解，双方自愿达成协议：{respondent}自下月起每月按时足额支付费用，拖欠部分分{n}期付清；"
    "双方互相尊重，有事先商量。",
    "neighbours": "经调解员现场调解，双方达成协议：{respondent}于一周内整改到位，今后有施工或其他影响邻居的事项"
    "提前告知；双方互相谅解。",
    "housing_homestead": "经镇村干部现场丈量和核对资料，双方确认了界址和各自的责任，{respondent}同意在{n}周内"
    "履行协议约定的义务。",
    "forest_land": "经核对林权档案和现场踏勘，双方确认了界线和付款安排，签订调解协议，由村委会监督履行。",
    "labour_wages": "经调解，{respondent}同意分{n}次支付{amount}，首期于本月底前支付，申请人放弃其他请求。",
    "lending_finance": "经调解，双方确认欠款{amount}，{respondent}分{n}期归还，逾期一期则剩余款项一次性到期；"
    "双方同意申请司法确认。",
    "contract": "经调解，{respondent}于一个月内完成维修并结清账目，验收合格后申请人支付剩余款项。",
    "consumer": "经调解，商家同意退还{amount}，双方当场签字确认。",
    "traffic": "经调解，{respondent}及保险公司一次性赔偿{amount}，申请人不再主张其他费用。",
    "medical": "经医疗纠纷人民调解委员会调解，院方一次性补偿{amount}，双方就本次诊疗不再争议。",
    "property_management": "经调解，物业公司承诺{n}周内完成维修，业主按约缴纳物业费，双方签订整改承诺书。",
    "land_requisition": "经重新核实，确认漏算部分并按政策补足{amount}，申请人表示认可。",
    "environment": "经调解，经营者承诺{n}周内完成整改并接受回访，申请人认可整改方案。",
    "damages": "经调解，{respondent}赔偿{amount}，当场付清。",
    "administrative": "经沟通，执法部门复核后依法从轻处理，申请人表示理解。",
    "other": "经调解员和村里长辈出面协调，双方达成一致并签订协议。",
}
REQUEST_ANSWERS = {
    "property_management": "物业公司已完成维修，社区将加强监督",
    "environment": "执法部门已现场检查并责令整改，将持续跟踪",
    "consumer": "市场监管部门已约谈商家，商家同意退款",
    "labour_wages": "劳动保障监察部门已介入，用工单位已支付工资",
    "administrative": "主管部门已复核并作出处理，结果已告知申请人",
    "housing_homestead": "镇里已说明审批进度，补齐材料后限期办结",
    "other": "交通运输部门已调整班次安排",
}
PETITION_ANSWERS = {
    "land_requisition": "对漏算部分按政策予以补偿，安置过程已向村民公开",
    "administrative": "已重新评议并公开结果",
    "environment": "已委托监测并责令企业整改，整改情况将公开",
    "labour_wages": "总包单位已支付拖欠的工资",
    "forest_land": "发包程序存在问题，已责令村里重新组织发包",
    "housing_homestead": "补助资金已发放到位",
}
CONSULTATION_ANSWERS = {
    "marriage_family": "已说明抚养和赡养问题以最有利于被抚养人、被赡养人为原则，建议先协商并签订书面协议。",
    "lending_finance": "已说明借款和担保的法律规定及诉讼时效，建议保留借条、转账和催款记录。",
    "labour_wages": "已告知可向劳动保障监察机构投诉或向劳动人事争议仲裁委员会申请仲裁，需准备工资流水、考勤等证据。",
    "traffic": "已说明理赔所需材料，保险公司拖延的可以投诉，也可以申请交通事故人民调解。",
    "housing_homestead": "已说明宅基地上的房屋可以依法继承，并告知不动产登记需要的材料。",
    "contract": "已说明口头约定同样有效，关键在于证据，建议整理聊天记录和付款凭证。",
    "consumer": "已说明退货的相关规定，并告知可以通过12315平台投诉。",
}
FAILURES = {
    "labour_wages": ("用人单位不认可申请人的全部请求，双方差距较大，调解不成。", FailureRoute.ARBITRATION),
    "lending_finance": ("被申请人否认部分借款，双方各执一词，调解不成。", FailureRoute.COURT),
    "contract": ("双方对质量问题的责任认定分歧较大，调解不成。", FailureRoute.COURT),
    "traffic": ("双方对赔偿数额差距较大，保险公司不同意调解方案。", FailureRoute.COURT),
    "medical": ("双方对医疗过错是否存在意见不一，建议先行医疗损害鉴定。", FailureRoute.COURT),
    "consumer": ("商家拒绝调解方案，调解不成。", FailureRoute.COURT),
    "damages": ("被申请人不承认侵权事实，调解不成。", FailureRoute.COURT),
    "housing_homestead": ("双方对界址和历史情况说法不一，调解不成。", FailureRoute.COURT),
    "forest_land": ("双方权属证明相互矛盾，需由人民政府依法确权。", FailureRoute.ADMINISTRATIVE),
    "land_requisition": ("诉求超出补偿政策规定范围，已向申请人说明政策依据。", FailureRoute.ADMINISTRATIVE),
    "administrative": ("申请人坚持撤销处理决定，已告知其可申请行政复议。", FailureRoute.ADMINISTRATIVE),
    "environment": ("经营者拒绝整改，已移交执法部门依法处理。", FailureRoute.ADMINISTRATIVE),
}
DEFAULT_FAILURE = ("双方分歧较大，经多次调解未能达成一致，已告知其他解决途径。", FailureRoute.GUIDANCE)
DECLINES: dict[str, tuple[str, ...]] = {
    K.DISPUTE: (
        "该纠纷已由人民法院立案审理，依照《中华人民共和国人民调解法》不再受理，请关注法院审理进度。",
        "一方当事人明确拒绝调解，不予受理，已告知申请人可以通过诉讼途径解决。",
        "申请人反映的事项涉嫌刑事案件，已建议其向公安机关报案。",
    ),
    K.REQUEST: (
        "所反映事项已有处理结果并已答复，没有新的事实和理由。",
        "该诉求属于企业内部经营事项，不属于受理范围，已告知申请人可向行业主管部门反映。",
    ),
    K.PETITION: (
        "该事项应当通过行政复议或诉讼途径解决，依照《信访工作条例》不予受理，已书面告知信访人。",
        "同一事项已经处理完毕并经复查复核，信访人没有提出新的事实和理由，不再受理。",
    ),
    K.CONSULTATION: ("来电内容不属于矛盾纠纷咨询范围，已引导至相关部门。",),
}
WITHDRAWALS = (
    "双方已私下和解，申请撤回。",
    "申请人表示先由家里人协商，暂时不需要调解。",
    "申请人决定直接向人民法院起诉。",
    "对方已主动履行，申请人撤回申请。",
)
ACCEPT_NOTES = ("材料齐全，予以受理。", "已电话核实申请人身份和诉求。", "")
MEDIATOR_NOTES = (
    "已分别电话联系双方，约定下周在调解室面谈。",
    "已到现场查看情况并拍照留存。",
    "对方同意参加调解，需要先和家人商量赔偿数额。",
    "第一次面谈双方情绪较大，约定冷静几天后再谈。",
    "已调取相关合同和转账记录，准备第二次调解。",
)
MERGE_REASON = "与此前登记的同一事项重复，合并办理。"

SURNAMES = "毛姜周徐祝王郑汪柴吴杨叶余刘陈张李黄程占邵方何蔡朱徐姜毛周祝"
GIVEN = "建国明华丽芳军伟红英志强海燕文平春秀金林美玉水根福荣德兰晓雪梅桂香家欣宇浩杰婷晨阳"
BRANDS = ("溪岚", "云杉", "栖木", "橙野", "禾映", "石砚", "泊舟", "苔青", "竹岫", "桐荫", "澄川", "枫渡")


# --- The plan ---------------------------------------------------------------------------------------------


@dataclass
class Step:
    at: dt.datetime
    command: str  # receive, accept, decline, assign, start, note, agree, fail, withdraw, merge, close
    text: str = ""
    route: str = ""


RESULT = {
    "receive": S.SUBMITTED,
    "accept": S.ACCEPTED,
    "decline": S.DECLINED,
    "assign": S.ASSIGNED,
    "start": S.IN_MEDIATION,
    "agree": S.RESOLVED,
    "fail": S.UNRESOLVED,
    "withdraw": S.WITHDRAWN,
    "merge": S.MERGED,
    "close": S.CLOSED,
}


@dataclass
class Plan:
    n: int
    county: str
    kind: str
    status: str
    category: str = ""
    channel: str = ""
    region: str = ""
    title: str = ""
    description: str = ""
    desired: str = ""
    address: str = ""
    occurred_on: dt.date | None = None
    parties: list[PartyInput] = field(default_factory=list)
    resident: str = ""  # the applicant's citizen account (username) when they filed it themselves
    citizen: bool = False  # brought by the demo citizen
    actor: str = ""  # who entered it
    desk: tuple[str, str] = ("", "")  # organisation code and mediator username
    steps: list[Step] = field(default_factory=list)
    merge_into: int | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    court: CourtStory | None = None  # the court case the demo builds on this matter (``suyuan.demo.court``)

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.n}"

    def status_at(self, moment: dt.datetime) -> str | None:
        """Return the status the plan gives the matter at ``moment`` (None before it is received)."""
        status = None
        for step in self.steps:
            if step.at > moment:
                break
            status = RESULT.get(step.command, status)
        return status


@dataclass
class _Places:
    county_names: dict[str, str]
    townships: dict[str, list[tuple[str, str]]]
    villages: dict[str, list[tuple[str, str]]]  # by township code
    home_village: str


def _places(counties: Sequence[str]) -> _Places:
    townships = _county_townships(counties)
    villages: dict[str, list[tuple[str, str]]] = {}
    for code, name in (
        Region.objects.filter(_below(counties), level=RegionLevel.VILLAGE)
        .order_by("code")
        .values_list("code", "name")
    ):
        villages.setdefault(code[:9], []).append((code, place_name(name)))
    names = dict(Region.objects.filter(code__in=counties).values_list("code", "name"))
    return _Places(
        county_names={c: names.get(c) or COUNTIES[c] for c in counties},
        townships=townships,
        villages=villages,
        home_village=_home_village() if HOME_COUNTY in counties else "",
    )


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.75 else "")
    return rng.choice(SURNAMES) + given


def _amount(rng: random.Random, spec: tuple[int, int, int] | None) -> tuple[int, str]:
    if spec is None:
        spec = (2000, 20000, 500)
    low, high, step = spec
    value = rng.randrange(low, high + 1, step)
    return value, _yuan(value)


def _yuan(value: int) -> str:
    if value >= 10000:
        text = f"{value / 10000:.2f}".rstrip("0").rstrip(".")
        return f"{text}万元"
    return f"{value}元"


def _fill(pattern: str, slots: dict[str, Any]) -> str:
    return pattern.format_map(slots)


def _fits(name: str, where: str) -> bool:
    """Tell whether a place called ``name`` suits a story set in ``where`` (URBAN, RURAL or anywhere)."""
    if where == URBAN:
        return name.endswith(("社区", "街道"))
    if where == RURAL:
        return name.endswith(("村", "镇", "乡"))
    return True


def _pick_region(rng: random.Random, plan: Plan, places: _Places, where: str) -> tuple[str, str, str]:
    """Return the region code, the township's name and the village's (or the township's) name.

    Most matters happen in a village or community; one in ten is known only by its township. The county
    seat's township has more of them (in Jiangshan, 双塔街道, where the demo mediators work).
    """
    county = plan.county
    townships = places.townships.get(county) or []
    township_names = dict(townships)
    home = places.home_village
    if plan.channel == C.FIELD_VISIT and county == HOME_COUNTY and home:
        return home, township_names.get(home[:9], ""), dict(places.villages.get(home[:9], [])).get(home, "")
    if not townships:
        name = places.county_names[county]
        return county, name, name
    codes = [code for code, _name in townships]
    seat = HOME_TOWNSHIP if county == HOME_COUNTY and HOME_TOWNSHIP in codes else codes[0]
    villages = [
        (code, name, township)
        for township in codes
        for code, name in places.villages.get(township, [])
        if _fits(name, where)
    ]
    if not villages or rng.random() < 0.1:
        fitting = [code for code, name in townships if _fits(name, where)] or codes
        township = seat if seat in fitting and rng.random() < 0.4 else rng.choice(fitting)
        return township, township_names[township], township_names[township]
    in_seat = [v for v in villages if v[2] == seat]
    if in_seat and rng.random() < (0.35 if county == HOME_COUNTY else 0.4):
        villages = in_seat
        at_home = [v for v in in_seat if v[0] == home]
        if at_home and rng.random() < 0.3:
            villages = at_home
    code, name, township = rng.choice(villages)
    return code, township_names[township], name


def _desk_for(
    plan: Plan, rng: random.Random, desks: dict[str, str], places: _Places, specialty: str
) -> tuple[str, str]:
    """Return where the dispatcher assigns the matter: an organisation with a demo mediator, and that mediator.

    ``specialty`` is the category's (a specialist committee with a demo mediator takes its disputes).
    """
    county = plan.county
    body = SPECIALIST_BODY.get(specialty)
    if plan.kind == K.DISPUTE and body and f"{county}-{body}" in desks:
        code = f"{county}-{body}"
        return code, desks[code]
    if (
        plan.region == places.home_village
        and plan.category in VILLAGE_CATEGORIES
        and plan.kind == K.DISPUTE
        and f"{plan.region}-VC" in desks
        and rng.random() < 0.6
    ):
        code = f"{plan.region}-VC"
        return code, desks[code]
    if len(plan.region) >= 9:
        code = centre_code(plan.region[:9])
        if code in desks:
            return code, desks[code]
    code = centre_code(county)
    return code, desks.get(code, "")


def _compose(rng: random.Random, plan: Plan, places: _Places, received: dt.datetime) -> None:
    """Write the matter's texts and parties from a template of its kind and category."""
    templates = [t for t in TEMPLATES if t.kind == plan.kind and t.category == plan.category]
    if plan.court is not None:
        # A court story sues the other side: people where the category has them (a lender, not a borrower).
        templates = [t for t in templates if t.respondent == "person"] or templates
    if plan.channel == C.FIELD_VISIT and plan.county == HOME_COUNTY and places.home_village:
        # The demo grid worker walks 城北社区: a story that happens elsewhere came in through the window.
        home_name = dict(places.villages.get(places.home_village[:9], [])).get(places.home_village, "")
        templates = [t for t in templates if _fits(home_name, t.where)] or templates
        if not _fits(home_name, templates[0].where):
            plan.channel = C.WALK_IN
    template = rng.choice(templates)
    region, township, village = _pick_region(rng, plan, places, template.where)
    plan.region = region
    county_name = places.county_names[plan.county]
    occurred = received.astimezone(CHINA).date() - dt.timedelta(days=rng.randint(1, 75))
    applicant = DEMO_CITIZEN_NAME if plan.citizen else _person_name(rng)
    value, amount = _amount(rng, template.amount)
    slots: dict[str, Any] = {
        "county": county_name,
        "cshort": county_name[:-1] if len(county_name) > 2 else county_name,
        "township": township,
        "village": village,
        "place": township + (village if village != township else ""),
        "applicant": applicant,
        "amount": amount,
        "value": value,
        "date": f"{occurred.month}月{occurred.day}日",
        "month": f"{occurred.month}月",
        "year": f"{occurred.year - rng.randint(1, 3)}年",
        "n": rng.randint(2, 6),
        "m": rng.randint(12, 60),
        "brand": rng.choice(BRANDS),
    }
    respondent = ""
    if template.respondent == "person":
        respondent = _person_name(rng)
        while respondent == applicant:
            respondent = _person_name(rng)
    elif template.respondent:
        respondent = _fill(template.respondent, slots)
    slots["respondent"] = respondent or "对方"
    plan.slots = slots
    plan.title = _fill(template.title, slots)[: matter_services.MAX_TITLE]
    plan.description = _fill(template.description, slots)
    plan.desired = _fill(template.desired, slots)
    plan.occurred_on = occurred if plan.kind != K.CONSULTATION or rng.random() < 0.3 else None
    village_part = village if village != township else ""
    if village_part.endswith("村"):
        plan.address = f"{county_name}{township}{village_part}{rng.randint(1, 12)}组"
    else:
        plan.address = f"{county_name}{township}{village_part}某小区{rng.randint(1, 30)}幢"

    applicant_phone = DEMO_CITIZEN_PHONE if plan.citizen else str(APPLICANT_PHONE_BASE + plan.n)
    plan.parties = [PartyInput(role=PartyRole.APPLICANT, name=applicant, phone=applicant_phone)]
    if respondent:
        is_person = template.respondent == "person"
        plan.parties.append(
            PartyInput(
                role=PartyRole.RESPONDENT,
                name=respondent,
                kind=PartyKind.PERSON if is_person else PartyKind.ORGANIZATION,
                phone=str(RESPONDENT_PHONE_BASE + plan.n)
                if rng.random() < (0.75 if is_person else 0.4)
                else "",
            )
        )
    if plan.kind == K.DISPUTE and template.respondent == "person" and rng.random() < 0.08:
        plan.parties.append(
            PartyInput(
                role=PartyRole.THIRD_PARTY,
                name=_person_name(rng),
                phone=str(THIRD_PARTY_PHONE_BASE + plan.n),
            )
        )


def _office(moment: dt.datetime, rng: random.Random, *, forward: bool) -> dt.datetime:
    """Move ``moment`` into office hours (08:40-17:20, Beijing) of a working day, forward or backward."""
    local = moment.astimezone(CHINA)
    day = local.date()
    opens, closes = dt.time(8, 40), dt.time(17, 20)
    if forward:
        if local.time() > closes or not is_working_day(day):
            day += dt.timedelta(days=1)
            while not is_working_day(day):
                day += dt.timedelta(days=1)
            return _at(day, rng, opens, dt.time(11, 30))
        if local.time() < opens:
            return _at(day, rng, opens, dt.time(11, 30))
        return moment
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    if day != local.date() or not opens <= local.time() <= closes:
        return _at(day, rng, opens, closes)
    return moment


def _at(day: dt.date, rng: random.Random, low: dt.time, high: dt.time) -> dt.datetime:
    start = dt.datetime.combine(day, low, tzinfo=CHINA)
    span = (dt.datetime.combine(day, high, tzinfo=CHINA) - start).total_seconds()
    return start + dt.timedelta(seconds=int(rng.uniform(0, span)))


class _Timeline:
    """Hand out the moments of a matter's steps: in order, in office hours, and never after ``limit``."""

    def __init__(self, rng: random.Random, limit: dt.datetime) -> None:
        self.rng = rng
        self.limit = limit

    def after(self, previous: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime:
        moment = previous + dt.timedelta(hours=self.rng.uniform(low_hours, high_hours))
        moment = _office(moment, self.rng, forward=True)
        if moment >= self.limit:
            moment = self._squeeze(previous)
        return max(moment, previous + dt.timedelta(seconds=1))

    def _squeeze(self, previous: dt.datetime) -> dt.datetime:
        """Return a moment between ``previous`` and the limit: in office hours if there are any."""
        first, last = previous.astimezone(CHINA).date(), self.limit.astimezone(CHINA).date()
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        windows = []
        for day in days:
            if not is_working_day(day):
                continue
            opens = max(dt.datetime.combine(day, dt.time(8, 40), tzinfo=CHINA), previous)
            closes = min(dt.datetime.combine(day, dt.time(17, 20), tzinfo=CHINA), self.limit)
            if opens < closes:
                windows.append((opens, closes))
        if not windows:
            return previous + (self.limit - previous) * self.rng.uniform(0.2, 0.8)
        opens, closes = self.rng.choice(windows)
        return opens + (closes - opens) * self.rng.uniform(0.05, 0.95)


def _lifecycle(plan: Plan, rng: random.Random, now: dt.datetime, received: dt.datetime) -> None:
    """Give the plan the steps that bring a matter received at ``received`` to its planned status."""
    times = _Timeline(rng, now - dt.timedelta(minutes=10))
    steps = [Step(received, "receive")]
    at = received
    status = plan.status

    def add(command: str, low: float, high: float, text: str = "", route: str = "") -> None:
        nonlocal at
        at = times.after(at, low, high)
        steps.append(Step(at, command, text, route))

    if status == S.DECLINED:
        add("decline", 2, 60, rng.choice(DECLINES[plan.kind]))
    elif status == S.MERGED:
        if rng.random() < 0.4:
            add("accept", 1, 30)
        add("merge", 2, 72, MERGE_REASON)
    else:
        depth: dict[str, int] = {
            S.SUBMITTED: 0,
            S.ACCEPTED: 1,
            S.ASSIGNED: 2,
            S.IN_MEDIATION: 3,
            S.RESOLVED: 4,
            S.UNRESOLVED: 4,
            S.CLOSED: 5,
            S.WITHDRAWN: rng.randint(0, 3),
        }
        path = depth[status]
        outcome = "fail" if status == S.UNRESOLVED else "agree"
        if status == S.CLOSED:
            outcome = "fail" if rng.random() < 0.25 else "agree"
        if plan.kind == K.CONSULTATION and status == S.CLOSED:
            outcome = "agree"
        if path >= 1:
            add("accept", 1, 40, rng.choice(ACCEPT_NOTES))
        if path >= 2:
            add("assign", 1, 48)
        if path >= 3:
            add("start", 2, 96)
            if rng.random() < 0.5:
                add("note", 2, 72, rng.choice(MEDIATOR_NOTES))
        if path >= 4:
            if outcome == "agree":
                add("agree", 24 * 2, 24 * 30, _outcome_text(plan, rng))
            else:
                reason, route = FAILURES.get(plan.category, DEFAULT_FAILURE)
                if plan.kind == K.CONSULTATION:
                    reason, route = DEFAULT_FAILURE
                add("fail", 24 * 5, 24 * 35, reason, route)
        if path >= 5:
            add("close", 24 * 7, 24 * 25)
        if status == S.WITHDRAWN:
            add("withdraw", 24, 24 * 10, rng.choice(WITHDRAWALS))
    plan.steps = steps


def _office_before(moment: dt.datetime, rng: random.Random) -> dt.datetime:
    """Return ``moment`` if it falls in office hours of a working day, else a moment of the last office
    afternoon before it (never later than ``moment``)."""
    local = moment.astimezone(CHINA)
    opens, closes = dt.time(8, 40), dt.time(17, 20)
    day = local.date()
    if is_working_day(day) and opens <= local.time() <= closes:
        return moment
    if not (is_working_day(day) and local.time() > closes):
        day -= dt.timedelta(days=1)
        while not is_working_day(day):
            day -= dt.timedelta(days=1)
    return _at(day, rng, dt.time(13, 30), closes)


def _story_times(story: CourtStory, rng: random.Random, now: dt.datetime) -> list[dt.datetime]:
    """Return the moments of a court story's matter, counted back from its end: received, accepted,
    assigned, mediation started, and the failure or agreement ``story.ends`` working days before today.

    The court's steps come after that end at fixed working days before today (``suyuan.demo.court``), so
    the end is fixed too and the rest of the history is drawn backwards from it.
    """
    today = now.astimezone(CHINA).date()
    end = _at(working_days_back(today, story.ends), rng, dt.time(9, 0), dt.time(16, 30))
    start = _office_before(end - dt.timedelta(days=rng.uniform(5, 15)), rng)
    assigned = _office_before(start - dt.timedelta(hours=rng.uniform(2, 72)), rng)
    accepted = _office_before(assigned - dt.timedelta(hours=rng.uniform(1, 30)), rng)
    received = _office_before(accepted - dt.timedelta(hours=rng.uniform(1, 30)), rng)
    return [received, accepted, assigned, start, end]


def _story_lifecycle(plan: Plan, rng: random.Random, times: list[dt.datetime]) -> None:
    received, accepted, assigned, start, end = times
    if plan.status == S.UNRESOLVED:
        reason, route = FAILURES[plan.category]
        last = Step(end, "fail", reason, route)
    else:
        last = Step(end, "agree", _outcome_text(plan, rng))
    plan.steps = [
        Step(received, "receive"),
        Step(accepted, "accept", rng.choice(ACCEPT_NOTES)),
        Step(assigned, "assign"),
        Step(start, "start"),
        last,
    ]


def _story_parties(plan: Plan, story: CourtStory, places: _Places) -> None:
    """Make the respondent of a court story reachable as the story needs: by phone, or only in person
    at an address in the demo grid worker's village (the court's documents are delivered there)."""
    parties = []
    for party in plan.parties:
        if party.role == PartyRole.RESPONDENT and story.respondent == PHONE:
            party = replace(party, phone=party.phone or str(RESPONDENT_PHONE_BASE + plan.n))
        elif party.role == PartyRole.RESPONDENT and story.respondent == HOME and places.home_village:
            township = dict(places.townships.get(HOME_COUNTY, [])).get(places.home_village[:9], "")
            village = dict(places.villages.get(places.home_village[:9], [])).get(places.home_village, "")
            address = f"{places.county_names[HOME_COUNTY]}{township}{village}{plan.n % 30 + 1}幢"
            party = replace(party, phone="", address=address)
        parties.append(party)
    plan.parties = parties


def _outcome_text(plan: Plan, rng: random.Random) -> str:
    slots = dict(plan.slots)
    value = int(slots.get("value") or 0)
    slots["amount"] = _yuan(max(100, int(round(value * rng.uniform(0.6, 1.0), -2))))
    if plan.kind == K.REQUEST:
        return f"已转交相关部门办理：{REQUEST_ANSWERS[plan.category]}。已电话回访申请人，表示满意。"
    if plan.kind == K.PETITION:
        return f"经调查核实，已出具信访事项处理意见书：{PETITION_ANSWERS[plan.category]}。信访人表示接受。"
    if plan.kind == K.CONSULTATION:
        return CONSULTATION_ANSWERS[plan.category]
    return _fill(AGREEMENTS[plan.category], slots)


def _received_at(rng: random.Random, plan: Plan, now: dt.datetime) -> dt.datetime:
    low, high = AGE_DAYS[plan.status]
    moment = now - dt.timedelta(days=rng.uniform(low, high))
    if plan.channel == C.PORTAL:
        local = moment.astimezone(CHINA)
        if not 7 <= local.hour < 23:
            moment = _at(local.date(), rng, dt.time(7, 0), dt.time(22, 50))
    else:
        moment = _office(moment, rng, forward=False)
    return min(moment, now - dt.timedelta(hours=1))


def _shuffled(rng: random.Random, counts: dict[Any, int]) -> list[Any]:
    values = [value for value, count in counts.items() for _ in range(count)]
    rng.shuffle(values)
    return values


def _entering_actor(plan: Plan, grid_worker: bool) -> str:
    if plan.channel == C.PORTAL:
        return DEMO_CITIZEN_USERNAME if plan.citizen else plan.resident
    if plan.channel == C.FIELD_VISIT:
        if plan.county == HOME_COUNTY and grid_worker:
            return GRID_WORKER
        return plan.desk[1] or DISPATCHERS[plan.county]
    return DISPATCHERS[plan.county]


def demo_plan(
    *, counties: Sequence[str], desks: dict[str, str], now: dt.datetime, places: _Places | None = None
) -> list[Plan]:
    """Return the demo matters of ``counties`` as plans: what each says and what happens to it, when."""
    places = places or _places(counties)
    master = random.Random(SEED)  # noqa: S311 - demo data, not security
    county_of = _shuffled(master, COUNTY_COUNTS)
    kind_of = _shuffled(master, KIND_COUNTS)
    status_of = _shuffled(master, STATUS_COUNTS)
    total = len(county_of)
    plans = [Plan(n=n, county=county_of[n], kind=kind_of[n], status=status_of[n]) for n in range(total)]
    home = [p for p in plans if p.county == HOME_COUNTY]
    for plan, (status, kind, category, channel) in zip(home, CITIZEN_MATTERS, strict=False):
        plan.status, plan.kind, plan.category, plan.channel, plan.citizen = (
            status,
            kind,
            category,
            channel,
            True,
        )

    # The court stories go to the next Jiangshan matters that end after mediation anyway (so the open
    # stages keep their numbers): each ends in a failure with the court as next route, or an agreement.
    after_mediation = (S.CLOSED, S.UNRESOLVED, S.RESOLVED)
    court_plans = [p for p in home[len(CITIZEN_MATTERS) :] if p.status in after_mediation]
    # Their applicants filed on the portal: the court's online filing is theirs to make, with their account.
    for plan, story in zip(court_plans, COURT_STORIES, strict=False):
        plan.court = story
        plan.status, plan.kind, plan.category = story.status, K.DISPUTE, story.category
        plan.channel, plan.citizen = C.PORTAL, story.citizen

    chosen = [p for p in plans if p.county in counties]
    grid_worker = bool(places.home_village)
    specialties = dict(Category.objects.values_list("code", "specialty"))
    received: dict[int, dt.datetime] = {}
    for plan in chosen:
        rng = random.Random(f"{SEED}-{plan.n}")  # noqa: S311 - demo data, not security
        if not plan.category:
            plan.category = _weighted(rng, CATEGORY_WEIGHTS[plan.kind])
        if not plan.channel:
            plan.channel = _weighted(rng, CHANNEL_WEIGHTS[plan.kind])
        story_times = _story_times(plan.court, rng, now) if plan.court else []
        received[plan.n] = story_times[0] if story_times else _received_at(rng, plan, now)
        _compose(rng, plan, places, received[plan.n])
        if plan.court:
            _story_parties(plan, plan.court, places)
        plan.desk = _desk_for(plan, rng, desks, places, specialties.get(plan.category, ""))
        plan.resident = f"demo.resident.{plan.parties[0].phone}"
        plan.actor = _entering_actor(plan, grid_worker)
        if story_times:
            _story_lifecycle(plan, rng, story_times)
        elif plan.status != S.MERGED:
            _lifecycle(plan, rng, now, received[plan.n])

    # Duplicates: a matter someone reports again is merged into the first report, still open then.
    for plan in chosen:
        if plan.status != S.MERGED:
            continue
        rng = random.Random(f"{SEED}-{plan.n}-merge")  # noqa: S311 - demo data, not security
        _lifecycle(plan, rng, now, received[plan.n])
        merged_at = plan.steps[-1].at
        candidates = [
            other
            for other in chosen
            if other.county == plan.county
            and other.status != S.MERGED
            and not other.citizen
            and other.court is None
            and other.steps[0].at < plan.steps[0].at - dt.timedelta(hours=12)
            and other.status_at(merged_at) not in (None, *FINAL_STATUSES)
        ]
        if not candidates:
            plan.status = S.WITHDRAWN
            plan.steps[-1] = Step(merged_at, "withdraw", rng.choice(WITHDRAWALS))
            continue
        target = rng.choice(candidates)
        plan.merge_into = target.n
        plan.kind, plan.category, plan.region = target.kind, target.category, target.region
        plan.occurred_on, plan.address, plan.slots = target.occurred_on, target.address, target.slots
        plan.title = f"再次反映：{target.title}"[: matter_services.MAX_TITLE]
        plan.description = f"申请人表示此前已反映过同一问题，一直没有结果，现再次反映：{target.description}"
        plan.desired = target.desired
        plan.parties = list(target.parties)
        plan.desk = target.desk
        if plan.channel not in CHANNEL_WEIGHTS[plan.kind] or plan.channel == C.FIELD_VISIT:
            plan.channel = _weighted(rng, CHANNEL_WEIGHTS[plan.kind])
            if plan.channel == C.FIELD_VISIT:
                plan.channel = C.HOTLINE
        plan.resident = f"demo.resident.{plan.parties[0].phone}"
        plan.actor = _entering_actor(plan, grid_worker)
    return chosen


# --- Building them -----------------------------------------------------------------------------------------


@dataclass
class MatterReport:
    created: int = 0
    skipped: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    later_steps: int = 0  # invitations, answers, reminder runs, visits, documents and ratings made now
    notices_read: int = 0
    court_cases: int = 0
    court_seconds: float = 0.0
    court_by_status: dict[str, int] = field(default_factory=dict)
    triage_stories: int = 0
    models: list[str] = field(default_factory=list)


def _upsert_residents(plans: Sequence[Plan], report: SeedReport) -> None:
    """Give each applicant who filed on the portal a citizen account (no password: citizens use codes)."""
    seen: set[str] = set()
    for plan in plans:
        if plan.channel != C.PORTAL or plan.citizen or plan.resident in seen:
            continue
        seen.add(plan.resident)
        applicant = plan.parties[0]
        _upsert_user(plan.resident, applicant.name, applicant.phone, report, passwords=None)


# What the demo's history sends: notices about matters, mediation, the other side and supervision (never
# sign-in or confirmation codes).
SETTLED_PURPOSES = (
    "matter_",
    "mediation_",
    "agreement_effective",
    "agreement_recorded",
    "follow_up_",
    "obligation_",
    "respondent_",
    "field_task_",
    "supervision_",
    "emergency_",  # the past typhoon's task notices (suyuan.demo.emergency)
    # the court's: docking, filing, service, hearings, rounds, confirmations, deliveries
    "court_",
    "complaint_",
    "confirmation_",
    "document_served",
    "hearing_",
    "judge_",
    "round_",
    "service_",
)


def settle_outbox(since_id: int, *, before: dt.datetime | None = None) -> None:
    """Record the notices the demo's history queued as sent when they were written, and drop their tasks.

    They tell of steps that "happened" weeks ago: nobody should get them now, and the worker should not
    spend ``make run`` sending hundreds of them to the development outbox. Notices written at ``before``
    or later (the supervision sweep run now) are left to be delivered.
    """
    purposes = Q()
    for prefix in SETTLED_PURPOSES:
        purposes |= Q(purpose__startswith=prefix)
    queued = OutboundMessage.objects.filter(
        purposes, pk__gt=since_id, status=MessageStatus.QUEUED, wipe_body_when_sent=False
    )
    if before is not None:
        queued = queued.filter(created_at__lt=before)
    ids = set(queued.values_list("pk", flat=True))
    if not ids:
        return
    queued.update(status=MessageStatus.SENT, sent_at=F("created_at"))
    from django_tasks import TaskResultStatus
    from django_tasks_db import DatabaseBackend

    from suyuan.notifications.tasks import deliver_message

    if isinstance(deliver_message.get_backend(), DatabaseBackend):
        from django_tasks_db.models import DBTaskResult

        stale = [
            pk
            for pk, args_kwargs in DBTaskResult.objects.filter(
                status=TaskResultStatus.READY, task_path=deliver_message.module_path
            ).values_list("pk", "args_kwargs")
            if (args_kwargs.get("args") or [None])[0] in ids
        ]
        DBTaskResult.objects.filter(pk__in=stale).delete()


@dataclass
class _Context:
    """What the steps need, read once: the people who act, and the rows the matters point to."""

    people: dict[str, User]
    categories: dict[str, Category]
    regions: dict[str, Region]
    organizations: dict[str, Organization]


def _run(plan: Plan, step: Step, matter: Matter | None, context: _Context, into: Matter | None) -> Matter:
    """Make one step of a plan through its service, as the member of staff (or citizen) who takes it."""
    people = context.people
    dispatcher = people[DISPATCHERS[plan.county]]
    mediator = people.get(plan.desk[1]) if plan.desk[1] else None
    handler = mediator or dispatcher
    command = step.command
    if command == "receive":
        staff_entry = plan.channel != C.PORTAL
        owner = people[DEMO_CITIZEN_USERNAME] if plan.citizen else None
        if not staff_entry and owner is None:
            owner = people[plan.resident]
        received = matter_services.matter_receive(
            kind=plan.kind,
            channel=plan.channel,
            title=plan.title,
            description=plan.description,
            desired_outcome=plan.desired,
            region=context.regions[plan.region],
            address_text=plan.address,
            category=context.categories[plan.category],
            occurred_on=plan.occurred_on,
            parties=plan.parties,
            actor=people[plan.actor],
            owner=owner,
            privacy_consent=True,
            agent_consent=CONSENT.get(plan.channel, "") if staff_entry else "",
            idempotency_key=plan.key,
        )
        triage_received(received)
        return received
    assert matter is not None  # noqa: S101 - every later step follows "receive"
    if command == "accept":
        confirm_category(matter, dispatcher)
        return matter_services.matter_accept(matter=matter, actor=dispatcher, note=step.text)
    if command == "decline":
        return matter_services.matter_decline(matter=matter, actor=dispatcher, reason=step.text)
    if command == "assign":
        return matter_services.matter_assign(
            matter=matter,
            actor=dispatcher,
            organization=context.organizations[plan.desk[0]],
            mediator=mediator,
        )
    if command == "start":
        return matter_services.matter_start_mediation(matter=matter, actor=handler)
    if command == "note":
        matter_services.matter_add_note(matter=matter, actor=handler, text=step.text)
        return matter
    if command == "agree":
        later = [s.at for s in plan.steps if s.at > step.at]
        return mediate_agreement(
            n=plan.n,
            matter=matter,
            handler=handler,
            terms=step.text,
            agree_at=step.at,
            next_at=min(later) if later else None,
            clock=demo_clock,
        )
    if command == "fail":
        return matter_services.matter_record_failure(
            matter=matter, actor=handler, reason=step.text, route=step.route
        )
    if command == "close":
        return matter_services.matter_close(matter=matter, actor=handler)
    if command == "withdraw":
        by_owner = plan.citizen or plan.channel == C.PORTAL
        actor = people[DEMO_CITIZEN_USERNAME if plan.citizen else plan.resident] if by_owner else dispatcher
        return matter_services.matter_withdraw(matter=matter, actor=actor, reason=step.text)
    if command == "merge":
        assert into is not None  # noqa: S101 - the plan names the matter it repeats
        return matter_services.matter_merge(matter=matter, into=into, actor=dispatcher, reason=step.text)
    raise ValueError(f"unknown demo step {command!r}")


def demo_matters_seed(*, counties: Sequence[str], report: SeedReport) -> MatterReport:
    """Create the demo matters of ``counties`` that do not exist yet, through the services, back in time."""
    started = time.perf_counter()
    result = MatterReport()
    now = timezone.now()
    since = OutboundMessage.objects.aggregate(last=Max("pk"))["last"] or 0
    notices_since = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    with transaction.atomic():
        desks = _upsert_matter_staff(counties, report)
        places = _places(counties)
        plans = demo_plan(counties=counties, desks=desks, now=now, places=places)
        existing = dict(
            Matter.objects.filter(idempotency_key__in=[p.key for p in plans]).values_list(
                "idempotency_key", "pk"
            )
        )
        todo = [p for p in plans if p.key not in existing]
        result.skipped = len(plans) - len(todo)
        if todo:
            _upsert_residents(todo, report)
            usernames = {
                DEMO_CITIZEN_USERNAME,
                *DISPATCHERS.values(),
                *(p.actor for p in todo),
                *(p.desk[1] for p in todo if p.desk[1]),
                *(p.resident for p in todo if p.channel == C.PORTAL and not p.citizen),
            }
            context = _Context(
                people={u.username: u for u in User.objects.filter(username__in=usernames)},
                categories={c.code: c for c in Category.objects.all()},
                regions=Region.objects.in_bulk({p.region for p in todo}),
                organizations=Organization.objects.in_bulk({p.desk[0] for p in todo}, field_name="code"),
            )
            by_n = {p.n: p for p in plans}
            matters: dict[int, Matter] = {}
            steps = sorted(
                (
                    (step.at, plan.n, index, plan, step)
                    for plan in todo
                    for index, step in enumerate(plan.steps)
                ),
                key=lambda item: (item[0], item[1], item[2]),
            )
            for _at, n, _index, plan, step in steps:
                into = None
                if step.command == "merge" and plan.merge_into is not None:
                    into = matters.get(plan.merge_into)
                    if into is None:
                        target_key = by_n[plan.merge_into].key
                        into = Matter.objects.get(pk=existing[target_key])
                    if into.status in FINAL_STATUSES:
                        continue  # the matter it repeats was closed since an earlier run
                with demo_clock(step.at):
                    matters[n] = _run(plan, step, matters.get(n), context, into)
                if step.command == "receive":
                    result.created += 1
            # The court stories' agreements are followed by the court (confirmation), not by the mediator.
            followed = [m.pk for n, m in matters.items() if by_n[n].court is None]
            follow_up_obligations(matter_ids=followed, clock=demo_clock)
            stories = [(story, m) for n, m in matters.items() if (story := by_n[n].court) is not None]
            if stories:
                court_started = time.perf_counter()
                result.court_cases = court_seed(stories=stories, now=now, clock=demo_clock, report=report)
                result.court_seconds = time.perf_counter() - court_started
        if HOME_COUNTY in counties:
            # Before the later steps: their supervision sweeps look at these matters too.
            result.triage_stories = triage_stories(
                now=now,
                clock=demo_clock,
                key_prefix=KEY_PREFIX,
                village=Region.objects.get(code=_home_village()),
                dispatcher=User.objects.get(username=DISPATCHERS[HOME_COUNTY]),
                citizen=User.objects.get(username=DEMO_CITIZEN_USERNAME),
            )
            result.created += result.triage_stories
            result.later_steps = _later_steps(now)
        if todo or result.triage_stories:
            result.models = train_models()
        result.notices_read = notices_read(since_id=notices_since, now=now, clock=demo_clock)
        settle_outbox(since, before=now)
    result.by_status = demo_matter_counts()
    result.court_by_status = demo_court_counts()
    result.seconds = time.perf_counter() - started
    return result


def _later_steps(now: dt.datetime) -> int:
    """Add what the platform's newer features show to the demo matters that lack it; return the steps taken.

    Invitations of the other side (with answers, reminders and visits), documents and ratings are taken in
    one time order under the demo clock, after each matter's history; then the supervision sweeps run.
    """
    people = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                DISPATCHERS[HOME_COUNTY],
                HOME_MEDIATOR,
                GRID_WORKER,
                DEMO_CITIZEN_USERNAME,
                SUPERVISOR,
            ]
        )
    }
    actions = [
        *invitation_actions(
            county=HOME_COUNTY,
            home_village=_home_village(),
            dispatcher=people[DISPATCHERS[HOME_COUNTY]],
            grid_worker=people[GRID_WORKER],
            now=now,
        ),
        *document_actions(
            citizen=people[DEMO_CITIZEN_USERNAME], mediator=people[HOME_MEDIATOR], county=HOME_COUNTY, now=now
        ),
        *rating_actions(citizen=people[DEMO_CITIZEN_USERNAME], now=now),
    ]
    steps = run_actions(actions, clock=demo_clock)
    supervision_seed(now=now, clock=demo_clock, mediator=people[HOME_MEDIATOR], supervisor=people[SUPERVISOR])
    return steps


def demo_feature_counts() -> dict[str, int]:
    """Return what the demo holds of the newer features: invitations, visits, documents, ratings, orders."""
    from suyuan.court.models import CaseNumber, CourtCase
    from suyuan.matters.models import Document, FieldTask, MatterRating, RespondentInvitation
    from suyuan.supervision.models import SupervisionOrder
    from suyuan.triage.models import DuplicateCandidate, MatterGroup, ModelVersion, RiskFlag

    return {
        "invitations": RespondentInvitation.objects.count(),
        "visits": FieldTask.objects.count(),
        "documents": Document.objects.count(),
        "ratings": MatterRating.objects.count(),
        "supervision orders": SupervisionOrder.objects.count(),
        "court cases": CourtCase.objects.count(),
        "case numbers": CaseNumber.objects.count(),
        "risk flags": RiskFlag.objects.count(),
        "duplicate candidates": DuplicateCandidate.objects.count(),
        "group disputes": MatterGroup.objects.count(),
        "model versions": ModelVersion.objects.count(),
    }


def demo_court_counts() -> dict[str, int]:
    """Return the number of court cases on demo matters by status, in the order of the statuses."""
    from suyuan.court.choices import CaseStatus
    from suyuan.court.models import CourtCase

    counts = Counter(
        CourtCase.objects.filter(matter__idempotency_key__startswith=KEY_PREFIX).values_list(
            "status", flat=True
        )
    )
    return {status: counts[status] for status in CaseStatus.values if counts[status]}


def demo_matter_counts() -> dict[str, int]:
    """Return the number of demo matters by status, in the order of the statuses."""
    counts = Counter(
        Matter.objects.filter(idempotency_key__startswith=KEY_PREFIX).values_list("status", flat=True)
    )
    return {status: counts[status] for status in S.values if counts[status]}


def is_fake_phone(phone: str) -> bool:
    """Tell whether ``phone`` lies in the ranges kept for demo data."""
    return len(phone) == 11 and phone.startswith(FAKE_PHONE_PREFIXES)
