"""Schemas of the court API: what clients send (``...In``) and what they get back (``...Out``).

Like the matters' schemas, values a service checks (kinds, modes, lengths, ids of people and parties) are
plain here, so a refusal names the field as the client sent it with the service's own message. Ids in a
body name what the service names: ``mediator``, ``judge``, ``party``, ``court``, ``hearing``, ``round``.
"""

# No "from __future__ import annotations": django-ninja and pydantic read these annotations at runtime.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja import Field, Schema

from suyuan.court.choices import (
    CaseStatus,
    CaseTrack,
    CourtLevel,
    DecisionKind,
    HearingMode,
    RoundKind,
    ServiceStatus,
)

MAX_INPUT = 20_000  # generous: the services enforce the real limits with their own messages


def _choices(choices: Any) -> str:
    return ", ".join(f"`{value}`" for value in choices.values)


# --- Public: causes, the fee, court codes -----------------------------------------------------------------


class MaterialOut(Schema):
    kind: str = Field(description="A kind of document of the matter, e.g. `identity` or `evidence`.")
    label: str


class CauseOut(Schema):
    code: str = Field(examples=["private_lending"])
    name: str = Field(description="In the caller's language (Chinese unless English was asked for).")
    required_materials: list[MaterialOut] = Field(
        description="Kinds of document a filing for this cause must include besides the complaint."
    )
    hint: str = Field(description="What the materials are, in words, e.g. 借条或借款合同、转账或付款记录.")
    is_property: bool = Field(description="A claim for money or property: the fee depends on the amount.")


class FeeFilters(Schema):
    cause: str = Field(
        description="A cause of action's `code` (see `/api/court/causes`).", examples=["sale_contract"]
    )
    amount: Decimal | None = Field(
        None,
        ge=0,
        le=Decimal("999999999999.99"),
        description="The amount claimed in yuan; required for a claim of money or property.",
        examples=["50000"],
    )


class FeeOut(Schema):
    cause: str
    is_property: bool
    amount: Decimal | None
    fee: Decimal = Field(description="The court fee (案件受理费) in yuan, before any halving by the court.")
    basis: str = Field(description="How it was counted, as a fee notice says it.")


class CourtCodeFilters(Schema):
    level: str | None = Field(None, description=f"One of {_choices(CourtLevel)}.", examples=["basic"])
    q: str | None = Field(
        None, max_length=60, description="Part of the court's name or code.", examples=["江山"]
    )


class CourtCodeOut(Schema):
    code: str = Field(examples=["浙0881"])
    name: str = Field(examples=["江山市人民法院"])
    level: str
    level_label: str
    region_code: str


# --- Cases ------------------------------------------------------------------------------------------------


class CaseFilters(Schema):
    status: str | None = Field(
        None, description=f"One of {_choices(CaseStatus)}.", examples=["filing_review"]
    )
    track: str | None = Field(None, description=f"One of {_choices(CaseTrack)}.")
    overdue: bool = Field(False, description="Only open cases whose current time limit has passed.")
    mine: bool = Field(False, description="Only cases where I am the clerk, the judge or the mediator.")
    q: str | None = Field(
        None,
        max_length=100,
        description="A case number (or part of it), a tracking code, or words of the matter's title.",
        examples=["民初"],
    )


class RefOut(Schema):
    id: int
    name: str


class CauseRefOut(Schema):
    code: str
    name: str


class PartyRefOut(Schema):
    id: int
    role: str
    role_label: str
    name: str


class ConsentOut(Schema):
    party: int = Field(description="Id of the party.")
    party_name: str
    role: str
    joined_at: dt.datetime | None
    recorded_reason: str = Field(
        description="How the party agreed, when the clerk recorded it at the window."
    )


