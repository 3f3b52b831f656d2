"""Staff pages for supervision orders: the lists, one order with its answer and clear forms, issuing.

Thin, like every view: ``supervision.access`` and ``supervision.selectors`` read, ``supervision.services``
write. Input errors re-render the page with the form's errors (422); a command the order's status does
not allow (answering a cleared order, …) shows the order as it is now (409); success redirects (PRG).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from suyuan.accounts.access import scope_for
from suyuan.accounts.models import User
from suyuan.accounts.pages import page
from suyuan.core.exceptions import Forbidden
from suyuan.matters import access as matter_access
from suyuan.matters.choices import FINAL_STATUSES
from suyuan.matters.models import Matter
from suyuan.supervision import access, forms, selectors, services
from suyuan.supervision.choices import Box, OrderStatus, OrderSubject
from suyuan.supervision.models import SupervisionOrder
from suyuan.triage import selectors as triage_selectors

PAGE_SIZE = 50
View = Callable[..., HttpResponse]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# A signed-in member of staff whose role has supervision pages; access errors become 404 and 403.
supervision_page = page(
    staff=True, allowed=access.works_with_orders, refusal=gettext_lazy("Your role has no supervision orders.")
)


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


def _safe_next(request: HttpRequest, value: str, default: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return default


def _order_url(order: SupervisionOrder) -> str:
    return reverse("supervision:detail", kwargs={"order_id": order.pk})


def _default_box(actor: User) -> str:
    return Box.ALL if scope_for(actor).has_role(*access.WATCH_ROLES) else Box.TO_ANSWER


# --- Lists ----------------------------------------------------------------------------------------------


@require_GET
@supervision_page
def order_list(request: HttpRequest) -> HttpResponse:
    actor = _user(request)
    form = forms.ListForm(request.GET)
    box = form.box_value(_default_box(actor))
    status = form.status_value()
    orders = selectors.order_list(actor=actor, box=box, status=status)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.order_counts(actor=actor)
    now = timezone.now()
    alert_ids = selectors.alert_ids_of(list(page.object_list))
    return render(
        request,
        "supervision/list.html",
        {
            "box": box,
            "status": status,
            "boxes": [{"name": k, "label": v} for k, v in selectors.BOX_LABELS.items()],
            "filters": [{"name": k, "label": v} for k, v in selectors.FILTER_LABELS.items()],
            "counts": counts,
            "page": page,
            "query": f"box={box}&status={status}",
            "now": now,
            "items": [
                {**_item(actor, order, now), "alert_id": alert_ids.get(order.pk)}
                for order in page.object_list
            ],
        },
    )


def _item(actor: User, order: SupervisionOrder, now: Any) -> dict[str, Any]:
    return {
        "order": order,
        "overdue": order.is_overdue(now),
        "may_answer": order.status == OrderStatus.OPEN and access.may_answer(actor, order),
        "may_clear": order.status in (OrderStatus.OPEN, OrderStatus.ANSWERED)
        and access.may_clear(actor, order),
    }


@require_GET
def nav_badge(request: HttpRequest) -> HttpResponse:
    """Return the number of orders waiting for the user's answer, for the navigation; 204 when none."""
    if not access.works_with_orders(request.user):
        return HttpResponse(status=204)
    counts = selectors.order_counts(actor=request.user)
    if not counts["to_answer"] and not counts["to_clear"]:
        return HttpResponse(status=204)
    return render(request, "supervision/_badge.html", {"counts": counts})


# --- One order ------------------------------------------------------------------------------------------


def _detail_context(
    request: HttpRequest,
    order: SupervisionOrder,
    *,
    answer_form: forms.AnswerForm | None = None,
    clear_form: forms.ClearForm | None = None,
    conflict: str = "",
) -> dict[str, Any]:
    actor = _user(request)
    item = _item(actor, order, timezone.now())
    chain: list[SupervisionOrder] = []
    previous = order.previous
    while previous is not None and len(chain) < 10:
        chain.append(previous)
        previous = previous.previous
    return {
        **item,
        "alert_id": selectors.alert_ids_of([order]).get(order.pk),
        "chain": chain,
        "answer_form": answer_form or forms.AnswerForm(auto_id="answer-%s"),
        "clear_form": clear_form or forms.ClearForm(auto_id="clear-%s"),
        "conflict": conflict,
    }


@require_GET
@supervision_page
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = access.access_order(request.user, order_id)
    return render(request, "supervision/detail.html", _detail_context(request, order))


@require_POST
@supervision_page
def order_answer(request: HttpRequest, order_id: int) -> HttpResponse:
    order = access.access_order(request.user, order_id)
    form = forms.AnswerForm(request.POST, auto_id="answer-%s")
    if form.is_valid():
        try:
            services.order_answer(order=order, actor=_user(request), response=form.cleaned_data["response"])
        except services.OrderStateError as exc:
            return _conflict(request, order_id, exc.message)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Answer sent."))
            return redirect(_safe_next(request, form.cleaned_data["next"], _order_url(order)))
    elif not access.may_answer(request.user, order):
        raise Forbidden
    context = _detail_context(request, order, answer_form=form)
    return render(request, "supervision/detail.html", context, status=422)


