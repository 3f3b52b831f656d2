"""Emergency mode in the demo: a typhoon that passed over Jiangshan some months ago.

The 江山市 county centre's dispatcher declared it over the demo's home township (双塔街道) and up to two
more townships of the county, sent tasks to their township centres (open a shelter) and to village
committees (evacuate the low-lying houses), which acknowledged them and reported progress; the level was
raised once the typhoon came close, every task was finished, and the incident was closed with a summary.
In the weeks after, three disputes the typhoon caused (a wall blown onto a neighbour's car, a fish pond
that burst into a neighbour's rice field, a shop's sign torn off onto a tenant's awning) are brought to the
centre's window, accepted and tagged with the incident, and go to mediation as usual.

Everything runs through ``suyuan.emergency.services`` under the demo clock, so the timeline has its past
moments. The story is keyed (``Incident.demo_key``): a second run creates nothing.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from suyuan.accounts.models import Membership, Organization, User
from suyuan.demo.matters import demo_clock, settle_outbox
from suyuan.demo.services import HOME_COUNTY, HOME_TOWNSHIP, centre_code
from suyuan.demo.timeline import Action, at_local, run_actions
from suyuan.demo.triage import triage_received
from suyuan.emergency import access, services
from suyuan.emergency.choices import IncidentKind, IncidentLevel
from suyuan.emergency.models import Incident, IncidentTask
from suyuan.matters import services as matter_services
from suyuan.matters.choices import Channel, MatterKind, PartyRole
from suyuan.matters.models import Category
from suyuan.matters.services import PartyInput
from suyuan.notifications.models import Notification, OutboundMessage
from suyuan.regions.models import Region

DEMO_KEY = "demo-typhoon-jiangshan"
DAYS_AGO = 80  # the typhoon came about this many days before the demo is built (late summer)
TOWNSHIPS = 3  # the home township and up to two more
DISPATCHER = "demo.dispatcher"
SUPERVISOR = "demo.supervisor"


def _worker(org: Organization) -> User | None:
    """Return someone who works on tasks of ``org`` (the first by id), or None."""
    membership = (
        Membership.objects.filter(organization=org, is_active=True, role__in=sorted(access.TASK_ROLES))
        .select_related("user")
        .order_by("role", "pk")
        .first()
    )
    return membership.user if membership else None


def _steps(
    task: IncidentTask, worker: User | None, day: dt.date, hour: int, figures: list[tuple[int, int]]
) -> list[Action]:
    """Return the steps of one task's room: acknowledge, then report (cumulative figures)."""
    if worker is None:
        return []
    steps = [
        Action(
            at_local(day, dt.time(hour, 20)),
            task.pk,
            partial(services.task_acknowledge, task=task, actor=worker),
        )
    ]
    needs = ["饮用水、方便面", "棉被", ""]
    for n, (moved, sheltered) in enumerate(figures):
        report = partial(
            services.task_report,
            task=task,
            actor=worker,
            people_moved=moved,
            people_sheltered=sheltered,
            needs=needs[n % len(needs)],
            note="群众已妥善安置" if n == len(figures) - 1 else "",
        )
        steps.append(Action(at_local(day, dt.time(hour + 2 + 3 * n, 10)), task.pk, report))
    return steps


