"""Court cases on the Jiangshan demo matters: one story per stage of the court's state machine.

Written for the demo. Each story takes a demo matter whose mediation failed with the court as the next
route (or whose agreement just took effect) and runs the court's services on it, as the people who take
each step, at fixed working days before today under the demo clock: referral to the docking window,
pre-filing mediation by the court-invited mediator, the online complaint, filing review, service of the
notices (in person by the demo grid worker where the defendant has no phone), hearings in the court room
and in written rounds, the judgment and its appeal period, performance and enforcement, and judicial
confirmation of an agreement. The demo citizen is a party of three cases: documents served on her wait
to be read, a written round waits for her statement, and a confirmation application waits for her to join.

The stories run inside the "create the demo matters" step, on matters created in the same run, so a
second run of the seed creates no case.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from suyuan.accounts.models import User
from suyuan.court import access as court_access
from suyuan.court import services as court_services
from suyuan.court import time_limits
from suyuan.court.choices import DecisionKind, HearingMode, RoundKind, ServiceStatus, TimeLimitKind
from suyuan.court.models import CourtCase, Hearing, HearingRound, Service
from suyuan.demo.documents import (
    demo_id_copy,
    demo_judgment,
    demo_loan_note_photo,
    demo_photo,
    quiet_fonts,
)
from suyuan.demo.services import DEMO_CITIZEN_USERNAME, HOME_COUNTY, SeedReport, _upsert_user
from suyuan.demo.timeline import Action, Clock, at_local, run_actions, working_days_ahead, working_days_back
from suyuan.matters.choices import DocumentKind, MatterStatus, PartyRole
from suyuan.matters.models import Matter, Party
from suyuan.mediation import services as mediation_services
from suyuan.mediation.choices import AgreementStatus
from suyuan.mediation.models import Agreement
from suyuan.mediation.services import ObligationInput
from suyuan.workdays.selectors import CHINA

PHONE = "phone"  # the respondent has a mobile number: served electronically, may sign in
HOME = "home"  # the respondent has none and lives in the demo grid worker's village: served in person

CLERK = "demo.court_clerk"
JUDGE = "demo.judge"
COURT_MEDIATOR = "demo.court_mediator"
GRID_WORKER = "demo.grid_worker"
DISPATCHER = "demo.dispatcher"


@dataclass(frozen=True)
class CourtStory:
    """A court case the demo builds, and what its matter must be like before the court steps in."""

    key: str
    status: str  # how the matter's own mediation ends: unresolved (court named next) or resolved
    category: str  # a category whose failed mediation names the court (see FAILURES in demo.matters)
    ends: int  # working days before today when the mediation failed or the agreement was made
    citizen: bool = False  # the demo citizen is the applicant
    respondent: str = PHONE


U, R = MatterStatus.UNRESOLVED, MatterStatus.RESOLVED

COURT_STORIES: tuple[CourtStory, ...] = (
    CourtStory("window", U, "consumer", ends=6),  # referred: at the docking window
    CourtStory("mediating", U, "contract", ends=15),  # pre-filing mediation running
    CourtStory("settled", U, "traffic", ends=40),  # pre-filing mediation settled
    CourtStory("mediation_failed", U, "lending_finance", ends=26),  # failed: the filing review resumed
    CourtStory("review", U, "traffic", ends=11),  # complaint filed: filing review
    CourtStory("correction", U, "lending_finance", ends=16),  # returned for correction
    # filed: her notices served on the portal (unread), the defendant's in person by the grid worker
    CourtStory("served", U, "lending_finance", ends=18, citizen=True, respondent=HOME),
    CourtStory("hearing", U, "lending_finance", ends=44, respondent=HOME),  # room hearing ahead
    CourtStory("written", U, "traffic", ends=40, citizen=True),  # asynchronous hearing, round open
    CourtStory("judgment", U, "contract", ends=50),  # decided, appeal period running
    CourtStory("effective", U, "traffic", ends=75),  # judgment in effect, performance pending
    CourtStory("enforcement", U, "lending_finance", ends=90),  # not performed: enforcement
    CourtStory("confirm_waiting", R, "lending_finance", ends=5, citizen=True),  # waits for her to join
    CourtStory("confirm_review", R, "traffic", ends=8),  # confirmation under review
    CourtStory("confirmed", R, "lending_finance", ends=13),  # confirmed by ruling
)

# The cause of action (CauseOfAction.code) of a complaint about a matter of each category.
CAUSES = {
    "lending_finance": "private_lending",
    "traffic": "traffic_accident",
    "contract": "contract",
    "consumer": "contract",
}
CLAIMS = {
    "private_lending": (
        "判令被告归还借款本金{amount}元",
        "判令被告按一年期贷款市场报价利率支付逾期还款的利息",
    ),
    "traffic_accident": ("判令被告赔偿原告因交通事故造成的各项损失共计{amount}元",),
    "contract": ("判令被告返还款项并赔偿损失共计{amount}元",),
}
EVIDENCE = {  # the evidence the plaintiff attaches besides the copy of the identity card
    "private_lending": "借条照片.jpg",
    "traffic_accident": "道路交通事故认定书.jpg",
    "contract": "合同及付款记录.jpg",
}
REFERRAL_NOTE = "调解不成，申请人同意将纠纷移送人民法院诉调对接窗口，已告知网上立案的方式。"
CONSENT = "双方当事人当面表示同意由特邀调解员先行诉前调解，已签署《诉前调解告知书》。"
SETTLEMENT = (
    "经特邀调解员诉前调解，双方自愿达成协议：被告于十五日内一次性支付{amount}元，原告放弃其他诉讼请求。"
)
MEDIATION_FAILED = "被告只承认部分借款，双方对还款数额差距较大，诉前调解不成。"
CORRECTION_ITEMS = [
    "补充被告的身份信息或住所地证明（户籍证明、居住证明均可）。",
    "第二项诉讼请求请写明利息的起算日期、利率和计算方式。",
]
HEARING_RECORD = (
    "原、被告均到庭参加诉讼。原告陈述诉讼请求及事实和理由，被告进行答辩；双方举证、质证并发表辩论意见。"
    "经法庭主持调解，双方未能达成协议。庭审笔录经双方核对无误后签字。"
)
WRITTEN_RECORD = (
    "本案适用在线异步审理。双方已在规定期限内分别提交陈述、答辩意见和证据，并相互发表了质证意见。"
)
COURT_ROOM = "江山市人民法院第三法庭（江山市鹿溪南路）"
ONLINE_LINK = "https://hearing.example.org/jiangshan/room-2"
ROUNDS = (
    (RoundKind.STATEMENT, "请原告陈述诉讼请求及事实和理由，被告针对原告的请求进行答辩。"),
    (RoundKind.EVIDENCE, "请双方围绕争议焦点（各项损失的数额）提交证据，并说明证明目的。"),
)
STATEMENT_PLAINTIFF = "坚持诉讼请求。事故经过有交警部门的事故认定书为证，各项损失均有票据，请求法院依法判决。"
STATEMENT_DEFENDANT = (
    "对事故经过和责任认定没有异议，但原告主张的误工费、护理费标准过高，只同意按实际损失赔偿。"
)
EVIDENCE_DEFENDANT = "提交已先行垫付医疗费的收据两张，证明已垫付的部分应从赔偿数额中扣除。"
JOIN_REASON = "被申请人到诉讼服务中心窗口，当面签署了共同申请书。"
CONFIRM_REASON = "调解协议系双方真实意思表示，内容不违反法律、行政法规的强制性规定，不损害他人合法权益。"
ENFORCEMENT_NOTE = "判决生效后被告至今未履行付款义务，电话也不接，申请强制执行。"
AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(万)?元")


def _amount(matter: Matter) -> Decimal:
    """Return the sum the matter's story names (its first amount in yuan), or a plausible one."""
    found = AMOUNT.search(matter.description)
    if found is None:
        return Decimal(3000 + matter.pk * 37 % 40 * 500)
    value = Decimal(found.group(1)) * (10000 if found.group(2) else 1)
    return value.quantize(Decimal("1"))


