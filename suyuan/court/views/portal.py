"""Citizens' court pages: the online complaint, judicial confirmation, served documents, written rounds.

Thin, like every view: the forms check the shape, ``matters.access`` finds the matter (404 for a matter the
viewer cannot open), ``court.services`` decides and writes. A step either succeeds and goes back to the
matter page with a message, or shows the page again: with the form's errors (422), or with the reason the
case's state does not allow it now (409). Nothing is written by a refused step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from suyuan.accounts import signin
from suyuan.accounts.models import Organization, User
from suyuan.core.exceptions import Forbidden
from suyuan.court import access, sections_portal, services
from suyuan.court.choices import CaseStatus, CaseTrack
from suyuan.court.models import CauseOfAction, CourtCase
from suyuan.court.portal_forms import (
    ENFORCEMENT,
    PERFORMED,
    CaseWithdrawForm,
    ComplaintForm,
    DirectFilingForm,
    PartyForm,
    PerformanceForm,
    RoundSubmissionForm,
    category_for,
    cause_from_code,
    complaint_initial_from_case,
    complaint_initial_from_matter,
    direct_posted_initial,
    estimate,
    material_kinds,
)
from suyuan.court.transitions import IllegalCaseTransition
from suyuan.matters import documents
from suyuan.matters import services as matter_services
from suyuan.matters.choices import Channel, DocumentKind, MatterKind, PartyRole
from suyuan.matters.models import Matter, Party
from suyuan.matters.portal_forms import picker_values
from suyuan.matters.services import PartyInput, StaleMatter
from suyuan.matters.transitions import IllegalTransition
from suyuan.matters.views import portal as matters_portal

citizen_page = matters_portal.citizen_page

# A direct filing opens a matter and texts its code: a person files a few, not dozens.
FILE_NEW_RATE_PER_USER = "20/h"

CONFLICTS = (services.WrongState, services.StaleCase, IllegalCaseTransition, IllegalTransition, StaleMatter)
# The statuses in which the applicant (re)files the complaint of an open case.
COMPLAINT_STATUSES = (CaseStatus.DOCKED, CaseStatus.CORRECTION)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _matter_url(matter: Matter) -> str:
    return reverse("matters:matter", kwargs={"code": matter.display_code}) + "#court"


def _day(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's refusal next to the fields it concerns (the rest, e.g. missing materials, above)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


# --- Going back to the matter page --------------------------------------------------------------------------


def _again(request: HttpRequest, matter: Matter, status: int, **bound: Any) -> HttpResponse:
    """Show the matter page again, with the bound forms of a failed step in the court section."""
    setattr(request, sections_portal.BOUND, bound)
    matter = matters_portal.matter_by_code(request, matter.display_code)
    return render(
        request, "matters/portal/matter.html", matters_portal.matter_context(request, matter), status=status
    )


def _conflict(request: HttpRequest, matter: Matter, exc: Exception) -> HttpResponse:
    messages.error(request, str(getattr(exc, "message", exc)))
    return _again(request, matter, 409)


def _submit(
    request: HttpRequest,
    matter: Matter,
    form: forms.Form,
    run: Callable[[dict[str, Any]], str],
    bound: str,
) -> HttpResponse:
    """Give a valid form's data to ``run`` (a service call returning the success message) and go back to
    the matter page; show it again with the form's errors (422) or the conflict (409)."""
    if form.is_valid():
        try:
            message = run(form.cleaned_data)
        except CONFLICTS as exc:
            return _conflict(request, matter, exc)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(_matter_url(matter))
    if bound:
        return _again(request, matter, 422, **{bound: form})
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return _again(request, matter, 422)


# --- The complaint on a matter the platform holds ------------------------------------------------------------


def _applicant(request: HttpRequest, matter: Matter) -> Party:
    """Return the applicant the viewer acts for, else refuse (only the applicant files the complaint)."""
    party = next((p for p in access.parties_of(request.user, matter) if p.role == PartyRole.APPLICANT), None)
    if party is None:
        raise Forbidden(_("Only the applicant files the complaint."))
    return party