def emergency_seed(now: dt.datetime | None = None) -> int:
    """Build the typhoon story; return 1 if it was created, 0 if it existed or the demo lacks its places."""
    now = now or timezone.now()
    if Incident.objects.filter(demo_key=DEMO_KEY).exists():
        return 0
    centre = Organization.objects.filter(code=centre_code(HOME_COUNTY)).first()
    dispatcher = User.objects.filter(username=DISPATCHER).first()
    supervisor = User.objects.filter(username=SUPERVISOR).first()
    if centre is None or dispatcher is None or supervisor is None:
        return 0
    townships = list(
        Organization.objects.filter(parent=centre, type="township_centre", is_active=True)
        .select_related("region")
        .order_by("region_id")
    )
    townships.sort(key=lambda org: (org.region_id != HOME_TOWNSHIP, org.region_id))
    townships = townships[:TOWNSHIPS]
    if not townships:
        return 0
    day = timezone.localdate(now) - dt.timedelta(days=DAYS_AGO)
    since = OutboundMessage.objects.aggregate(last=Max("pk"))["last"] or 0
    notices_since = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    with transaction.atomic():
        with demo_clock(at_local(day, dt.time(8, 30))):
            incident = services.incident_declare(
                actor=dispatcher,
                organization=centre,
                kind=IncidentKind.TYPHOON,
                level=IncidentLevel.YELLOW,
                title="台风“海葵”防御应急响应",
                description="台风“海葵”预计明日在浙南沿海登陆，江山市启动防台风应急响应，低洼地带、山塘水库下游和"
                "地质灾害隐患点群众须在今晚前转移。",
                region_codes=[org.region_id for org in townships],
                demo_key=DEMO_KEY,
            )
        tasks: list[tuple[IncidentTask, User | None, list[tuple[int, int]]]] = []
        for n, township in enumerate(townships):
            with demo_clock(at_local(day, dt.time(9, 5 + n))):
                shelter = services.task_send(
                    incident=incident,
                    actor=dispatcher,
                    organization=township,
                    title=f"开放{township.region.name}避灾安置点",
                    instructions="开放辖区避灾安置点，备足饮用水、食品和棉被，安排专人值守，每三小时报告安置人数。",
                    due_at=at_local(day, dt.time(18, 0)),
                )
            tasks.append(
                (shelter, _worker(township), [(0, 40 + 25 * n), (0, 130 + 40 * n), (0, 85 + 20 * n)])
            )
        for n, township in enumerate(townships):
            # A village room with people to acknowledge and report (the demo staffs only some of them).
            village = (
                Organization.objects.filter(parent=township, type="village_committee", is_active=True)
                .filter(memberships__is_active=True, memberships__role__in=sorted(access.TASK_ROLES))
                .order_by("region_id")
                .first()
            )
            if village is None:
                continue
            with demo_clock(at_local(day, dt.time(9, 15 + n))):
                evacuate = services.task_send(
                    incident=incident,
                    actor=dispatcher,
                    organization=village,
                    title="转移低洼地带和地质灾害隐患点群众",
                    instructions="今晚八点前完成低洼地带、危旧房和地质灾害隐患点群众转移，做到应转尽转、不漏一户一人。",
                    due_at=at_local(day, dt.time(20, 0)),
                )
            tasks.append((evacuate, _worker(village), [(35 + 10 * n, 20), (92 + 15 * n, 60 + 5 * n)]))
        steps = [
            step
            for n, (task, worker, figures) in enumerate(tasks)
            for step in _steps(task, worker, day, 9 + n % 3, figures)
        ]
        raise_level = partial(
            services.incident_change_level,
            incident=incident,
            actor=supervisor,
            level=IncidentLevel.ORANGE,
            note="台风路径北移，升级为橙色预警。",
        )
        steps.append(Action(at_local(day, dt.time(15, 30)), 0, raise_level))
        run_actions(steps, clock=demo_clock)
        next_day = day + dt.timedelta(days=1)
        for n, (task, worker, _figures) in enumerate(tasks):
            with demo_clock(at_local(next_day, dt.time(14, 5 + n))):
                services.task_done(task=task, actor=worker or dispatcher)
        with demo_clock(at_local(day + dt.timedelta(days=2), dt.time(10, 0))):
            services.incident_close(
                incident=incident,
                actor=dispatcher,
                summary="台风“海葵”已过境，全市累计转移群众、开放安置点均按要求完成，无人员伤亡；"
                "受灾群众已返回，财产损失和赔偿纠纷转入调解。",
            )
        _typhoon_disputes(incident, dispatcher, now)
        # The task notices of months ago were read then, and their text messages sent then.
        Notification.objects.filter(pk__gt=notices_since, read_at__isnull=True).update(
            read_at=F("created_at")
        )
        settle_outbox(since)  # the story's notices tell of weeks ago: recorded as sent then
    return 1