def _yuan(value: Decimal) -> str:
    return f"{value:,.0f}".replace(",", "")


def _party(matter: Matter, role: str) -> Party:
    party = matter.parties.filter(role=role).order_by("pk").first()
    if party is None:
        raise ValueError(f"demo matter {matter.pk} has no {role}")
    return party


def _case(matter: Matter) -> CourtCase:
    return CourtCase.objects.select_related("court", "number").get(matter=matter)


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    content_type = "application/pdf" if name.endswith(".pdf") else "image/jpeg"
    return SimpleUploadedFile(name, content, content_type=content_type)


def _stamp() -> str:
    return timezone.now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


@dataclass
class _Story:
    """One story being planned: its matter, its people, and its steps at their moments."""

    story: CourtStory
    matter: Matter
    people: dict[str, User]
    applicant: User
    respondent: User | None
    today: dt.date
    actions: list[Action]
    order: int
    last: dt.datetime  # the moment of the matter's newest event, or of the story's latest step

    def at(self, working_days: int, hour: int, minute: int = 0) -> dt.datetime:
        """Return ``hour:minute`` on the working day ``working_days`` before today (after the last step)."""
        moment = at_local(working_days_back(self.today, working_days), dt.time(hour, minute))
        return max(moment, self.last + dt.timedelta(minutes=5))

    def step(self, moment: dt.datetime, run: Callable[[], object]) -> dt.datetime:
        self.actions.append(Action(moment, self.order, run))
        self.last = moment
        return moment

    # --- the steps, each through the court's services -----------------------------------------------------

    def refer(self, moment: dt.datetime) -> None:
        matter = self.matter
        actor = matter.mediator or self.people[DISPATCHER]
        self.step(moment, lambda: court_services.case_refer(matter=matter, actor=actor, note=REFERRAL_NOTE))

    def complaint(self, moment: dt.datetime) -> None:
        matter, applicant = self.matter, self.applicant
        cause = CAUSES[self.story.category]
        amount = _amount(matter)

        def run() -> object:
            plaintiff = _party(matter, PartyRole.APPLICANT)
            defendant = _party(matter, PartyRole.RESPONDENT)
            evidence = EVIDENCE[cause]
            if cause == "private_lending":
                content = demo_loan_note_photo(
                    lender=plaintiff.name,
                    borrower=defendant.name,
                    amount=amount,
                    day=timezone.localdate() - dt.timedelta(days=400),
                    seed=matter.tracking_code,
                )
            else:
                content = demo_photo(seed=f"court-{matter.pk}", stamp=_stamp(), caption=evidence[:-4])
            identity = demo_id_copy(name=plaintiff.name, seed=matter.tracking_code)
            uploads: list[tuple[str, Any]] = [
                (DocumentKind.IDENTITY, _upload("身份证复印件.jpg", identity)),
                (DocumentKind.EVIDENCE, _upload(evidence, content)),
            ]
            claims = [claim.format(amount=_yuan(amount)) for claim in CLAIMS[cause]] + [
                "本案诉讼费用由被告负担"
            ]
            facts = f"{matter.description}经人民调解组织调解，双方未能达成协议，故诉至法院。"
            return court_services.complaint_file(
                matter=matter,
                actor=applicant,
                complaint=court_services.ComplaintInput(
                    cause=cause, claims=claims, facts=facts, amount_claimed=str(amount)
                ),
                uploads=uploads,
            )

        self.step(moment, run)

    def clerk(self, moment: dt.datetime, command: Callable[..., object], **kwargs: Any) -> None:
        matter, clerk = self.matter, self.people[CLERK]
        self.step(moment, lambda: command(case=_case(matter), actor=clerk, **kwargs))

    def accept(self, moment: dt.datetime) -> None:
        self.clerk(moment, court_services.filing_accept)
        self.clerk(moment + dt.timedelta(minutes=25), court_services.judge_assign, judge=self.people[JUDGE])

    def offer_mediation(self, moment: dt.datetime) -> None:
        self.clerk(
            moment, court_services.mediation_offer, mediator=self.people[COURT_MEDIATOR], consent=CONSENT
        )

    def deliver(self, moment: dt.datetime) -> None:
        """The grid worker delivers each party's pending documents at once, with one photo of the receipt."""
        matter, courier = self.matter, self.people[GRID_WORKER]

        def run() -> object:
            pending = court_access.deliveries_for(courier).filter(
                case=_case(matter), status=ServiceStatus.PENDING
            )
            by_party: dict[int, list[Service]] = {}
            for service in pending.order_by("pk"):
                by_party.setdefault(service.party_id, []).append(service)
            for party_id, services in by_party.items():
                photo = demo_photo(seed=f"receipt-{party_id}", stamp=_stamp(), caption="送达回证")
                court_services.delivery_report(
                    services=services,
                    actor=courier,
                    photo=_upload("送达回证.jpg", photo),
                    note="被告本人签收。",
                )
            return by_party

        self.step(moment, run)

    def hearing(
        self,
        moment: dt.datetime,
        mode: str,
        *,
        starts_at: dt.datetime | None = None,
        record_at: dt.datetime | None = None,
    ) -> None:
        """Schedule a hearing (summonses served at once, except in writing) and record it at ``record_at``."""
        matter, judge = self.matter, self.people[JUDGE]
        self.step(
            moment,
            lambda: court_services.hearing_schedule(
                case=_case(matter),
                actor=judge,
                mode=mode,
                starts_at=starts_at,
                place=COURT_ROOM if mode == HearingMode.ROOM else "",
                link=ONLINE_LINK if mode == HearingMode.ONLINE else "",
            ),
        )
        if record_at is not None:
            record = WRITTEN_RECORD if mode == HearingMode.ASYNC else HEARING_RECORD
            self.step(
                record_at,
                lambda: court_services.hearing_record(
                    hearing=Hearing.objects.get(case__matter=matter), actor=judge, record=record
                ),
            )

    def decide(self, moment: dt.datetime) -> dt.datetime:
        """Issue the judgment; return when its appeal period ends (served at once, electronically)."""
        matter, judge = self.matter, self.people[JUDGE]
        amount = _amount(matter) * Decimal("0.8")

        def run() -> object:
            case = _case(matter)
            plaintiff = _party(matter, PartyRole.APPLICANT).name
            defendant = _party(matter, PartyRole.RESPONDENT).name
            holding = (
                f"被告{defendant}于本判决生效之日起十日内支付原告{plaintiff}{_yuan(amount)}元；"
                "驳回原告的其他诉讼请求；案件受理费由被告负担。"
            )
            content = demo_judgment(
                court=case.court.name,
                number=case.display_number,
                plaintiff=plaintiff,
                defendant=defendant,
                holding=holding,
                judge=judge.full_name,
                day=timezone.localdate(),
            )
            return court_services.decision_issue(
                case=case,
                actor=judge,
                kind=DecisionKind.JUDGMENT,
                upload=_upload("民事判决书.pdf", content),
                summary=holding,
            )

        self.step(moment, run)
        return time_limits.deadline(moment, TimeLimitKind.APPEAL_JUDGMENT)

    def close_effective(self, moment: dt.datetime) -> None:
        """The periodic job closes the cases whose appeal period ended (run here at that moment)."""
        self.step(moment, lambda: court_services.cases_close_effective(now=timezone.now()))

    def agreement_in_effect(self, moment: dt.datetime) -> None:
        """Have the parties confirm the agreement before the mediator if one of them had not yet."""
        matter = self.matter
        mediator = matter.mediator or self.people[DISPATCHER]

        def run() -> object:
            agreement = Agreement.objects.get(matter=matter)
            if agreement.status != AgreementStatus.AWAITING:
                return agreement
            for confirmation in agreement.confirmations.select_related("party"):
                if not confirmation.is_confirmed:
                    mediation_services.agreement_confirm_in_person(
                        agreement=agreement, party=confirmation.party, actor=mediator, reason="当面签字确认"
                    )
            return agreement

        self.step(moment, run)

    def apply_for_confirmation(self, moment: dt.datetime, by: User) -> None:
        matter = self.matter
        self.step(moment, lambda: court_services.confirmation_apply(matter=matter, actor=by))

    def join_at_the_window(self, moment: dt.datetime) -> None:
        matter, clerk = self.matter, self.people[CLERK]

        def run() -> object:
            case = _case(matter)
            for consent in case.consents.filter(joined_at__isnull=True).order_by("pk"):
                court_services.confirmation_join_in_person(
                    case=case, actor=clerk, party_id=consent.party_id, reason=JOIN_REASON
                )
            return case

        self.step(moment, run)