def _court_of(matter: Matter, case: CourtCase | None) -> Organization | None:
    if case is not None:
        return case.court
    try:
        return services.court_for_matter(matter)
    except ValidationError:
        return None


def _checklist(cause: CauseOfAction | None, held: set[str] | frozenset[str]) -> list[dict[str, Any]]:
    kinds = [k for k in cause.required_materials if k in DocumentKind.values] if cause else material_kinds()
    return [{"kind": k, "label": DocumentKind(k).label, "held": k in held} for k in kinds]


def _estimate_context(
    cause: CauseOfAction | None, amount_raw: Any, held: set[str] | frozenset[str]
) -> dict[str, Any]:
    return {
        "estimate": estimate(cause, amount_raw),
        "cause": cause,
        "cause_label": cause.label(get_language()) if cause else "",
        "cause_hint": cause.hint(get_language()) if cause else "",
        "checklist": _checklist(cause, held),
    }


def _complaint_page(
    request: HttpRequest,
    matter: Matter,
    case: CourtCase | None,
    form: ComplaintForm,
    *,
    status: int = 200,
) -> HttpResponse:
    parties = list(matter.parties.all())
    context = {
        "matter": matter,
        "case": case,
        "correction": case is not None and case.status == CaseStatus.CORRECTION,
        "court": _court_of(matter, case),
        "plaintiffs": [p for p in parties if p.role == PartyRole.APPLICANT],
        "defendants": [p for p in parties if p.role == PartyRole.RESPONDENT],
        "form": form,
        "files_lost": bool(request.FILES),
        **_estimate_context(form.chosen_cause, form.amount_raw, form.held),
    }
    return render(request, "court/portal/file.html", context, status=status)


def _filing_state(matter: Matter) -> tuple[CourtCase | None, str]:
    """Return the open case the complaint goes to (or None for a new case), and why filing is not possible
    now ("" when it is)."""
    case = sections_portal.open_case_of(matter)
    if case is not None:
        if case.track != CaseTrack.LITIGATION or case.status not in COMPLAINT_STATUSES:
            return case, _(
                "The court already has this matter; its section on the matter page says where it stands."
            )
        return case, ""
    if not services.may_file(matter):
        return None, _("This matter cannot go to court now: mediation is still under way, or it is finished.")
    return None, ""


@never_cache
@citizen_page
@require_http_methods(["GET", "HEAD", "POST"])
def file_complaint(request: HttpRequest, code: str) -> HttpResponse:
    """The guided complaint (起诉状) for a matter the platform holds: after mediation failed, after a
    referral to the court's window, or after the court asked for corrections."""
    matter = matters_portal.matter_by_code(request, code)
    _applicant(request, matter)
    case, refusal = _filing_state(matter)
    if refusal:
        if request.method == "POST":
            return _conflict(request, matter, services.WrongState(refusal))
        messages.info(request, refusal)
        return redirect(_matter_url(matter))
    held = sections_portal.held_kinds(matter)
    estimate_url = reverse("court:file_estimate", kwargs={"code": matter.display_code})
    if request.method != "POST":
        initial = (
            complaint_initial_from_case(case)
            if case is not None and case.status == CaseStatus.CORRECTION
            else complaint_initial_from_matter(matter)
        )
        form = ComplaintForm(initial=initial, held=held, estimate_url=estimate_url)
        return _complaint_page(request, matter, case, form)

    if request.POST.get("action") == "estimate":
        # Without JavaScript: show the checklist and the fee for what was typed, without sending.
        posted = {name: request.POST.get(name, "") for name in ComplaintForm.base_fields}
        form = ComplaintForm(initial=posted, held=held, estimate_url=estimate_url)
        return _complaint_page(request, matter, case, form)
    form = ComplaintForm(request.POST, request.FILES, held=held, estimate_url=estimate_url)
    if not form.is_valid():
        return _complaint_page(request, matter, case, form, status=422)
    try:
        # A refused filing leaves neither rows nor the files it stored.
        with documents.stored_files_guard():
            case = services.complaint_file(
                matter=matter, actor=_user(request), complaint=form.complaint_input(), uploads=form.uploads()
            )
    except CONFLICTS as exc:
        return _conflict(request, matter, exc)
    except ValidationError as exc:
        _add_errors(form, exc)
        return _complaint_page(request, matter, sections_portal.open_case_of(matter), form, status=422)
    messages.success(
        request,
        _("Your complaint was sent to %(court)s. The court decides whether to accept the case by %(date)s.")
        % {"court": case.court.name, "date": _day(case.due_at)},
    )
    return redirect(_matter_url(matter))


