"""The grid workers' deliveries of court documents (直接送达): what to deliver to whom and where, the
printable service receipt (送达回证), and the report: delivered with a photo of the signed receipt, or
could not be delivered and why.

The documents served on one party at one time go together on one receipt and are reported together:
each service is reported through ``court.services`` in the same transaction, so all of them or none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from suyuan.accounts.access import scope_for
from suyuan.accounts.choices import Role
from suyuan.accounts.models import User
from suyuan.accounts.pages import page
from suyuan.court import pdf, selectors, services, staff_forms

if TYPE_CHECKING:
    from django import forms

    from suyuan.accounts.access import Actor


def delivers(actor: Actor) -> bool:
    """Return whether the actor delivers court documents in person: grid workers (and operators)."""
    scope = scope_for(actor)
    return scope.is_platform_operator or Role.GRID_WORKER in scope.roles


deliveries_page = page(
    staff=True, allowed=delivers, refusal=gettext_lazy("Deliveries of court documents are for grid workers.")
)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        key = "photo" if key == "file" else key  # the stored photo's checks name it "file"
        form.add_error(key if key in form.fields else None, errors)


def _context(request: HttpRequest, *, bound: tuple[int, str, Any] | None = None) -> dict[str, Any]:
    pending, done = selectors.deliveries_of(request.user)
    items = []
    for delivery in pending:
        pk = delivery.first.pk
        forms: dict[str, Any] = {
            "delivered": staff_forms.DeliveredForm(auto_id=f"d{pk}-delivered-%s"),
            "failed": staff_forms.NotDeliveredForm(auto_id=f"d{pk}-failed-%s"),
        }
        if bound is not None and bound[0] == pk:
            forms[bound[1]] = bound[2]
        items.append({"delivery": delivery, "forms": forms, "open": bound is not None and bound[0] == pk})
    return {"pending": items, "done": done, "now": timezone.now()}


@require_GET
@deliveries_page
def deliveries(request: HttpRequest) -> HttpResponse:
    return render(request, "court/staff/deliveries.html", _context(request))


@never_cache
@require_GET
@deliveries_page
def receipt(request: HttpRequest, service_id: int) -> HttpResponse:
    """The service receipt (送达回证) of a delivery as a PDF to print and take along."""
    delivery = selectors.delivery_of(request.user, service_id)
    case = delivery.case
    document = pdf.service_receipt(
        court_name=case.court.name,
        case_number=case.display_number,
        addressee=delivery.party.name,
        address=delivery.address,
        documents=[service.document.original_name for service in delivery.services],
        issued_on=timezone.localdate(delivery.sent_at),
    )
    response = HttpResponse(pdf.render(document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{delivery.first.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _again(request: HttpRequest, service_id: int, name: str, form: Any, status: int) -> HttpResponse:
    context = _context(request, bound=(service_id, name, form))
    return render(request, "court/staff/deliveries.html", context, status=status)


def _conflict(request: HttpRequest, message: Any) -> HttpResponse:
    messages.error(request, str(message))
    return render(request, "court/staff/deliveries.html", _context(request), status=409)


@require_POST
@deliveries_page
def delivered(request: HttpRequest, service_id: int) -> HttpResponse:
    """Report the delivery with the photo of the signed receipt: every document of it is served."""
    actor = _user(request)
    delivery = selectors.delivery_of(actor, service_id)
    pk = delivery.first.pk
    form = staff_forms.DeliveredForm(request.POST, request.FILES, auto_id=f"d{pk}-delivered-%s")
    if not delivery.pending:
        return _conflict(request, _("This delivery was already reported."))
    if form.is_valid():
        photo = form.cleaned_data["photo"][0]
        try:
            services.delivery_report(
                services=list(delivery.pending), actor=actor, photo=photo, note=form.cleaned_data["note"]
            )
        except services.WrongState as exc:
            return _conflict(request, exc.message)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Thank you. The delivery to %(party)s is recorded.") % {"party": delivery.party.name},
            )
            return redirect("court:deliveries")
    return _again(request, pk, "delivered", form, 422)


@require_POST
@deliveries_page
def failed(request: HttpRequest, service_id: int) -> HttpResponse:
    """Report that the documents could not be delivered, and why; the court's clerks are told."""
    actor = _user(request)
    delivery = selectors.delivery_of(actor, service_id)
    pk = delivery.first.pk
    form = staff_forms.NotDeliveredForm(request.POST, auto_id=f"d{pk}-failed-%s")
    if not delivery.pending:
        return _conflict(request, _("This delivery was already reported."))
    if form.is_valid():
        try:
            services.delivery_fail(
                services=list(delivery.pending), actor=actor, reason=form.cleaned_data["reason"]
            )
        except services.WrongState as exc:
            return _conflict(request, exc.message)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Recorded; the court is told that it could not be delivered."))
            return redirect("court:deliveries")
    return _again(request, pk, "failed", form, 422)


urlpatterns = [
    path("staff/court/deliveries/", deliveries, name="deliveries"),
    path("staff/court/deliveries/<int:service_id>/receipt.pdf", receipt, name="delivery_receipt"),
    path("staff/court/deliveries/<int:service_id>/delivered/", delivered, name="delivery_delivered"),
    path("staff/court/deliveries/<int:service_id>/failed/", failed, name="delivery_failed"),
]
