"""Case numbers in the standard form: (year) + court code + type mark + sequence + 号.

For example (2026)浙0881民初123号: the 123rd first-instance civil case the court of 江山市 (浙0881) filed in
2026. The court code (法院代字) is the province's one-character abbreviation followed by the city and
county digits of the court's administrative division (浙0881 for a county's basic court, 浙08 for the
intermediate court of 衢州, 浙 for the high court); a tribunal (人民法庭) numbers with its court's code.

Numbers are unique and gap-free per court, year and type, even when filings arrive at the same moment:
the next number comes from a counter row locked for the transaction that issues it, so a filing that
rolls back gives its number back, and two filings never get the same one.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from suyuan.accounts.choices import OrganizationType
from suyuan.accounts.models import Organization, User
from suyuan.court.choices import CASE_TYPE_MARKS, CaseType
from suyuan.court.models import CaseNumber, CaseNumberCounter, CourtCode
from suyuan.matters.models import Matter
from suyuan.workdays.selectors import china_date

# The one-character abbreviations of the provincial-level divisions, by the first two digits of their code.
PROVINCE_MARKS = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "内", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵",
    "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}  # fmt: skip


def court_code(court: Organization) -> str:
    """Return the court's code (法院代字), e.g. 浙0881: as edited in ``CourtCode``, else by the rule."""
    if court.type != OrganizationType.COURT:
        raise ValidationError({"court": _("Only a people's court issues case numbers.")})
    region = court.region_id
    province = PROVINCE_MARKS.get(region[:2])
    if province is None:
        raise ValidationError({"court": _("The court's place has no province code.")})
    # A tribunal sits in a township; it numbers with the county's (its court's) code.
    division = region[:6]
    code = CourtCode.objects.filter(region_id=division).values_list("code", flat=True).first()
    return code or province + division[2:]


def case_number_text(*, court: Organization, case_type: str, year: int, sequence: int) -> str:
    """Return the case number as the courts write it, e.g. (2026)浙0881民初123号."""
    return f"({year}){court_code(court)}{CASE_TYPE_MARKS[CaseType(case_type)]}{sequence}号"


def _locked_counter(court: Organization, year: int, case_type: str) -> CaseNumberCounter:
    counters = CaseNumberCounter.objects.select_for_update()
    try:
        return counters.get(court=court, year=year, case_type=case_type)
    except CaseNumberCounter.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            CaseNumberCounter.objects.create(court=court, year=year, case_type=case_type)
    except IntegrityError:
        pass  # another filing created this year's counter a moment ago: use that one
    return counters.get(court=court, year=year, case_type=case_type)


@transaction.atomic
def case_number_issue(
    *,
    court: Organization,
    case_type: str,
    matter: Matter | None = None,
    actor: User | None = None,
    year: int | None = None,
) -> CaseNumber:
    """Issue the court's next case number of ``case_type`` for ``year`` (this year in China by default).

    Call it inside the transaction that files the case: if that transaction rolls back, so does the
    number, and the next filing gets it.
    """
    if case_type not in CaseType.values:
        raise ValidationError({"case_type": _("Choose a valid type of case.")})
    court_code(court)  # refuses organisations that are not courts, before anything is locked
    year = year or china_date(timezone.now()).year
    counter = _locked_counter(court, year, case_type)
    counter.last += 1
    counter.save(update_fields=["last"])
    sequence = counter.last
    return CaseNumber.objects.create(
        court=court,
        year=year,
        case_type=case_type,
        sequence=sequence,
        number=case_number_text(court=court, case_type=case_type, year=year, sequence=sequence),
        matter=matter,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
    )
