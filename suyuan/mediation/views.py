"""Pages of mediation: the forms of the staff matter page's mediation section, the citizen's confirmation
and report, and the agreement PDF for both.

Thin, like every view: forms check the shape, ``matters.access`` finds the matter, the services write.
A success redirects back to the matter page; input errors re-render it with the bound form (422), a
step the state does not allow re-renders it with the reason (409).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from suyuan.accounts.models import User
from suyuan.core.exceptions import NotFound
from suyuan.matters.models import Matter
from suyuan.matters.services import StaleMatter
from suyuan.matters.transitions import IllegalTransition
from suyuan.matters.views import portal as matters_portal
from suyuan.matters.views import staff as matters_staff
from suyuan.mediation import forms as mediation_forms
from suyuan.mediation import selectors, services
from suyuan.mediation.agreement_pdf import NoAgreement, render_agreement_pdf
from suyuan.mediation.models import Agreement
from suyuan.mediation.services import ObligationInput, WrongState

# The bound forms a failed post leaves for the section to show, on the request.
BOUND = "_mediation_bound"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def bound_forms(request: HttpRequest) -> dict[str, Any]:
    return cast(dict[str, Any], getattr(request, BOUND, {}))


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


def _staff_url(matter: Matter) -> str:
    return reverse("matters:staff_detail", kwargs={"code": matter.display_code}) + "#mediation"


def _portal_url(matter: Matter) -> str:
    return reverse("matters:matter", kwargs={"code": matter.display_code}) + "#agreement"


def _staff_again(request: HttpRequest, matter: Matter, status: int, **bound: Any) -> HttpResponse:
    setattr(request, BOUND, bound)
    matter = matters_staff.matter_for(request, matter.display_code)
    context = matters_staff.detail_context(request, matter)
    return render(request, "matters/staff/detail.html", context, status=status)


def _portal_again(request: HttpRequest, matter: Matter, status: int, **bound: Any) -> HttpResponse:
    setattr(request, BOUND, bound)
    matter = matters_portal.matter_by_code(request, matter.display_code)
    return render(
        request, "matters/portal/matter.html", matters_portal.matter_context(request, matter), status=status
    )


def _conflict(request: HttpRequest, matter: Matter, exc: Exception, *, portal: bool = False) -> HttpResponse:
    message = getattr(exc, "message", str(exc))
    messages.error(request, str(message))
    return (_portal_again if portal else _staff_again)(request, matter, 409)


CONFLICTS = (WrongState, IllegalTransition, StaleMatter)


def _staff_submit(
    request: HttpRequest, matter: Matter, form: forms.Form, run: Callable[[dict[str, Any]], str], bound: str
) -> HttpResponse:
    """Give a valid form's data to ``run`` (a service call returning the success message) and go back to
    the matter; show the page again with the form's errors (422) or the conflict (409)."""
    if form.is_valid():
        try:
            message = run(form.cleaned_data)
        except CONFLICTS as exc:
            return _conflict(request, matter, exc)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(_staff_url(matter))
    return _staff_again(request, matter, 422, **{bound: form})


# --- staff: sessions ----------------------------------------------------------------------------------------


@require_POST
@matters_staff.staff_matters_page
def session_schedule(request: HttpRequest, code: str) -> HttpResponse:
    matter = matters_staff.matter_for(request, code)
    form = mediation_forms.SessionForm(request.POST, prefix="session")

    def run(data: dict[str, Any]) -> str:
        services.session_schedule(matter=matter, actor=_user(request), **data)
        return _("Session scheduled; the parties are told by text message.")

    return _staff_submit(request, matter, form, run, "session")


SESSION_ACTIONS = {
    "change": mediation_forms.SessionForm,
    "cancel": mediation_forms.SessionCancelForm,
    "record": mediation_forms.SessionRecordForm,
}


@require_POST
@matters_staff.staff_matters_page
def session_action(request: HttpRequest, code: str, session_id: int, action: str) -> HttpResponse:
    matter = matters_staff.matter_for(request, code)
    session = selectors.session_of(matter, session_id)
    if session is None or action not in SESSION_ACTIONS:
        raise NotFound
    form = SESSION_ACTIONS[action](request.POST, prefix=f"s{session.pk}-{action}")

    def run(data: dict[str, Any]) -> str:
        actor = _user(request)
        if action == "change":
            services.session_change(session=session, actor=actor, **data)
            return _("Session changed; the parties are told.")
        if action == "cancel":
            services.session_cancel(session=session, actor=actor, reason=data["reason"])
            return _("Session cancelled; the parties are told.")
        services.session_record(session=session, actor=actor, **data)
        return _("Session record kept.")

    return _staff_submit(request, matter, form, run, f"session-{session.pk}-{action}")