class CaseSummaryOut(Schema):
    id: int
    number: str = Field(description="The case number, e.g. `(2026)浙0881民初12号`; empty before it has one.")
    matter_code: str = Field(description="The matter's tracking code in compact form (for `/api/matters/…`).")
    matter_display_code: str
    matter_title: str
    court: RefOut
    track: str
    status: str
    status_label: str
    cause: CauseRefOut | None
    judge: RefOut | None
    due_kind: str
    due_at: dt.datetime | None
    overdue: bool
    created_at: dt.datetime
    version: int

    @staticmethod
    def resolve_number(obj: Any) -> str:
        return str(obj.display_number)

    @staticmethod
    def resolve_matter_code(obj: Any) -> str:
        return str(obj.matter.tracking_code)

    @staticmethod
    def resolve_matter_display_code(obj: Any) -> str:
        return str(obj.matter.display_code)

    @staticmethod
    def resolve_matter_title(obj: Any) -> str:
        return str(obj.matter.title)

    @staticmethod
    def resolve_court(obj: Any) -> dict[str, Any]:
        return {"id": obj.court_id, "name": obj.court.name}

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_cause(obj: Any) -> dict[str, Any] | None:
        return {"code": obj.cause.code, "name": obj.cause.name} if obj.cause_id else None

    @staticmethod
    def resolve_judge(obj: Any) -> dict[str, Any] | None:
        return {"id": obj.judge_id, "name": obj.judge.full_name} if obj.judge_id else None

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(obj.due_at and obj.status != CaseStatus.CLOSED and obj.due_at < timezone.now())


class CasePublicOut(Schema):
    """A case as the parties and the staff who see its matter read it: never the court's notes."""

    id: int
    number: str = Field(
        description="The case number (民初 or 民特), else the pre-filing mediation's (民诉前调)."
    )
    mediation_number: str = Field(description="The pre-filing mediation's number (民诉前调), if it had one.")
    matter_code: str
    matter_display_code: str
    court: RefOut
    track: str = Field(description=f"One of {_choices(CaseTrack)}.")
    track_label: str
    origin: str
    origin_label: str
    status: str = Field(description=f"One of {_choices(CaseStatus)}.")
    status_label: str
    outcome: str
    outcome_label: str
    cause: CauseRefOut | None
    claims: list[str]
    facts: str
    amount_claimed: Decimal | None
    fee: Decimal | None
    complaint_document: int | None = Field(
        description="Id of the generated complaint among the matter's documents."
    )
    complaint_submitted_at: dt.datetime | None
    correction_items: list[str] = Field(description="What the court asked the applicant to correct.")
    due_kind: str = Field(
        description="The statutory period running now, e.g. `filing_decision`; empty if none."
    )
    due_kind_label: str
    due_at: dt.datetime | None
    mediation_due_at: dt.datetime | None
    judge_name: str
    mediator_name: str
    decision_kind: str
    decision_document: int | None
    decided_at: dt.datetime | None
    reason: str = Field(description="The reasons of a refusal, a ruling or a withdrawal.")
    appeal_ends_at: dt.datetime | None
    performance: str
    performance_note: str
    consents: list[ConsentOut] = Field(description="A joint application for confirmation: who has joined.")
    created_at: dt.datetime
    closed_at: dt.datetime | None
    version: int = Field(
        description="Send it back as `expected_version` to refuse a command on a changed case."
    )
    allowed_commands: list[str] = Field(
        description="What the caller may do now: `POST /api/court/cases/{id}/{command}` for each, except "
        "`complaint` (`POST /api/court/matters/{code}/complaint`).",
        examples=[["accept-filing", "request-correction", "refuse-filing", "assign-judge"]],
    )


class CaseOut(CasePublicOut):
    """A case as the court's staff on it read it."""

    matter_title: str
    overdue: bool
    clerk: RefOut | None
    judge: RefOut | None
    mediator: RefOut | None = Field(description="The court-invited mediator of a pre-filing mediation.")
    mediation_extension: str = Field(description="How the parties agreed to more time for mediation.")
    agreement: int | None = Field(description="Id of the mediation agreement a confirmation is about.")
    parties: list[PartyRefOut]
    judges: list[RefOut] = Field(description="For the court's clerks: the judges they may assign.")
    invited_mediators: list[RefOut] = Field(
        description="For the court's clerks: the invited mediators (特邀调解员) they may choose."
    )


class NoteIn(Schema):
    text: str = Field(max_length=MAX_INPUT, examples=["被告地址需核实"])


class NoteOut(Schema):
    id: int
    author: RefOut
    text: str
    created_at: dt.datetime


class ServiceOut(Schema):
    id: int
    document: int
    document_name: str
    document_kind: str
    party: int
    party_name: str
    method: str = Field(description="`electronic` or `in_person` (by a grid worker).")
    method_label: str
    status: str = Field(description=f"One of {_choices(ServiceStatus)}.")
    status_label: str
    sent_at: dt.datetime
    served_at: dt.datetime | None = Field(description="When it took effect.")
    read_at: dt.datetime | None
    proof_document: int | None = Field(description="The photo of the signed receipt, served in person.")
    failure_reason: str


