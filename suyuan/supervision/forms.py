"""Forms of the supervision pages: they check the shape of input; the services check the rest."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.models import Organization
from suyuan.supervision.choices import Box, Filter
from suyuan.supervision.selectors import BOX_LABELS, FILTER_LABELS
from suyuan.supervision.services import MAX_DEADLINE_DAYS, MAX_TEXT


class ListForm(forms.Form):
    box = forms.ChoiceField(label=_("List"), choices=[(k, v) for k, v in BOX_LABELS.items()], required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[(k, v) for k, v in FILTER_LABELS.items()], required=False
    )

    def box_value(self, default: str) -> str:
        return (self.cleaned_data.get("box") if self.is_valid() else "") or default

    def status_value(self) -> str:
        return (self.cleaned_data.get("status") if self.is_valid() else "") or Filter.OPEN


class IssueForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_TEXT,
        help_text=_("What must be done, and why now."),
    )
    deadline_days = forms.IntegerField(
        label=_("Working days to answer"), min_value=1, max_value=MAX_DEADLINE_DAYS
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("deadline_days", settings.SUPERVISION_ANSWER_WORKING_DAYS)
        super().__init__(*args, **kwargs)


class AreaIssueForm(IssueForm):
    """Issue an order on a group dispute or an alert: the supervisor picks who answers (a level below)."""

    responding_organization = forms.IntegerField(
        label=_("Addressed to"),
        help_text=_("An organisation below yours that answers for the place."),
        widget=forms.Select,
    )

    field_order = ["responding_organization", "deadline_days", "reason"]

    def __init__(self, *args: Any, organizations: Iterable[Organization] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["responding_organization"]
        field.widget.choices = [("", "—"), *((o.pk, o.name) for o in organizations)]


class AnswerForm(forms.Form):
    response = forms.CharField(
        label=_("Response"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_TEXT,
        help_text=_("What was done, what will be done and by when."),
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)


class ClearForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_TEXT, required=False
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)


DEFAULT_BOX = Box.ALL