# --- staff: the agreement ---------------------------------------------------------------------------------


def obligation_formset(matter: Matter, data: Any = None) -> Any:
    parties = list(matter.parties.all())
    return mediation_forms.ObligationFormSet(data, prefix="obligations", form_kwargs={"parties": parties})


@require_POST
@matters_staff.staff_matters_page
def agreement_record(request: HttpRequest, code: str) -> HttpResponse:
    matter = matters_staff.matter_for(request, code)
    form = mediation_forms.AgreementForm(request.POST, prefix="agreement")
    formset = obligation_formset(matter, request.POST)
    if form.is_valid() and formset.is_valid():
        filled = [f for f in formset.forms if f.is_filled()]
        obligations = [
            ObligationInput(
                obligor=f.cleaned_data.get("obligor"),
                description=f.cleaned_data.get("description") or "",
                amount=f.cleaned_data.get("amount"),
                due_on=f.cleaned_data.get("due_on"),
            )
            for f in filled
        ]
        try:
            services.agreement_record(
                matter=matter,
                actor=_user(request),
                terms=form.cleaned_data["terms"],
                obligations=obligations,
                expected_version=form.cleaned_data["expected_version"],
            )
        except CONFLICTS as exc:
            return _conflict(request, matter, exc)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                if key.startswith("obligations[") and "]." in key:
                    index, _sep, field = key[len("obligations[") :].partition("].")
                    filled[int(index)].add_error(field, errors)
                else:
                    form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(request, _("Agreement recorded; each party is asked to confirm it."))
            return redirect(_staff_url(matter))
    return _staff_again(request, matter, 422, agreement=form, obligations=formset)


def _agreement(matter: Matter) -> Agreement:
    agreement = selectors.agreement_of(matter)
    if agreement is None:
        raise NotFound
    return agreement


@require_POST
@matters_staff.staff_matters_page
def extend(request: HttpRequest, code: str) -> HttpResponse:
    matter = matters_staff.matter_for(request, code)
    form = mediation_forms.ExtensionForm(request.POST, prefix="extension")

    def run(data: dict[str, Any]) -> str:
        services.mediation_extend(matter=matter, actor=_user(request), **data)
        return _("Mediation period extended; the parties are told by text message.")

    return _staff_submit(request, matter, form, run, "extension")


@require_POST
@matters_staff.staff_matters_page
def confirm_in_person(request: HttpRequest, code: str) -> HttpResponse:
    matter = matters_staff.matter_for(request, code)
    agreement = _agreement(matter)
    form = mediation_forms.InPersonForm(request.POST, prefix="in-person")

    def run(data: dict[str, Any]) -> str:
        party = next((p for p in matter.parties.all() if p.pk == data["party"]), None)
        if party is None:
            raise NotFound
        services.agreement_confirm_in_person(
            agreement=agreement, party=party, actor=_user(request), reason=data["reason"]
        )
        return _("Confirmation recorded.")

    return _staff_submit(request, matter, form, run, f"in-person-{request.POST.get('in-person-party')}")


def _report(request: HttpRequest, code: str, obligation_id: int, *, portal: bool) -> HttpResponse:
    matter = (matters_portal.matter_by_code if portal else matters_staff.matter_for)(request, code)
    obligation = selectors.obligation_of(matter, obligation_id)
    if obligation is None:
        raise NotFound
    form = mediation_forms.ObligationReportForm(request.POST, prefix=f"o{obligation.pk}")
    if form.is_valid():
        try:
            services.obligation_report(
                obligation=obligation,
                actor=_user(request),
                performed=form.cleaned_data["performed"],
                note=form.cleaned_data["note"],
            )
        except CONFLICTS as exc:
            return _conflict(request, matter, exc, portal=portal)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Thank you, your report was recorded."))
            return redirect(_portal_url(matter) if portal else _staff_url(matter))
    again = _portal_again if portal else _staff_again
    return again(request, matter, 422, **{f"report-{obligation.pk}": form})


