"""The court's generated documents, filled from a case and its matter, as (file name, PDF bytes).

The wording and the layout live in ``court.pdf`` (plain data in, PDF out); this module only gathers what
each document says from the models. Identifiers are always shown masked.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from suyuan.accounts.choices import OrganizationType
from suyuan.accounts.models import Organization, User
from suyuan.court import pdf, time_limits
from suyuan.court.choices import TimeLimitKind
from suyuan.court.fees import fee_basis
from suyuan.court.models import CourtCase, Hearing
from suyuan.matters.choices import DocumentKind, PartyKind, PartyRole
from suyuan.matters.models import Matter, Party

PLAINTIFF: dict[str, str] = {
    PartyRole.APPLICANT: "原告",
    PartyRole.RESPONDENT: "被告",
    PartyRole.THIRD_PARTY: "第三人",
}
APPLICANT: dict[str, str] = {
    PartyRole.APPLICANT: "申请人",
    PartyRole.RESPONDENT: "申请人",
    PartyRole.THIRD_PARTY: "第三人",
}


def page_count(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


def _today() -> date:
    return timezone.localdate()


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.full_name or user.get_username()


def _party_line(party: Party, labels: dict[str, str]) -> pdf.PartyLine:
    details = []
    if party.kind == PartyKind.ORGANIZATION:
        if party.credit_code:
            details.append(f"统一社会信用代码：{party.credit_code}")
    elif party.id_number:
        details.append(f"身份证号码：{party.id_number_masked}")
    if party.phone:
        details.append(f"联系电话：{party.phone_masked}")
    return pdf.PartyLine(
        role_label=labels.get(party.role, ""),
        name=party.name,
        details="，".join(details),
        address=party.address,
    )


def _parties(matter: Matter, role: str) -> list[Party]:
    return [p for p in matter.parties.all().order_by("created_at", "pk") if p.role == role]


def _lines(matter: Matter, role: str, labels: dict[str, str]) -> list[pdf.PartyLine]:
    return [_party_line(p, labels) for p in _parties(matter, role)]


def _appellate_court(court: Organization) -> str:
    """Return the name of the intermediate court above a basic court (浙0881 → 衢州市中级人民法院)."""
    parent = court.parent
    while parent is not None:
        if parent.type == OrganizationType.COURT:
            return parent.name
        parent = parent.parent
    city = court.region.parent.parent if court.region.parent and court.region.parent.parent else None
    city_region = court.region.parent if court.region.parent else None
    name = (city_region.name if city_region else "") or (city.name if city else "")
    return f"{name}中级人民法院" if name else "上一级人民法院"


def _file(title: str, case: CourtCase, matter: Matter) -> str:
    return f"{title}-{case.display_number or matter.display_code}.pdf"


def _materials(matter: Matter) -> list[str]:
    counts: dict[str, int] = {}
    for kind in matter.documents.exclude(kind=DocumentKind.COMPLAINT).values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    return [
        f"{DocumentKind(kind).label}{count}份"
        for kind, count in counts.items()
        if kind in DocumentKind.values
    ]


def complaint(case: CourtCase, matter: Matter, *, submitted_on: datetime) -> tuple[str, bytes]:
    doc = pdf.complaint(
        court_name=case.court.name,
        plaintiffs=_lines(matter, PartyRole.APPLICANT, PLAINTIFF),
        defendants=_lines(matter, PartyRole.RESPONDENT, PLAINTIFF),
        third_parties=_lines(matter, PartyRole.THIRD_PARTY, PLAINTIFF),
        cause=case.cause.name if case.cause else "",
        claims=list(case.claims),
        facts=case.facts,
        materials=_materials(matter),
        submitted_on=timezone.localdate(submitted_on),
    )
    return _file("民事起诉状", case, matter), pdf.render(doc)


def correction_notice(case: CourtCase, matter: Matter, *, items: list[str]) -> tuple[str, bytes]:
    applicant = next(iter(_parties(matter, PartyRole.APPLICANT)), None)
    due = timezone.localdate(case.due_at) if case.due_at else _today()
    doc = pdf.correction_notice(
        court_name=case.court.name,
        addressee=applicant.name if applicant else "",
        items=items,
        due_on=due,
        issued_on=_today(),
        clerk=_name(case.clerk),
    )
    return _file("补正通知书", case, matter), pdf.render(doc)


def acceptance_notice(case: CourtCase, matter: Matter) -> tuple[str, bytes]:
    doc = pdf.acceptance_notice(
        court_name=case.court.name,
        case_number=case.display_number,
        addressee="、".join(p.name for p in _parties(matter, PartyRole.APPLICANT)),
        cause=case.cause.name if case.cause else "",
        fee=case.fee or Decimal(0),
        fee_due_on=time_limits.last_day(timezone.now(), TimeLimitKind.FEE_PAYMENT),
        judge=_name(case.judge),
        clerk=_name(case.clerk),
        issued_on=_today(),
    )
    return _file("受理案件通知书", case, matter), pdf.render(doc)


def fee_notice(case: CourtCase, matter: Matter) -> tuple[str, bytes]:
    is_property = case.cause.is_property if case.cause else True
    doc = pdf.fee_notice(
        court_name=case.court.name,
        case_number=case.display_number,
        addressee="、".join(p.name for p in _parties(matter, PartyRole.APPLICANT)),
        amount_claimed=case.amount_claimed,
        fee=case.fee or Decimal(0),
        fee_basis=fee_basis(case.amount_claimed, is_property=is_property),
        due_on=time_limits.last_day(timezone.now(), TimeLimitKind.FEE_PAYMENT),
        payee=getattr(settings, "COURT_FEE_PAYEE", "") or f"{case.court.name}（诉讼费专户）",
        account=getattr(settings, "COURT_FEE_ACCOUNT", "")
        or "请通过浙江法院网上诉讼服务平台在线交纳，或持本通知书到诉讼服务中心交纳",
        issued_on=_today(),
    )
    return _file("交纳诉讼费用通知书", case, matter), pdf.render(doc)


def response_notice(case: CourtCase, matter: Matter) -> tuple[str, bytes]:
    doc = pdf.response_notice(
        court_name=case.court.name,
        case_number=case.display_number,
        addressee="、".join(p.name for p in _parties(matter, PartyRole.RESPONDENT)),
        plaintiff_names=[p.name for p in _parties(matter, PartyRole.APPLICANT)],
        cause=case.cause.name if case.cause else "",
        answer_days=time_limits.rule_for(TimeLimitKind.ANSWER).days,
        issued_on=_today(),
        judge=_name(case.judge),
        clerk=_name(case.clerk),
    )
    return _file("应诉通知书", case, matter), pdf.render(doc)


def evidence_notice(case: CourtCase, matter: Matter) -> tuple[str, bytes]:
    doc = pdf.evidence_notice(
        court_name=case.court.name,
        case_number=case.display_number,
        addressee="、".join(p.name for p in matter.parties.all().order_by("role", "pk")),
        evidence_due_on=time_limits.last_day(timezone.now(), TimeLimitKind.EVIDENCE),
        issued_on=_today(),
        judge=_name(case.judge),
        clerk=_name(case.clerk),
    )
    return _file("举证通知书", case, matter), pdf.render(doc)


def summons(case: CourtCase, matter: Matter, hearing: Hearing, party: Party) -> tuple[str, bytes]:
    doc = pdf.summons(
        court_name=case.court.name,
        case_number=case.display_number,
        addressee=party.name,
        role_label=PLAINTIFF.get(party.role, ""),
        cause=case.cause.name if case.cause else "",
        when=hearing.starts_at,
        place=hearing.place,
        online_link=hearing.link,
        issued_on=_today(),
        judge=_name(case.judge),
        clerk=_name(case.clerk),
    )
    return f"传票-{party.name}-{case.display_number}.pdf", pdf.render(doc)


def refusal_ruling(case: CourtCase, matter: Matter, *, judge: User) -> tuple[str, bytes]:
    doc = pdf.refusal_ruling(
        court_name=case.court.name,
        case_number=case.display_number,
        plaintiffs=_lines(matter, PartyRole.APPLICANT, {str(PartyRole.APPLICANT): "起诉人"}),
        reason=case.reason,
        issued_on=_today(),
        judge=_name(case.judge or judge),
        clerk=_name(case.clerk),
        appeal_days=time_limits.rule_for(TimeLimitKind.APPEAL_RULING).days,
        appellate_court=_appellate_court(case.court),
    )
    return _file("民事裁定书（不予受理）", case, matter), pdf.render(doc)


def confirmation_ruling(
    case: CourtCase, matter: Matter, *, confirmed: bool, judge: User
) -> tuple[str, bytes]:
    agreement = case.agreement
    doc = pdf.confirmation_ruling(
        court_name=case.court.name,
        case_number=case.display_number,
        applicants=[_party_line(p, APPLICANT) for p in matter.parties.all().order_by("role", "pk")],
        agreement_org=_agreement_org(matter),
        agreement_date=timezone.localdate(agreement.effective_at or agreement.recorded_at)
        if agreement is not None
        else _today(),
        agreement_terms=agreement.terms if agreement is not None else "",
        confirmed=confirmed,
        reason=case.reason,
        issued_on=_today(),
        judge=_name(case.judge or judge),
        clerk=_name(case.clerk),
    )
    return _file("民事裁定书（司法确认）", case, matter), pdf.render(doc)


def _agreement_org(matter: Matter) -> str:
    """Return who mediated the agreement: the court-invited mediator's court, or the committee."""
    from suyuan.matters.choices import EventKind

    event = (
        matter.events.filter(kind__in=[EventKind.AGREEMENT_RECORDED, EventKind.COURT_MEDIATION_SETTLED])
        .order_by("-seq")
        .first()
    )
    if event is not None and event.actor_label:
        return event.actor_label.split(" · ")[0]
    return matter.organization.name if matter.organization else ""
