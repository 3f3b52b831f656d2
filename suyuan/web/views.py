"""Pages of the citizen portal and the staff workbench: thin, over accounts' selectors and services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from suyuan.accounts import access, selectors, services
from suyuan.accounts.pages import page
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.web.forms import AuditFilterForm, OrganizationFilterForm, RevealForm

PAGE_SIZE = 50

View = Callable[..., HttpResponseBase]


def staff_page(view: View) -> View:
    """Require a signed-in member of staff (or platform operator); turn access errors into 404 and 403."""
    return page(staff=True)(view)


def object_page(view: View) -> View:
    """Require sign-in and leave the rest to the access chokepoints, so hidden objects answer 404.

    A citizen who guesses the address of someone's page gets the same 404 as for a page that does not
    exist, as in the API.
    """
    return page()(view)


def _page(request: HttpRequest, items: Any) -> Page:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Citizen portal ----------------------------------------------------------------------------------


def portal_home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/portal_home.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/privacy.html",
        {
            "privacy_contact": getattr(settings, "SUYUAN_PRIVACY_CONTACT", ""),
            "code_minutes": int(settings.OTP_CODE_TTL.total_seconds() // 60),
        },
    )


# --- Staff workbench ---------------------------------------------------------------------------------


@staff_page
def staff_home(request: HttpRequest) -> HttpResponse:
    overview = selectors.me_overview(actor=request.user, with_counts=True)  # type: ignore[arg-type]
    return render(request, "web/staff_home.html", {"overview": overview})


@staff_page
def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {"type": form.cleaned_data["type"] or None, "q": form.cleaned_data["q"] or None}
    organizations = selectors.organization_list(actor=request.user, **filters)
    return render(
        request,
        "web/organization_list.html",
        {"form": form, "page": _page(request, organizations), "query": _query_without_page(request)},
    )


@object_page
def organization_detail(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = selectors.organization_get(actor=request.user, organization_id=organization_id)
    members = selectors.organization_members(actor=request.user, organization=organization)
    return render(
        request, "web/organization_detail.html", {"organization": organization, "members": list(members)}
    )


def _reveal_items(
    person: Any, posted: str = "", form: RevealForm | None = None, value: str | None = None
) -> list:
    """Return one block per identifier: its masked value and either a reveal form or the clear value."""
    items = []
    for name, label, masked in (
        ("phone", _("Mobile phone"), person.phone_masked),
        ("id_number", _("Resident ID number"), person.id_number_masked),
    ):
        is_posted = name == posted
        items.append(
            {
                "name": name,
                "label": label,
                "masked": masked,
                "value": value if is_posted else None,
                "form": form if is_posted and form is not None else RevealForm(initial={"field": name}),
            }
        )
    return items


def _person_context(request: HttpRequest, person: Any, items: list) -> dict[str, Any]:
    return {
        "person": person,
        "memberships": list(selectors.user_memberships(actor=request.user, user=person)),
        "can_reveal": access.can_reveal_personal_data(request.user, person),
        "can_audit": access.can_browse_audit_log(request.user),
        "reveal_items": items,
    }


@object_page
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.user_get(actor=request.user, user_id=person_id)
    return render(request, "web/person_detail.html", _person_context(request, person, _reveal_items(person)))


@require_POST
@object_page
def person_reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    """Reveal one identifier once, with a reason; the service writes the audit event before the value."""
    person = selectors.user_get(actor=request.user, user_id=person_id)
    if not access.can_reveal_personal_data(request.user, person):
        raise Forbidden(_("Your role does not allow revealing personal data."))
    form = RevealForm(request.POST)
    value = None
    if form.is_valid():
        try:
            value = services.user_reveal_field(
                actor=request.user,  # type: ignore[arg-type]
                user_id=person.pk,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
    posted = str(form.data.get("field", ""))
    items = _reveal_items(person, posted, form, value)
    status = 200 if value is not None else 422
    if request.htmx:  # type: ignore[attr-defined]
        item = next((i for i in items if i["name"] == posted), None)
        if item is None:
            raise NotFound
        # htmx swaps only 2xx answers, so a form with errors comes back as 200.
        return render(
            request, "web/partials/reveal.html", {"person": person, "item": item, "can_reveal": True}
        )
    return render(request, "web/person_detail.html", _person_context(request, person, items), status=status)


@staff_page
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {
            "kind": form.cleaned_data["kind"] or None,
            "person_username": form.cleaned_data["person"] or None,
            "date_from": form.cleaned_data["date_from"],
            "date_to": form.cleaned_data["date_to"],
        }
    events = selectors.audit_event_list(actor=request.user, **filters)
    return render(
        request,
        "web/audit_log.html",
        {"form": form, "page": _page(request, events), "query": _query_without_page(request)},
    )


def ratelimited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Answer a rate-limited request the same way whatever was asked, so nothing can be probed."""
    return render(
        request,
        "web/error.html",
        {"title": _("Too many attempts"), "message": _("Too many attempts. Please wait a few minutes.")},
        status=429,
    )
