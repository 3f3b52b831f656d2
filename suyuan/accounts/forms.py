"""Sign-in forms: they check the shape of what was typed; the services in ``signin`` do the rest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.signin import CODE_LENGTH, clean_numeric_code
from suyuan.core.identifiers import normalize_mobile


class AccessibleForm(forms.Form):
    """Point each field with errors at its error list, so screen readers announce the message."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            described = [f"{bound.auto_id}_errors"]
            if self.fields[name].help_text:
                described.append(f"{bound.auto_id}_helptext")
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(described)


def _code_widget(testid: str) -> forms.TextInput:
    return forms.TextInput(
        attrs={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "pattern": "[0-9]*",
            "maxlength": 12,  # room for a pasted "123 456"
            "autofocus": True,
            "data-testid": testid,
        }
    )


class StaffLoginForm(AccessibleForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
                "data-testid": "staff-username",
            }
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "data-testid": "staff-password"}
        ),
    )


class CitizenPhoneForm(AccessibleForm):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        help_text=_("We will send a 6-digit code to this number by text message."),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "autocomplete": "tel",
                "inputmode": "tel",
                "autofocus": True,
                "data-testid": "citizen-phone",
            }
        ),
    )

    def clean_phone(self) -> str:
        return normalize_mobile(self.cleaned_data["phone"])


class CitizenCodeForm(AccessibleForm):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=12,
        widget=_code_widget("citizen-code"),
    )

    def clean_code(self) -> str:
        return clean_numeric_code(self.cleaned_data["code"], length=CODE_LENGTH)


class TotpForm(AccessibleForm):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=12,
        widget=_code_widget("totp-code"),
    )

    def clean_code(self) -> str:
        return clean_numeric_code(self.cleaned_data["code"], length=CODE_LENGTH)