@require_POST
@matters_staff.staff_matters_page
def staff_obligation_report(request: HttpRequest, code: str, obligation_id: int) -> HttpResponse:
    return _report(request, code, obligation_id, portal=False)


# --- citizens ---------------------------------------------------------------------------------------------


def _own_party(request: HttpRequest, matter: Matter, party_id: int) -> Any:
    party = next((p for p in matter.parties.all() if p.pk == party_id), None)
    if party is None or not services.party_acts_for(request.user, party):
        raise NotFound
    return party


@require_POST
@matters_portal.citizen_page
def code_send(request: HttpRequest, code: str) -> HttpResponse:
    matter = matters_portal.matter_by_code(request, code)
    agreement = _agreement(matter)
    form = mediation_forms.SendCodeForm(request.POST)
    if not form.is_valid():
        raise NotFound
    party = _own_party(request, matter, form.cleaned_data["party"])
    try:
        services.confirmation_code_send(agreement=agreement, party=party, actor=_user(request))
    except WrongState as exc:
        return _conflict(request, matter, exc, portal=True)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _portal_again(request, matter, 429 if getattr(exc, "code", None) == "throttled" else 422)
    messages.success(request, _("We sent a 6-digit code to your phone. Enter it below."))
    return redirect(_portal_url(matter))


@require_POST
@matters_portal.citizen_page
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    matter = matters_portal.matter_by_code(request, code)
    agreement = _agreement(matter)
    form = mediation_forms.ConfirmCodeForm(request.POST)
    if form.is_valid():
        party = _own_party(request, matter, form.cleaned_data["party"])
        try:
            services.agreement_confirm(
                agreement=agreement, party=party, actor=_user(request), code=form.cleaned_data["code"]
            )
        except WrongState as exc:
            return _conflict(request, matter, exc, portal=True)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                _add_errors(form, exc)
            else:
                form.add_error("code", exc.messages)
        else:
            messages.success(request, _("Thank you: you have confirmed the agreement."))
            return redirect(_portal_url(matter))
    return _portal_again(request, matter, 422, confirm=form)


@require_POST
@matters_portal.citizen_page
def portal_obligation_report(request: HttpRequest, code: str, obligation_id: int) -> HttpResponse:
    return _report(request, code, obligation_id, portal=True)


# --- the agreement as a PDF -------------------------------------------------------------------------------


def agreement_response(matter: Matter) -> HttpResponse:
    """Return the agreement as a PDF download (ASCII file name), or raise ``NotFound`` when there is none."""
    try:
        content = render_agreement_pdf(matter)
    except NoAgreement:
        raise NotFound from None
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"agreement-{matter.display_code}.pdf".encode("ascii", "ignore").decode()
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@matters_staff.staff_matters_page
def staff_agreement_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The matter's people's mediation agreement as a PDF, for staff who can see the matter; else 404."""
    return agreement_response(matters_staff.matter_for(request, code))


@never_cache
@matters_portal.citizen_page
def agreement_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The matter's people's mediation agreement as a PDF, for those who may open its page; else 404."""
    return agreement_response(matters_portal.matter_by_code(request, code))


urlpatterns = [
    path("matters/<str:code>/agreement.pdf", agreement_pdf, name="agreement_pdf"),
    path("matters/<str:code>/agreement/code/", code_send, name="code_send"),
    path("matters/<str:code>/agreement/confirm/", confirm, name="confirm"),
    path(
        "matters/<str:code>/obligations/<int:obligation_id>/report/",
        portal_obligation_report,
        name="report",
    ),
    path("staff/matters/<str:code>/agreement.pdf", staff_agreement_pdf, name="staff_agreement_pdf"),
    path("staff/matters/<str:code>/mediation/sessions/", session_schedule, name="staff_session_schedule"),
    path(
        "staff/matters/<str:code>/mediation/sessions/<int:session_id>/<slug:action>/",
        session_action,
        name="staff_session_action",
    ),
    path("staff/matters/<str:code>/mediation/agreement/", agreement_record, name="staff_agreement_record"),
    path("staff/matters/<str:code>/mediation/extension/", extend, name="staff_extend"),
    path(
        "staff/matters/<str:code>/mediation/confirm-in-person/",
        confirm_in_person,
        name="staff_confirm_in_person",
    ),
    path(
        "staff/matters/<str:code>/mediation/obligations/<int:obligation_id>/report/",
        staff_obligation_report,
        name="staff_report",
    ),
]