def _settled(s: _Story) -> None:
    s.refer(s.at(36, 10))
    s.offer_mediation(s.at(35, 14, 30))
    matter, mediator = s.matter, s.people[COURT_MEDIATOR]
    amount = _amount(matter) * Decimal("0.7")

    def settle() -> object:
        respondent = _party(matter, PartyRole.RESPONDENT)
        return court_services.mediation_settle(
            case=_case(matter),
            actor=mediator,
            terms=SETTLEMENT.format(amount=_yuan(amount)),
            obligations=[
                ObligationInput(
                    obligor=respondent,
                    description="一次性支付调解款项",
                    amount=amount,
                    due_on=timezone.localdate() + dt.timedelta(days=15),
                )
            ],
        )

    s.step(s.at(22, 10, 30), settle)


def _mediation_failed(s: _Story) -> None:
    s.refer(s.at(23, 9, 50))
    s.complaint(s.at(22, 20))
    s.offer_mediation(s.at(20, 10, 15))
    matter, mediator = s.matter, s.people[COURT_MEDIATOR]
    s.step(
        s.at(3, 16),
        lambda: court_services.mediation_fail(case=_case(matter), actor=mediator, reason=MEDIATION_FAILED),
    )


def _written(s: _Story) -> None:
    """An asynchronous hearing: round 1 written by both and closed, round 2 open, the defendant wrote."""
    s.refer(s.at(36, 10))
    s.complaint(s.at(34, 20))
    s.accept(s.at(31, 9, 30))
    matter, judge, citizen, respondent = s.matter, s.people[JUDGE], s.applicant, s.respondent
    assert respondent is not None  # noqa: S101 - the story gives the respondent a phone and an account
    s.step(
        s.at(12, 9, 30),
        lambda: court_services.hearing_schedule(case=_case(matter), actor=judge, mode=HearingMode.ASYNC),
    )
    first_due = at_local(working_days_back(s.today, 6), dt.time(17, 30))
    second_due = at_local(working_days_ahead(s.today, 5), dt.time(17, 30))

    def opener(kind: str, instructions: str, due: dt.datetime) -> Callable[[], object]:
        return lambda: court_services.round_open(
            hearing=Hearing.objects.get(case__matter=matter),
            actor=judge,
            kind=kind,
            due_at=due,
            instructions=instructions,
        )

    def submit(by: User, text: str) -> Callable[[], object]:
        return lambda: court_services.round_submit(
            round=HearingRound.objects.filter(hearing__case__matter=matter, closed_at__isnull=True).get(),
            actor=by,
            text=text,
        )

    s.step(s.at(12, 9, 40), opener(*ROUNDS[0], first_due))
    s.step(s.at(10, 20, 30), submit(citizen, STATEMENT_PLAINTIFF))
    s.step(s.at(8, 19), submit(respondent, STATEMENT_DEFENDANT))
    s.step(
        s.at(5, 9),
        lambda: court_services.round_close(
            round=HearingRound.objects.get(hearing__case__matter=matter, position=1), actor=judge
        ),
    )
    s.step(s.at(4, 9, 30), opener(*ROUNDS[1], second_due))
    s.step(s.at(2, 20), submit(respondent, EVIDENCE_DEFENDANT))


