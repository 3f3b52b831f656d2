"""The people's mediation agreement (人民调解协议书) of a matter, as a PDF with an embedded Chinese font.

The font is Noto Serif SC (SIL Open Font License) from ``pylopdf-fonts-zh-cn``; fpdf2 embeds only the
glyphs the document uses, so the file stays small and renders in any viewer without system fonts.
Everything a user wrote is drawn as plain text: nothing is interpreted as markup.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from pylopdf_fonts_zh_cn import serif_path

from suyuan.core.exceptions import NotFound
from suyuan.matters.choices import EventKind, MatterStatus, PartyKind, PartyRole
from suyuan.matters.models import Matter, MatterEvent, Party

FONT = "NotoSerifSC"
LOCAL_TIME = ZoneInfo("Asia/Shanghai")
AGREEMENT_STATUSES = frozenset({MatterStatus.RESOLVED, MatterStatus.CLOSED})
ROLE_LABELS = {
    PartyRole.APPLICANT: "申请人",
    PartyRole.RESPONDENT: "被申请人",
    PartyRole.THIRD_PARTY: "第三人",
}
ROLE_ORDER = [PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.THIRD_PARTY]
CLOSING_CLAUSES = [
    "履行方式和期限：按上述协议内容所写的方式和期限履行。",
    "本协议自各方当事人签名（盖章）、人民调解员签名并加盖人民调解委员会印章之日起生效。",
    "经人民调解委员会调解达成的调解协议，具有法律约束力，当事人应当按照约定履行。",
    "本协议一式若干份，各方当事人、人民调解委员会各执一份，具有同等效力。",
]


class NoAgreement(ValueError):
    """Raised when a matter has no recorded mediation agreement to put on paper."""


def has_agreement(matter: Matter) -> bool:
    """Return whether the matter ended in a recorded agreement (resolved, or closed after one)."""
    return matter.status in AGREEMENT_STATUSES and bool(matter.outcome_summary) and not matter.failure_route


def _agreement_event(matter: Matter) -> MatterEvent:
    event = (
        MatterEvent.objects.filter(matter=matter, kind=EventKind.AGREEMENT_RECORDED).order_by("-seq").first()
    )
    if event is None:
        raise NoAgreement("This matter has no recorded agreement.")
    return event


def _date(moment: datetime) -> str:
    local = moment.astimezone(LOCAL_TIME)
    return f"{local.year}年{local.month}月{local.day}日"


def _party_line(party: Party) -> str:
    label = ROLE_LABELS.get(PartyRole(party.role), party.role)
    details = []
    if party.kind == PartyKind.ORGANIZATION:
        if party.credit_code:
            details.append(f"统一社会信用代码：{party.credit_code}")
    elif party.id_number:
        details.append(f"身份证号码：{party.id_number_masked}")
    return f"{label}：{party.name}" + (f"（{'，'.join(details)}）" if details else "")


class _Document(FPDF):
    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, size=9)
        self.cell(0, 10, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align=Align.C)


def render_agreement_pdf(matter: Matter) -> bytes:
    """Return the matter's people's mediation agreement as PDF bytes, or raise ``NoAgreement``."""
    if not has_agreement(matter):
        raise NoAgreement("Only a resolved or closed matter with a recorded agreement has one.")
    event = _agreement_event(matter)
    parties = sorted(
        matter.parties.all(), key=lambda p: (ROLE_ORDER.index(PartyRole(p.role)), p.created_at, p.pk)
    )
    organization = matter.organization.name if matter.organization else ""
    mediator = (matter.mediator.full_name or matter.mediator.get_username()) if matter.mediator else ""

    pdf = _Document(format="A4")
    pdf.set_title("人民调解协议书")
    pdf.set_creator("Suyuan")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.add_font(FONT, fname=str(serif_path()))
    pdf.add_page()

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font(FONT, size=12)
        pdf.multi_cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=11)

    def paragraph(text: str) -> None:
        pdf.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_font(FONT, size=20)
    pdf.cell(0, 14, "人民调解协议书", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=10)
    pdf.multi_cell(
        0,
        6,
        f"{organization}\n编号：{matter.display_code}　　日期：{_date(event.created_at)}",
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
    paragraph(matter.outcome_summary)

    heading("其他约定")
    for number, clause in enumerate(CLOSING_CLAUSES, start=1):
        paragraph(f"{number}. {clause}")

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


def agreement_response(matter: Matter) -> HttpResponse:
    """Return the agreement as a PDF download (ASCII file name), or raise ``NotFound`` when there is none."""
    try:
        content = render_agreement_pdf(matter)
    except NoAgreement:
        raise NotFound from None
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"agreement-{matter.display_code}.pdf".encode("ascii", "ignore").decode()
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
