from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from suyuan.regions.choices import RegionLevel
from suyuan.regions.models import Region
from suyuan.regions.services import read_data_file, regions_load

# What `regions_load(province="33", villages=True)` reads: every province, city and county of China,
# and Zhejiang's townships and villages.
EXPECTED_ROWS = {
    RegionLevel.PROVINCE: 31,
    RegionLevel.CITY: 342,
    RegionLevel.COUNTY: 2978,
    RegionLevel.TOWNSHIP: 1387,
    RegionLevel.VILLAGE: 25547,
}


def test_the_first_load_inserts_every_row(regions):
    assert regions.first.rows_by_level == EXPECTED_ROWS
    assert regions.first.inserted == sum(EXPECTED_ROWS.values()) == 30285
    assert (regions.first.updated, regions.first.unchanged) == (0, 0)
    assert Region.objects.filter(level=RegionLevel.VILLAGE).count() == 25547
    assert Region.objects.filter(level=RegionLevel.VILLAGE, code__startswith="3308").count() == 1664


def test_a_second_load_changes_nothing(regions):
    assert (regions.second.inserted, regions.second.updated, regions.second.unchanged) == (0, 0, 30285)
    assert not regions.second.changed


def test_levels_parents_and_full_names_follow_the_codes(regions):
    village = Region.objects.get(code="330881001003")
    assert (village.name, village.level, village.parent_id) == ("城北社区", RegionLevel.VILLAGE, "330881001")
    assert village.full_name == "浙江省衢州市江山市双塔街道城北社区"
    assert Region.objects.get(code="330881001").full_name == "浙江省衢州市江山市双塔街道"
    assert Region.objects.get(code="33").parent_id is None


def test_placeholder_cities_stay_in_the_tree_but_not_in_full_names(regions):
    placeholder = Region.objects.get(code="1101")
    assert (placeholder.name, placeholder.full_name, placeholder.parent_id) == ("市辖区", "北京市", "11")
    chaoyang = Region.objects.get(code="110105")
    assert (chaoyang.parent_id, chaoyang.full_name) == ("1101", "北京市朝阳区")
    assert Region.objects.get(code="500229").full_name == "重庆市城口县"  # under 5002 县


def test_every_region_has_its_parent_one_level_up(regions):
    for region in Region.objects.filter(code__startswith="3308").exclude(code="3308"):
        assert region.parent_id == region.code[: {6: 4, 9: 6, 12: 9}[len(region.code)]]


def test_province_restricts_townships_only(regions):
    report = regions_load(province="11")

    beijing_townships = sum(1 for code, _ in read_data_file("streets.csv.gz") if code.startswith("11"))
    assert report.inserted == beijing_townships == 349
    assert report.rows_by_level[RegionLevel.COUNTY] == 2978
    assert RegionLevel.VILLAGE not in report.rows_by_level
    assert report.updated == 0
    # Zhejiang's townships and villages were not in this load, and are still there.
    assert Region.objects.filter(code__startswith="33", level=RegionLevel.VILLAGE).count() == 25547


def test_a_changed_row_is_updated_alone(regions):
    Region.objects.filter(code="330881001").update(name="旧名街道", full_name="旧")

    report = regions_load(province="33", villages=True)

    assert (report.inserted, report.updated) == (0, 1)
    assert Region.objects.get(code="330881001").full_name == "浙江省衢州市江山市双塔街道"


def test_regions_gone_from_the_data_are_kept_and_follow_renamed_ancestors(regions):
    Region.objects.create(
        code="330881999", name="试验镇", level=RegionLevel.TOWNSHIP, parent_id="330881", full_name="?"
    )
    Region.objects.filter(code="330881").update(name="江山县", full_name="浙江省衢州市江山县")

    report = regions_load(province="33", villages=True)

    assert Region.objects.get(code="330881999").full_name == "浙江省衢州市江山市试验镇"
    # the county itself, and the kept township whose full name was wrong
    assert report.updated == 2
    assert report.unchanged == 30285 - 1


@pytest.mark.parametrize("province", ["99", "3", "330", "３３"])
def test_an_unknown_province_is_refused(province):
    with pytest.raises(ValidationError):
        regions_load(province=province)


def test_the_command_prints_counts(regions, capsys, english):
    call_command("load_regions", "--province", "33", "--villages")

    out = capsys.readouterr().out
    assert "village 25,547" in out
    assert "Inserted 0, updated 0, unchanged 30,285" in out


def test_the_command_says_when_there_are_no_villages_for_a_province(regions, capsys, english):
    call_command("load_regions", "--province", "11", "--villages")

    assert "Zhejiang (33) only" in capsys.readouterr().err


def test_the_command_refuses_an_unknown_province(db):
    with pytest.raises(CommandError, match="99"):
        call_command("load_regions", "--province", "99")