class SubmissionOut(Schema):
    id: int
    party: int
    party_name: str
    text: str
    document: int | None
    submitted_at: dt.datetime


class RoundOut(Schema):
    id: int
    position: int
    kind: str
    kind_label: str
    instructions: str
    opened_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    is_open: bool
    submissions: list[SubmissionOut]


class HearingOut(Schema):
    id: int
    mode: str = Field(description=f"One of {_choices(HearingMode)}.")
    mode_label: str
    starts_at: dt.datetime
    place: str
    link: str
    status: str
    status_label: str
    record: str | None = Field(description="The record (庭审笔录): for the court's staff and the parties.")
    cancel_reason: str
    held_at: dt.datetime | None
    rounds: list[RoundOut]


# --- Commands ---------------------------------------------------------------------------------------------


class VersionIn(Schema):
    expected_version: int | None = Field(
        None,
        ge=1,
        description="The case's `version` the client last saw; if the case changed since, the answer is 409.",
        examples=[3],
    )


class ConsentIn(VersionIn):
    consent: str = Field(
        max_length=MAX_INPUT,
        description="How the parties agreed (at least 4 characters).",
        examples=["双方当事人在诉讼服务中心书面同意诉前调解"],
    )


class OfferMediationIn(ConsentIn):
    mediator: int = Field(description="Id of one of the court's invited mediators (特邀调解员).")


class ExtendMediationIn(ConsentIn):
    days: int = Field(description="Extra days, 1 to 30.", examples=[15])


class ObligationIn(Schema):
    obligor: int = Field(description="The id of a party of the matter.")
    description: str = Field(max_length=MAX_INPUT, examples=["赔偿原告损失"])
    due_on: dt.date | None = Field(examples=["2026-12-31"])
    amount: Decimal | None = Field(None, description="Yuan, at most two decimals.", examples=["800.00"])


class SettleIn(VersionIn):
    terms: str = Field(max_length=MAX_INPUT, examples=["被告于十日内停止夜间施工并赔偿原告800元。"])
    obligations: list[ObligationIn] = Field(default_factory=list, max_length=50)


class ReasonIn(VersionIn):
    reason: str = Field(
        max_length=MAX_INPUT, description="At least 4 characters.", examples=["被告拒绝调解方案"]
    )


class CorrectionIn(VersionIn):
    items: list[str] = Field(
        max_length=50, description="What to correct, one item each.", examples=[["补充被告的身份信息"]]
    )
    days: int | None = Field(None, description="Days to correct, 1 to 60 (15 when left out).", examples=[15])


class JoinInPersonIn(VersionIn):
    party: int = Field(description="Id of the party who joined at the window.")
    reason: str = Field(max_length=MAX_INPUT, description="How they agreed.", examples=["被申请人到窗口签字"])


class RuleIn(VersionIn):
    confirmed: bool = Field(description="`true`: the agreement is confirmed valid; `false`: dismissed.")
    reason: str = Field(max_length=MAX_INPUT, examples=["调解协议系双方真实意思表示，内容合法"])


class AssignJudgeIn(VersionIn):
    judge: int = Field(description="Id of a judge of the case's court.")


class ScheduleIn(VersionIn):
    mode: str = Field(description=f"One of {_choices(HearingMode)}.", examples=["room"])
    starts_at: dt.datetime | None = Field(
        None,
        description="When, for `room` and `online`: at least the notice period away (summonses are served "
        "at once). Left out for `async`.",
        examples=["2026-12-10T09:30:00+08:00"],
    )
    place: str = Field(
        "", max_length=MAX_INPUT, description="The court room, for `room`.", examples=["第三法庭"]
    )
    link: str = Field("", max_length=MAX_INPUT, description="The https:// link, for `online`.")


class CancelHearingIn(ReasonIn):
    hearing: int = Field(description="Id of the case's scheduled hearing.")


class RecordHearingIn(VersionIn):
    hearing: int = Field(description="Id of the case's scheduled hearing.")
    record: str = Field(max_length=MAX_INPUT * 2, examples=["书面审理，双方已充分陈述。"])


