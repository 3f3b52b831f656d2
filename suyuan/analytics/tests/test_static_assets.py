"""The vendored ECharts, the county map and charts.js: present, intact, found by Django, self-contained."""

import csv
import hashlib
import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

STATIC = Path(__file__).resolve().parents[1] / "static" / "analytics"
VENDOR = STATIC / "vendor"
GEO = STATIC / "geo"
AREAS_CSV = Path(__file__).resolve().parents[2] / "regions" / "data" / "areas.csv"

MAP_FEATURES = 89  # 90 in the source, 下城区 merged into 拱墅区 (geo/ATTRIBUTION.md)
MAP_MAX_BYTES = 300_000  # promised in geo/ATTRIBUTION.md


def _current_codes() -> set[str]:
    with AREAS_CSV.open(encoding="utf-8", newline="") as fh:
        return {row["code"] for row in csv.DictReader(fh)}


def _no_current_equivalent() -> set[str]:
    """Codes that ATTRIBUTION.md's table lists as having no current equivalent."""
    codes = set()
    for line in (GEO / "ATTRIBUTION.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3 and "no current equivalent" in cells[2]:
            codes.add(cells[1])
    return codes


@pytest.fixture(scope="module")
def geo() -> dict:
    return json.loads((GEO / "zhejiang_counties.json").read_text(encoding="utf-8"))


def test_echarts_matches_recorded_checksum() -> None:
    doc = (VENDOR / "VENDORED.md").read_text(encoding="utf-8")
    recorded = re.search(r"SHA-256 of `echarts\.min\.js`: `([0-9a-f]{64})`", doc)
    assert recorded, "VENDORED.md records no SHA-256 for echarts.min.js"
    actual = hashlib.sha256((VENDOR / "echarts.min.js").read_bytes()).hexdigest()
    assert actual == recorded.group(1)


def test_vendored_md_carries_version_and_licence() -> None:
    doc = (VENDOR / "VENDORED.md").read_text(encoding="utf-8")
    assert re.search(r"\| 5\.\d+\.\d+ \|", doc)
    assert "Apache License" in doc and "Version 2.0, January 2004" in doc
    assert "Copyright 2017-2024 The Apache Software Foundation" in doc  # the NOTICE


def test_map_is_a_feature_collection_of_counties(geo: dict) -> None:
    assert geo["type"] == "FeatureCollection"
    assert len(geo["features"]) == MAP_FEATURES
    for feature in geo["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        props = feature["properties"]
        assert set(props) == {"code", "name"}
        assert isinstance(props["code"], str) and re.fullmatch(r"33\d{4}", props["code"])
        assert isinstance(props["name"], str) and props["name"]
    codes = [f["properties"]["code"] for f in geo["features"]]
    assert len(codes) == len(set(codes))


def test_map_codes_are_current_or_documented(geo: dict) -> None:
    documented = _no_current_equivalent()
    assert documented == {"330104"}
    current = _current_codes()
    unknown = {f["properties"]["code"] for f in geo["features"]} - current
    assert unknown == documented


def test_map_coordinates_rounded_to_four_decimals(geo: dict) -> None:
    def points(coords):
        if isinstance(coords[0], (int, float)):
            yield coords
        else:
            for c in coords:
                yield from points(c)

    for feature in geo["features"]:
        for x, y in points(feature["geometry"]["coordinates"]):
            assert round(x, 4) == x and round(y, 4) == y
            assert 118 < x < 123.5 and 27 < y < 31.5  # Zhejiang


def test_map_file_is_small_enough() -> None:
    assert (GEO / "zhejiang_counties.json").stat().st_size < MAP_MAX_BYTES


def test_charts_js_is_self_contained() -> None:
    source = (STATIC / "charts.js").read_text(encoding="utf-8")
    assert not re.search(r"https?://|//cdn|\bimport\s*\(|\bimport\s+\S", source)
    assert not re.search(r"[\u4e00-\u9fff]", source), "labels come from the page, not the script"


@pytest.mark.parametrize(
    "path",
    [
        "analytics/charts.js",
        "analytics/vendor/echarts.min.js",
        "analytics/geo/zhejiang_counties.json",
    ],
)
def test_django_finds_the_files(path: str) -> None:
    found = finders.find(path)
    assert found and Path(found).resolve() == (STATIC / path.removeprefix("analytics/")).resolve()