def _estimate_response(request: HttpRequest, held: set[str] | frozenset[str]) -> HttpResponse:
    cause = cause_from_code(request.GET.get("cause"))
    context = _estimate_context(cause, request.GET.get("amount_claimed", ""), held)
    return render(request, "court/portal/_estimate.html", context)


@never_cache
@require_GET
@citizen_page
def file_estimate(request: HttpRequest, code: str) -> HttpResponse:
    """The materials checklist and the court fee for the cause and amount typed so far (htmx)."""
    matter = matters_portal.matter_by_code(request, code)
    return _estimate_response(request, sections_portal.held_kinds(matter))


# --- Going to court directly ------------------------------------------------------------------------------


def _direct_page(
    request: HttpRequest,
    form: DirectFilingForm,
    complaint: ComplaintForm,
    *,
    status: int = 200,
    understood: Any = None,
) -> HttpResponse:
    context = {
        "form": form,
        "complaint": complaint,
        "understood": understood,
        "candidates": form.candidates,
        "files_lost": bool(request.FILES),
        **_estimate_context(complaint.chosen_cause, complaint.amount_raw, frozenset()),
    }
    return render(request, "court/portal/file_new.html", context, status=status)


def _direct_forms(
    data: Any = None, files: Any = None, *, initial: dict[str, Any] | None = None
) -> tuple[DirectFilingForm, ComplaintForm]:
    url = reverse("court:file_new_estimate")
    if data is None:
        return (
            DirectFilingForm(initial=initial),
            ComplaintForm(initial=initial, with_facts=False, estimate_url=url),
        )
    return DirectFilingForm(data), ComplaintForm(data, files, with_facts=False, estimate_url=url)


# Where the intake's and the complaint's refusals go on the direct filing page.
DIRECT_MATTER_FIELDS = {
    "title": "title",
    "description": "description",
    "facts": "description",
    "address_text": "address",
    "region": "county",
    "privacy_consent": "privacy_consent",
    "parties": "respondent_name",
    "defendants": "respondent_name",
    "parties[0].name": "applicant_name",
    "parties[0].phone": "applicant_phone",
    "parties[1].name": "respondent_name",
    "parties[1].phone": "respondent_phone",
    "parties[1].address": "respondent_address",
}


def _direct_errors(exc: ValidationError, form: DirectFilingForm, complaint: ComplaintForm) -> None:
    if not hasattr(exc, "error_dict"):
        complaint.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        if key in DIRECT_MATTER_FIELDS:
            form.add_error(DIRECT_MATTER_FIELDS[key], errors)
        elif key in complaint.fields:
            complaint.add_error(key, errors)
        else:  # materials, the court, a file: above the complaint's fields
            complaint.add_error(None, errors)


class _AlreadyFiled(Exception):
    def __init__(self, matter: Matter) -> None:
        self.matter = matter


def _receive_and_file(request: HttpRequest, form: DirectFilingForm, complaint: ComplaintForm) -> CourtCase:
    """Create the matter and file its complaint with the materials: all of it, or nothing."""
    data = form.cleaned_data
    user = _user(request)
    cause = complaint.cleaned_data["cause"]
    started = timezone.now()
    with documents.stored_files_guard(), transaction.atomic():
        matter = matter_services.matter_receive(
            kind=MatterKind.DISPUTE,
            channel=Channel.PORTAL,
            title=data["title"],
            description=data["description"],
            region=form.region,  # type: ignore[arg-type]  # checked by the caller
            address_text=data["address"],
            category=category_for(cause),
            parties=[
                PartyInput(
                    role=PartyRole.APPLICANT, name=data["applicant_name"], phone=data["applicant_phone"]
                ),
                PartyInput(
                    role=PartyRole.RESPONDENT,
                    kind=data["respondent_kind"],
                    name=data["respondent_name"],
                    phone=data["respondent_phone"],
                    address=data["respondent_address"],
                ),
            ],
            actor=user,
            owner=user,
            privacy_consent=data["privacy_consent"],
            idempotency_key=data["token"],
        )
        if matter.created_at < started:
            # The same form sent twice: the first sending filed it.
            raise _AlreadyFiled(matter)
        return services.complaint_file(
            matter=matter,
            actor=user,
            complaint=complaint.complaint_input(facts=data["description"]),
            uploads=complaint.uploads(),
        )


