"""Staff pages of triage: decisions on a matter's triage (from its page), group disputes, and the models
with their versions and evaluations.

Thin: ``triage.selectors`` read with the access rules, ``triage.services`` write. A decision redirects
back to the matter's page with a message (the error's own words when it was refused; nothing changed).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from suyuan.accounts.access import scope_for
from suyuan.accounts.choices import Role
from suyuan.accounts.models import User
from suyuan.accounts.pages import page
from suyuan.matters import access as matter_access
from suyuan.matters.models import Matter
from suyuan.matters.selectors import category_by_code
from suyuan.matters.services import StaleMatter
from suyuan.triage import access, forms, selectors, services, tasks
from suyuan.triage.choices import VersionStatus

app_name = "triage"

staff_page = page(staff=True)
models_page = page(
    staff=True,
    allowed=access.may_view_models,
    refusal=gettext_lazy("Your role does not see the triage models."),
)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _matter_url(matter: Matter) -> str:
    return reverse("matters:staff_detail", kwargs={"code": matter.display_code})


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(str(m) for m in exc.messages))


def _form_refused(request: HttpRequest, form: Any) -> None:
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))


@require_POST
@staff_page
def category_decide(request: HttpRequest, code: str) -> HttpResponse:
    matter = matter_access.matter_for_code(request.user, code)
    form = forms.CategoryDecideForm(request.POST)
    if not form.is_valid():
        _form_refused(request, form)
        return redirect(_matter_url(matter))
    category = category_by_code(form.cleaned_data["category"])
    if category is None:
        messages.error(request, _("Choose a valid category."))
        return redirect(_matter_url(matter))
    try:
        services.category_decide(
            matter=matter,
            actor=_user(request),
            category=category,
            expected_version=form.cleaned_data["expected_version"],
            note=form.cleaned_data["note"],
        )
    except StaleMatter as exc:
        messages.error(request, str(exc.message))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Category set to %(name)s.") % {"name": category.label(get_language())})
    return redirect(_matter_url(matter))


@require_POST
@staff_page
def flag_clear(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = selectors.flag_for_decision(request.user, flag_id)
    form = forms.FlagClearForm(request.POST)
    if not form.is_valid():
        _form_refused(request, form)
    else:
        try:
            services.flag_clear(flag=flag, actor=_user(request), reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Flag cleared."))
    return redirect(_matter_url(flag.matter))


@require_POST
@staff_page
def candidate_merge(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = selectors.candidate_for_decision(request.user, candidate_id)
    form = forms.MergeForm(request.POST)
    if not form.is_valid():
        _form_refused(request, form)
        return redirect(_matter_url(candidate.matter))
    try:
        services.candidate_merge(
            candidate=candidate, actor=_user(request), reason=form.cleaned_data["reason"]
        )
    except StaleMatter as exc:
        messages.error(request, str(exc.message))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Matter %(code)s merged into %(into)s.")
            % {"code": candidate.matter.display_code, "into": candidate.candidate.display_code},
        )
        return redirect(_matter_url(candidate.candidate))
    return redirect(_matter_url(candidate.matter))


@require_POST
@staff_page
def candidate_dismiss(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = selectors.candidate_for_decision(request.user, candidate_id)
    try:
        services.candidate_dismiss(candidate=candidate, actor=_user(request))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Marked as not the same dispute."))
    return redirect(_matter_url(candidate.matter))


@require_GET
@staff_page
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    group, members, size = selectors.group_for(request.user, group_id)
    # Supervisors get a link to the supervision app's form for an order on the group (by URL name: triage
    # sits below supervision and imports nothing of it).
    scope = scope_for(request.user)
    may_order = scope.is_platform_operator or scope.has_role(Role.SUPERVISOR)
    return render(
        request,
        "triage/group.html",
        {"group": group, "members": members, "size": size, "may_order": may_order},
    )


# --- Models -----------------------------------------------------------------------------------------------


@require_GET
@models_page
def model_list(request: HttpRequest) -> HttpResponse:
    models = selectors.models_overview(request.user)
    return render(
        request,
        "triage/models.html",
        {"models": models, "may_manage": access.may_manage_models(request.user)},
    )


def _confusion_rows(version: Any, names: dict[str, str]) -> list[dict[str, Any]]:
    labels = version.metrics.get("labels", [])
    confusion = version.metrics.get("confusion", [])
    per_class = version.metrics.get("per_class", {})
    rows = []
    for i, label in enumerate(labels):
        figures = per_class.get(label, {})
        rows.append(
            {
                "label": names.get(label, label),
                "cells": confusion[i] if i < len(confusion) else [],
                "precision": figures.get("precision"),
                "recall": figures.get("recall"),
                "f1": figures.get("f1"),
                "support": figures.get("support"),
            }
        )
    return rows


@require_GET
@models_page
def version_detail(request: HttpRequest, name: str, number: int) -> HttpResponse:
    model = selectors.model_for(request.user, name)
    version = selectors.version_for(request.user, model, number)
    labels = list(version.metrics.get("labels", [])) or list(version.labels)
    names = selectors.label_names(model, labels, get_language())
    return render(
        request,
        "triage/version.html",
        {
            "model": model,
            "version": version,
            "rows": _confusion_rows(version, names),
            "columns": [names.get(label, label) for label in labels],
            "may_manage": access.may_manage_models(request.user),
            "may_promote": version.status != VersionStatus.ACTIVE,
        },
    )


def _model_url(name: str) -> str:
    return reverse("triage:models") + f"#model-{name}"


@require_POST
@models_page
def version_promote(request: HttpRequest, name: str, number: int) -> HttpResponse:
    model = selectors.model_for(request.user, name)
    version = selectors.version_for(request.user, model, number)
    services.version_promote(version=version, actor=_user(request))
    messages.success(
        request, _("Version %(number)d of %(name)s is now active.") % {"number": number, "name": name}
    )
    return redirect(_model_url(name))


@require_POST
@models_page
def model_rollback(request: HttpRequest, name: str) -> HttpResponse:
    model = selectors.model_for(request.user, name)
    try:
        version = services.version_rollback(model=model, actor=_user(request))
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Rolled back: version %(number)d of %(name)s is active again.")
            % {"number": version.number, "name": name},
        )
    return redirect(_model_url(name))


@require_POST
@models_page
def model_train(request: HttpRequest, name: str) -> HttpResponse:
    model = selectors.model_for(request.user, name)
    access.require_manage_models(request.user)
    if model.name not in services.DEFAULT_MODELS:
        messages.error(request, _("This model was trained from a file; train it again with triage_train."))
    else:
        tasks.train_model.enqueue(model.name)
        messages.success(
            request,
            _("Training of %(name)s has started; the new version appears here when done.") % {"name": name},
        )
    return redirect(_model_url(name))


urlpatterns = [
    path("staff/triage/models/", model_list, name="models"),
    path("staff/triage/models/<slug:name>/v<int:number>/", version_detail, name="version"),
    path("staff/triage/models/<slug:name>/v<int:number>/promote/", version_promote, name="promote"),
    path("staff/triage/models/<slug:name>/rollback/", model_rollback, name="rollback"),
    path("staff/triage/models/<slug:name>/train/", model_train, name="train"),
    path("staff/triage/groups/<int:group_id>/", group_detail, name="group"),
    path("staff/triage/matters/<str:code>/category/", category_decide, name="category"),
    path("staff/triage/flags/<int:flag_id>/clear/", flag_clear, name="flag_clear"),
    path("staff/triage/candidates/<int:candidate_id>/merge/", candidate_merge, name="merge"),
    path("staff/triage/candidates/<int:candidate_id>/dismiss/", candidate_dismiss, name="dismiss"),
]
