"""Forms of the staff workbench: they only parse input; selectors and services apply the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.choices import AuditKind, OrganizationType
from suyuan.accounts.services import REVEAL_REASON_MIN_LENGTH, REVEALABLE_FIELDS


class OrganizationFilterForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *OrganizationType.choices]
    )
    q = forms.CharField(label=_("Name contains"), required=False, max_length=60)


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *AuditKind.choices]
    )
    person = forms.CharField(
        label=_("Person (username)"),
        required=False,
        max_length=64,
        help_text=_("Who acted, by exact username."),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[(name, name) for name in REVEALABLE_FIELDS], widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        min_length=REVEAL_REASON_MIN_LENGTH,
        max_length=300,
        help_text=_("Why you need the full value. It is kept in the audit log with your name."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
