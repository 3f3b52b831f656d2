"""The people's mediation agreement as a PDF: its content, its font, and who may download it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership
from suyuan.accounts.tests.world import new_user, sign_in
from suyuan.matters import services
from suyuan.matters.choices import PartyKind, PartyRole
from suyuan.matters.models import Matter
from suyuan.matters.services import PartyInput
from suyuan.matters.tests.conftest import APPLICANT_PHONE, file_dispute
from suyuan.mediation import services as mediation_services
from suyuan.mediation.agreement_pdf import NoAgreement, plain, render_agreement_pdf
from suyuan.mediation.services import ObligationInput

TERMS = "一、被申请人自即日起晚上八点后停止装修施工。\n二、被申请人于十日内向申请人当面致歉。"
DESCRIPTION = "楼上邻居连续两周在晚上十点后装修。<script>alert(1)</script>"
APPLICANT_ID = "330881199001011238"


def settle(world, matter: Matter, terms: str = TERMS) -> Matter:
    """Drive a matter from submitted to resolved, the way the services do it."""
    dispatcher = world.staff[Role.DISPATCHER]
    mediator = world.staff[Role.MEDIATOR]
    Membership.objects.create(user=mediator, organization=world.orgs["village"], role=Role.MEDIATOR)
    services.matter_accept(matter=matter, actor=dispatcher)
    services.matter_assign(
        matter=matter, actor=dispatcher, organization=world.orgs["village"], mediator=mediator
    )
    services.matter_start_mediation(matter=matter, actor=mediator)
    respondent = matter.parties.get(role=PartyRole.RESPONDENT)
    mediation_services.agreement_record(
        matter=matter,
        actor=mediator,
        terms=terms,
        obligations=[
            ObligationInput(
                obligor=respondent,
                description="赔偿粉刷费用",
                amount="800.50",
                due_on=timezone.localdate() + dt.timedelta(days=10),
            )
        ],
    )
    return Matter.objects.select_related("organization", "mediator").get(pk=matter.pk)


@pytest.fixture
def resolved(world) -> Matter:
    matter = file_dispute(
        world,
        description=DESCRIPTION,
        parties=[
            PartyInput(
                role=PartyRole.APPLICANT, name="市民甲", phone=APPLICANT_PHONE, id_number=APPLICANT_ID
            ),
            PartyInput(role=PartyRole.RESPONDENT, name="楼上住户", phone="13900002222"),
            PartyInput(
                role=PartyRole.THIRD_PARTY,
                name="某物业服务有限公司",
                kind=PartyKind.ORGANIZATION,
                credit_code="91330881MA2A0B1C2Q",
            ),
        ],
    )
    return settle(world, matter)


def text_of(content: bytes) -> str:
    # pypdf reads fpdf2's two-byte glyph codes with a NUL before each character (poppler does not): drop them.
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace("\x00", "")


class TestDocument:
    def test_the_agreement_is_a_small_pdf_with_an_embedded_font(self, resolved):
        content = render_agreement_pdf(resolved)
        assert content.startswith(b"%PDF")
        assert b"/FontFile" in content
        assert len(content) < 200 * 1024

    def test_it_holds_the_title_parties_terms_and_clauses(self, resolved):
        text = text_of(render_agreement_pdf(resolved))
        compact = "".join(text.split())
        assert "人民调解协议书" in compact
        assert resolved.display_code in text
        for name in ("市民甲", "楼上住户", "某物业服务有限公司"):
            assert name in compact
        assert "91330881MA2A0B1C2Q" in compact
        assert "被申请人自即日起晚上八点后停止装修施工" in compact
        assert "于十日内向申请人当面致歉" in compact
        assert "加盖人民调解委员会印章后生效" in compact
        assert resolved.mediator.full_name in compact

    def test_identifiers_are_masked(self, resolved):
        compact = "".join(text_of(render_agreement_pdf(resolved)).split())
        assert APPLICANT_ID not in compact
        assert "330881********1238" in compact
        assert APPLICANT_PHONE not in compact

    def test_user_text_is_drawn_literally(self, resolved):
        assert "<script>alert(1)</script>" in text_of(render_agreement_pdf(resolved))

    def test_obligations_and_confirmations_are_in_it(self, resolved):
        compact = "".join(text_of(render_agreement_pdf(resolved)).split())
        assert "履行义务" in compact
        assert "楼上住户：赔偿粉刷费用，金额人民币800.50元" in compact
        assert "当事人确认" in compact and "尚未确认" in compact
        assert "城北社区人民调解委员会" in compact

    def test_control_and_bidi_characters_are_removed(self):
        assert plain("甲\u202e乙\x00丙\n丁\t戊") == "甲乙丙\n丁 戊"

    def test_the_font_is_parsed_once_and_documents_stay_independent(self, resolved):
        first = render_agreement_pdf(resolved)
        second = render_agreement_pdf(resolved)
        assert text_of(first) == text_of(second)
        assert b"/FontFile" in second

    def test_a_matter_without_agreement_has_none(self, world, dispute):
        with pytest.raises(NoAgreement):
            render_agreement_pdf(dispute)

    def test_a_failed_mediation_that_was_closed_has_none(self, world, dispute):
        dispatcher = world.staff[Role.DISPATCHER]
        mediator = world.staff[Role.MEDIATOR]
        Membership.objects.create(user=mediator, organization=world.orgs["village"], role=Role.MEDIATOR)
        services.matter_accept(matter=dispute, actor=dispatcher)
        services.matter_assign(
            matter=dispute, actor=dispatcher, organization=world.orgs["village"], mediator=mediator
        )
        services.matter_start_mediation(matter=dispute, actor=mediator)
        services.matter_record_failure(matter=dispute, actor=mediator, reason="双方分歧较大", route="court")
        services.matter_close(matter=dispute, actor=mediator)
        dispute.refresh_from_db()
        with pytest.raises(NoAgreement):
            render_agreement_pdf(dispute)


def portal_url(matter: Matter) -> str:
    return reverse("mediation:agreement_pdf", kwargs={"code": matter.display_code})


def staff_url(matter: Matter) -> str:
    return reverse("mediation:staff_agreement_pdf", kwargs={"code": matter.display_code})


class TestDownload:
    def test_the_owner_downloads_it(self, client, world, resolved):
        response = sign_in(client, world.citizen).get(portal_url(resolved))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert (
            response["Content-Disposition"] == f'attachment; filename="agreement-{resolved.display_code}.pdf"'
        )
        assert response.content.startswith(b"%PDF")

    def test_the_dispatcher_downloads_it(self, client, world, resolved):
        response = sign_in(client, world.staff[Role.DISPATCHER]).get(staff_url(resolved))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")

    def test_another_countys_staff_get_404(self, client, world, resolved):
        assert sign_in(client, world.kecheng).get(staff_url(resolved)).status_code == 404

    def test_another_citizen_gets_404(self, client, world, resolved):
        other = new_user(username="other.citizen", full_name="市民乙", phone="13800000099")
        assert sign_in(client, other).get(portal_url(resolved)).status_code == 404

    def test_a_matter_without_agreement_gives_404(self, client, world, dispute):
        assert sign_in(client, world.citizen).get(portal_url(dispute)).status_code == 404
        assert sign_in(client, world.staff[Role.DISPATCHER]).get(staff_url(dispute)).status_code == 404

    def test_the_pages_link_to_it_only_once_agreed(self, client, world, dispute):
        sign_in(client, world.citizen)
        page = reverse("matters:matter", kwargs={"code": dispute.display_code})
        assert b'data-testid="agreement-pdf"' not in client.get(page).content
        settle(world, dispute)
        assert b'data-testid="agreement-pdf"' in client.get(page).content
        staff_page = reverse("matters:staff_detail", kwargs={"code": dispute.display_code})
        sign_in(client, world.staff[Role.DISPATCHER])
        assert b'data-testid="agreement-pdf"' in client.get(staff_page).content
