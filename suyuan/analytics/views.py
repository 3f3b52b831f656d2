"""Staff pages of the figures: the figures of a place and period (with charts, tables and exports), the
published definitions, and the matters behind a number.

Thin: ``selectors`` compute and check access, ``tables`` shape, the templates show. Filters that make no
sense answer 422 with the reasons next to the fields.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.text import slugify
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from suyuan.accounts.pages import page
from suyuan.analytics import definitions, selectors, tables
from suyuan.matters.models import Category
from suyuan.regions.models import Region

app_name = "analytics"

figures_page = page(staff=True, allowed=selectors.may_view, refusal=gettext_lazy("Your role has no figures."))

EXPORT_FORMATS = ("csv", "xlsx")


def _breadcrumbs(region: Region) -> list[Region]:
    codes = [*region.ancestor_codes, region.code]
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


def _chart_data(figures: selectors.Figures, places: list[selectors.Place]) -> dict[str, Any]:
    def bars(shares: list[selectors.Share], name: str) -> dict[str, Any]:
        return {
            "labels": [s.label for s in shares],
            "series": [{"name": name, "values": [s.count for s in shares]}],
        }

    return {
        "funnel": bars(figures.funnel, str(gettext_lazy("Matters"))),
        "category": bars(figures.by_category, str(gettext_lazy("Matters"))),
        "channel": bars(figures.by_channel, str(gettext_lazy("Matters"))),
        "map": {
            "values": {p.code: (p.per_10k if p.per_10k is not None else p.received) for p in places},
            "unit": str(gettext_lazy("per 10,000 residents a year"))
            if any(p.per_10k is not None for p in places)
            else str(gettext_lazy("matters")),
        },
    }


@require_GET
@figures_page
def figures_view(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "home_regions": Region.objects.filter(code__in=selectors.home_regions(request.user)),
        "categories": Category.objects.filter(is_active=True).order_by("sort_order", "code"),
        "definitions": definitions.BY_KEY,
        "may_open_matters": selectors.may_open_matters(request.user),
        "values": {key: request.GET.get(key, "") for key in ("region", "start", "end", "category")},
    }
    try:
        filters = selectors.parse_filters(request.user, request.GET)
    except ValidationError as exc:
        context["errors"] = exc.message_dict
        return render(request, "analytics/figures.html", context, status=422)
    figures = selectors.figures(filters)
    places = selectors.places(filters)
    export = request.GET.get("export", "")
    if export:
        found = tables.all_tables(figures, places)
        wanted = request.GET.get("table", "")
        if export not in EXPORT_FORMATS or (wanted and wanted not in tables.TABLES):
            context["errors"] = {"export": [str(gettext_lazy("There is no such table or format."))]}
            return render(request, "analytics/figures.html", context, status=422)
        return _export(filters, [t for t in found if not wanted or t.key == wanted], wanted, export)
    context.update(
        filters=filters,
        figures=figures,
        places=places,
        tables=tables.all_tables(figures, places),
        breadcrumbs=_breadcrumbs(filters.region),
        query=filters.query(),
        charts=_chart_data(figures, places),
        county_map=len(filters.region.code) <= 4,
    )
    return render(request, "analytics/figures.html", context)


def _export(filters: selectors.Filters, chosen: list[tables.Table], wanted: str, fmt: str) -> HttpResponse:
    """One table (``table=<key>``) or all of them, as CSV (UTF-8 with a BOM, which Excel needs for
    Chinese) or XLSX (one sheet per table)."""
    name = slugify(f"figures-{filters.region.code}-{filters.start:%Y%m}-{filters.end:%Y%m}-{wanted or 'all'}")
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        for table in chosen:
            writer.writerow([table.title])
            writer.writerow(table.header)
            writer.writerows(table.rows)
            writer.writerow([])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook()
        workbook.remove(workbook.active)
        for table in chosen:
            sheet = workbook.create_sheet(title=table.title[:31] or table.key)
            sheet.append(table.header)
            for row in table.rows:
                sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_GET
@figures_page
def definitions_view(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/definitions.html", {"definitions": definitions.DEFINITIONS})


urlpatterns = [
    path("", figures_view, name="figures"),
    path("definitions/", definitions_view, name="definitions"),
]
