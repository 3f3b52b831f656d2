"""The mediation side of the demo matters that end in an agreement: a session held before it, the agreement
with one obligation, the parties' confirmations and, once due, whether the obligation was performed.

Written for the demo. Each step runs through the mediation services at its own moment (``demo_clock``),
inside the "agree" step of a matter that is being created, so a second run of the seed adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from suyuan.accounts.models import User
from suyuan.matters.choices import PartyRole
from suyuan.matters.models import Matter, MatterEvent
from suyuan.mediation import services as mediation_services
from suyuan.mediation.choices import AgreementStatus, ObligationStatus, SessionMode
from suyuan.mediation.models import Obligation
from suyuan.mediation.services import ObligationInput

# (what the obligor does, amount in yuan or None): plain undertakings a village mediator writes down.
OBLIGATIONS: list[tuple[str, Decimal | None]] = [
    ("按协议一次性支付款项", Decimal("3000")),
    ("修复受损部分并恢复原状", None),
    ("分两次付清剩余款项中的第一期", Decimal("1500")),
    ("当面赔礼道歉并书面承诺不再发生", None),
    ("退还押金", Decimal("800")),
    ("支付误工费和医药费", Decimal("2600.50")),
]
PLACES = ["村委会调解室", "社区人民调解室", "矛调中心三楼调解室", "当事人家中"]


def mediate_agreement(
    *,
    n: int,
    matter: Matter,
    handler: User,
    terms: str,
    agree_at: dt.datetime,
    next_at: dt.datetime | None,
    clock: Callable[[dt.datetime], AbstractContextManager[None]],
) -> Matter:
    """Hold a session, record the agreement with one obligation and have the parties confirm it, in time order.

    ``n`` varies the story: most agreements are confirmed by everyone, some wait for one party.
    """
    with clock(agree_at - dt.timedelta(hours=3)):
        session = mediation_services.session_schedule(
            matter=matter,
            actor=handler,
            starts_at=agree_at - dt.timedelta(hours=2),
            mode=SessionMode.IN_PERSON if n % 3 else SessionMode.PHONE,
            place=PLACES[n % len(PLACES)] if n % 3 else "",
        )
    with clock(agree_at - dt.timedelta(minutes=30)):
        mediation_services.session_record(
            session=session,
            actor=handler,
            record="调解员向双方释法明理，双方陈述意见后就赔偿和履行期限达成一致。",
            attendees="双方当事人、调解员",
        )
    obligor = matter.parties.filter(role=PartyRole.RESPONDENT).order_by("pk").first()
    description, amount = OBLIGATIONS[n % len(OBLIGATIONS)]
    due = (agree_at + dt.timedelta(days=7 + n % 14)).date()
    with clock(agree_at):
        due = max(due, timezone.localdate())
        obligations = [ObligationInput(obligor=obligor, description=description, amount=amount, due_on=due)]
        agreement = mediation_services.agreement_record(
            matter=matter, actor=handler, terms=terms, obligations=obligations if obligor else []
        )
    if n % 7 == 3 and next_at is None:
        return Matter.objects.get(pk=matter.pk)  # waits for the other side's confirmation
    with clock(agree_at + dt.timedelta(minutes=20)):
        for confirmation in agreement.confirmations.select_related("party"):
            mediation_services.agreement_confirm_in_person(
                agreement=agreement, party=confirmation.party, actor=handler, reason="在调解现场签字确认"
            )
    return Matter.objects.get(pk=matter.pk)


def follow_up_obligations(
    *, matter_ids: list[int], clock: Callable[[dt.datetime], AbstractContextManager[None]]
) -> int:
    """Report the obligations of these matters that fell due before today: most performed, some not.

    Run after every step of the demo was made, so each report is the newest event of its matter (a
    duplicate may have been merged in after the agreement). Return how many were reported.
    """
    real_now = timezone.now()
    reported = 0
    obligations = (
        Obligation.objects.filter(
            agreement__matter_id__in=matter_ids,
            agreement__status=AgreementStatus.EFFECTIVE,
            status=ObligationStatus.PENDING,
            due_on__lt=timezone.localdate(),
        )
        .select_related("agreement__matter", "agreement__recorded_by")
        .order_by("pk")
    )
    for obligation in obligations:
        matter = obligation.agreement.matter
        last = MatterEvent.objects.filter(matter=matter).aggregate(last=Max("created_at"))["last"]
        report_at = timezone.make_aware(
            dt.datetime.combine(obligation.due_on + dt.timedelta(days=1), dt.time(10))
        )
        report_at = max(report_at, last + dt.timedelta(hours=1)) if last else report_at
        if report_at >= real_now:
            continue
        performed = matter.pk % 5 != 2
        with clock(report_at):
            mediation_services.obligation_report(
                obligation=obligation,
                actor=obligation.agreement.recorded_by,
                performed=performed,
                note="回访申请人，确认已履行。" if performed else "回访申请人，被申请人到期未履行。",
            )
        reported += 1
    return reported
