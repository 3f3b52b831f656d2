"""Regions for tests: real codes and names, created by hand (tests that need all of them load them)."""

from __future__ import annotations

from suyuan.regions.choices import LEVEL_BY_CODE_LENGTH
from suyuan.regions.models import Region

# A small real slice: Zhejiang › Quzhou › Jiangshan and Kecheng, and Hangzhou › Shangcheng for contrast.
REAL_REGIONS = [
    ("33", "浙江省"),
    ("3301", "杭州市"),
    ("330102", "上城区"),
    ("330102001", "清波街道"),
    ("330102001051", "清波门社区"),
    ("3308", "衢州市"),
    ("330802", "柯城区"),
    ("330802001", "信安街道"),
    ("330881", "江山市"),
    ("330881001", "双塔街道"),
    ("330881001001", "城北社区"),
    ("330881100", "上余镇"),
]


def make_region(code: str, name: str) -> Region:
    parent_code = next((code[:n] for n in (9, 6, 4, 2) if n < len(code)), None)
    parent = Region.objects.get(code=parent_code) if parent_code else None
    full_name = (parent.full_name if parent else "") + name
    region, _ = Region.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": LEVEL_BY_CODE_LENGTH[len(code)],
            "parent": parent,
            "full_name": full_name,
        },
    )
    return region


def make_real_regions() -> dict[str, Region]:
    """Create the slice above and return it by code."""
    return {code: make_region(code, name) for code, name in REAL_REGIONS}
