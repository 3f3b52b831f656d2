"""The courts of a province and their codes (法院代字), derived from the administrative divisions.

A basic court serves a county-level division and writes 浙 + the county's four digits (浙0881, 江山市人民法院);
an intermediate court serves a city (浙08, 衢州市中级人民法院); the high court the province (浙). The rows
are loaded once (``manage.py court_codes_load``) and then edited where reality differs from the rule.
"""

from __future__ import annotations

from django.db import transaction

from suyuan.court.choices import CourtLevel
from suyuan.court.models import CourtCode
from suyuan.court.numbers import PROVINCE_MARKS
from suyuan.regions.choices import PLACEHOLDER_NAMES, RegionLevel
from suyuan.regions.models import Region

LEVELS = {
    RegionLevel.PROVINCE: CourtLevel.HIGH,
    RegionLevel.CITY: CourtLevel.INTERMEDIATE,
    RegionLevel.COUNTY: CourtLevel.BASIC,
}


def derived_code(region_code: str) -> str:
    """Return the court code the rule gives for a division: 浙 + the city and county digits."""
    return PROVINCE_MARKS[region_code[:2]] + region_code[2:6]


def derived_name(region: Region) -> str:
    if region.level == RegionLevel.PROVINCE:
        return f"{region.name}高级人民法院"
    if region.level == RegionLevel.CITY:
        return f"{region.name}中级人民法院"
    return f"{region.name}人民法院"


@transaction.atomic
def court_codes_load(*, province: str = "33") -> tuple[int, int]:
    """Create the court code of every court of ``province`` that has none yet; never change an edited one.

    Returns (created, kept).
    """
    regions = Region.objects.filter(code__startswith=province, level__in=list(LEVELS)).exclude(
        name__in=PLACEHOLDER_NAMES
    )
    existing = set(
        CourtCode.objects.filter(region__code__startswith=province).values_list("region_id", flat=True)
    )
    taken = set(CourtCode.objects.values_list("code", flat=True))
    created = kept = 0
    for region in regions.order_by("code"):
        if region.code in existing:
            kept += 1
            continue
        code = derived_code(region.code)
        if code in taken:
            kept += 1
            continue
        CourtCode.objects.create(
            region=region, code=code, name=derived_name(region), level=LEVELS[RegionLevel(region.level)]
        )
        taken.add(code)
        created += 1
    return created, kept
