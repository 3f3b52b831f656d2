"""Staff pages of the figures: the figures of a place and period (with charts, tables and exports), the
published definitions, and the matters behind a number.

Thin: ``selectors`` compute and check access, ``tables`` shape, the templates show. Filters that make no
sense answer 422 with the reasons next to the fields.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.text import slugify
from django.utils.timezone import localtime
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


drill_page = page(
    staff=True,
    allowed=selectors.may_open_matters,
    refusal=gettext_lazy("Your role sees the figures only, not the matters behind them."),
)
DRILL_PAGE_SIZE = 50
# A list of counted matters is exported as it is read (streamed), up to this many rows.
MAX_EXPORT_ROWS = 20_000


@require_GET
@drill_page
def matters_view(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The matters one number of the figures counts, those the viewer may open, newest first; ``?export=csv``
    streams them (up to ``MAX_EXPORT_ROWS``)."""
    try:
        drill = selectors.parse_drill(request.user, request.GET)
    except ValidationError as exc:
        return render(request, "analytics/matters.html", {"errors": exc.message_dict}, status=422)
    counted = selectors.drill_facts(drill).count()
    matters = selectors.drill_matters(request.user, drill)
    context: dict[str, Any] = {
        "drill": drill,
        "described": drill.describe(),
        "counted": counted,
        "query": urlencode(drill.query()),
        "figures_query": urlencode(drill.filters.query()),
        "max_export": MAX_EXPORT_ROWS,
    }
    if request.GET.get("export"):
        if request.GET["export"] != "csv":
            context["errors"] = {"export": [str(gettext_lazy("There is no such table or format."))]}
            return render(request, "analytics/matters.html", context, status=422)
        total = matters.count()
        if total > MAX_EXPORT_ROWS:
            context["errors"] = {
                "export": [
                    str(
                        gettext_lazy(
                            "%(total)d matters are too many to export at once (at most %(max)d): choose fewer "
                            "months, a smaller place or a category."
                        )
                        % {"total": total, "max": MAX_EXPORT_ROWS}
                    )
                ]
            }
            return render(request, "analytics/matters.html", context, status=422)
        return _stream_matters(drill, matters)
    listed = Paginator(matters, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(page=listed, visible=listed.paginator.count)
    return render(request, "analytics/matters.html", context)


def _stream_matters(drill: selectors.Drill, matters: Any) -> StreamingHttpResponse:
    """The counted matters as CSV (UTF-8 with a BOM), written as they are read, in chunks."""

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    header = [
        gettext_lazy("Tracking code"),
        gettext_lazy("Title"),
        gettext_lazy("Category"),
        gettext_lazy("Place"),
        gettext_lazy("Received"),
        gettext_lazy("Counted on"),
        gettext_lazy("Status"),
    ]

    def rows() -> Any:
        yield "\ufeff" + writer.writerow([str(h) for h in header])
        for matter in matters.iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    matter.display_code,
                    matter.title,
                    matter.category.name if matter.category else "",
                    matter.region.name,
                    f"{localtime(matter.created_at):%Y-%m-%d}",
                    f"{matter.counted_on:%Y-%m-%d}" if matter.counted_on else "",
                    matter.get_status_display(),
                ]
            )

    name = slugify(
        f"matters-{drill.filters.region.code}-{drill.filters.start:%Y%m}-{drill.filters.end:%Y%m}-{drill.measure}"
    )
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@require_GET
@figures_page
def definitions_view(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/definitions.html", {"definitions": definitions.DEFINITIONS})


urlpatterns = [
    path("", figures_view, name="figures"),
    path("definitions/", definitions_view, name="definitions"),
    path("matters/", matters_view, name="matters"),
]
