"""Read regions: one region, its ancestors and children, and a name search for pickers."""

from __future__ import annotations

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Value, When

from suyuan.core.exceptions import NotFound
from suyuan.regions.models import Region
from suyuan.regions.validators import validate_region_code

SEARCH_LIMIT = 20
SEARCH_LIMIT_MAX = 50


def _with_has_children(queryset: QuerySet[Region]) -> QuerySet[Region]:
    return queryset.annotate(has_children=Exists(Region.objects.filter(parent_id=OuterRef("pk"))))


def region_get(*, code: str) -> Region:
    """Return the region with ``code``, annotated with ``has_children``; raise ``NotFound`` if none."""
    validate_region_code(code)
    region = _with_has_children(Region.objects.filter(code=code)).first()
    if region is None:
        raise NotFound
    return region


def region_ancestors(*, region: Region) -> list[Region]:
    """Return the ancestors of ``region``, from the province down, without the region itself."""
    return list(Region.objects.filter(code__in=region.ancestor_codes).order_by("level"))


def region_children(*, code: str) -> list[Region]:
    """Return the regions directly below the region with ``code``; raise ``NotFound`` if there is none."""
    validate_region_code(code)
    if not Region.objects.filter(code=code).exists():
        raise NotFound
    return list(_with_has_children(Region.objects.filter(parent_id=code)).order_by("code"))


def region_search(
    *, q: str = "", level: int | None = None, under: str | None = None, limit: int = SEARCH_LIMIT
) -> list[Region]:
    """Return regions whose name contains ``q``: exact names first, then names starting with it.

    ``level`` keeps one level, ``under`` the regions strictly below that code. Without any filter the
    provinces are returned. At most ``limit`` rows (capped at ``SEARCH_LIMIT_MAX``).
    """
    q = q.strip()
    queryset = Region.objects.all()
    if under:
        validate_region_code(under, field="under")
        queryset = queryset.filter(code__startswith=under).exclude(code=under)
    if level is not None:
        queryset = queryset.filter(level=level)
    elif not (q or under):
        queryset = queryset.filter(parent__isnull=True)
    if q:
        queryset = queryset.filter(name__contains=q).annotate(
            rank=Case(
                When(name=q, then=Value(0)),
                When(name__startswith=q, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        order = ["rank", "level", "code"]
    else:
        order = ["level", "code"]
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    return list(_with_has_children(queryset).order_by(*order)[:limit])
