"""The court's JSON API: the public causes, fee and court codes; the staff's cases and every command; the
parties' complaint, confirmation and written rounds; the grid workers' deliveries; who may do what; and that
a refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership, User
from suyuan.accounts.tests.world import World, new_user, sign_in
from suyuan.core.identifiers import PHONE, hash_identifier
from suyuan.court import services
from suyuan.court.choices import (
    CaseStatus,
    ServiceMethod,
    ServiceStatus,
)
from suyuan.court.codes import court_codes_load
from suyuan.court.models import CaseNote, CourtCase, Hearing, HearingRound, RoundSubmission, Service
from suyuan.court.tests.conftest import complaint, fail_mediation, upload
from suyuan.matters.choices import DocumentKind, MatterStatus, PartyRole
from suyuan.matters.models import Document, Matter, MatterEvent
from suyuan.matters.tests import files
from suyuan.matters.tests.conftest import RESPONDENT_PHONE, file_dispute
from suyuan.mediation.models import Agreement
from suyuan.mediation.tests.conftest import make_effective, record, to_mediation
from suyuan.notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db

API = "/api/court"


def client_for(user: User | None) -> Client:
    return sign_in(Client(), user)


def post(client: Client, path: str, body: dict[str, Any] | None = None, **extra: Any):
    return client.post(path, body or {}, content_type="application/json", **extra)


def multipart(client: Client, path: str, data: dict[str, Any]):
    return client.post(path, data)  # the test client sends a dict as multipart/form-data


def fields(response) -> set[str | None]:
    return {error["field"] for error in response.json()["detail"]}


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, files.png(), content_type="image/png")


def pdf(name: str = "判决书.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, files.pdf(), content_type="application/pdf")


def case_url(case: CourtCase, action: str = "") -> str:
    return f"{API}/cases/{case.pk}" + (f"/{action}" if action else "")


def matter_url(matter: Matter, action: str) -> str:
    return f"{API}/matters/{matter.tracking_code}/{action}"


def complaint_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "cause": "neighbours",
        "claims": ["判令被告立即停止夜间装修施工", "判令被告赔偿原告损失800元"],
        "facts": "被告自本年十月起连续两周在晚上十点后装修，影响原告休息，经社区调解未果。",
        "identity": [png("身份证.png")],
        "evidence": [png("现场照片1.png"), png("现场照片2.png")],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def snapshot() -> tuple[int, ...]:
    """Counts of everything a command writes: if a refusal leaves them alone, it wrote nothing."""
    return (
        CourtCase.objects.count(),
        sum(CourtCase.objects.values_list("version", flat=True)),
        MatterEvent.objects.count(),
        Document.objects.count(),
        Service.objects.count(),
        Hearing.objects.count(),
        HearingRound.objects.filter(closed_at__isnull=True).count(),
        RoundSubmission.objects.count(),
        CaseNote.objects.count(),
        OutboundMessage.objects.count(),
        Agreement.objects.count(),
    )


def respondent_citizen() -> User:
    """The respondent, signed in with the phone the matter holds for them."""
    user = new_user(username="respondent", full_name="楼上住户", phone=RESPONDENT_PHONE)
    user.phone_hash = hash_identifier(PHONE, RESPONDENT_PHONE)
    user.set_unusable_password()
    user.save()
    return user


@pytest.fixture
def respondent(world) -> User:
    return respondent_citizen()


def in_future(**delta: float) -> str:
    return (timezone.now() + dt.timedelta(**delta)).isoformat()


# --- public: causes, the fee, court codes -----------------------------------------------------------------


class TestPublic:
    def test_causes_in_the_caller_s_language_with_their_materials(self, db):
        chinese = Client().get(f"{API}/causes")
        assert chinese.status_code == 200
        lending = next(c for c in chinese.json() if c["code"] == "private_lending")
        assert lending["name"] == "民间借贷纠纷" and lending["is_property"] is True
        assert [m["kind"] for m in lending["required_materials"]] == ["identity", "evidence"]
        assert lending["hint"].startswith("借条")
        english = Client().get(f"{API}/causes", HTTP_ACCEPT_LANGUAGE="en")
        assert next(c for c in english.json() if c["code"] == "private_lending")["name"] == "private lending"

    def test_the_fee_of_a_property_claim_and_of_a_fixed_fee_case(self, db):
        lending = Client().get(f"{API}/fee", {"cause": "private_lending", "amount": "50000"})
        assert lending.status_code == 200
        assert Decimal(lending.json()["fee"]) == Decimal("1050.00")
        assert "分段累计" in lending.json()["basis"]
        neighbours = Client().get(f"{API}/fee", {"cause": "neighbours", "amount": "50000"}).json()
        assert Decimal(neighbours["fee"]) == Decimal("50") and neighbours["amount"] is None
        assert "非财产案件" in neighbours["basis"]

    def test_fee_refusals_name_their_field(self, db):
        assert fields(Client().get(f"{API}/fee", {"cause": "moon"})) == {"cause"}
        assert fields(Client().get(f"{API}/fee", {"cause": "private_lending"})) == {"amount"}
        assert fields(Client().get(f"{API}/fee", {"cause": "private_lending", "amount": "-3"})) == {"amount"}
        assert fields(Client().get(f"{API}/fee", {"cause": "private_lending", "amount": "many"})) == {
            "amount"
        }
        assert fields(Client().get(f"{API}/fee")) == {"cause"}

    def test_court_codes_by_level_and_name(self, world):
        court_codes_load(province="33")
        everything = Client().get(f"{API}/codes").json()
        assert {"code": "浙0881", "name": "江山市人民法院", "level": "basic"}.items() <= next(
            c for c in everything if c["code"] == "浙0881"
        ).items()
        intermediate = Client().get(f"{API}/codes", {"level": "intermediate"}).json()
        assert intermediate and {c["level"] for c in intermediate} == {"intermediate"}
        assert [c["code"] for c in Client().get(f"{API}/codes", {"q": "江山"}).json()] == ["浙0881"]
        assert fields(Client().get(f"{API}/codes", {"level": "supreme"})) == {"level"}


# --- the lawsuit: referral to decision --------------------------------------------------------------------


class TestLawsuit:
    def test_referral_complaint_correction_acceptance_judge_written_rounds_and_decision(
        self, world, failed, clerk, judge, respondent
    ):
        mediator, applicant = world.staff[Role.MEDIATOR], client_for(world.citizen)
        court_clerk = client_for(clerk)

        referred = post(client_for(mediator), matter_url(failed, "refer"), {"note": "调解不成，引导诉讼"})
        assert referred.status_code == 201, referred.content
        case = CourtCase.objects.get(pk=referred.json()["id"])
        assert referred.json()["status"] == "docked" and referred.json()["court"]["name"] == "江山市人民法院"
        assert "clerk" not in referred.json()  # the public face: not the staff on it
        assert "complaint" not in referred.json()["allowed_commands"]  # not the applicant

        filed = multipart(applicant, matter_url(failed, "complaint"), complaint_form())
        assert filed.status_code == 200, filed.content  # the case was opened by the referral
        assert filed.json()["status"] == "filing_review" and filed.json()["complaint_document"]
        assert Document.objects.filter(matter=failed, kind=DocumentKind.EVIDENCE).count() == 2

        detail = court_clerk.get(case_url(case))
        assert detail.status_code == 200
        data = detail.json()
        assert set(data["allowed_commands"]) == {
            "offer-mediation", "request-correction", "accept-filing", "refuse-filing", "assign-judge", "withdraw",
        }  # fmt: skip
        assert [j["id"] for j in data["judges"]] == [judge.pk]
        assert data["due_kind"] == "filing_decision" and data["due_at"]

        corrected = post(
            court_clerk,
            case_url(case, "request-correction"),
            {"items": ["补充被告的身份信息"], "days": 10, "expected_version": data["version"]},
        )
        assert corrected.status_code == 200, corrected.content
        assert corrected.json()["status"] == "correction"
        assert corrected.json()["correction_items"] == ["补充被告的身份信息"]
        mine = applicant.get(matter_url(failed, "cases")).json()
        assert (
            mine[0]["correction_items"] == ["补充被告的身份信息"]
            and "complaint" in mine[0]["allowed_commands"]
        )

        again = multipart(
            applicant,
            matter_url(failed, "complaint"),
            complaint_form(facts="补正：被告为楼上住户，自十月起夜间装修。", identity=None, evidence=None),
        )
        assert again.status_code == 200 and again.json()["status"] == "filing_review"

        accepted = post(court_clerk, case_url(case, "accept-filing"), {})
        assert accepted.status_code == 200, accepted.content
        assert accepted.json()["status"] == "filed" and "民初" in accepted.json()["number"]
        assigned = post(court_clerk, case_url(case, "assign-judge"), {"judge": judge.pk})
        assert assigned.status_code == 200 and assigned.json()["judge"]["id"] == judge.pk

        bench = client_for(judge)
        assert "schedule-hearing" in bench.get(case_url(case)).json()["allowed_commands"]
        scheduled = post(bench, case_url(case, "schedule-hearing"), {"mode": "async"})
        assert scheduled.status_code == 201, scheduled.content
        hearing = scheduled.json()["id"]
        opened = post(
            bench,
            case_url(case, "open-round"),
            {
                "hearing": hearing,
                "kind": "statement",
                "due_at": in_future(days=3),
                "instructions": "请陈述。",
            },
        )
        assert opened.status_code == 201, opened.content
        round_id = opened.json()["rounds"][0]["id"]

        wrote = multipart(
            applicant,
            f"{API}/rounds/{round_id}/submissions",
            {"text": "坚持诉讼请求。", "file": pdf("陈述.pdf")},
        )
        assert wrote.status_code == 201, wrote.content
        assert wrote.json()["party_name"] == "市民甲" and wrote.json()["document"]
        answered = multipart(
            client_for(respondent), f"{API}/rounds/{round_id}/submissions", {"text": "不同意。"}
        )
        assert answered.status_code == 201 and answered.json()["document"] is None
        outsider = multipart(client_for(mediator), f"{API}/rounds/{round_id}/submissions", {"text": "我也说"})
        assert outsider.status_code == 403

        hearings = applicant.get(case_url(case, "hearings")).json()
        assert [s["text"] for s in hearings[0]["rounds"][0]["submissions"]] == ["坚持诉讼请求。", "不同意。"]

        closed = post(bench, case_url(case, "close-round"), {"round": round_id})
        assert closed.status_code == 200 and closed.json()["rounds"][0]["is_open"] is False
        late = multipart(applicant, f"{API}/rounds/{round_id}/submissions", {"text": "补充意见"})
        assert late.status_code == 409 and late.json()["code"] == "wrong_state"
        held = post(
            bench,
            case_url(case, "record-hearing"),
            {"hearing": hearing, "record": "书面审理，双方已充分陈述。"},
        )
        assert held.status_code == 200 and held.json()["status"] == "held"

        not_pdf = multipart(
            bench,
            case_url(case, "issue-decision"),
            {"kind": "judgment", "summary": "判决如下", "file": png()},
        )
        assert not_pdf.status_code == 422 and fields(not_pdf) == {"file"}
        decided = multipart(
            bench,
            case_url(case, "issue-decision"),
            {"kind": "judgment", "summary": "判决被告赔偿原告800元", "file": pdf()},
        )
        assert decided.status_code == 200, decided.content
        assert decided.json()["status"] == "judgment" and decided.json()["appeal_ends_at"]
        served = applicant.get(case_url(case, "services")).json()
        assert {s["party_name"] for s in served} == {"市民甲"}
        assert decided.json()["decision_document"] in {s["document"] for s in served}
        every = court_clerk.get(case_url(case, "services")).json()
        assert {s["party_name"] for s in every} == {"市民甲", "楼上住户"}

        read = post(applicant, case_url(case, f"services/{served[-1]['id']}/read"))
        assert read.status_code == 200 and read.json()["read_at"]
        assert post(court_clerk, case_url(case, f"services/{served[-1]['id']}/read")).status_code == 403

        plaintiff = failed.parties.get(role=PartyRole.APPLICANT)
        appealed = post(
            court_clerk, case_url(case, "record-appeal"), {"party": plaintiff.pk, "note": "原告上诉"}
        )
        assert appealed.status_code == 200
        assert (appealed.json()["status"], appealed.json()["outcome"]) == ("closed", "appealed")
        assert Matter.objects.get(pk=failed.pk).status == MatterStatus.CLOSED

    def test_a_direct_filing_opens_the_case_with_201(self, world, failed):
        response = multipart(client_for(world.citizen), matter_url(failed, "complaint"), complaint_form())
        assert response.status_code == 201, response.content
        assert response.json()["origin"] == "referral" and response.json()["status"] == "filing_review"

    def test_a_complaint_without_the_materials_writes_nothing(self, world, failed):
        before = snapshot()
        response = multipart(
            client_for(world.citizen), matter_url(failed, "complaint"), complaint_form(evidence=None)
        )
        assert response.status_code == 422 and fields(response) == {"materials"}
        bad = multipart(
            client_for(world.citizen),
            matter_url(failed, "complaint"),
            complaint_form(cause="private_lending", claims=[], facts="短"),
        )
        assert bad.status_code == 422 and fields(bad) == {"claims", "facts", "amount_claimed"}
        assert snapshot() == before
        assert Matter.objects.get(pk=failed.pk).status == MatterStatus.UNRESOLVED

    def test_refusal_by_ruling_and_withdrawal_by_the_applicant(self, world, failed, clerk):
        case = services.complaint_file(
            matter=failed,
            actor=world.citizen,
            complaint=complaint(),
            uploads=[upload("identity"), upload("evidence")],
        )
        refused = post(
            client_for(clerk), case_url(case, "refuse-filing"), {"reason": "不属于人民法院受理民事诉讼的范围"}
        )
        assert refused.status_code == 200
        assert (refused.json()["status"], refused.json()["decision_kind"]) == ("judgment", "ruling")
        withdrawn = post(client_for(world.citizen), case_url(case, "withdraw"), {"reason": "不再起诉"})
        assert withdrawn.status_code == 409 and withdrawn.json()["code"] == "illegal_transition"

    def test_the_applicant_withdraws_before_filing(self, world, failed):
        case = services.case_refer(matter=failed, actor=world.staff[Role.MEDIATOR])
        response = post(client_for(world.citizen), case_url(case, "withdraw"), {"reason": "已和解，不再起诉"})
        assert response.status_code == 200, response.content
        assert (response.json()["status"], response.json()["outcome"]) == ("closed", "withdrawn")
        assert response.json()["judge"] is None and response.json()["judges"] == []


class TestHearingInTheRoom:
    def test_too_soon_is_refused_by_field_then_summonses_are_served_and_the_hearing_cancelled(
        self, world, failed, clerk, judge
    ):
        case = services.complaint_file(
            matter=failed,
            actor=world.citizen,
            complaint=complaint(),
            uploads=[upload("identity"), upload("evidence")],
        )
        case = services.judge_assign(
            case=services.filing_accept(case=case, actor=clerk), actor=clerk, judge=judge
        )
        bench = client_for(judge)
        soon = post(
            bench,
            case_url(case, "schedule-hearing"),
            {"mode": "room", "starts_at": in_future(days=1), "place": "第三法庭"},
        )
        assert soon.status_code == 422 and fields(soon) == {"starts_at"}
        no_place = post(
            bench, case_url(case, "schedule-hearing"), {"mode": "room", "starts_at": in_future(days=6)}
        )
        assert no_place.status_code == 422 and fields(no_place) == {"place"}
        # a date and time without an offset is read as local time
        local = timezone.localtime(timezone.now() + dt.timedelta(days=6)).replace(tzinfo=None, microsecond=0)
        scheduled = post(
            bench,
            case_url(case, "schedule-hearing"),
            {"mode": "room", "starts_at": local.isoformat(), "place": "第三法庭"},
        )
        assert scheduled.status_code == 201, scheduled.content
        assert scheduled.json()["place"] == "第三法庭" and scheduled.json()["status"] == "scheduled"
        assert Document.objects.filter(matter=failed, kind=DocumentKind.SUMMONS).count() == 2
        detail = bench.get(case_url(case)).json()
        assert {"cancel-hearing", "record-hearing"} <= set(detail["allowed_commands"])
        assert "issue-decision" not in detail["allowed_commands"]  # hold or cancel the hearing first
        early = post(
            bench, case_url(case, "record-hearing"), {"hearing": scheduled.json()["id"], "record": "开庭"}
        )
        assert early.status_code == 409 and early.json()["code"] == "wrong_state"
        cancelled = post(
            client_for(clerk),
            case_url(case, "cancel-hearing"),
            {"hearing": scheduled.json()["id"], "reason": "承办法官临时出差"},
        )
        assert cancelled.status_code == 200, cancelled.content
        assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == (
            "cancelled",
            "承办法官临时出差",
        )
        assert "issue-decision" in bench.get(case_url(case)).json()["allowed_commands"]


# --- pre-filing mediation ---------------------------------------------------------------------------------


class TestPreFilingMediation:
    @pytest.fixture
    def docked(self, world, failed) -> CourtCase:
        return services.case_refer(matter=failed, actor=world.staff[Role.MEDIATOR])

    def test_offer_extend_and_settle(self, world, docked, clerk, invited, failed):
        offered = post(
            client_for(clerk),
            case_url(docked, "offer-mediation"),
            {"mediator": invited.pk, "consent": "双方同意诉前调解"},
        )
        assert offered.status_code == 200, offered.content
        assert offered.json()["status"] == "pre_filing_mediation" and "民诉前调" in offered.json()["number"]
        mediator = client_for(invited)
        detail = mediator.get(case_url(docked)).json()
        assert set(detail["allowed_commands"]) == {"extend-mediation", "settle", "mediation-failed"}
        due = detail["mediation_due_at"]
        extended = post(
            mediator, case_url(docked, "extend-mediation"), {"days": 10, "consent": "双方书面同意延长"}
        )
        assert extended.status_code == 200 and extended.json()["mediation_due_at"] > due
        twice = post(mediator, case_url(docked, "extend-mediation"), {"days": 5, "consent": "再延长一次"})
        assert twice.status_code == 409 and twice.json()["code"] == "wrong_state"
        respondent = failed.parties.get(role=PartyRole.RESPONDENT)
        body: dict[str, Any] = {
            "terms": "被告停止夜间施工并赔偿500元。",
            "obligations": [
                {"obligor": respondent.pk, "description": "赔偿", "amount": "500", "due_on": "2000-01-01"}
            ],
        }
        past = post(mediator, case_url(docked, "settle"), body)
        assert past.status_code == 422 and fields(past) == {"obligations[0].due_on"}
        body["obligations"][0]["due_on"] = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
        settled = post(mediator, case_url(docked, "settle"), body)
        assert settled.status_code == 200, settled.content
        assert (settled.json()["status"], settled.json()["outcome"]) == ("closed", "settled")
        assert Agreement.objects.get(matter=failed).obligations.count() == 1

    def test_a_mediator_the_court_did_not_invite_is_refused_by_field(self, world, docked, clerk):
        before = snapshot()
        for mediator in (world.staff[Role.MEDIATOR].pk, 999999):
            response = post(
                client_for(clerk),
                case_url(docked, "offer-mediation"),
                {"mediator": mediator, "consent": "双方同意调解"},
            )
            assert response.status_code == 422 and fields(response) == {"mediator"}
        assert snapshot() == before

    def test_failure_sends_the_case_back_to_the_window(self, world, docked, clerk, invited):
        services.mediation_offer(case=docked, actor=clerk, mediator=invited, consent="双方同意诉前调解")
        response = post(
            client_for(invited), case_url(docked, "mediation-failed"), {"reason": "被告拒绝调解方案"}
        )
        assert response.status_code == 200 and response.json()["status"] == "docked"


# --- judicial confirmation --------------------------------------------------------------------------------


class TestConfirmation:
    def test_apply_join_accept_assign_and_rule(self, world, effective, clerk, judge, respondent):
        matter = effective.matter
        applied = post(client_for(world.citizen), matter_url(matter, "confirmation"), {})
        assert applied.status_code == 201, applied.content
        case = CourtCase.objects.get(pk=applied.json()["id"])
        assert applied.json()["track"] == "confirmation"
        assert [c["joined_at"] is not None for c in applied.json()["consents"]] == [True, False]

        early = post(client_for(clerk), case_url(case, "accept-confirmation"), {})
        assert early.status_code == 409 and early.json()["code"] == "wrong_state"
        other_side = client_for(respondent)
        assert other_side.get(matter_url(matter, "cases")).json()[0]["allowed_commands"] == ["join"]
        joined = post(other_side, case_url(case, "join"), {})
        assert joined.status_code == 200, joined.content
        assert all(c["joined_at"] for c in joined.json()["consents"])
        assert post(other_side, case_url(case, "join"), {}).status_code == 409

        accepted = post(client_for(clerk), case_url(case, "accept-confirmation"), {})
        assert accepted.status_code == 200 and "民特" in accepted.json()["number"]
        assert accepted.json()["status"] == "confirmation_review"
        unassigned = post(
            client_for(judge),
            case_url(case, "rule-confirmation"),
            {"confirmed": True, "reason": "协议合法有效"},
        )
        assert unassigned.status_code == 404  # the judge does not see the case before it is theirs
        assert post(client_for(clerk), case_url(case, "assign-judge"), {"judge": judge.pk}).status_code == 200
        ruled = post(
            client_for(judge),
            case_url(case, "rule-confirmation"),
            {"confirmed": True, "reason": "调解协议系双方真实意思表示，内容合法"},
        )
        assert ruled.status_code == 200, ruled.content
        assert (ruled.json()["status"], ruled.json()["outcome"]) == ("closed", "confirmed")
        assert ruled.json()["performance"] == "pending"

        reported = post(
            client_for(world.citizen),
            case_url(case, "performance"),
            {"performed": False, "note": "对方未付款", "enforcement": True},
        )
        assert reported.status_code == 200 and reported.json()["performance"] == "enforcement"

    def test_the_clerk_records_a_party_joining_at_the_window(self, world, effective, clerk):
        case = services.confirmation_apply(matter=effective.matter, actor=world.citizen)
        respondent = effective.matter.parties.get(role=PartyRole.RESPONDENT)
        response = post(
            client_for(clerk),
            case_url(case, "join-in-person"),
            {"party": respondent.pk, "reason": "被申请人到窗口签字"},
        )
        assert response.status_code == 200, response.content
        consent = next(c for c in response.json()["consents"] if c["party"] == respondent.pk)
        assert consent["recorded_reason"] == "被申请人到窗口签字"

    def test_outside_the_time_limit_nothing_is_written(self, world, effective, english):
        before = snapshot()
        with time_machine.travel(timezone.now() + dt.timedelta(days=45), tick=False):
            response = post(client_for(world.citizen), matter_url(effective.matter, "confirmation"), {})
        assert response.status_code == 409 and response.json()["code"] == "wrong_state"
        assert "30 days" in response.json()["detail"]
        assert snapshot() == before


# --- conflicts, versions, refusals ------------------------------------------------------------------------


class TestConflicts:
    @pytest.fixture
    def case(self, world, failed) -> CourtCase:
        return services.complaint_file(
            matter=failed,
            actor=world.citizen,
            complaint=complaint(),
            uploads=[upload("identity"), upload("evidence")],
        )

    def test_a_command_the_status_does_not_allow_answers_409_in_the_caller_s_language(
        self, case, clerk, english
    ):
        before = snapshot()
        response = post(client_for(clerk), case_url(case, "accept-confirmation"), {})
        assert response.status_code == 409
        assert response.json() == {
            "detail": "A court case that is “filing under review” cannot be given the command "
            "“accept the confirmation application”.",
            "code": "illegal_transition",
        }
        assert snapshot() == before

    @pytest.mark.parametrize(
        "action, body",
        [
            ("accept-filing", {}),
            ("request-correction", {"items": ["补充证据"]}),
            ("refuse-filing", {"reason": "不属于受理范围"}),
            ("withdraw", {"reason": "书记员记录撤诉"}),
            ("offer-mediation", {"mediator": "INVITED", "consent": "双方同意诉前调解"}),
        ],
    )
    def test_a_stale_version_answers_409_and_changes_nothing(
        self, case, clerk, invited, english, action, body
    ):
        body = {key: invited.pk if value == "INVITED" else value for key, value in body.items()}
        before = snapshot()
        response = post(
            client_for(clerk), case_url(case, action), {**body, "expected_version": case.version + 5}
        )
        assert response.status_code == 409, response.content
        assert response.json() == {
            "detail": "Someone changed this case meanwhile. Reload it and try again.",
            "code": "stale",
        }
        assert snapshot() == before

    def test_the_current_version_goes_through(self, case, clerk):
        response = post(
            client_for(clerk),
            case_url(case, "withdraw"),
            {"reason": "准许撤诉", "expected_version": case.version},
        )
        assert response.status_code == 200 and response.json()["version"] == case.version + 1

    def test_bad_input_is_a_422_by_field(self, case, clerk, judge):
        client = client_for(clerk)
        assert fields(post(client, case_url(case, "accept-filing"), {"expected_version": "two"})) == {
            "expected_version"
        }
        assert fields(post(client, case_url(case, "request-correction"), {"items": []})) == {"items"}
        assert fields(post(client, case_url(case, "request-correction"), {"items": ["x"], "days": 99})) == {
            "days"
        }
        assert fields(post(client, case_url(case, "assign-judge"), {"judge": clerk.pk})) == {"judge"}
        assert fields(post(client, case_url(case, "assign-judge"), {})) == {"judge"}
        assert fields(post(client, case_url(case, "refuse-filing"), {"reason": "短"})) == {"reason"}
        assert fields(
            post(client, case_url(case, "cancel-hearing"), {"hearing": 1, "reason": "法官出差"})
        ) == {"hearing"}
        assert fields(post(client, case_url(case, "close-round"), {"round": 1})) == {"round"}
        assert fields(post(client, matter_url(case.matter, "refer"), {"court": world_court_other(case)})) == {
            "court"
        }

    def test_a_body_may_be_left_out_of_commands_without_fields(self, case, clerk):
        response = client_for(clerk).post(case_url(case, "accept-filing"), content_type="application/json")
        assert response.status_code == 200, response.content

    def test_refusals_write_nothing(self, world, case, clerk, other_court_clerk):
        before = snapshot()
        dispatcher = client_for(world.staff[Role.DISPATCHER])
        assert post(dispatcher, case_url(case, "accept-filing"), {}).status_code == 403
        assert post(client_for(other_court_clerk), case_url(case, "accept-filing"), {}).status_code == 404
        assert (
            post(client_for(world.citizen), case_url(case, "notes"), {"text": "想写备注"}).status_code == 403
        )
        assert post(Client(), case_url(case, "accept-filing"), {}).status_code == 401
        assert (
            post(client_for(clerk), case_url(case, "schedule-hearing"), {"mode": "async"}).status_code == 409
        )
        assert snapshot() == before

    def test_missing_and_hidden_cases_answer_the_same_404(self, world, case, other_court_clerk):
        hidden = client_for(other_court_clerk).get(case_url(case))
        missing = client_for(other_court_clerk).get(f"{API}/cases/999999")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()


def world_court_other(case: CourtCase) -> int:
    """Id of an organisation that is not a court (the centre), to name as a court."""
    from suyuan.accounts.models import Organization

    return Organization.objects.exclude(type="court").values_list("pk", flat=True).first() or 0


# --- lists, notes, deliveries, tokens ---------------------------------------------------------------------


class TestStaffReads:
    @pytest.fixture
    def cases(self, world, clerk, judge) -> list[CourtCase]:
        first = services.case_refer(
            matter=fail_mediation(world, file_dispute(world)), actor=world.staff[Role.MEDIATOR]
        )
        second = services.case_refer(
            matter=fail_mediation(world, file_dispute(world, title="楼下漏水")),
            actor=world.staff[Role.MEDIATOR],
        )
        services.judge_assign(case=second, actor=clerk, judge=judge)
        CourtCase.objects.filter(pk=first.pk).update(
            status=CaseStatus.FILING_REVIEW,
            due_kind="filing_decision",
            due_at=timezone.now() - dt.timedelta(days=1),
        )
        return [first, second]

    def test_the_clerk_lists_the_court_s_cases_by_filter(self, world, cases, clerk):
        client = client_for(clerk)

        def ids(**params: Any) -> list[int]:
            response = client.get(f"{API}/cases", params)
            assert response.status_code == 200, response.content
            return [item["id"] for item in response.json()["items"]]

        first, second = cases
        assert ids() == [second.pk, first.pk]
        assert ids(status="filing_review") == [first.pk]
        assert ids(track="litigation", overdue="true") == [first.pk]
        assert ids(q="漏水") == [second.pk]
        assert ids(q=second.matter.display_code.lower()) == [second.pk]
        assert ids(mine="true") == []
        item = client.get(f"{API}/cases", {"status": "filing_review"}).json()["items"][0]
        assert item["overdue"] is True and item["matter_code"] == first.matter.tracking_code
        page = client.get(f"{API}/cases", {"page_size": 1, "page": 2}).json()
        assert page["count"] == 2 and [i["id"] for i in page["items"]] == [first.pk]
        bad = client.get(f"{API}/cases", {"status": "lost", "track": "appeal"})
        assert bad.status_code == 422 and fields(bad) == {"status", "track"}

    def test_a_judge_lists_their_own_cases_and_another_court_nothing(
        self, world, cases, judge, other_court_clerk
    ):
        assert [i["id"] for i in client_for(judge).get(f"{API}/cases").json()["items"]] == [cases[1].pk]
        assert [i["id"] for i in client_for(judge).get(f"{API}/cases", {"mine": "true"}).json()["items"]] == [
            cases[1].pk
        ]
        assert client_for(other_court_clerk).get(f"{API}/cases").json()["count"] == 0
        assert client_for(world.citizen).get(f"{API}/cases").status_code == 403

    def test_the_list_takes_the_same_few_queries_however_long_it_is(
        self, world, cases, clerk, django_assert_max_num_queries
    ):
        client = client_for(clerk)
        client.get("/api/me")
        with django_assert_max_num_queries(14) as few:
            client.get(f"{API}/cases")
        for _ in range(3):
            services.case_refer(
                matter=fail_mediation(world, file_dispute(world)), actor=world.staff[Role.MEDIATOR]
            )
        with django_assert_max_num_queries(14) as many:
            assert client.get(f"{API}/cases").json()["count"] == 5
        assert len(many.captured_queries) == len(few.captured_queries)

    def test_notes_are_read_by_the_court_s_clerks_and_the_case_s_judge(self, world, cases, clerk, judge):
        case = cases[1]
        written = post(client_for(clerk), case_url(case, "notes"), {"text": "被告地址需核实"})
        assert written.status_code == 201 and written.json()["author"]["id"] == clerk.pk
        assert [n["text"] for n in client_for(judge).get(case_url(case, "notes")).json()] == [
            "被告地址需核实"
        ]
        assert client_for(world.staff[Role.DISPATCHER]).get(case_url(case, "notes")).status_code == 403
        assert client_for(world.citizen).get(case_url(case, "notes")).status_code == 403
        public = client_for(world.citizen).get(matter_url(case.matter, "cases")).content.decode()
        assert "被告地址需核实" not in public
        assert fields(post(client_for(clerk), case_url(case, "notes"), {"text": "  "})) == {"text"}


class TestDeliveries:
    def test_the_grid_worker_delivers_with_a_photo_or_reports_a_failure(self, world, clerk):
        from suyuan.matters.services import PartyInput

        matter = fail_mediation(
            world,
            file_dispute(
                world,
                parties=[
                    PartyInput(role=PartyRole.APPLICANT, name="市民甲", phone="13900001111"),
                    PartyInput(role=PartyRole.RESPONDENT, name="老王", address="江山市双塔街道城北社区5号"),
                ],
            ),
        )
        case = services.complaint_file(
            matter=matter,
            actor=world.citizen,
            complaint=complaint(),
            uploads=[upload("identity"), upload("evidence")],
        )
        services.filing_accept(case=case, actor=clerk)
        courier = client_for(world.staff[Role.GRID_WORKER])
        listed = courier.get(f"{API}/deliveries")
        assert listed.status_code == 200, listed.content
        items = listed.json()["items"]
        assert len(items) == 3 and {i["party_address"] for i in items} == {"江山市双塔街道城北社区5号"}
        assert {i["status"] for i in items} == {"pending"}

        no_photo = multipart(courier, f"{API}/deliveries/{items[0]['id']}/delivered", {"note": "本人签收"})
        assert no_photo.status_code == 422 and fields(no_photo) == {"photo"}
        delivered = multipart(
            courier,
            f"{API}/deliveries/{items[0]['id']}/delivered",
            {"note": "本人签收", "photo": png("回证.png")},
        )
        assert delivered.status_code == 200, delivered.content
        assert delivered.json()["status"] == "served" and delivered.json()["served_at"]
        again = multipart(courier, f"{API}/deliveries/{items[0]['id']}/delivered", {"photo": png("回证.png")})
        assert again.status_code == 409 and again.json()["code"] == "wrong_state"

        failed = post(
            courier, f"{API}/deliveries/{items[1]['id']}/failed", {"reason": "当事人外出务工，家中无人"}
        )
        assert failed.status_code == 200 and failed.json()["status"] == "failed"
        assert [i["id"] for i in courier.get(f"{API}/deliveries").json()["items"]] == [items[2]["id"]]
        assert courier.get(f"{API}/deliveries", {"status": "all"}).json()["count"] == 3
        assert fields(courier.get(f"{API}/deliveries", {"status": "lost"})) == {"status"}
        assert Service.objects.get(pk=items[0]["id"]).method == ServiceMethod.IN_PERSON
        assert Service.objects.get(pk=items[0]["id"]).status == ServiceStatus.SERVED


def test_an_api_token_works_like_the_session(world, failed, clerk):
    out = StringIO()
    call_command("create_api_token", username=clerk.username, name="诉服系统对接", stdout=out)
    token = out.getvalue().strip()
    case = services.case_refer(matter=failed, actor=world.staff[Role.MEDIATOR])
    bearer = f"Bearer {token}"
    assert Client().get(case_url(case), HTTP_AUTHORIZATION=bearer).status_code == 200
    response = post(
        Client(),
        case_url(case, "assign-judge"),
        {"judge": world.staff[Role.JUDGE].pk},
        HTTP_AUTHORIZATION=bearer,
    )
    assert response.status_code == 200, response.content
    assert Client().get(case_url(case), HTTP_AUTHORIZATION="Bearer sy_wrong").status_code == 401


CASE_COMMANDS = (
    "offer-mediation", "extend-mediation", "settle", "mediation-failed", "request-correction", "accept-filing",
    "refuse-filing", "join-in-person", "accept-confirmation", "rule-confirmation", "assign-judge",
    "schedule-hearing", "cancel-hearing", "record-hearing", "open-round", "close-round", "issue-decision",
    "record-appeal", "withdraw", "performance", "join",
)  # fmt: skip
COURT_ROUTES = {
    "/api/court/causes": {"get"},
    "/api/court/fee": {"get"},
    "/api/court/codes": {"get"},
    "/api/court/cases": {"get"},
    "/api/court/cases/{case_id}": {"get"},
    "/api/court/cases/{case_id}/notes": {"get", "post"},
    "/api/court/cases/{case_id}/services": {"get"},
    "/api/court/cases/{case_id}/services/{service_id}/read": {"post"},
    "/api/court/cases/{case_id}/hearings": {"get"},
    **{f"/api/court/cases/{{case_id}}/{command}": {"post"} for command in CASE_COMMANDS},
    "/api/court/matters/{code}/cases": {"get"},
    "/api/court/matters/{code}/refer": {"post"},
    "/api/court/matters/{code}/complaint": {"post"},
    "/api/court/matters/{code}/confirmation": {"post"},
    "/api/court/rounds/{round_id}/submissions": {"post"},
    "/api/court/deliveries": {"get"},
    "/api/court/deliveries/{service_id}/delivered": {"post"},
    "/api/court/deliveries/{service_id}/failed": {"post"},
}


def test_the_openapi_document_lists_every_court_route_with_its_refusals(db):
    paths = Client().get("/api/openapi.json").json()["paths"]
    court = {path: set(ops) for path, ops in paths.items() if path.startswith("/api/court")}
    assert court == COURT_ROUTES
    for path, operations in court.items():
        for method in operations:
            operation = paths[path][method]
            assert operation["summary"] and operation["description"], path
            assert operation["tags"] == ["court"], path
            if path not in ("/api/court/causes", "/api/court/fee", "/api/court/codes"):
                assert {"401", "422"} <= set(operation["responses"]), path
    complaint = paths["/api/court/matters/{code}/complaint"]["post"]["requestBody"]["content"]
    assert {"identity", "evidence", "other", "cause", "claims"} <= set(
        complaint["multipart/form-data"]["schema"]["properties"]
    )
    conflict = paths["/api/court/cases/{case_id}/accept-filing"]["post"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"]["$ref"].endswith("/ConflictOut")


# --- who may use which endpoint ---------------------------------------------------------------------------
#
# One courthouse per role: a case in each state a command needs, all on matters of 城北社区 filed by the
# world's citizen. Each endpoint is called inside a savepoint rolled back afterwards, so every call meets
# the same courthouse and the allowed callers get their 2xx.

ROLES = [
    "clerk",  # of this court
    "other_court_clerk",  # of Kecheng's court
    "judge",  # assigned to every case of the courthouse
    "unassigned_judge",  # of this court, assigned to none
    "invited_mediator",  # the court's invited mediator of the pre-filing mediation
    Role.MEDIATOR,  # of the township centre
    Role.DISPATCHER,  # of the county centre
    Role.GRID_WORKER,  # of the village
    Role.ANALYST,
    "applicant",
    "respondent",
    "other_citizen",
    "anonymous",
]
CITIZENS = {"applicant", "respondent", "other_citizen"}
PARTIES = {"applicant", "respondent"}
# Who sees the matters of the village: their staff (the invited mediator through their mediator's
# membership of the county's court) and the parties. Court staff see them once they reach the court.
SEE_MATTERS = {"invited_mediator", Role.MEDIATOR, Role.DISPATCHER, Role.GRID_WORKER, *PARTIES}
WORK_ON_CASES = {"clerk", "judge"}  # the invited mediator works on the mediated case only

# endpoint -> who may use it (on a case they see), with the status they get
RIGHTS: dict[str, dict[str, int]] = {
    "detail": {"clerk": 200, "judge": 200},
    "notes": {"clerk": 200, "judge": 200},
    "add-note": {"clerk": 201, "judge": 201},
    "services": dict.fromkeys((*WORK_ON_CASES, *SEE_MATTERS), 200),
    "read-service": {"applicant": 200},
    "hearings": dict.fromkeys((*WORK_ON_CASES, *SEE_MATTERS), 200),
    "matter-cases": dict.fromkeys((*WORK_ON_CASES, *SEE_MATTERS), 200),
    "offer-mediation": {"clerk": 200},
    "extend-mediation": {"clerk": 200, "invited_mediator": 200},
    "settle": {"clerk": 200, "invited_mediator": 200},
    "mediation-failed": {"clerk": 200, "invited_mediator": 200},
    "request-correction": {"clerk": 200},
    "accept-filing": {"clerk": 200},
    "refuse-filing": {"clerk": 200, "judge": 200},
    "join-in-person": {"clerk": 200},
    "accept-confirmation": {"clerk": 200},
    "rule-confirmation": {"judge": 200},
    "assign-judge": {"clerk": 200},
    "schedule-hearing": {"clerk": 201, "judge": 201},
    "cancel-hearing": {"clerk": 200, "judge": 200},
    "record-hearing": {"clerk": 200, "judge": 200},
    "open-round": {"clerk": 201, "judge": 201},
    "close-round": {"clerk": 200, "judge": 200},
    "issue-decision": {"judge": 200},
    "record-appeal": {"clerk": 200},
    "withdraw": {"clerk": 200, "applicant": 200},
    "performance": {"clerk": 200, "applicant": 200, "respondent": 200},
    "join": {"respondent": 200, "applicant": 409},  # the applicant joined when applying
    "submit": {"applicant": 201, "respondent": 201},
}
# On matters not yet before the court (the court's staff do not see them yet).
MATTER_RIGHTS: dict[str, dict[str, int]] = {
    "refer": {"invited_mediator": 201, Role.MEDIATOR: 201, Role.DISPATCHER: 201},
    "complaint": {"applicant": 201},
    "confirmation": {"applicant": 201, "respondent": 201},
}
PUBLIC = {"causes", "fee", "codes"}


def expected(endpoint: str, who: str) -> int:
    if endpoint in PUBLIC:
        return 200
    if who == "anonymous":
        return 401
    if endpoint == "list":
        return 403 if who in CITIZENS else 200
    if endpoint == "deliveries":
        return 200 if who == Role.GRID_WORKER else 403
    if endpoint in ("delivered", "delivery-failed"):  # someone else's delivery is not found
        return 200 if who == Role.GRID_WORKER else 404
    if endpoint in MATTER_RIGHTS:
        return MATTER_RIGHTS[endpoint].get(who, 403) if who in SEE_MATTERS else 404
    if who not in WORK_ON_CASES | SEE_MATTERS:
        return 404
    return RIGHTS[endpoint].get(who, 403)


def people(world: World, clerk: User, judge: User, invited: User, other_court_clerk: User) -> dict[str, Any]:
    unassigned = new_user(username="js.judge2", full_name="江山法官乙")
    Membership.objects.create(user=unassigned, organization=world.orgs["court"], role=Role.JUDGE)
    return {
        "clerk": clerk,
        "other_court_clerk": other_court_clerk,
        "judge": judge,
        "unassigned_judge": unassigned,
        "invited_mediator": invited,
        **{
            role: world.staff[role]
            for role in (Role.MEDIATOR, Role.DISPATCHER, Role.GRID_WORKER, Role.ANALYST)
        },
        "applicant": world.citizen,
        "respondent": respondent_citizen(),
        "other_citizen": new_user(username="citizen2", full_name="市民乙"),
        "anonymous": None,
    }


def courthouse(world: World, who: dict[str, Any]) -> dict[str, Any]:
    """Build a case in every state the commands need, as cheaply as the services allow."""
    clerk, judge, invited = who["clerk"], who["judge"], who["invited_mediator"]
    mediator = world.staff[Role.MEDIATOR]

    def referred() -> CourtCase:
        case = services.case_refer(matter=fail_mediation(world, file_dispute(world)), actor=mediator)
        return services.judge_assign(case=case, actor=clerk, judge=judge)

    def agreed() -> Matter:
        return make_effective(world, record(world, to_mediation(world, file_dispute(world)))).matter

    review = services.complaint_file(
        matter=fail_mediation(world, file_dispute(world)),
        actor=world.citizen,
        complaint=complaint(),
        uploads=[upload("identity"), upload("evidence")],
    )
    review = services.judge_assign(case=review, actor=clerk, judge=judge)
    complaint_pdf = Document.objects.get(pk=review.complaint_id or 0)
    applicant = review.matter.parties.get(role=PartyRole.APPLICANT)
    respondent = review.matter.parties.get(role=PartyRole.RESPONDENT)
    served = Service.objects.create(
        case=review, document=complaint_pdf, party=applicant, method=ServiceMethod.ELECTRONIC,
        status=ServiceStatus.SERVED, sent_by=clerk, served_at=timezone.now(),
    )  # fmt: skip
    delivery = Service.objects.create(
        case=review, document=complaint_pdf, party=respondent, method=ServiceMethod.IN_PERSON,
        status=ServiceStatus.PENDING, sent_by=clerk, courier_organization=world.orgs["village"],
    )  # fmt: skip

    mediated = services.mediation_offer(
        case=referred(), actor=clerk, mediator=invited, consent="双方同意诉前调解"
    )

    filed = referred()
    CourtCase.objects.filter(pk=filed.pk).update(status=CaseStatus.FILED)

    heard = referred()
    CourtCase.objects.filter(pk=heard.pk).update(status=CaseStatus.FILED)
    hearing = services.hearing_schedule(case=heard, actor=judge, mode="async")
    round_ = services.round_open(
        hearing=hearing, actor=judge, kind="statement", due_at=timezone.now() + dt.timedelta(days=3)
    )

    decided = referred()
    CourtCase.objects.filter(pk=decided.pk).update(
        status=CaseStatus.JUDGMENT,
        decision_kind="judgment",
        appeal_ends_at=timezone.now() + dt.timedelta(days=15),
    )

    applied = services.confirmation_apply(matter=agreed(), actor=world.citizen)
    applied = services.judge_assign(case=applied, actor=clerk, judge=judge)

    return {
        "review": review,
        "served": served,
        "delivery": delivery,
        "mediated": mediated,
        "filed": filed,
        "heard": heard,
        "hearing": hearing,
        "round": round_,
        "decided": decided,
        "applied": applied,
        "to_refer": fail_mediation(world, file_dispute(world)),
        "agreed": agreed(),
        "unassigned_judge": who["unassigned_judge"],
    }


def _all_joined(c: dict[str, Any]) -> None:
    c["applied"].consents.update(joined_at=timezone.now())


# name -> (method, path, body, prepare)
Endpoint = tuple[str, Any, Any, Any]
ENDPOINTS: dict[str, Endpoint] = {
    "causes": ("get", lambda c: f"{API}/causes", None, None),
    "fee": ("get", lambda c: f"{API}/fee?cause=private_lending&amount=50000", None, None),
    "codes": ("get", lambda c: f"{API}/codes", None, None),
    "list": ("get", lambda c: f"{API}/cases", None, None),
    "detail": ("get", lambda c: case_url(c["review"]), None, None),
    "notes": ("get", lambda c: case_url(c["review"], "notes"), None, None),
    "add-note": ("post", lambda c: case_url(c["review"], "notes"), lambda c: {"text": "被告地址需核实"}, None),
    "services": ("get", lambda c: case_url(c["review"], "services"), None, None),
    "read-service": ("post", lambda c: case_url(c["review"], f"services/{c['served'].pk}/read"), lambda c: {}, None),
    "hearings": ("get", lambda c: case_url(c["heard"], "hearings"), None, None),
    "matter-cases": ("get", lambda c: matter_url(c["review"].matter, "cases"), None, None),
    "offer-mediation": (
        "post", lambda c: case_url(c["review"], "offer-mediation"),
        lambda c: {"mediator": c["mediated"].mediator_id, "consent": "双方同意诉前调解"}, None,
    ),
    "extend-mediation": (
        "post", lambda c: case_url(c["mediated"], "extend-mediation"), lambda c: {"days": 10, "consent": "双方同意延长"}, None,
    ),
    "settle": (
        "post", lambda c: case_url(c["mediated"], "settle"),
        lambda c: {"terms": "被告停止夜间施工。", "obligations": []}, None,
    ),
    "mediation-failed": ("post", lambda c: case_url(c["mediated"], "mediation-failed"), lambda c: {"reason": "被告拒绝调解"}, None),
    "request-correction": ("post", lambda c: case_url(c["review"], "request-correction"), lambda c: {"items": ["补充证据"]}, None),
    "accept-filing": ("post", lambda c: case_url(c["review"], "accept-filing"), lambda c: {}, None),
    "refuse-filing": ("post", lambda c: case_url(c["review"], "refuse-filing"), lambda c: {"reason": "不属于受理范围"}, None),
    "join-in-person": (
        "post", lambda c: case_url(c["applied"], "join-in-person"),
        lambda c: {"party": c["applied"].consents.get(joined_at__isnull=True).party_id, "reason": "到窗口签字"}, None,
    ),
    "accept-confirmation": ("post", lambda c: case_url(c["applied"], "accept-confirmation"), lambda c: {}, _all_joined),
    "rule-confirmation": (
        "post", lambda c: case_url(c["applied"], "rule-confirmation"), lambda c: {"confirmed": True, "reason": "协议合法有效"},
        lambda c: CourtCase.objects.filter(pk=c["applied"].pk).update(status=CaseStatus.CONFIRMATION_REVIEW),
    ),
    "assign-judge": ("post", lambda c: case_url(c["review"], "assign-judge"), lambda c: {"judge": c["unassigned_judge"].pk}, None),
    "schedule-hearing": ("post", lambda c: case_url(c["filed"], "schedule-hearing"), lambda c: {"mode": "async"}, None),
    "cancel-hearing": (
        "post", lambda c: case_url(c["heard"], "cancel-hearing"), lambda c: {"hearing": c["hearing"].pk, "reason": "法官出差"}, None,
    ),
    "record-hearing": (
        "post", lambda c: case_url(c["heard"], "record-hearing"), lambda c: {"hearing": c["hearing"].pk, "record": "双方已陈述。"}, None,
    ),
    "open-round": (
        "post", lambda c: case_url(c["heard"], "open-round"),
        lambda c: {"hearing": c["hearing"].pk, "kind": "evidence", "due_at": in_future(days=5)},
        lambda c: HearingRound.objects.filter(pk=c["round"].pk).update(closed_at=timezone.now()),
    ),
    "close-round": ("post", lambda c: case_url(c["heard"], "close-round"), lambda c: {"round": c["round"].pk}, None),
    "issue-decision": (
        "multipart", lambda c: case_url(c["filed"], "issue-decision"),
        lambda c: {"kind": "judgment", "summary": "判决被告赔偿", "file": pdf()}, None,
    ),
    "record-appeal": (
        "post", lambda c: case_url(c["decided"], "record-appeal"),
        lambda c: {"party": c["decided"].matter.parties.get(role=PartyRole.APPLICANT).pk}, None,
    ),
    "withdraw": ("post", lambda c: case_url(c["review"], "withdraw"), lambda c: {"reason": "不再起诉"}, None),
    "performance": (
        "post", lambda c: case_url(c["decided"], "performance"), lambda c: {"performed": True},
        lambda c: CourtCase.objects.filter(pk=c["decided"].pk).update(status=CaseStatus.CLOSED, performance="pending"),
    ),
    "join": ("post", lambda c: case_url(c["applied"], "join"), lambda c: {}, None),
    "submit": ("multipart", lambda c: f"{API}/rounds/{c['round'].pk}/submissions", lambda c: {"text": "坚持诉讼请求。"}, None),
    "refer": ("post", lambda c: matter_url(c["to_refer"], "refer"), lambda c: {"note": "调解不成"}, None),
    "complaint": ("multipart", lambda c: matter_url(c["to_refer"], "complaint"), lambda c: complaint_form(), None),
    "confirmation": ("post", lambda c: matter_url(c["agreed"], "confirmation"), lambda c: {}, None),
    "deliveries": ("get", lambda c: f"{API}/deliveries", None, None),
    "delivered": ("multipart", lambda c: f"{API}/deliveries/{c['delivery'].pk}/delivered", lambda c: {"photo": png()}, None),
    "delivery-failed": (
        "post", lambda c: f"{API}/deliveries/{c['delivery'].pk}/failed", lambda c: {"reason": "家中无人"}, None,
    ),
}  # fmt: skip


def call(client: Client, endpoint: str, c: dict[str, Any]):
    """Call one endpoint on the courthouse and undo whatever it did; a refusal must have written nothing."""
    method, path, body, prepare = ENDPOINTS[endpoint]
    with transaction.atomic():
        if prepare is not None:
            prepare(c)
        before = snapshot()
        if method == "get":
            response = client.get(path(c))
        elif method == "multipart":
            response = multipart(client, path(c), body(c))
        else:
            response = post(client, path(c), body(c))
        if response.status_code >= 400:
            assert snapshot() == before, (endpoint, response.status_code)
        transaction.set_rollback(True)
    return response


def test_every_endpoint_is_documented_in_the_matrix():
    assert set(ENDPOINTS) == set(RIGHTS) | set(MATTER_RIGHTS) | PUBLIC | {
        "list", "deliveries", "delivered", "delivery-failed",
    }  # fmt: skip
    # every route (and method) of the court has its row: a new route must join the matrix
    assert len(ENDPOINTS) == sum(len(methods) for methods in COURT_ROUTES.values())


@pytest.mark.parametrize("who", ROLES)
def test_who_may_use_which_endpoint(world, clerk, judge, invited, other_court_clerk, who):
    persons = people(world, clerk, judge, invited, other_court_clerk)
    c = courthouse(world, persons)
    client = client_for(persons[who])
    missing = client.get(f"{API}/cases/999999")
    answers = {}
    for endpoint in ENDPOINTS:
        response = call(client, endpoint, c)
        answers[endpoint] = response.status_code
        if response.status_code == 404:
            assert response.json() == missing.json(), endpoint
    assert answers == {endpoint: expected(endpoint, who) for endpoint in ENDPOINTS}
