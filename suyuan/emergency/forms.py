"""Forms of the emergency pages: they check the shape of input; the services check the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from suyuan.emergency.choices import IncidentKind, IncidentLevel
from suyuan.emergency.services import MAX_PEOPLE, MAX_TEXT, MAX_TITLE, MIN_REASON, MIN_SUMMARY


class DeclareForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Declaring centre"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=IncidentKind.choices)
    level = forms.ChoiceField(label=_("Warning level"), choices=IncidentLevel.choices)
    title = forms.CharField(label=_("Title"), max_length=MAX_TITLE)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_TEXT, required=False
    )
    regions = forms.MultipleChoiceField(
        label=_("Regions"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The places the incident covers, inside the declaring centre's area."),
    )

    def __init__(
        self, *args: Any, organizations: list[tuple[int, str]], regions: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = organizations  # type: ignore[attr-defined]
        self.fields["regions"].choices = regions  # type: ignore[attr-defined]


class LevelForm(forms.Form):
    level = forms.ChoiceField(label=_("New warning level"), choices=IncidentLevel.choices)
    note = forms.CharField(label=_("Note"), max_length=MAX_TEXT, required=False)


class RegionsForm(forms.Form):
    regions = forms.CharField(
        label=_("Region codes to add"),
        max_length=2000,
        help_text=_("Codes of townships or villages, separated by spaces or commas."),
    )

    def codes(self) -> list[str]:
        return [c for c in self.cleaned_data["regions"].replace(",", " ").replace("，", " ").split() if c]


class CloseForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=MIN_SUMMARY,
        max_length=MAX_TEXT,
        help_text=_("What happened, what was done, what remains."),
    )


class TaskForm(forms.Form):
    organization = forms.TypedChoiceField(label=_("Send to"), coerce=int)
    title = forms.CharField(
        label=_("Task"), max_length=MAX_TITLE, help_text=_("e.g. evacuate a village, open a shelter")
    )
    instructions = forms.CharField(
        label=_("Instructions"), widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_TEXT, required=False
    )
    due_at = forms.DateTimeField(
        label=_("Due"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args: Any, organizations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = organizations  # type: ignore[attr-defined]


class ReportForm(forms.Form):
    people_moved = forms.IntegerField(label=_("People moved so far"), min_value=0, max_value=MAX_PEOPLE)
    people_sheltered = forms.IntegerField(
        label=_("People in shelters now"), min_value=0, max_value=MAX_PEOPLE
    )
    needs = forms.CharField(
        label=_("Needs"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=MAX_TEXT,
        required=False,
        help_text=_("What is missing: food, water, blankets, boats, medicine…"),
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_TEXT, required=False
    )


class DoneForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=MAX_TEXT, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), min_length=MIN_REASON, max_length=MAX_TEXT)


class TagForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=40)
