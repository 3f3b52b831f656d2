"""The court's services end to end: each path from the docking window to a closed case, at service level."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from suyuan.accounts.access import forget_scope
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.court import access, services
from suyuan.court.choices import (
    CaseOutcome,
    CaseStatus,
    CaseTrack,
    DecisionKind,
    HearingMode,
    PerformanceStatus,
    RoundKind,
    ServiceMethod,
    ServiceStatus,
    TimeLimitKind,
)
from suyuan.court.models import CaseNote, CourtCase, Service
from suyuan.court.tests.conftest import attach_materials, complaint, pdf_upload, refresh, upload
from suyuan.court.transitions import IllegalCaseTransition
from suyuan.matters.choices import DocumentKind, EventKind, MatterStatus, PartyRole
from suyuan.matters.models import Document, Matter, MatterEvent
from suyuan.matters.tests.conftest import file_dispute
from suyuan.mediation.choices import AgreementStatus
from suyuan.mediation.models import Agreement
from suyuan.mediation.services import ObligationInput
from suyuan.notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db


def kinds(matter: Matter) -> list[str]:
    return list(MatterEvent.objects.filter(matter=matter).order_by("seq").values_list("kind", flat=True))


def filed(world, matter: Matter) -> CourtCase:
    """File the complaint on a matter as its citizen, with the materials attached in the same step."""
    return services.complaint_file(
        matter=matter,
        actor=world.citizen,
        complaint=complaint(),
        uploads=[upload("identity"), upload("evidence")],
    )


class TestReferralAndFiling:
    def test_referral_docks_the_matter_at_the_court_with_its_history(self, world, failed, clerk):
        mediator = world.staff["mediator"]
        case = services.case_refer(matter=failed, actor=mediator, note="调解不成，引导诉讼")
        matter = Matter.objects.get(pk=failed.pk)
        assert case.status == CaseStatus.DOCKED and case.court == world.orgs["court"]
        assert matter.status == MatterStatus.IN_COURT and matter.organization == world.orgs["court"]
        assert kinds(matter)[-1] == EventKind.COURT_DOCKED
        # the clerk now sees the matter and the case; the mediator still sees the matter
        forget_scope(clerk)
        assert access.cases_for_staff(clerk).filter(pk=case.pk).exists()
        assert Matter.objects.filter(pk=matter.pk).exists()

    def test_a_matter_still_in_mediation_cannot_be_referred(self, world, dispute_in_mediation):
        with pytest.raises(services.WrongState):
            services.case_refer(matter=dispute_in_mediation, actor=world.staff["mediator"])
        assert not CourtCase.objects.exists()

    def test_filing_reuses_the_matter_and_generates_the_complaint(self, world, failed, clerk):
        services.case_refer(matter=failed, actor=world.staff["mediator"])
        case = filed(world, failed)
        assert case.status == CaseStatus.FILING_REVIEW
        assert case.complaint is not None and case.complaint.kind == DocumentKind.COMPLAINT
        assert case.complaint.source == "generated" and case.complaint.content_type == "application/pdf"
        assert case.fee == Decimal("50.00")  # a non-property cause pays by the case
        assert case.due_kind == TimeLimitKind.FILING_DECISION and case.due_at is not None

    def test_filing_without_the_required_materials_is_refused_and_changes_nothing(self, world, failed):
        before = kinds(failed)
        with pytest.raises(ValidationError) as excinfo:
            services.complaint_file(
                matter=failed, actor=world.citizen, complaint=complaint(), uploads=[upload("identity")]
            )
        assert "materials" in excinfo.value.message_dict
        assert not CourtCase.objects.exists()
        assert kinds(failed) == before
        assert Matter.objects.get(pk=failed.pk).status == MatterStatus.UNRESOLVED
        assert not Document.objects.filter(matter=failed).exists()

    def test_a_property_claim_needs_its_amount_and_pays_by_it(self, world, failed):
        with pytest.raises(ValidationError) as excinfo:
            services.complaint_file(
                matter=failed, actor=world.citizen, complaint=complaint(cause="private_lending"),
                uploads=[upload("identity"), upload("evidence")],
            )  # fmt: skip
        assert "amount_claimed" in excinfo.value.message_dict
        case = services.complaint_file(
            matter=failed, actor=world.citizen, complaint=complaint(cause="private_lending", amount_claimed="50000"),
            uploads=[upload("identity"), upload("evidence")],
        )  # fmt: skip
        assert case.fee == Decimal("1050.00")

    def test_only_the_applicant_files(self, world, failed):
        attach_materials(world, failed)
        with pytest.raises((Forbidden, NotFound)):
            services.complaint_file(matter=failed, actor=world.staff["court_clerk"], complaint=complaint())

    def test_correction_then_acceptance_numbers_the_case_and_serves_the_notices(self, world, failed, clerk):
        case = filed(world, failed)
        case = services.correction_request(case=case, actor=clerk, items=["补充被告的身份信息"])
        assert case.status == CaseStatus.CORRECTION and case.correction_items == ["补充被告的身份信息"]
        notice = Document.objects.filter(matter=failed, kind=DocumentKind.COURT_NOTICE).get()
        assert Service.objects.get(document=notice).party.role == PartyRole.APPLICANT
        case = services.complaint_file(
            matter=failed, actor=world.citizen, complaint=complaint(facts="补正后的事实与理由：" * 3)
        )
        assert case.status == CaseStatus.FILING_REVIEW and case.correction_items == []
        case = services.filing_accept(case=case, actor=clerk)
        assert case.status == CaseStatus.FILED
        assert case.number is not None and case.number.number.startswith(
            f"({timezone.localdate().year})浙0881民初"
        )
        served = Service.objects.filter(case=case, status=ServiceStatus.SERVED)
        # plaintiff: acceptance + fee notices; defendant: complaint + notice to respond + evidence notice
        assert served.filter(party__role=PartyRole.APPLICANT).count() == 2 + 1  # + the correction notice
        assert served.filter(party__role=PartyRole.RESPONDENT).count() == 3
        assert case.due_kind == TimeLimitKind.ANSWER
        assert EventKind.FILING_ACCEPTED in kinds(failed)

    def test_refusal_is_a_ruling_with_an_appeal_period_then_closes(self, world, failed, clerk):
        case = filed(world, failed)
        case = services.filing_refuse(case=case, actor=clerk, reason="不属于人民法院受理民事诉讼的范围")
        assert case.status == CaseStatus.JUDGMENT and case.decision_kind == DecisionKind.RULING
        assert case.decision is not None and case.decision.kind == DocumentKind.RULING
        assert case.appeal_ends_at is not None
        with time_machine.travel(case.appeal_ends_at + dt.timedelta(minutes=1), tick=False):
            assert services.cases_close_effective() == 1
        case = refresh(case)
        assert case.status == CaseStatus.CLOSED and case.outcome == CaseOutcome.REFUSED
        assert Matter.objects.get(pk=failed.pk).status == MatterStatus.CLOSED


class TestPreFilingMediation:
    def test_settlement_creates_the_agreement_and_resolves_the_matter(self, world, failed, clerk, invited):
        case = services.case_refer(matter=failed, actor=world.staff["mediator"])
        case = services.mediation_offer(case=case, actor=clerk, mediator=invited, consent="双方同意诉前调解")
        assert case.status == CaseStatus.PRE_FILING_MEDIATION and "民诉前调" in case.display_number
        assert case.mediation_due_at is not None
        # the invited mediator now sees the matter
        assert Matter.objects.filter(pk=failed.pk).exists()
        forget_scope(invited)
        from suyuan.matters.access import matters_visible_to

        assert matters_visible_to(invited).filter(pk=failed.pk).exists()
        respondent = failed.parties.get(role=PartyRole.RESPONDENT)
        case = services.mediation_settle(
            case=case, actor=invited, terms="被告停止夜间施工并赔偿500元。",
            obligations=[ObligationInput(obligor=respondent, description="赔偿", amount="500",
                                         due_on=timezone.localdate() + dt.timedelta(days=10))],
        )  # fmt: skip
        assert case.status == CaseStatus.CLOSED and case.outcome == CaseOutcome.SETTLED
        matter = Matter.objects.get(pk=failed.pk)
        assert matter.status == MatterStatus.RESOLVED
        assert Agreement.objects.get(matter=matter).status == AgreementStatus.AWAITING

    def test_extension_once_with_consent(self, world, failed, clerk, invited):
        case = services.case_refer(matter=failed, actor=world.staff["mediator"])
        case = services.mediation_offer(case=case, actor=clerk, mediator=invited, consent="双方同意诉前调解")
        before = case.mediation_due_at
        case = services.mediation_extend(case=case, actor=invited, days=15, consent="双方书面同意延长")
        assert case.mediation_due_at is not None and before is not None
        assert case.mediation_due_at > before
        with pytest.raises(services.WrongState):
            services.mediation_extend(case=case, actor=invited, days=5, consent="再延长一次")

    def test_failure_with_a_complaint_on_file_resumes_the_filing_review(self, world, failed, clerk, invited):
        case = filed(world, failed)
        case = services.mediation_offer(
            case=case, actor=clerk, mediator=invited, consent="立案前先行调解，双方同意"
        )
        case = services.mediation_fail(case=case, actor=invited, reason="被告拒绝调解方案")
        assert case.status == CaseStatus.FILING_REVIEW and case.due_kind == TimeLimitKind.FILING_DECISION

    def test_the_mediator_must_be_one_the_court_invited(self, world, failed, clerk):
        case = services.case_refer(matter=failed, actor=world.staff["mediator"])
        with pytest.raises(ValidationError):
            services.mediation_offer(
                case=case, actor=clerk, mediator=world.staff["mediator"], consent="双方同意诉前调解"
            )
        assert refresh(case).status == CaseStatus.DOCKED


class TestJudicialConfirmation:
    def test_joint_application_acceptance_and_ruling(self, world, effective, clerk, judge):
        matter = effective.matter
        case = services.confirmation_apply(matter=matter, actor=world.citizen)
        assert case.track == CaseTrack.CONFIRMATION and case.status == CaseStatus.DOCKED
        with pytest.raises(services.WrongState):
            services.confirmation_accept(case=case, actor=clerk)  # the respondent has not joined
        respondent = matter.parties.get(role=PartyRole.RESPONDENT)
        services.confirmation_join_in_person(
            case=case, actor=clerk, party_id=respondent.pk, reason="被申请人到窗口签字"
        )
        case = services.confirmation_accept(case=case, actor=clerk)
        assert case.status == CaseStatus.CONFIRMATION_REVIEW and "民特" in case.display_number
        assert case.due_kind == TimeLimitKind.CONFIRMATION_DECISION
        with pytest.raises(NotFound):  # not assigned yet: the judge does not even see the matter
            services.confirmation_rule(case=case, actor=judge, confirmed=True, reason="协议合法有效")
        case = services.judge_assign(case=case, actor=clerk, judge=judge)
        case = services.confirmation_rule(
            case=case, actor=judge, confirmed=True, reason="调解协议系双方真实意思表示，内容合法"
        )
        assert case.status == CaseStatus.CLOSED and case.outcome == CaseOutcome.CONFIRMED
        assert case.performance == PerformanceStatus.PENDING
        assert Service.objects.filter(case=case, document=case.decision).count() == matter.parties.count()
        assert Matter.objects.get(pk=matter.pk).status == MatterStatus.CLOSED
        # the same agreement is not confirmed twice
        assert not services.may_apply_for_confirmation(Agreement.objects.get(pk=effective.pk))
        with pytest.raises(services.WrongState):
            services.confirmation_apply(matter=matter, actor=world.citizen)
        assert CourtCase.objects.filter(matter=matter).count() == 1

    def test_outside_the_time_limit_nothing_is_written(self, world, effective):
        later = timezone.now() + dt.timedelta(days=45)
        with time_machine.travel(later, tick=False), pytest.raises(services.WrongState):
            services.confirmation_apply(matter=effective.matter, actor=world.citizen)
        assert not CourtCase.objects.exists()

    def test_an_agreement_not_in_effect_cannot_be_confirmed(self, world, failed):
        with pytest.raises(services.WrongState):
            services.confirmation_apply(matter=failed, actor=world.citizen)


class TestHearingsAndDecisions:
    @pytest.fixture
    def case(self, world, failed, clerk, judge) -> CourtCase:
        case = services.filing_accept(case=filed(world, failed), actor=clerk)
        return services.judge_assign(case=case, actor=clerk, judge=judge)

    def test_hearing_in_the_notice_period_or_the_past_is_refused(self, case, judge):
        for when in (timezone.now() - dt.timedelta(hours=1), timezone.now() + dt.timedelta(days=2)):
            with pytest.raises(ValidationError):
                services.hearing_schedule(
                    case=case, actor=judge, mode=HearingMode.ROOM, starts_at=when, place="第三法庭"
                )
        assert refresh(case).status == CaseStatus.FILED

    def test_room_hearing_serves_a_summons_on_each_party(self, case, judge, failed):
        hearing = services.hearing_schedule(
            case=case,
            actor=judge,
            mode=HearingMode.ROOM,
            starts_at=timezone.now() + dt.timedelta(days=5),
            place="第三法庭",
        )
        assert refresh(case).status == CaseStatus.HEARING
        assert (
            Document.objects.filter(matter=failed, kind=DocumentKind.SUMMONS).count()
            == failed.parties.count()
        )
        assert hearing.place == "第三法庭"

    def test_asynchronous_rounds_decision_and_appeal_period(self, world, case, judge, failed):
        hearing = services.hearing_schedule(case=case, actor=judge, mode=HearingMode.ASYNC)
        round_ = services.round_open(
            hearing=hearing, actor=judge, kind=RoundKind.STATEMENT, due_at=timezone.now() + dt.timedelta(days=3),
            instructions="请原告陈述诉讼请求，被告答辩。",
        )  # fmt: skip
        submission = services.round_submit(round=round_, actor=world.citizen, text="坚持诉讼请求。")
        assert submission.party.role == PartyRole.APPLICANT
        services.round_close(round=round_, actor=judge)
        with pytest.raises(services.WrongState):
            services.round_submit(round=round_, actor=world.citizen, text="补充意见")
        services.hearing_record(hearing=hearing, actor=judge, record="书面审理，双方已充分陈述。")
        case = services.decision_issue(
            case=case,
            actor=judge,
            kind=DecisionKind.JUDGMENT,
            upload=pdf_upload(),
            summary="判决被告赔偿原告800元",
        )
        assert case.status == CaseStatus.JUDGMENT and case.appeal_ends_at is not None
        assert case.due_kind == TimeLimitKind.APPEAL_JUDGMENT
        with time_machine.travel(case.appeal_ends_at + dt.timedelta(seconds=1), tick=False):
            services.cases_close_effective()
        case = refresh(case)
        assert case.status == CaseStatus.CLOSED and case.outcome == CaseOutcome.JUDGED
        assert case.performance == PerformanceStatus.PENDING
        case = services.performance_report(
            case=case, actor=world.citizen, performed=False, note="被告未履行", enforcement=True
        )
        assert case.performance == PerformanceStatus.ENFORCEMENT

    def test_only_the_assigned_judge_decides(self, world, case, clerk):
        with pytest.raises(Forbidden):
            services.decision_issue(
                case=case, actor=clerk, kind=DecisionKind.JUDGMENT, upload=pdf_upload(), summary="判决如下"
            )
        assert refresh(case).status == CaseStatus.FILED

    def test_wrong_state_is_refused(self, case, clerk):
        with pytest.raises(IllegalCaseTransition):
            services.filing_accept(case=case, actor=clerk)


class TestServiceInPerson:
    def test_a_party_without_a_phone_is_served_by_the_grid_worker(self, world, clerk):
        from suyuan.matters.services import PartyInput

        matter = file_dispute(
            world,
            parties=[
                PartyInput(role=PartyRole.APPLICANT, name="市民甲", phone="13900001111"),
                PartyInput(role=PartyRole.RESPONDENT, name="老王", address="江山市双塔街道城北社区5号"),
            ],
        )
        from suyuan.court.tests.conftest import fail_mediation

        matter = fail_mediation(world, matter)
        case = services.filing_accept(case=filed(world, matter), actor=clerk)
        pending = Service.objects.filter(
            case=case, method=ServiceMethod.IN_PERSON, status=ServiceStatus.PENDING
        )
        assert pending.count() == 3
        grid_worker = world.staff["grid_worker"]
        forget_scope(grid_worker)
        service = access.deliveries_for(grid_worker).filter(status=ServiceStatus.PENDING).first()
        assert service is not None
        from django.core.files.uploadedfile import SimpleUploadedFile

        from suyuan.matters.tests import files

        photo = SimpleUploadedFile("回证.jpg", files.jpeg(), content_type="image/jpeg")
        service = services.service_deliver(service=service, actor=grid_worker, photo=photo)
        assert service.status == ServiceStatus.SERVED and service.proof is not None
        assert service.proof.kind == DocumentKind.SERVICE_RECEIPT
        # another county's clerk sees none of it
        assert not access.deliveries_for(world.kecheng).exists()


class TestNotes:
    def test_notes_are_the_courts_own(self, world, failed, clerk, judge):
        case = filed(world, failed)
        services.case_note_add(case=case, actor=clerk, text="被告地址需核实")
        with pytest.raises((Forbidden, NotFound)):
            services.case_note_add(case=case, actor=world.staff["mediator"], text="调解员想写")
        assert CaseNote.objects.count() == 1
        # the note is not an event of the matter
        assert not MatterEvent.objects.filter(matter=failed, text="被告地址需核实").exists()

    def test_another_courts_clerk_sees_nothing(self, world, failed, other_court_clerk):
        case = filed(world, failed)
        assert not access.cases_for_staff(other_court_clerk).filter(pk=case.pk).exists()
        with pytest.raises(NotFound):
            access.case_for_staff(other_court_clerk, case.pk)
        with pytest.raises((NotFound, Forbidden)):
            services.filing_accept(case=case, actor=other_court_clerk)
        assert OutboundMessage.objects.exists()
