"""Staff pages of the batch import: upload, the dry-run report, the start, the progress bar, the result.

Thin like every view: ``matters.imports`` checks, stores, reads with its access rules and runs the
import. Dispatchers and supervisors import for their organisations (platform operators for any); a batch
another organisation's staff cannot see answers 404 like a missing one.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from suyuan.accounts.models import User
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import imports
from suyuan.matters.choices import Channel, ImportIssueLevel, ImportStatus, MatterKind
from suyuan.matters.models import ImportBatch
from suyuan.matters.views.staff import staff_matters_page

REPORT_PAGE_SIZE = 100
MATTERS_PAGE_SIZE = 50
RECENT_BATCHES = 20
# While a batch is being checked or imported, its progress is polled this often (htmx).
POLL_SECONDS = 2


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or Excel .xlsx)"),
        help_text=gettext_lazy(
            "An export of the hotline system or the template filled in; at most 5,000 rows."
        ),
    )
    organization = forms.ModelChoiceField(
        label=gettext_lazy("For"), queryset=imports.import_organizations_for(None)
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[(c.value, c.label) for c in imports.IMPORT_CHANNELS],
        initial=Channel.HOTLINE,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of matter (when the file does not say)"),
        choices=MatterKind.choices,
        initial=MatterKind.REQUEST,
    )
    agent_consent = forms.CharField(
        label=gettext_lazy("How the citizens agreed that their matters are filed"),
        max_length=200,
        initial=gettext_lazy("Recorded call to the 12345 hotline"),
    )
    same_file_confirmed = forms.BooleanField(
        label=gettext_lazy("Upload it again even if this very file was uploaded before"), required=False
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["organization"])
        field.queryset = imports.import_organizations_for(actor)
        if field.queryset.count() == 1:
            field.initial = field.queryset.first()


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _require_importer(request: HttpRequest) -> User:
    actor = _user(request)
    if not imports.may_import(actor):
        raise Forbidden(_("Your role does not import matters."))
    return actor


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    return imports.access_import_batch(_require_importer(request), pk)


@require_http_methods(["GET", "POST"])
@staff_matters_page
def import_list(request: HttpRequest) -> HttpResponse:
    """Upload a file (the dry run follows at once) and see the recent batches."""
    actor = _require_importer(request)
    status = 200
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES, actor=actor)
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                batch = imports.import_batch_upload(
                    actor=actor,
                    organization=data["organization"],
                    file_name=upload.name or "",
                    data=upload.read(settings.IMPORT_MAX_BYTES + 1),
                    channel=data["channel"],
                    kind=data["kind"],
                    agent_consent=data["agent_consent"],
                    same_file_confirmed=data["same_file_confirmed"],
                )
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    form.add_error(key if key in form.fields else None, errors)
            else:
                return redirect("matters:import_report", pk=batch.pk)
        status = 422
    else:
        form = ImportUploadForm(actor=actor)
    batches = imports.import_batches_visible_to(actor)[:RECENT_BATCHES]
    context = {"form": form, "batches": batches, "columns": imports.COLUMNS}
    return render(request, "matters/staff/import_list.html", context, status=status)


@require_GET
@staff_matters_page
def import_template(request: HttpRequest, file_format: str) -> HttpResponse:
    """The template to fill in, as CSV (UTF-8 with BOM) or as an Excel workbook."""
    _require_importer(request)
    if file_format not in ("csv", "xlsx"):
        raise NotFound
    if file_format == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(imports.template_xlsx(), content_type=content_type)
    else:
        response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="suyuan-import-template.{file_format}"'
    return response


def _progress_context(batch: ImportBatch) -> dict[str, Any]:
    active = batch.status in (ImportStatus.UPLOADED, ImportStatus.IMPORTING)
    return {
        "batch": batch,
        "active": active,
        "stalled": imports.batch_is_stalled(batch),
        "poll_seconds": POLL_SECONDS,
    }


@require_GET
@staff_matters_page
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The dry run's report: counts and every row's errors and warnings; nothing is written before "import"."""
    batch = _batch(request, pk)
    level = request.GET.get("level", "")
    if level not in ImportIssueLevel.values:
        level = ""
    page = Paginator(imports.report_filter(batch, level), REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **_progress_context(batch),
        "page": page,
        "level": level,
        "query": f"level={level}" if level else "",
        "summary": imports.report_summary(batch),
    }
    return render(request, "matters/staff/import_report.html", context)


@require_POST
@staff_matters_page
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the batch's valid rows in the background, then follow its progress."""
    batch = _batch(request, pk)
    try:
        imports.import_batch_start(batch=batch, actor=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("matters:import_report", pk=batch.pk)
    return redirect("matters:import_progress", pk=batch.pk)


@require_POST
@staff_matters_page
def import_resume(request: HttpRequest, pk: int) -> HttpResponse:
    """Start again a batch whose work stopped; rows already filed are not filed again."""
    batch = _batch(request, pk)
    try:
        imports.import_batch_resume(batch=batch, actor=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("matters:import_progress", pk=batch.pk)


@require_GET
@staff_matters_page
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar (htmx polls the fragment), and once done the counts and the matters created."""
    batch = _batch(request, pk)
    context = _progress_context(batch)
    if request.headers.get("HX-Request"):
        response = render(request, "matters/staff/import_progress_fragment.html", context)
        if batch.status == ImportStatus.CHECKED:
            response["HX-Redirect"] = reverse("matters:import_report", kwargs={"pk": batch.pk})
        elif batch.status == ImportStatus.DONE:
            # The result (counts, the matters created) is outside the polled fragment: load the whole page.
            response["HX-Redirect"] = reverse("matters:import_progress", kwargs={"pk": batch.pk})
        return response
    if batch.status == ImportStatus.DONE:
        matters = imports.batch_matters(request.user, batch)
        context["matters"] = Paginator(matters, MATTERS_PAGE_SIZE).get_page(request.GET.get("page"))
        context["page"] = context["matters"]
    return render(request, "matters/staff/import_progress.html", context)


urlpatterns = [
    path("staff/imports/", import_list, name="import_list"),
    path("staff/imports/template.<str:file_format>", import_template, name="import_template"),
    path("staff/imports/<int:pk>/", import_report, name="import_report"),
    path("staff/imports/<int:pk>/start/", import_start, name="import_start"),
    path("staff/imports/<int:pk>/resume/", import_resume, name="import_resume"),
    path("staff/imports/<int:pk>/progress/", import_progress, name="import_progress"),
]
