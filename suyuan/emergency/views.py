"""Staff pages of emergency mode: the incidents, declaring one, one incident (live), one task.

Thin, like every view: ``emergency.access`` and ``emergency.selectors`` read, ``emergency.services``
write. A role without emergency pages gets 403; an incident or task the viewer may not see, 404; input
errors re-render the page with the form's errors (422); a command the status does not allow shows the page
as it is now (409); success redirects (PRG).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from suyuan.accounts.models import User
from suyuan.accounts.pages import page
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.emergency import access, forms, selectors, services
from suyuan.emergency.choices import (
    FINAL_TASK_STATUSES,
    OPEN_TASK_STATUSES,
    IncidentEventKind,
    IncidentLevel,
    TaskStatus,
)
from suyuan.emergency.models import Incident, IncidentEvent, IncidentTask
from suyuan.matters import access as matter_access

REFRESH_SECONDS = 30

emergency_page = page(
    staff=True, allowed=access.works_with_incidents, refusal=gettext_lazy("Your role has no emergency pages.")
)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _add_errors(form: BaseForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


def _incident_url(incident: Incident) -> str:
    return reverse("emergency:detail", kwargs={"incident_id": incident.pk})


def _task_url(task: IncidentTask) -> str:
    return reverse("emergency:task", kwargs={"task_id": task.pk})


# --- The list and declaring ---------------------------------------------------------------------------


@require_GET
@emergency_page
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = selectors.incident_list(actor=request.user)
    regions = selectors.region_names(incidents)
    return render(
        request,
        "emergency/list.html",
        {
            "rows": [{"incident": i, "regions": regions[i.pk]} for i in incidents],
            "may_declare": access.may_declare(request.user),
        },
    )


def _declare_form(request: HttpRequest, data: Any = None) -> forms.DeclareForm:
    organizations = [(o.pk, o.name) for o in access.declaring_organizations(request.user)]
    return forms.DeclareForm(
        data,
        organizations=organizations,
        regions=selectors.region_choices(request.user),
        auto_id="declare-%s",
    )


@require_http_methods(["GET", "POST"])
@emergency_page
def incident_declare(request: HttpRequest) -> HttpResponse:
    if not access.may_declare(request.user):
        raise Forbidden(
            _("Only supervisors and dispatchers of a county or township centre declare incidents.")
        )
    status = 200
    if request.method == "POST":
        form = _declare_form(request, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            organization = (
                access.declaring_organizations(request.user).filter(pk=data["organization"]).first()
            )
            try:
                if organization is None:
                    raise ValidationError({"organization": _("Choose a valid option.")})
                incident = services.incident_declare(
                    actor=_user(request),
                    organization=organization,
                    kind=data["kind"],
                    level=data["level"],
                    title=data["title"],
                    description=data["description"],
                    region_codes=data["regions"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Incident declared: emergency mode is on."))
                return redirect(_incident_url(incident))
        status = 422
    else:
        form = _declare_form(request)
    return render(request, "emergency/declare.html", {"form": form}, status=status)


# --- One incident ---------------------------------------------------------------------------------------


def _event_text(event: IncidentEvent) -> str:
    data = event.data or {}
    match event.kind:
        case IncidentEventKind.DECLARED | IncidentEventKind.REGION_ADDED:
            return "、".join(r.get("name", r.get("code", "")) for r in data.get("regions", []))
        case IncidentEventKind.TASK_SENT | IncidentEventKind.TASK_ACKNOWLEDGED | IncidentEventKind.TASK_DONE:
            task = event.task.title if event.task else data.get("title", "")
            return f"{task} → {data.get('organization', '')}"
        case IncidentEventKind.TASK_REPORTED:
            return _("%(org)s: %(moved)s moved, %(sheltered)s sheltered") % {
                "org": data.get("organization", ""),
                "moved": data.get("people_moved", 0),
                "sheltered": data.get("people_sheltered", 0),
            }
        case IncidentEventKind.TASK_CANCELLED:
            return f"{data.get('organization', '')}: {data.get('reason', '')}"
        case IncidentEventKind.LEVEL_CHANGED:
            labels = dict(IncidentLevel.choices)
            before, after = (str(labels.get(data.get(k, ""), data.get(k, ""))) for k in ("previous", "level"))
            return f"{before} → {after} {data.get('note', '')}".strip()
        case IncidentEventKind.CLOSED:
            return str(data.get("summary", ""))
    return ""


def _detail_context(request: HttpRequest, incident: Incident, **forms_given: Any) -> dict[str, Any]:
    actor = request.user
    view = selectors.incident_page(actor=actor, incident=incident)
    may_command = access.may_command(actor, incident)
    active = incident.is_active
    context: dict[str, Any] = {
        "view": view,
        "incident": incident,
        "events": [{"event": e, "text": _event_text(e)} for e in view.events],
        "may_command": may_command and active,
        "may_tag": access.works_with_incidents(actor) and matter_access.works_with_matters(actor),
        "refresh": REFRESH_SECONDS,
        "conflict": forms_given.pop("conflict", ""),
        "tag_form": forms_given.get("tag_form") or forms.TagForm(auto_id="tag-%s"),
    }
    if may_command and active:
        organizations = [(o.pk, o.name) for o in access.assignable_organizations(incident)]
        context.update(
            task_form=forms_given.get("task_form")
            or forms.TaskForm(organizations=organizations, auto_id="task-%s"),
            level_form=forms_given.get("level_form") or forms.LevelForm(auto_id="level-%s"),
            regions_form=forms_given.get("regions_form") or forms.RegionsForm(auto_id="regions-%s"),
            close_form=forms_given.get("close_form") or forms.CloseForm(auto_id="close-%s"),
        )
    return context


@require_GET
@emergency_page
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = access.access_incident(request.user, incident_id)
    context = _detail_context(request, incident)
    template = "emergency/_live.html" if request.headers.get("HX-Request") else "emergency/detail.html"
    return render(request, template, context)


def _incident_for_command(request: HttpRequest, incident_id: int) -> Incident:
    incident = access.access_incident(request.user, incident_id)
    if not access.may_command(request.user, incident):
        raise Forbidden(_("Only supervisors and dispatchers of the declaring centre (or above) may do this."))
    return incident


def _incident_failed(request: HttpRequest, incident: Incident, status: int, **given: Any) -> HttpResponse:
    incident = access.access_incident(request.user, incident.pk)
    return render(
        request, "emergency/detail.html", _detail_context(request, incident, **given), status=status
    )


def _run(
    request: HttpRequest,
    incident: Incident,
    form: BaseForm,
    form_name: str,
    action: Callable[[], Any],
    success: str,
    redirect_to: str | None = None,
) -> HttpResponse:
    if form.is_valid():
        try:
            action()
        except services.StateError as exc:
            return _incident_failed(request, incident, 409, conflict=exc.message)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(redirect_to or _incident_url(incident))
    return _incident_failed(request, incident, 422, **{form_name: form})


@require_POST
@emergency_page
def incident_level(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident_for_command(request, incident_id)
    form = forms.LevelForm(request.POST, auto_id="level-%s")
    return _run(
        request,
        incident,
        form,
        "level_form",
        lambda: services.incident_change_level(
            incident=incident,
            actor=_user(request),
            level=form.cleaned_data["level"],
            note=form.cleaned_data["note"],
        ),
        _("Warning level changed."),
    )


@require_POST
@emergency_page
def incident_regions(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident_for_command(request, incident_id)
    form = forms.RegionsForm(request.POST, auto_id="regions-%s")
    return _run(
        request,
        incident,
        form,
        "regions_form",
        lambda: services.incident_add_regions(
            incident=incident, actor=_user(request), region_codes=form.codes()
        ),
        _("Regions added."),
    )


@require_POST
@emergency_page
def incident_close(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident_for_command(request, incident_id)
    form = forms.CloseForm(request.POST, auto_id="close-%s")
    return _run(
        request,
        incident,
        form,
        "close_form",
        lambda: services.incident_close(
            incident=incident, actor=_user(request), summary=form.cleaned_data["summary"]
        ),
        _("Incident closed."),
    )


@require_POST
@emergency_page
def task_send(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident_for_command(request, incident_id)
    organizations = [(o.pk, o.name) for o in access.assignable_organizations(incident)]
    form = forms.TaskForm(request.POST, organizations=organizations, auto_id="task-%s")

    def send() -> None:
        organization = access.organization_for_task(incident, form.cleaned_data["organization"])
        if organization is None:
            raise ValidationError({"organization": _("Choose a valid option.")})
        services.task_send(
            incident=incident,
            actor=_user(request),
            organization=organization,
            title=form.cleaned_data["title"],
            instructions=form.cleaned_data["instructions"],
            due_at=form.cleaned_data["due_at"],
        )

    return _run(request, incident, form, "task_form", send, _("Task sent."))


@require_POST
@emergency_page
def incident_tag(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = access.access_incident(request.user, incident_id)
    if not matter_access.works_with_matters(request.user):
        raise Forbidden(_("Only staff who take in or mediate disputes may tag them."))
    form = forms.TagForm(request.POST, auto_id="tag-%s")

    def tag() -> None:
        try:
            matter = matter_access.matter_for_code(request.user, form.cleaned_data["code"])
        except NotFound:
            raise ValidationError(
                {"code": _("No dispute with this tracking code that you may open.")}
            ) from None
        if not access.may_tag(request.user, matter):
            raise Forbidden(_("Only staff who take in or mediate this dispute may tag it."))
        services.incident_tag_matter(incident=incident, actor=_user(request), matter=matter)

    return _run(request, incident, form, "tag_form", tag, _("Dispute tagged with the incident."))


# --- One task -------------------------------------------------------------------------------------------


def _task_context(request: HttpRequest, task: IncidentTask, **given: Any) -> dict[str, Any]:
    actor = request.user
    works = access.may_work_on(actor, task)
    commands = access.may_command(actor, task.incident)
    open_task = task.status in OPEN_TASK_STATUSES
    return {
        "task": task,
        "incident": task.incident,
        "reports": selectors.task_reports(task),
        "overdue": task.is_overdue(),
        "conflict": given.get("conflict", ""),
        "may_acknowledge": works and task.status == TaskStatus.SENT,
        "report_form": (given.get("report_form") or forms.ReportForm(auto_id="report-%s"))
        if works and open_task
        else None,
        "done_form": (given.get("done_form") or forms.DoneForm(auto_id="done-%s"))
        if (works or commands) and task.status not in FINAL_TASK_STATUSES
        else None,
        "cancel_form": (given.get("cancel_form") or forms.CancelForm(auto_id="cancel-%s"))
        if commands and task.status not in FINAL_TASK_STATUSES
        else None,
    }


@require_GET
@emergency_page
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = access.access_task(request.user, task_id)
    return render(request, "emergency/task.html", _task_context(request, task))


def _task_run(
    request: HttpRequest,
    task: IncidentTask,
    form: BaseForm,
    form_name: str,
    action: Callable[[], Any],
    success: str,
) -> HttpResponse:
    if form.is_valid():
        try:
            action()
        except services.StateError as exc:
            task = access.access_task(request.user, task.pk)
            return render(
                request, "emergency/task.html", _task_context(request, task, conflict=exc.message), status=409
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(_task_url(task))
    task = access.access_task(request.user, task.pk)
    return render(
        request, "emergency/task.html", _task_context(request, task, **{form_name: form}), status=422
    )


def _task_for_work(request: HttpRequest, task_id: int) -> IncidentTask:
    task = access.access_task(request.user, task_id)
    if not access.may_work_on(request.user, task):
        raise Forbidden(_("Only staff of the organisation the task was sent to may do this."))
    return task


@require_POST
@emergency_page
def task_acknowledge(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task_for_work(request, task_id)
    form = forms.DoneForm({})  # nothing to enter
    return _task_run(
        request,
        task,
        form,
        "done_form",
        lambda: services.task_acknowledge(task=task, actor=_user(request)),
        _("Task acknowledged."),
    )


@require_POST
@emergency_page
def task_report(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task_for_work(request, task_id)
    form = forms.ReportForm(request.POST, auto_id="report-%s")
    return _task_run(
        request,
        task,
        form,
        "report_form",
        lambda: services.task_report(task=task, actor=_user(request), **form.cleaned_data),
        _("Progress reported."),
    )


@require_POST
@emergency_page
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    task = access.access_task(request.user, task_id)
    if not (access.may_work_on(request.user, task) or access.may_command(request.user, task.incident)):
        raise Forbidden(_("Only staff of the organisation the task was sent to may do this."))
    form = forms.DoneForm(request.POST, auto_id="done-%s")
    return _task_run(
        request,
        task,
        form,
        "done_form",
        lambda: services.task_done(task=task, actor=_user(request), note=form.cleaned_data["note"]),
        _("Task marked done."),
    )


@require_POST
@emergency_page
def task_cancel(request: HttpRequest, task_id: int) -> HttpResponse:
    task = access.access_task(request.user, task_id)
    if not access.may_command(request.user, task.incident):
        raise Forbidden(_("Only supervisors and dispatchers of the declaring centre (or above) may do this."))
    form = forms.CancelForm(request.POST, auto_id="cancel-%s")
    return _task_run(
        request,
        task,
        form,
        "cancel_form",
        lambda: services.task_cancel(task=task, actor=_user(request), reason=form.cleaned_data["reason"]),
        _("Task cancelled."),
    )


app_name = "emergency"

urlpatterns = [
    path("", incident_list, name="list"),
    path("declare/", incident_declare, name="declare"),
    path("<int:incident_id>/", incident_detail, name="detail"),
    path("<int:incident_id>/level/", incident_level, name="level"),
    path("<int:incident_id>/regions/", incident_regions, name="regions"),
    path("<int:incident_id>/close/", incident_close, name="close"),
    path("<int:incident_id>/tasks/", task_send, name="send"),
    path("<int:incident_id>/tag/", incident_tag, name="tag"),
    path("tasks/<int:task_id>/", task_detail, name="task"),
    path("tasks/<int:task_id>/acknowledge/", task_acknowledge, name="acknowledge"),
    path("tasks/<int:task_id>/report/", task_report, name="report"),
    path("tasks/<int:task_id>/done/", task_done, name="done"),
    path("tasks/<int:task_id>/cancel/", task_cancel, name="cancel"),
]