def _judged(s: _Story, start: int, mode: str) -> dt.datetime:
    """Refer, file, accept, hear and decide, beginning ``start`` working days ago; return the appeal end."""
    s.refer(s.at(start, 10))
    s.complaint(s.at(start - 2, 20))
    s.accept(s.at(start - 5, 9, 30))
    if mode == HearingMode.ASYNC:
        s.hearing(s.at(start - 15, 10), mode, record_at=s.at(start - 25, 16))
    else:
        hearing_day = s.at(start - 25, 9, 30)
        s.hearing(
            s.at(start - 15, 10), mode, starts_at=hearing_day, record_at=hearing_day + dt.timedelta(hours=2)
        )
    return s.decide(s.at(start - 35, 15))


def _story(s: _Story) -> None:
    key = s.story.key
    if key == "window":
        s.refer(s.at(3, 10, 20))
    elif key == "mediating":
        s.refer(s.at(12, 9, 40))
        s.offer_mediation(s.at(11, 15, 10))
    elif key == "settled":
        _settled(s)
    elif key == "mediation_failed":
        _mediation_failed(s)
    elif key == "review":
        s.refer(s.at(8, 11))
        s.complaint(s.at(3, 21, 10))
    elif key == "correction":
        s.refer(s.at(13, 10))
        s.complaint(s.at(11, 20, 30))
        s.clerk(s.at(8, 15), court_services.correction_request, items=CORRECTION_ITEMS, days=15)
    elif key == "served":
        s.refer(s.at(15, 10))
        s.complaint(s.at(13, 20))
        s.accept(s.at(9, 9, 30))
        s.deliver(s.at(7, 15, 30))
    elif key == "hearing":
        s.refer(s.at(40, 10))
        s.complaint(s.at(38, 20, 15))
        s.accept(s.at(35, 9, 30))
        s.deliver(s.at(33, 16))
        # Four working days ahead is always more than the three clear days of notice.
        starts_at = at_local(working_days_ahead(s.today, 4), dt.time(9, 30))
        s.hearing(s.at(2, 10, 30), HearingMode.ROOM, starts_at=starts_at)  # the grid worker has the summons
    elif key == "written":
        _written(s)
    elif key == "judgment":
        _judged(s, 40, HearingMode.ROOM)
    elif key == "effective":
        s.close_effective(_judged(s, 70, HearingMode.ASYNC) + dt.timedelta(minutes=30))
    elif key == "enforcement":
        s.close_effective(_judged(s, 85, HearingMode.ONLINE) + dt.timedelta(minutes=30))
        matter, plaintiff = s.matter, s.applicant
        s.step(
            s.at(12, 10),
            lambda: court_services.performance_report(
                case=_case(matter), actor=plaintiff, performed=False, note=ENFORCEMENT_NOTE, enforcement=True
            ),
        )
    elif key == "confirm_waiting":
        assert s.respondent is not None  # noqa: S101 - the story gives the respondent an account
        s.agreement_in_effect(s.at(4, 10))
        s.apply_for_confirmation(s.at(2, 20, 30), s.respondent)  # the citizen is to join
    elif key == "confirm_review":
        s.agreement_in_effect(s.at(7, 10))
        s.apply_for_confirmation(s.at(7, 19, 30), s.applicant)
        s.join_at_the_window(s.at(6, 10))
        s.clerk(s.at(5, 9, 30), court_services.confirmation_accept)
        s.clerk(s.at(5, 10), court_services.judge_assign, judge=s.people[JUDGE])
    elif key == "confirmed":
        s.agreement_in_effect(s.at(12, 10))
        s.apply_for_confirmation(s.at(12, 20), s.applicant)
        s.join_at_the_window(s.at(11, 10, 30))
        s.clerk(s.at(10, 9, 30), court_services.confirmation_accept)
        s.clerk(s.at(10, 10), court_services.judge_assign, judge=s.people[JUDGE])
        matter, judge = s.matter, s.people[JUDGE]
        s.step(
            s.at(6, 15),
            lambda: court_services.confirmation_rule(
                case=_case(matter), actor=judge, confirmed=True, reason=CONFIRM_REASON
            ),
        )
    else:
        raise ValueError(f"unknown court story {key!r}")