# Disputes the typhoon caused: (days after the declaration, title, description, desired outcome,
# applicant, respondent). Invented for the demo; phones in the demo's 138000070xx range. The first two
# were mediated to an agreement and closed; the last came in yesterday and waits for its mediator.
AGREEMENTS = (
    "被申请人承担车辆维修费用的百分之六十，计人民币四千八百元，于本月底前一次付清；双方就此事再无争议。",
    "被申请人赔偿申请人稻谷减产损失人民币三千二百元，并于十日内清理田间淤泥、修复塘埂。",
)
DISPUTES = (
    (
        4,
        "台风刮倒围墙砸坏邻居车辆赔偿纠纷",
        "台风“海葵”过境当晚，被申请人家院子围墙被大风刮倒，砸坏申请人停在路边的小轿车，前挡风玻璃和车顶受损。"
        "双方对围墙是否年久失修、损失由谁承担意见不一。",
        "赔偿车辆维修费用",
        ("祝建华", "13800007001"),
        ("毛志强", "13800007101"),
    ),
    (
        6,
        "鱼塘漫堤冲毁邻家稻田损失纠纷",
        "台风期间暴雨，被申请人承包的鱼塘塘埂漫水溃口，塘水和淤泥冲入申请人即将收割的晚稻田约两亩。"
        "申请人要求赔偿减产损失，被申请人认为属于自然灾害，不应由其承担。",
        "赔偿稻谷减产损失并清理淤泥",
        ("周秀英", "13800007002"),
        ("徐卫东", "13800007102"),
    ),
    (
        DAYS_AGO - 1,  # brought yesterday: the landlord refused to repair once the insurer had declined
        "台风吹落店招砸坏租户雨棚纠纷",
        "台风中房东安装在外墙的店招被吹落，砸坏一楼租户自行搭建的雨棚和门口货架。房东认为雨棚属违规搭建，"
        "租户要求房东修复并赔偿货品损失。",
        "修复雨棚、赔偿货品损失",
        ("姜丽萍", "13800007003"),
        ("杨国庆", "13800007103"),
    ),
)


def _typhoon_disputes(incident: Incident, dispatcher: User, now: dt.datetime) -> int:
    """Receive, accept and tag the disputes the typhoon caused, each at its day after the declaration."""
    codes = list(incident.incident_regions.order_by("region_id").values_list("region_id", flat=True))
    category = Category.objects.filter(code="damages").first()
    tagged = 0
    villages = [
        village
        for code in codes
        if (village := Region.objects.filter(parent_id=code).order_by("code").first()) is not None
    ]
    for n, (days, title, description, desired, applicant, respondent) in enumerate(DISPUTES):
        when = incident.declared_at + dt.timedelta(days=days, hours=1 + n)
        if not villages or when > now - dt.timedelta(hours=2):
            continue
        village = villages[n % len(villages)]
        with demo_clock(when):
            matter = matter_services.matter_receive(
                kind=MatterKind.DISPUTE,
                channel=Channel.WALK_IN,
                title=title,
                description=description,
                desired_outcome=desired,
                region=village,
                category=category,
                occurred_on=timezone.localdate(incident.declared_at) + dt.timedelta(days=1),
                parties=[
                    PartyInput(role=PartyRole.APPLICANT, name=applicant[0], phone=applicant[1]),
                    PartyInput(role=PartyRole.RESPONDENT, name=respondent[0], phone=respondent[1]),
                ],
                actor=dispatcher,
                privacy_consent=True,
                agent_consent="申请人在窗口当面签署《代为登记同意书》",
                idempotency_key=f"demotyphoon-{n + 1}",
            )
            triage_received(matter)  # the first pass every demo matter gets as it is received
        if not access.may_tag(dispatcher, matter):
            continue
        with demo_clock(when + dt.timedelta(minutes=40)):
            matter = matter_services.matter_accept(matter=matter, actor=dispatcher)
            services.incident_tag_matter(incident=incident, actor=dispatcher, matter=matter)
        tagged += 1
        found = _mediator(matter.organization)
        if n >= len(AGREEMENTS) or found is None:
            continue
        organization, mediator = found
        with demo_clock(when + dt.timedelta(days=1)):
            matter = matter_services.matter_assign(
                matter=matter, actor=dispatcher, organization=organization, mediator=mediator
            )
        with demo_clock(when + dt.timedelta(days=3)):
            matter = matter_services.matter_start_mediation(matter=matter, actor=mediator)
        with demo_clock(when + dt.timedelta(days=10)):
            matter = matter_services.matter_record_agreement(
                matter=matter, actor=mediator, terms=AGREEMENTS[n]
            )
        with demo_clock(when + dt.timedelta(days=40)):
            matter_services.matter_close(matter=matter, actor=mediator)
    return tagged


def _mediator(organization: Organization | None) -> tuple[Organization, User] | None:
    """A mediator of ``organization`` or, if it has none (most village committees of the demo), of the
    centre above it: the first by id, with their organisation; None if neither has one."""
    while organization is not None:
        membership = (
            Membership.objects.filter(organization=organization, role="mediator", is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if membership is not None:
            return organization, membership.user
        organization = organization.parent
    return None
