"""Forms of triage's staff pages: deciding a category, clearing a flag, merging a duplicate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from suyuan.matters.staff_forms import category_choices, set_choices


class CategoryDecideForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "category", [("", _("Choose a category")), *category_choices()])


class FlagClearForm(forms.Form):
    reason = forms.CharField(
        label=_("Why clear it"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the flag is cleared.")},
    )


class MergeForm(forms.Form):
    reason = forms.CharField(label=_("Note"), required=False, max_length=500)
