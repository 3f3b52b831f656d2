"""The live board page: a place's counts, refreshed by itself every 30 seconds (htmx), for a laptop or,
with ``?wall=1``, a wall screen. Thin: ``selectors.board`` counts; access is the figures' (the board shows
counts only, never a person)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from suyuan.accounts.pages import page
from suyuan.command import selectors
from suyuan.regions.models import Region

app_name = "command"

REFRESH_SECONDS = 30

board_page = page(staff=True, allowed=selectors.may_view, refusal=gettext_lazy("Your role has no board."))


def _region(request: HttpRequest) -> tuple[Region | None, str]:
    code = (request.GET.get("region") or "").strip() or next(iter(selectors.home_regions(request.user)), "")
    region = Region.objects.filter(code=code).first() if code else None
    if region is None:
        return None, _("There is no such region.")
    if not selectors.covers(request.user, region.code):
        return None, _("This region is outside the places you may see.")
    return region, ""


@require_GET
@board_page
def board_view(request: HttpRequest) -> HttpResponse:
    region, error = _region(request)
    wall = request.GET.get("wall") == "1"
    context: dict[str, Any] = {"wall": wall, "refresh": REFRESH_SECONDS, "error": error}
    if region is None:
        return render(request, "command/board.html", context, status=422)
    context.update(
        board=selectors.board(request.user, region),
        may_open_matters=selectors.may_open_matters(request.user),
        crumbs=[r for r in Region.objects.filter(code__in=[*region.ancestor_codes, region.code]).order_by("code")
                if selectors.covers(request.user, r.code)],
    )  # fmt: skip
    template = "command/_counts.html" if request.headers.get("HX-Request") else "command/board.html"
    return render(request, template, context)


urlpatterns = [path("", board_view, name="board")]