@never_cache
@citizen_page
@require_http_methods(["GET", "HEAD", "POST"])
def file_new(request: HttpRequest) -> HttpResponse:
    """Go to court directly: the matter's basics and the complaint on one page, sent once."""
    if request.method != "POST":
        form, complaint = _direct_forms(initial=DirectFilingForm.initial_for(request.user))
        return _direct_page(request, form, complaint)

    picked = request.POST.get("pick", "")
    if picked or request.POST.get("action") in ("refresh", "estimate"):
        # Show the form again, unchecked: a place chosen, the lists or the fee to update (without JavaScript).
        initial = direct_posted_initial(request.POST)
        if picked.isdigit() and len(picked) in (6, 9, 12):
            initial.update(picker_values(picked))
        form, complaint = _direct_forms(initial=initial)
        return _direct_page(request, form, complaint)

    form, complaint = _direct_forms(request.POST, request.FILES)
    valid = form.is_valid() & complaint.is_valid()  # both, so that every error shows at once
    if valid and form.understood is not None:
        # The lists were empty and the address names a place: fill the lists in and ask before sending.
        posted = request.POST.copy()
        for name, value in picker_values(form.understood.code).items():
            posted[name] = value
        return _direct_page(request, DirectFilingForm(posted), complaint, understood=form.understood)
    if not valid or form.region is None:
        return _direct_page(request, form, complaint, status=422)
    if is_ratelimited(
        request,
        group="court.portal.file_new",
        key="user",
        rate=FILE_NEW_RATE_PER_USER,
        method="POST",
        increment=True,
    ):
        signin.record_rate_limited(request=request, reason="direct court filing per user")
        return import_string(settings.RATELIMIT_VIEW)(request, Ratelimited())
    try:
        case = _receive_and_file(request, form, complaint)
    except _AlreadyFiled as done:
        return redirect(_matter_url(done.matter))
    except CONFLICTS as exc:
        complaint.add_error(None, str(getattr(exc, "message", exc)))
        return _direct_page(request, form, complaint, status=409)
    except ValidationError as exc:
        _direct_errors(exc, form, complaint)
        return _direct_page(request, form, complaint, status=422)
    messages.success(
        request,
        _(
            "Your complaint was sent to %(court)s. Tracking code %(code)s; the court decides whether to accept "
            "the case by %(date)s."
        )
        % {"court": case.court.name, "code": case.matter.display_code, "date": _day(case.due_at)},
    )
    return redirect(_matter_url(case.matter))


@never_cache
@require_GET
@citizen_page
def file_new_estimate(request: HttpRequest) -> HttpResponse:
    """The materials checklist and the court fee of a direct filing (htmx)."""
    return _estimate_response(request, frozenset())


# --- Steps on the matter page ----------------------------------------------------------------------------


@require_POST
@citizen_page
def confirmation_apply(request: HttpRequest, code: str) -> HttpResponse:
    """Apply for judicial confirmation of the matter's agreement (the other parties are asked to join)."""
    matter = matters_portal.matter_by_code(request, code)
    form = PartyForm(request.POST)

    def run(data: dict[str, Any]) -> str:
        case = services.confirmation_apply(matter=matter, actor=_user(request), party_id=data.get("party"))
        return _(
            "You applied to %(court)s to confirm the agreement. The other side is asked to join the application."
        ) % {"court": case.court.name}

    return _submit(request, matter, form, run, "")


