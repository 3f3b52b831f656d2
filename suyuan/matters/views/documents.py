"""Documents and the rating on a matter's pages: upload, access-checked download, rate; their page sections.

Files are never served from a public media URL: a download finds the matter through ``matters.access``
and the document through ``documents.document_for_download`` (404 alike for missing and hidden), then
sends the stored bytes as an attachment with the stored content type and ``nosniff``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from suyuan.matters import documents, sections
from suyuan.matters.choices import DocumentKind, Visibility
from suyuan.matters.document_forms import DocumentUploadForm, RatingForm, as_attachment_errors
from suyuan.matters.models import Matter
from suyuan.matters.views import portal, staff

# A bound form with errors, kept on the request while the page is rendered again around it.
DOCUMENT_FORM = "_suyuan_document_form"
RATING_FORM = "_suyuan_rating_form"


def _rows(request: HttpRequest, matter: Matter, *, audience: str) -> list[dict[str, Any]]:
    user_id = getattr(request.user, "pk", None)
    url_name = "matters:document" if audience == "portal" else "matters:staff_document"
    rows = []
    for document in documents.documents_visible_to(request.user, matter):
        uploader = document.uploaded_by
        if uploader is not None and uploader.pk == user_id:
            who = _("you")
        elif audience == "staff" and uploader is not None:
            who = uploader.full_name or uploader.username
        else:
            who = str(document.get_source_display())
        rows.append(
            {
                "document": document,
                "who": who,
                "url": reverse(url_name, kwargs={"code": matter.display_code, "document_id": document.pk}),
                "internal": document.visibility != Visibility.PUBLIC,
            }
        )
    return rows


def _upload(request: HttpRequest, matter: Matter, *, staff_page: bool) -> tuple[bool, DocumentUploadForm]:
    """Add the posted files to the matter; return whether it worked and the (bound) form."""
    form = DocumentUploadForm(request.POST, request.FILES, staff=staff_page)
    if form.is_valid():
        try:
            added = documents.documents_add(
                matter=matter,
                actor=request.user,  # type: ignore[arg-type]
                uploads=form.cleaned_data["attachments"],
                kind=form.cleaned_data["kind"],
                visibility=form.cleaned_data.get("visibility") or Visibility.PUBLIC,
            )
        except ValidationError as exc:
            for key, errors in as_attachment_errors(exc).message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(
                request,
                _("Added: %(names)s.") % {"names": ", ".join(d.original_name for d in added)},
            )
            return True, form
    return False, form


# --- Portal -----------------------------------------------------------------------------------------------


@require_POST
@portal.citizen_page
def portal_document_add(request: HttpRequest, code: str) -> HttpResponse:
    matter = portal.matter_by_code(request, code)
    ok, form = _upload(request, matter, staff_page=False)
    if ok:
        return redirect(reverse("matters:matter", kwargs={"code": matter.display_code}) + "#documents")
    setattr(request, DOCUMENT_FORM, form)
    return render(request, "matters/portal/matter.html", portal.matter_context(request, matter), status=422)


@never_cache
@require_GET
@portal.citizen_page
def portal_document_download(request: HttpRequest, code: str, document_id: int) -> HttpResponse:
    matter = portal.matter_by_code(request, code)
    return documents.download_response(documents.document_for_download(request.user, matter, document_id))


@require_POST
@portal.citizen_page
def portal_rate(request: HttpRequest, code: str) -> HttpResponse:
    matter = portal.matter_by_code(request, code)
    url = reverse("matters:matter", kwargs={"code": matter.display_code}) + "#rating"
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            documents.matter_rate(
                matter=matter,
                actor=request.user,  # type: ignore[arg-type]
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except documents.RatingClosed as exc:
            messages.error(request, exc.message)
            return redirect(url)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect(url)
    setattr(request, RATING_FORM, form)
    return render(request, "matters/portal/matter.html", portal.matter_context(request, matter), status=422)


# --- Staff workbench --------------------------------------------------------------------------------------


@require_POST
@staff.staff_matters_page
def staff_document_add(request: HttpRequest, code: str) -> HttpResponse:
    matter = staff.matter_for(request, code)
    ok, form = _upload(request, matter, staff_page=True)
    if ok:
        return redirect(staff.detail_url(matter) + "#documents")
    setattr(request, DOCUMENT_FORM, form)
    return render(request, "matters/staff/detail.html", staff.detail_context(request, matter), status=422)


@never_cache
@require_GET
@staff.staff_matters_page
def staff_document_download(request: HttpRequest, code: str, document_id: int) -> HttpResponse:
    matter = staff.matter_for(request, code)
    return documents.download_response(documents.document_for_download(request.user, matter, document_id))


# --- Page sections ----------------------------------------------------------------------------------------


def portal_documents_section(request: HttpRequest, matter: Matter) -> dict[str, Any] | None:
    rows = _rows(request, matter, audience="portal")
    form = None
    if documents.may_add_document(request.user, matter):
        form = getattr(request, DOCUMENT_FORM, None) or DocumentUploadForm(
            staff=False, initial={"kind": DocumentKind.EVIDENCE}
        )
    if not rows and form is None:
        return None
    return {"rows": rows, "form": form}


def portal_rating_section(request: HttpRequest, matter: Matter) -> dict[str, Any] | None:
    own = (
        documents.ratings_visible_to(request.user, matter)
        .filter(user_id=getattr(request.user, "pk", 0))
        .first()
    )
    if own is not None:
        return {"rating": own, "form": None}
    if documents.may_rate(request.user, matter):
        return {"rating": None, "form": getattr(request, RATING_FORM, None) or RatingForm()}
    return None


def staff_documents_section(request: HttpRequest, matter: Matter) -> dict[str, Any] | None:
    form = None
    if documents.may_add_document(request.user, matter):
        form = getattr(request, DOCUMENT_FORM, None) or DocumentUploadForm(staff=True)
    return {"rows": _rows(request, matter, audience="staff"), "form": form}


def staff_rating_section(request: HttpRequest, matter: Matter) -> dict[str, Any] | None:
    ratings = list(documents.ratings_visible_to(request.user, matter))
    return {"ratings": ratings} if ratings else None


def register_sections() -> None:
    """Add the documents and rating sections to the matter pages (called once from ``MattersConfig.ready``)."""
    for section in (
        sections.Section(
            "documents", "portal", "matters/portal/_documents.html", portal_documents_section, 50
        ),
        sections.Section("rating", "portal", "matters/portal/_rating.html", portal_rating_section, 40),
        sections.Section("documents", "staff", "matters/staff/_documents.html", staff_documents_section, 50),
        sections.Section(
            "rating", "staff", "matters/staff/_rating.html", staff_rating_section, 40, place="side"
        ),
    ):
        sections.register(section)


urlpatterns: list[URLPattern] = [
    path("matters/<str:code>/documents/", portal_document_add, name="document_add"),
    path("matters/<str:code>/documents/<int:document_id>/", portal_document_download, name="document"),
    path("matters/<str:code>/rate/", portal_rate, name="rate"),
    path("staff/matters/<str:code>/documents/", staff_document_add, name="staff_document_add"),
    path(
        "staff/matters/<str:code>/documents/<int:document_id>/",
        staff_document_download,
        name="staff_document",
    ),
]
