"""The JSON API of supervision orders: list, read, issue, answer, clear.

Thin, like every router: ``supervision.access`` finds an order (404 alike for a missing and a hidden
one), a service changes it, a selector lists. A command the order's status does not allow answers 409
(``code``: ``order_state``); a right the caller lacks answers 403; bad input answers 422.
"""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import PageNumberPagination, paginate

from suyuan.accounts.models import User
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import access as matter_access
from suyuan.matters.schemas import FieldErrorsOut
from suyuan.supervision import access, selectors, services
from suyuan.supervision.models import SupervisionOrder
from suyuan.supervision.schemas import (
    AnswerIn,
    ClearIn,
    ConflictOut,
    MessageOut,
    OrderCountsOut,
    OrderFilters,
    OrderIssueIn,
    OrderOut,
)

router = Router(tags=["supervision"])

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
REFUSALS: dict[int, Any] = {401: MessageOut, 403: MessageOut, 404: MessageOut, 422: FieldErrorsOut}
COMMAND_RESPONSES: dict[int, Any] = {200: OrderOut, **REFUSALS, 409: ConflictOut}


def _actor(request: HttpRequest) -> User:
    if not access.works_with_orders(request.user):
        raise Forbidden(_("Your role has no supervision orders."))
    return cast(User, request.user)


def _conflict(exc: services.OrderStateError) -> Status[dict[str, str]]:
    return Status(409, {"detail": exc.message, "code": "order_state"})


@router.get(
    "/orders",
    response={200: list[OrderOut], 401: MessageOut, 403: MessageOut, 422: FieldErrorsOut},
    summary="Supervision orders I may see, by list and status",
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def order_list(request: HttpRequest, filters: Query[OrderFilters]) -> Any:
    actor = _actor(request)
    return selectors.order_list(actor=actor, box=filters.box, status=filters.status)


@router.get(
    "/counts", response={200: OrderCountsOut, **REFUSALS}, summary="How many orders wait for me (badge)"
)
def order_counts(request: HttpRequest) -> dict[str, int]:
    return selectors.order_counts(actor=_actor(request))


@router.get("/orders/{order_id}", response={200: OrderOut, **REFUSALS}, summary="One supervision order")
def order_detail(request: HttpRequest, order_id: int) -> SupervisionOrder:
    return access.access_order(_actor(request), order_id)


@router.post(
    "/orders",
    response={201: OrderOut, **REFUSALS},
    summary="Issue a supervision order on a matter (supervisors)",
)
def order_issue(request: HttpRequest, payload: OrderIssueIn) -> Status[SupervisionOrder]:
    actor = _actor(request)
    try:
        matter = matter_access.matter_for_code(actor, payload.matter_code)
    except NotFound:
        raise ValidationError({"matter_code": _("There is no matter with this code in your area.")}) from None
    order = services.order_issue(
        matter=matter, actor=actor, reason=payload.reason, deadline_days=payload.deadline_days
    )
    return Status(201, access.access_order(actor, order.pk))


@router.post(
    "/orders/{order_id}/answer",
    response=COMMAND_RESPONSES,
    summary="Answer an order for the organisation it is addressed to",
)
def order_answer(request: HttpRequest, order_id: int, payload: AnswerIn) -> Any:
    actor = _actor(request)
    order = access.access_order(actor, order_id)
    try:
        services.order_answer(order=order, actor=actor, response=payload.response)
    except services.OrderStateError as exc:
        return _conflict(exc)
    return access.access_order(actor, order_id)


@router.post(
    "/orders/{order_id}/clear",
    response=COMMAND_RESPONSES,
    summary="Clear an order (a supervisor of the issuing level or above)",
)
def order_clear(request: HttpRequest, order_id: int, payload: ClearIn) -> Any:
    actor = _actor(request)
    order = access.access_order(actor, order_id)
    try:
        services.order_clear(order=order, actor=actor, note=payload.note)
    except services.OrderStateError as exc:
        return _conflict(exc)
    return access.access_order(actor, order_id)
