"""The people's mediation agreement (人民调解协议书) as a PDF with an embedded Chinese font.

The font, page numbers and plain-text handling come from ``suyuan.core.pdf`` (shared with the court's
documents). Everything a user wrote is drawn as plain text (control and formatting characters removed):
nothing is interpreted as markup.
"""

from __future__ import annotations

from datetime import datetime

from fpdf.enums import Align, XPos, YPos

from suyuan.core.pdf import FONT, Document, china_date, plain, yuan
from suyuan.matters.choices import EventKind, MatterStatus, PartyKind, PartyRole
from suyuan.matters.models import Matter, MatterEvent, Party
from suyuan.mediation.choices import ConfirmationMethod
from suyuan.mediation.models import Agreement

__all__ = ["NoAgreement", "has_agreement", "plain", "render_agreement_pdf"]

AGREEMENT_STATUSES = frozenset({MatterStatus.RESOLVED, MatterStatus.CLOSED})
ROLE_LABELS = {
    PartyRole.APPLICANT: "申请人",
    PartyRole.RESPONDENT: "被申请人",
    PartyRole.THIRD_PARTY: "第三人",
}
ROLE_ORDER = [PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.THIRD_PARTY]
CLOSING_CLAUSES = [
    "履行方式和期限：按上述协议内容及履行义务所写的方式和期限履行。",
    "本协议经各方当事人确认（签名或以短信验证码确认）、人民调解员签名并加盖人民调解委员会印章后生效。",
    "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。"
    "一方不履行的，对方可以申请再次调解，或者自协议生效之日起三十日内共同向人民法院申请司法确认，也可以向人民法院提起诉讼。",
    "本协议一式若干份，各方当事人、人民调解委员会各执一份，具有同等效力。",
]


class NoAgreement(ValueError):
    """Raised when a matter has no recorded mediation agreement to put on paper."""


def has_agreement(matter: Matter) -> bool:
    """Return whether the matter ended in a recorded agreement (resolved, or closed after one)."""
    return matter.status in AGREEMENT_STATUSES and bool(matter.outcome_summary) and not matter.failure_route


# --- content ----------------------------------------------------------------------------------------------


def _party_line(party: Party) -> str:
    label = ROLE_LABELS.get(PartyRole(party.role), party.role)
    details = []
    if party.kind == PartyKind.ORGANIZATION:
        if party.credit_code:
            details.append(f"统一社会信用代码：{party.credit_code}")
    elif party.id_number:
        details.append(f"身份证号码：{party.id_number_masked}")
    return f"{label}：{party.name}" + (f"（{'，'.join(details)}）" if details else "")


def _recorded_at(matter: Matter, agreement: Agreement | None) -> datetime:
    if agreement is not None:
        return agreement.recorded_at
    event = (
        MatterEvent.objects.filter(matter=matter, kind=EventKind.AGREEMENT_RECORDED).order_by("-seq").first()
    )
    if event is None:
        raise NoAgreement("This matter has no recorded agreement.")
    return event.created_at


def render_agreement_pdf(matter: Matter, agreement: Agreement | None = None) -> bytes:
    """Return the matter's people's mediation agreement as PDF bytes, or raise ``NoAgreement``.

    ``agreement`` (with its obligations and confirmations) is looked up when not given; a matter resolved
    without one (through the plain API command) gets the document from its recorded terms alone.
    """
    if not has_agreement(matter):
        raise NoAgreement("Only a resolved or closed matter with a recorded agreement has one.")
    if agreement is None:
        agreement = Agreement.objects.filter(matter=matter).first()
    recorded_at = _recorded_at(matter, agreement)
    parties = sorted(
        matter.parties.all(), key=lambda p: (ROLE_ORDER.index(PartyRole(p.role)), p.created_at, p.pk)
    )
    organization = plain(matter.organization.name) if matter.organization else ""
    mediator = plain(matter.mediator.full_name or matter.mediator.get_username()) if matter.mediator else ""
    terms = agreement.terms if agreement is not None else matter.outcome_summary
    obligations = (
        list(agreement.obligations.select_related("obligor").order_by("position", "pk")) if agreement else []
    )
    confirmations = {
        c.party_id: c for c in (agreement.confirmations.select_related("confirmed_by") if agreement else [])
    }

    pdf = Document(title="人民调解协议书")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.add_page()

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font(FONT, size=12)
        pdf.multi_cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=11)

    def paragraph(text: str) -> None:
        pdf.multi_cell(0, 7, plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_font(FONT, size=20)
    pdf.cell(0, 14, "人民调解协议书", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(
        0,
        6,
        f"{organization}\n编号：{matter.display_code}　　日期：{china_date(recorded_at)}",
        align=Align.C,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(4)

    heading("当事人")
    for party in parties:
        paragraph(_party_line(party))

    heading("纠纷简要情况")
    paragraph(matter.description)

    heading("经调解，自愿达成如下协议")
    paragraph(terms)

    if obligations:
        heading("履行义务")
        for number, obligation in enumerate(obligations, start=1):
            amount = f"，金额{yuan(obligation.amount)}" if obligation.amount is not None else ""
            paragraph(
                f"{number}. {obligation.obligor.name}：{obligation.description}{amount}，"
                f"于{china_date(obligation.due_on)}前履行。"
            )

    heading("其他约定")
    for number, clause in enumerate(CLOSING_CLAUSES, start=1):
        paragraph(f"{number}. {clause}")

    if confirmations:
        heading("当事人确认")
        for party in parties:
            confirmation = confirmations.get(party.pk)
            label = ROLE_LABELS.get(PartyRole(party.role), party.role)
            if confirmation is None or confirmation.confirmed_at is None:
                state = "尚未确认"
            elif confirmation.method == ConfirmationMethod.CODE:
                state = f"已于{china_date(confirmation.confirmed_at)}通过短信验证码确认"
            else:
                state = f"已于{china_date(confirmation.confirmed_at)}当面确认（调解员记录）"
            paragraph(f"{label}（{party.name}）：{state}")

    heading("签名（盖章）")
    pdf.ln(2)
    for party in parties:
        label = ROLE_LABELS.get(PartyRole(party.role), party.role)
        paragraph(f"{label}（{party.name}）：________________　　　年　　月　　日")
        pdf.ln(2)
    paragraph(f"人民调解员（{mediator}）：________________　　　年　　月　　日")
    pdf.ln(2)
    paragraph(f"{organization}（印章）")
    pdf.ln(2)
    paragraph("　　　　　　　　　　　　　　　　　　　　　　　　年　　月　　日")

    return bytes(pdf.output())