def _account(party: Party, report: SeedReport) -> User:
    """Return the citizen account of a party: they sign in with the phone the matter holds."""
    return _upsert_user(f"demo.resident.{party.phone}", party.name, party.phone, report, passwords=None)


def court_seed(
    *, stories: Sequence[tuple[CourtStory, Matter]], now: dt.datetime, clock: Clock, report: SeedReport
) -> int:
    """Build the court stories on their matters (created in this run), in one time order; return how many
    cases they opened."""
    usernames = [CLERK, JUDGE, COURT_MEDIATOR, GRID_WORKER, DISPATCHER, DEMO_CITIZEN_USERNAME]
    people = {u.username: u for u in User.objects.filter(username__in=usernames)}
    if set(people) != set(usernames):
        return 0  # the demo logins of the home county are not there (a narrowed build)
    today = now.astimezone(CHINA).date()
    actions: list[Action] = []
    for order, (story, matter) in enumerate(stories):
        if not matter.region_id.startswith(HOME_COUNTY):
            continue
        matter = Matter.objects.get(pk=matter.pk)
        applicant_party = _party(matter, PartyRole.APPLICANT)
        respondent_party = _party(matter, PartyRole.RESPONDENT)
        applicant = people[DEMO_CITIZEN_USERNAME] if story.citizen else _account(applicant_party, report)
        respondent = _account(respondent_party, report) if respondent_party.phone else None
        last = matter.events.order_by("-seq").values_list("created_at", flat=True).first()
        _story(
            _Story(
                story=story,
                matter=matter,
                people=people,
                applicant=applicant,
                respondent=respondent,
                today=today,
                actions=actions,
                order=order,
                last=last or matter.created_at,
            )
        )
    late = [a for a in actions if a.at >= now]
    if late:
        raise ValueError(f"a court step of the demo falls after now: {late[0].at:%Y-%m-%d %H:%M}")
    before = CourtCase.objects.count()
    with quiet_fonts():
        run_actions(actions, clock=clock)
    return CourtCase.objects.count() - before