@require_POST
@supervision_page
def order_clear(request: HttpRequest, order_id: int) -> HttpResponse:
    order = access.access_order(request.user, order_id)
    form = forms.ClearForm(request.POST, auto_id="clear-%s")
    if form.is_valid():
        try:
            services.order_clear(order=order, actor=_user(request), note=form.cleaned_data["note"])
        except services.OrderStateError as exc:
            return _conflict(request, order_id, exc.message)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Supervision order cleared."))
            return redirect(_safe_next(request, form.cleaned_data["next"], _order_url(order)))
    elif not access.may_clear(request.user, order):
        raise Forbidden
    context = _detail_context(request, order, clear_form=form)
    return render(request, "supervision/detail.html", context, status=422)


def _conflict(request: HttpRequest, order_id: int, message: str) -> HttpResponse:
    order = access.access_order(request.user, order_id)
    return render(
        request, "supervision/detail.html", _detail_context(request, order, conflict=message), status=409
    )


# --- Issuing --------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@supervision_page
def order_issue(request: HttpRequest, code: str) -> HttpResponse:
    """Issue a supervision order by hand on one matter (supervisors)."""
    actor = _user(request)
    matter = matter_access.matter_for_code(request.user, code)
    if not access.may_issue(actor, matter):
        raise Forbidden(_("Only supervisors issue supervision orders."))
    if request.method == "POST":
        form = forms.IssueForm(request.POST, auto_id="issue-%s")
        if form.is_valid():
            try:
                order = services.order_issue(
                    matter=matter,
                    actor=actor,
                    reason=form.cleaned_data["reason"],
                    deadline_days=form.cleaned_data["deadline_days"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Supervision order issued to %(org)s.") % {"org": order.responding_organization.name},
                )
                return redirect(reverse("matters:staff_detail", kwargs={"code": matter.display_code}))
        status = 422
    else:
        form = forms.IssueForm(auto_id="issue-%s")
        status = 200
    return render(request, "supervision/issue.html", {"matter": matter, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@supervision_page
def group_issue(request: HttpRequest, group_id: int) -> HttpResponse:
    """Issue a supervision order by hand on a group dispute, to an organisation below (supervisors)."""
    actor = _user(request)
    group, members, size = triage_selectors.group_for(actor, group_id)  # 404 when not in the actor's area
    if not access.may_supervise(actor):
        raise Forbidden(_("Only supervisors issue supervision orders."))
    organizations = selectors.responding_candidates(
        actor=actor,
        subject=OrderSubject.GROUP,
        region_code=group.region_id,
        member_regions=selectors.group_open_regions(group_id=group.pk),
    )
    if request.method == "POST":
        form = forms.AreaIssueForm(request.POST, auto_id="issue-%s", organizations=organizations)
        if form.is_valid():
            try:
                responding = selectors.responding_organization(
                    actor=actor, organization_id=form.cleaned_data["responding_organization"]
                )
                order = services.order_issue_area(
                    subject=OrderSubject.GROUP,
                    actor=actor,
                    responding_organization=responding,
                    reason=form.cleaned_data["reason"],
                    deadline_days=form.cleaned_data["deadline_days"],
                    group=group,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Supervision order issued to %(org)s.") % {"org": order.responding_organization.name},
                )
                return redirect(_order_url(order))
        status = 422
    else:
        form = forms.AreaIssueForm(auto_id="issue-%s", organizations=organizations)
        status = 200
    return render(
        request,
        "supervision/issue_group.html",
        {"group": group, "members": members, "size": size, "form": form, "organizations": organizations},
        status=status,
    )


# --- The section on the staff matter page ---------------------------------------------------------------


def matter_section_context(request: HttpRequest, matter: Matter) -> dict[str, Any] | None:
    """Return the matter's orders with what the viewer may do on each; None when there is nothing to show."""
    actor = request.user
    if not access.works_with_orders(actor):
        return None
    orders = list(selectors.orders_of_matter(actor=actor, matter=matter))
    may_issue = matter.status not in FINAL_STATUSES and access.may_issue(actor, matter)
    if not orders and not may_issue:
        return None
    now = timezone.now()
    user = cast(User, actor)
    here = request.get_full_path()
    items = []
    for order in orders:
        item = _item(user, order, now)
        if item["may_answer"]:
            item["answer_form"] = forms.AnswerForm(auto_id=f"answer-{order.pk}-%s", initial={"next": here})
        if item["may_clear"]:
            item["clear_form"] = forms.ClearForm(auto_id=f"clear-{order.pk}-%s", initial={"next": here})
        items.append(item)
    return {
        "items": items,
        "may_issue": may_issue,
        "issue_form": forms.IssueForm(auto_id="issue-%s") if may_issue else None,
        "now": now,
    }


app_name = "supervision"

urlpatterns = [
    path("", order_list, name="list"),
    path("badge/", nav_badge, name="badge"),
    path("<int:order_id>/", order_detail, name="detail"),
    path("<int:order_id>/answer/", order_answer, name="answer"),
    path("<int:order_id>/clear/", order_clear, name="clear"),
    path("matters/<str:code>/issue/", order_issue, name="issue"),
    path("groups/<int:group_id>/issue/", group_issue, name="issue_group"),
]
