"""The courts' codes (法院代字): derived from the divisions, skipping placeholders, kept once edited."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from suyuan.accounts.choices import OrganizationType
from suyuan.accounts.tests.world import new_organization
from suyuan.court.choices import CaseType, CourtLevel
from suyuan.court.codes import court_codes_load
from suyuan.court.models import CourtCode
from suyuan.court.numbers import case_number_issue, court_code
from suyuan.regions.models import Region
from suyuan.regions.services import regions_load
from suyuan.regions.tests.factories import make_real_regions, make_region

pytestmark = pytest.mark.django_db


def codes() -> dict[str, tuple[str, str, str]]:
    return {c.region_id: (c.code, c.name, c.level) for c in CourtCode.objects.all()}


@pytest.fixture
def slice_of_zhejiang(db) -> dict[str, Region]:
    """浙江省 › 杭州市, 衢州市 › three counties, and a 市辖区 placeholder under 衢州 (as the statistics list it)."""
    regions = make_real_regions()
    regions["330801"] = make_region("330801", "市辖区")
    return regions


def test_the_courts_of_zhejiang_come_from_its_divisions():
    regions_load(province="33")
    created, kept = court_codes_load(province="33")
    loaded = codes()
    assert loaded["33"] == ("浙", "浙江省高级人民法院", CourtLevel.HIGH)
    assert loaded["3308"] == ("浙08", "衢州市中级人民法院", CourtLevel.INTERMEDIATE)
    assert loaded["330881"] == ("浙0881", "江山市人民法院", CourtLevel.BASIC)
    assert loaded["330802"] == ("浙0802", "柯城区人民法院", CourtLevel.BASIC)
    assert loaded["3301"] == ("浙01", "杭州市中级人民法院", CourtLevel.INTERMEDIATE)
    # One high court, an intermediate court per city, a basic court per county; no township has one.
    assert Counter(level for _code, _name, level in loaded.values()) == {
        CourtLevel.HIGH: 1,
        CourtLevel.INTERMEDIATE: 11,
        CourtLevel.BASIC: 90,
    }
    assert (created, kept) == (102, 0)
    assert all(region.startswith("33") and len(region) <= 6 for region in loaded)


def test_placeholders_get_no_court(slice_of_zhejiang):
    created, _kept = court_codes_load(province="33")
    loaded = codes()
    assert "330801" not in loaded  # 市辖区 is a placeholder of the statistics, not a place with a court
    assert set(loaded) == {"33", "3301", "330102", "3308", "330802", "330881"}
    assert created == 6


def test_placeholders_of_another_province_are_skipped_too():
    regions_load(province="11")
    court_codes_load(province="11")
    loaded = codes()
    assert loaded["11"] == ("京", "北京市高级人民法院", CourtLevel.HIGH)
    assert loaded["110105"] == ("京0105", "朝阳区人民法院", CourtLevel.BASIC)
    assert "1101" not in loaded  # 北京市 › 市辖区
    assert not any(name.startswith("市辖区") for _code, name, _level in loaded.values())
    assert not CourtCode.objects.filter(region__code__startswith="33").exists()


def test_a_second_load_creates_nothing_and_keeps_an_edited_code(slice_of_zhejiang):
    court_codes_load(province="33")
    before = codes()
    CourtCode.objects.filter(region_id="330802").update(code="浙0899", name="衢州市柯城区人民法院")
    created, kept = court_codes_load(province="33")
    assert (created, kept) == (0, 6)
    after = codes()
    assert after["330802"] == ("浙0899", "衢州市柯城区人民法院", CourtLevel.BASIC)
    assert {k: v for k, v in after.items() if k != "330802"} == {
        k: v for k, v in before.items() if k != "330802"
    }


def test_a_code_already_given_to_another_court_is_not_given_twice(slice_of_zhejiang):
    court_codes_load(province="33")
    CourtCode.objects.filter(region_id="330881").delete()
    CourtCode.objects.filter(region_id="330802").update(code="浙0881")  # edited by mistake, or on purpose
    created, kept = court_codes_load(province="33")
    assert (created, kept) == (0, 6)
    assert not CourtCode.objects.filter(region_id="330881").exists()
    assert CourtCode.objects.filter(code="浙0881").count() == 1


def test_case_numbers_use_an_edited_court_code(slice_of_zhejiang):
    court_codes_load(province="33")
    court = new_organization(
        code="KC-COURT",
        name="柯城区人民法院",
        region=slice_of_zhejiang["330802"],
        type=OrganizationType.COURT,
    )
    tribunal = new_organization(
        code="KC-TRIB",
        name="信安人民法庭",
        region=slice_of_zhejiang["330802001"],
        type=OrganizationType.COURT,
    )
    assert court_code(court) == court_code(tribunal) == "浙0802"
    CourtCode.objects.filter(region_id="330802").update(code="浙0899")
    assert court_code(court) == court_code(tribunal) == "浙0899"
    issued = case_number_issue(court=court, case_type=CaseType.CIVIL_FIRST_INSTANCE, year=2026)
    assert issued.number == "(2026)浙0899民初1号"
    issued = case_number_issue(court=tribunal, case_type=CaseType.JUDICIAL_CONFIRMATION, year=2026)
    assert issued.number == "(2026)浙0899民特1号"


def test_the_command_loads_and_reports(slice_of_zhejiang, english):
    out = StringIO()
    call_command("court_codes_load", "--province", "33", stdout=out)
    assert out.getvalue().strip() == "Court codes: 6 created, 0 kept."
    out = StringIO()
    call_command("court_codes_load", stdout=out)
    assert out.getvalue().strip() == "Court codes: 0 created, 6 kept."