@require_POST
@citizen_page
def confirmation_join(request: HttpRequest, code: str, case_id: int) -> HttpResponse:
    matter = matters_portal.matter_by_code(request, code)
    case = sections_portal.case_of(matter, case_id)
    form = PartyForm(request.POST)

    def run(data: dict[str, Any]) -> str:
        services.confirmation_join(case=case, actor=_user(request), party_id=data.get("party"))
        return _("You joined the application. The court accepts it once every party has joined.")

    return _submit(request, matter, form, run, "")


@require_POST
@citizen_page
def round_submit(request: HttpRequest, code: str, round_id: int) -> HttpResponse:
    """Write (and attach one file) in an open written round of an asynchronous hearing."""
    matter = matters_portal.matter_by_code(request, code)
    round_ = sections_portal.round_of(matter, round_id)
    form = RoundSubmissionForm(request.POST, request.FILES, prefix=f"r{round_.pk}")

    def run(data: dict[str, Any]) -> str:
        with documents.stored_files_guard():
            services.round_submit(
                round=round_,
                actor=_user(request),
                text=data["text"],
                upload=form.upload(),
                party_id=data.get("party"),
            )
        return _("Your statement was sent to the court.")

    return _submit(request, matter, form, run, f"round-{round_.pk}")


@require_POST
@citizen_page
def withdraw(request: HttpRequest, code: str, case_id: int) -> HttpResponse:
    """Withdraw the complaint or the application, as the applicant, before the court accepts the case."""
    matter = matters_portal.matter_by_code(request, code)
    case = sections_portal.case_of(matter, case_id)
    form = CaseWithdrawForm(request.POST, prefix=f"w{case.pk}")

    def run(data: dict[str, Any]) -> str:
        services.case_withdraw(case=case, actor=_user(request), reason=data["reason"])
        return _("You withdrew the case. The court does nothing more on it.")

    return _submit(request, matter, form, run, f"withdraw-{case.pk}")


@require_POST
@citizen_page
def performance(request: HttpRequest, code: str, case_id: int) -> HttpResponse:
    """Report whether the confirmed agreement or the judgment was done; ask for enforcement if not."""
    matter = matters_portal.matter_by_code(request, code)
    case = sections_portal.case_of(matter, case_id)
    form = PerformanceForm(request.POST, prefix=f"p{case.pk}")

    def run(data: dict[str, Any]) -> str:
        outcome = data["outcome"]
        services.performance_report(
            case=case,
            actor=_user(request),
            performed=outcome == PERFORMED,
            note=data["note"],
            enforcement=outcome == ENFORCEMENT,
        )
        if outcome == ENFORCEMENT:
            return _("Your request for enforcement was recorded; the court's enforcement office is told.")
        return _("Thank you, your report was recorded.")

    return _submit(request, matter, form, run, f"performance-{case.pk}")


@never_cache
@require_GET
@citizen_page
def served_document(request: HttpRequest, code: str, service_id: int) -> HttpResponse:
    """Download a document the court served, recording when the party first opened it."""
    matter = matters_portal.matter_by_code(request, code)
    service = sections_portal.service_of(matter, service_id)
    response = documents.download_response(
        documents.document_for_download(request.user, matter, service.document_id)
    )
    services.service_mark_read(service=service, actor=_user(request))
    return response


urlpatterns: list[URLPattern] = [
    path("court/file/", file_new, name="file_new"),
    path("court/file/estimate/", file_new_estimate, name="file_new_estimate"),
    path("matters/<str:code>/court/file/", file_complaint, name="file"),
    path("matters/<str:code>/court/file/estimate/", file_estimate, name="file_estimate"),
    path("matters/<str:code>/court/confirmation/", confirmation_apply, name="confirmation_apply"),
    path("matters/<str:code>/court/cases/<int:case_id>/join/", confirmation_join, name="confirmation_join"),
    path("matters/<str:code>/court/cases/<int:case_id>/withdraw/", withdraw, name="withdraw"),
    path("matters/<str:code>/court/cases/<int:case_id>/performance/", performance, name="performance"),
    path("matters/<str:code>/court/rounds/<int:round_id>/", round_submit, name="round_submit"),
    path("matters/<str:code>/court/served/<int:service_id>/", served_document, name="served_document"),
]
