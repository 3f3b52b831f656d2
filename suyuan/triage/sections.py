"""The triage section of the staff matter page (registered from ``TriageConfig.ready``): what triage
proposed and whether it was applied, the risk flags with their evidence, possible duplicates with what
matched, and the group dispute the matter belongs to; with the forms of those who decide."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from suyuan.matters.models import Matter
from suyuan.matters.sections import Section, register
from suyuan.triage import forms, selectors
from suyuan.triage.choices import ModelTarget


def staff_context(request: HttpRequest, matter: Matter) -> dict[str, Any] | None:
    triage = selectors.matter_triage(request.user, matter, language=get_language())
    if triage is None:
        return None
    category = next((p for p in triage.proposals if p.target == ModelTarget.CATEGORY), None)
    decide_form = None
    if triage.may_decide:
        initial: dict[str, object] = {"expected_version": matter.version}
        if matter.category is not None:
            initial["category"] = matter.category.code
        elif category is not None and category.value:
            initial["category"] = category.value
        decide_form = forms.CategoryDecideForm(initial=initial, auto_id="triage-category-%s")
    flags = [
        {"flag": flag, "evidence_text": [e.get("text", "") for e in flag.evidence]}
        for flag in triage.open_flags
    ]
    return {
        "triage": triage,
        "flags": flags,
        "decide_form": decide_form,
        "clear_form": forms.FlagClearForm(auto_id="triage-clear-%s"),
    }


def register_all() -> None:
    register(
        Section(
            key="triage", audience="staff", template="triage/_section.html", context=staff_context, order=5
        )
    )
