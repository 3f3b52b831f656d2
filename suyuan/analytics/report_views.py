"""The monthly report of the figures as a PDF download: ``GET report.pdf?region=…&month=YYYY-MM(&category=…)``.

The same access as the figures page (``selectors.may_view``, the place checked by ``selectors.region_for``
through ``report.parse_report_filters``); a month that is not over, a malformed one, one too far back, or a
place or category the figures page would refuse answers 422 with the reason next to the field.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from suyuan.analytics import report, selectors
from suyuan.analytics.views import figures_page
from suyuan.matters.models import Category
from suyuan.regions.models import Region


@require_GET
@figures_page
def report_view(request: HttpRequest) -> HttpResponse:
    try:
        filters = report.parse_report_filters(request.user, request.GET)
    except ValidationError as exc:
        context = {
            "errors": exc.message_dict,
            "values": {key: request.GET.get(key, "") for key in ("region", "month", "category")},
            "home_regions": Region.objects.filter(code__in=selectors.home_regions(request.user)),
            "categories": Category.objects.filter(is_active=True).order_by("sort_order", "code"),
            "latest": f"{report.last_complete_month():%Y-%m}",
        }
        return render(request, "analytics/report.html", context, status=422)
    content = report.monthly_report_pdf(
        filters, definitions_url=request.build_absolute_uri(reverse("analytics:definitions"))
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename(filters)}"'
    return response
