"""Regions over HTTP: public, because a citizen filing without an account needs the picker too."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from suyuan.core.exceptions import NotFound
from suyuan.regions import selectors
from suyuan.regions.address import resolve_address
from suyuan.regions.choices import PLACEHOLDER_NAMES, RegionLevel
from suyuan.regions.models import Region

router = Router(tags=["regions"])

RESOLVE_TEXT_MAX = 500


class RegionOut(Schema):
    code: str
    name: str
    level: int
    level_label: str
    full_name: str
    parent_code: str | None
    # 市辖区 and the like: rows that keep the tree whole, which a picker may skip.
    is_placeholder: bool

    @staticmethod
    def resolve_level_label(obj: Any) -> str:
        return str(RegionLevel(obj.level).label)

    @staticmethod
    def resolve_parent_code(obj: Any) -> str | None:
        return obj.parent_id

    @staticmethod
    def resolve_is_placeholder(obj: Any) -> bool:
        return obj.name in PLACEHOLDER_NAMES


class RegionNodeOut(RegionOut):
    has_children: bool


class RegionDetailOut(RegionNodeOut):
    ancestors: list[RegionOut] = Field(description="From the province down, without the region itself.")


class RegionSearchIn(Schema):
    q: str = Field("", max_length=64, description="Part of the name, e.g. 双塔.")
    level: RegionLevel | None = Field(
        None, description="1 province, 2 city, 3 county, 4 township, 5 village."
    )
    under: str | None = Field(None, description="Only regions below this code.")
    limit: int = Field(selectors.SEARCH_LIMIT, ge=1, le=selectors.SEARCH_LIMIT_MAX)


class ResolveIn(Schema):
    text: str = Field(..., min_length=1, max_length=RESOLVE_TEXT_MAX, description="A free-text address.")


class SpanOut(Schema):
    start: int
    end: int


class ResolutionOut(Schema):
    status: str = Field(description="resolved, ambiguous or unknown.")
    region: RegionOut | None = Field(description="The deepest region the address certainly lies in.")
    span: SpanOut | None = Field(description="Where the regions are named in the text (character offsets).")
    matched_text: str
    chain: list[RegionOut] = Field(description="The regions named, from the highest down (when resolved).")
    candidates: list[RegionOut] = Field(
        description="The regions equally good readings end in (when ambiguous)."
    )
    candidate_count: int


def _no_such_region(code: str) -> HttpError:
    # Region data is public, so a specific message is fine (unlike NotFound's deliberately vague one).
    return HttpError(404, _("There is no region with the code %(code)s.") % {"code": code})


@router.get("", response=list[RegionNodeOut], auth=None, summary="Search regions by name")
def search(request: HttpRequest, filters: Query[RegionSearchIn]) -> list[Region]:
    return selectors.region_search(q=filters.q, level=filters.level, under=filters.under, limit=filters.limit)


@router.post(
    "/resolve", response=ResolutionOut, auth=None, summary="Find the region a free-text address names"
)
def resolve(request: HttpRequest, payload: ResolveIn) -> dict[str, Any]:
    resolution = resolve_address(payload.text)
    return {
        "status": str(resolution.status),
        "region": resolution.region,
        "span": {"start": resolution.span[0], "end": resolution.span[1]} if resolution.span else None,
        "matched_text": resolution.matched_text,
        "chain": resolution.chain,
        "candidates": resolution.candidates,
        "candidate_count": resolution.candidate_count,
    }


@router.get("/{code}", response=RegionDetailOut, auth=None, summary="One region with its ancestors")
def detail(request: HttpRequest, code: str) -> Region:
    try:
        region = selectors.region_get(code=code)
    except NotFound:
        raise _no_such_region(code) from None
    region.ancestors = selectors.region_ancestors(region=region)  # type: ignore[attr-defined]
    return region


@router.get("/{code}/children", response=list[RegionNodeOut], auth=None, summary="The regions directly below")
def children(request: HttpRequest, code: str) -> list[Region]:
    try:
        return selectors.region_children(code=code)
    except NotFound:
        raise _no_such_region(code) from None