class OpenRoundIn(VersionIn):
    hearing: int = Field(description="Id of the case's asynchronous hearing.")
    kind: str = Field(description=f"One of {_choices(RoundKind)}.", examples=["statement"])
    due_at: dt.datetime = Field(
        description="The deadline: 1 to 60 days away.", examples=["2026-12-10T18:00:00+08:00"]
    )
    instructions: str = Field("", max_length=MAX_INPUT, examples=["请原告陈述诉讼请求，被告答辩。"])


class CloseRoundIn(VersionIn):
    round: int = Field(description="Id of the open round.")


class DecisionIn(VersionIn):
    kind: str = Field(description=f"One of {_choices(DecisionKind)}.", examples=["judgment"])
    summary: str = Field(max_length=MAX_INPUT, examples=["判决被告赔偿原告800元"])


class AppealIn(VersionIn):
    party: int = Field(description="Id of the party who appealed.")
    note: str = Field("", max_length=MAX_INPUT, examples=["原告于上诉期内提交上诉状"])


class WithdrawIn(ReasonIn):
    party: int | None = Field(None, description="The party withdrawing, when the caller acts for several.")


class PerformanceIn(VersionIn):
    performed: bool
    note: str = Field("", max_length=MAX_INPUT, description="Required when it was not performed.")
    enforcement: bool = Field(False, description="Mark what was not performed for enforcement (强制执行).")


# --- Matter-side ------------------------------------------------------------------------------------------


class ReferIn(Schema):
    court: int | None = Field(
        None, description="Id of the court; the people's court of the matter's county if left out."
    )
    note: str = Field("", max_length=MAX_INPUT, examples=["调解不成，引导诉讼"])


class ComplaintIn(Schema):
    cause: str = Field(
        description="A cause of action's `code` (see `/api/court/causes`).", examples=["private_lending"]
    )
    claims: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="What the court is asked to order, one claim each (repeat the field).",
        examples=[["判令被告归还借款50000元"]],
    )
    facts: str = Field(max_length=MAX_INPUT, description="Facts and reasons, at least 10 characters.")
    amount_claimed: str | None = Field(
        None, max_length=40, description="Yuan, for a claim of money or property.", examples=["50000"]
    )
    court: int | None = Field(
        None, description="Id of the court; the people's court of the matter's county if left out."
    )


class ApplyIn(Schema):
    party: int | None = Field(None, description="The party applying, when the caller acts for several.")
    court: int | None = Field(
        None, description="Id of the court; the people's court of the matter's county if left out."
    )


class JoinIn(Schema):
    party: int | None = Field(None, description="The party joining, when the caller acts for several.")


class SubmissionIn(Schema):
    text: str = Field(max_length=MAX_INPUT, examples=["坚持诉讼请求。"])
    party: int | None = Field(None, description="The party submitting, when the caller acts for several.")


# --- Deliveries by grid workers ---------------------------------------------------------------------------


class DeliveryFilters(Schema):
    status: str = Field(
        ServiceStatus.PENDING,
        description=f"One of {_choices(ServiceStatus)}, or `all`.",
        examples=["pending"],
    )


class DeliveryOut(Schema):
    id: int
    case: int
    case_number: str
    matter_display_code: str
    court: str
    document: int
    document_name: str
    party_name: str
    party_address: str = Field(description="Where to deliver (the party's address as the matter holds it).")
    status: str
    status_label: str
    sent_at: dt.datetime
    served_at: dt.datetime | None
    failure_reason: str

    @staticmethod
    def resolve_case(obj: Any) -> int:
        return int(obj.case_id)

    @staticmethod
    def resolve_case_number(obj: Any) -> str:
        return str(obj.case.display_number)

    @staticmethod
    def resolve_matter_display_code(obj: Any) -> str:
        return str(obj.case.matter.display_code)

    @staticmethod
    def resolve_court(obj: Any) -> str:
        return str(obj.case.court.name)

    @staticmethod
    def resolve_document(obj: Any) -> int:
        return int(obj.document_id)

    @staticmethod
    def resolve_document_name(obj: Any) -> str:
        return str(obj.document.original_name)

    @staticmethod
    def resolve_party_name(obj: Any) -> str:
        return str(obj.party.name)

    @staticmethod
    def resolve_party_address(obj: Any) -> str:
        return str(obj.party.address)

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class DeliveryNoteIn(Schema):
    note: str = Field("", max_length=2000, examples=["本人签收"])


class FailedIn(Schema):
    reason: str = Field(max_length=MAX_INPUT, examples=["当事人外出务工，家中无人"])
