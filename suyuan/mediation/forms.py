"""Forms of the mediation sections: they check the shape of input; the services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from suyuan.matters.models import Party
from suyuan.mediation.choices import SessionMode
from suyuan.mediation.services import MAX_OBLIGATIONS, MAX_TEXT


def _textarea(rows: int, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "data-testid": "session-when"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    mode = forms.ChoiceField(
        label=_("How"),
        choices=SessionMode.choices,
        initial=SessionMode.IN_PERSON,
        widget=forms.Select(attrs={"data-testid": "session-mode"}),
    )
    place = forms.CharField(
        label=_("Place (in person)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "session-place"}),
    )
    link = forms.CharField(
        label=_("Video link"),
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"data-testid": "session-link"}),
    )


class SessionCancelForm(forms.Form):
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=MAX_TEXT, widget=_textarea(2))


class SessionRecordForm(forms.Form):
    attendees = forms.CharField(label=_("Who attended"), max_length=1000, required=False)
    record = forms.CharField(
        label=_("Record of the session (笔录)"),
        max_length=20000,
        widget=_textarea(6, **{"data-testid": "session-record"}),
    )


class AgreementForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    terms = forms.CharField(
        label=_("Terms agreed"),
        max_length=MAX_TEXT,
        help_text=_("As the parties will read them in their timeline and on the agreement."),
        widget=_textarea(5, **{"data-testid": "agreement-terms"}),
    )


class ObligationForm(forms.Form):
    obligor = forms.TypedChoiceField(label=_("Who"), coerce=int, required=False)
    description = forms.CharField(label=_("What they do"), max_length=500, required=False)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    due_on = forms.DateField(
        label=_("By (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, parties: list[Party] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        obligor = self.fields["obligor"]
        assert isinstance(obligor, forms.TypedChoiceField)  # noqa: S101 (declared above)
        obligor.choices = [("", "—")] + [
            (party.pk, f"{party.name} ({party.get_role_display()})") for party in parties or []
        ]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("data-testid", f"obligation-{name}")

    def is_filled(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return any(
            data.get(name) not in (None, "") for name in ("obligor", "description", "amount", "due_on")
        )


ObligationFormSet = forms.formset_factory(ObligationForm, extra=2, max_num=MAX_OBLIGATIONS, validate_max=True)


class ExtensionForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    days = forms.IntegerField(
        label=_("Extra days"),
        min_value=1,
        max_value=30,
        initial=30,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    consent = forms.CharField(
        label=_("How both parties agreed"),
        max_length=MAX_TEXT,
        help_text=_("E.g. both signed the extension form at the session of 12 May; recorded phone calls."),
        widget=_textarea(2, **{"data-testid": "extension-consent"}),
    )


class InPersonForm(forms.Form):
    party = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("How they confirmed"),
        max_length=MAX_TEXT,
        help_text=_("E.g. signed the paper agreement at the committee on this date; has no mobile phone."),
        widget=_textarea(2),
    )


class ObligationReportForm(forms.Form):
    performed = forms.TypedChoiceField(
        label=_("Was it done?"),
        choices=[("yes", _("Yes, it was done")), ("no", _("No, it was not done"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("What happened"), max_length=MAX_TEXT, required=False, widget=_textarea(2))


class ConfirmCodeForm(forms.Form):
    party = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("The 6-digit code from the text message"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "data-testid": "confirm-code"}
        ),
    )


class SendCodeForm(forms.Form):
    party = forms.IntegerField(widget=forms.HiddenInput)
