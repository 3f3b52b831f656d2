"""The live board page: a place's counts, refreshed by itself every 30 seconds (htmx), for a laptop or,
with ``?wall=1``, a wall screen. Thin: ``selectors.board`` counts; access is the figures' (the board shows
counts only, never a person)."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from suyuan.accounts.models import User
from suyuan.accounts.pages import page
from suyuan.analytics import alerts
from suyuan.analytics.choices import LIVE_ALERT_STATUSES
from suyuan.analytics.models import Alert
from suyuan.command import selectors
from suyuan.core.exceptions import Forbidden
from suyuan.matters.access import matters_visible_to
from suyuan.matters.models import Category
from suyuan.regions.models import Region
from suyuan.supervision import access as supervision_access
from suyuan.supervision import selectors as supervision_selectors
from suyuan.supervision.choices import OrderSubject

app_name = "command"

REFRESH_SECONDS = 30

board_page = page(staff=True, allowed=selectors.may_view, refusal=gettext_lazy("Your role has no board."))


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _region(request: HttpRequest) -> tuple[Region | None, str]:
    try:
        return selectors.region_for(request.user, request.GET.get("region", "")), ""
    except ValidationError as exc:
        return None, exc.message_dict["region"][0]


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


alerts_page = page(staff=True, allowed=selectors.may_view, refusal=gettext_lazy("Your role has no alerts."))


def _alert_rows(found: list[Alert]) -> list[dict[str, Any]]:
    names = dict(Region.objects.filter(code__in={a.region for a in found}).values_list("code", "name"))
    categories = dict(Category.objects.values_list("pk", "name"))
    return [
        {
            "alert": a,
            "place": names.get(a.region, a.region),
            "category": categories.get(a.category_id or 0, ""),
        }
        for a in found
    ]


@require_GET
@alerts_page
def alert_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "live")
    found = alerts.alerts_visible_to(request.user)
    if show == "live":
        found = found.filter(status__in=LIVE_ALERT_STATUSES)
    return render(
        request,
        "command/alerts.html",
        {"rows": _alert_rows(list(found.order_by("-detected_at")[:200])), "show": show},
    )


def _alert_for(request: HttpRequest, pk: int) -> Alert:
    alert = alerts.alerts_visible_to(request.user).filter(pk=pk).first()
    if alert is None:
        raise Http404
    return alert


@require_http_methods(["GET", "POST"])
@alerts_page
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert_for(request, pk)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "acknowledge":
                alerts.alert_acknowledge(alert=alert, actor=_user(request))
            elif action == "assign":
                chosen = request.POST.get("organization") or ""
                organization = (
                    alerts.assignable_organizations(request.user, alert).filter(pk=int(chosen)).first()
                    if chosen.isdigit()
                    else None
                )
                if organization is None:
                    raise ValidationError({"organization": _("Choose an organisation.")})
                alerts.alert_assign(alert=alert, actor=_user(request), organization=organization)
            elif action == "supervise":
                _supervise(request, alert)
            elif action == "dismiss":
                alerts.alert_dismiss(alert=alert, actor=_user(request), reason=request.POST.get("reason", ""))
            else:
                raise ValidationError({"action": _("Choose what to do.")})
            return redirect("command:alert", pk=alert.pk)
        except ValidationError as exc:
            errors, status = exc.message_dict, 422
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from None
        alert.refresh_from_db()
    matters = []
    if selectors.may_open_matters(request.user) and alert.matter_ids:
        matters = list(
            matters_visible_to(request.user).filter(pk__in=alert.matter_ids[:100]).order_by("-created_at")
        )
    organizations = alerts.assignable_organizations(request.user, alert)[:200]
    live = alert.status in LIVE_ALERT_STATUSES
    order = (
        supervision_selectors.order_latest(actor=request.user, order_id=alert.supervision_order_id)
        if alert.supervision_order_id
        else None
    )
    may_supervise = (
        live
        and alerts.may_act(request.user, alert)
        and supervision_access.may_issue_area(request.user, alert.region)
    )
    return render(
        request,
        "command/alert.html",
        {
            "row": _alert_rows([alert])[0],
            "alert": alert,
            "matters": matters,
            "hidden_matters": len(alert.matter_ids) - len(matters),
            "may_act": alerts.may_act(request.user, alert) and alert.status in LIVE_ALERT_STATUSES,
            "organizations": organizations,
            "errors": errors,
            "order": order,
            "may_supervise": may_supervise,
            "order_organizations": (
                supervision_selectors.responding_candidates(
                    actor=request.user, subject=OrderSubject.ALERT, region_code=alert.region
                )
                if may_supervise
                else []
            ),
            "order_days": request.POST.get("deadline_days") or settings.SUPERVISION_ANSWER_WORKING_DAYS,
            "action": request.POST.get("action", ""),
            "order_reason": request.POST.get("reason", "")
            if request.POST.get("action") == "supervise"
            else "",
        },
        status=status,
    )


def _supervise(request: HttpRequest, alert: Alert) -> None:
    """Issue a supervision order on the alert from the page's form (raises ValidationError, Forbidden)."""
    if not (
        alerts.may_act(request.user, alert) and supervision_access.may_issue_area(request.user, alert.region)
    ):
        raise Forbidden(_("Only supervisors issue supervision orders."))
    chosen = request.POST.get("responding_organization") or ""
    days = request.POST.get("deadline_days") or ""
    if not chosen.isdigit():
        raise ValidationError({"responding_organization": _("Choose an organisation.")})
    if not days.isdigit():
        raise ValidationError({"deadline_days": _("Give the number of working days to answer.")})
    responding = supervision_selectors.responding_organization(
        actor=request.user, organization_id=int(chosen)
    )
    alerts.alert_supervise(
        alert=alert,
        actor=_user(request),
        responding_organization=responding,
        reason=request.POST.get("reason", ""),
        deadline_days=int(days),
    )


urlpatterns = [
    path("", board_view, name="board"),
    path("alerts/", alert_list, name="alerts"),
    path("alerts/<int:pk>/", alert_detail, name="alert"),
]
