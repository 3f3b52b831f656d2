"""Forms of the citizen portal: they check the shape of what was typed; ``matters.services`` does the rest.

The filing form carries everything in the page itself (no state on the server between requests): the
place picker's lists are rebuilt from the values sent, and a hidden token makes a repeated "send" return
the matter created the first time.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.forms import AccessibleForm
from suyuan.core.identifiers import normalize_mobile
from suyuan.matters.choices import MatterKind, PartyKind
from suyuan.matters.document_forms import attachments_field
from suyuan.matters.models import Category
from suyuan.regions.address import resolve_address
from suyuan.regions.choices import PLACEHOLDER_NAMES, RegionLevel, ResolutionStatus
from suyuan.regions.models import Region

# The portal serves Zhejiang; the county list starts with Quzhou, where the platform began.
PROVINCE_CODE = "33"
FIRST_CITY_CODE = "3308"
MAX_RESPONDENTS = 5
MAX_CANDIDATES = 8
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")

# Petitions come through the petition office, not the portal.
PORTAL_KINDS = [
    (MatterKind.DISPUTE.value, _("A dispute with someone")),
    (MatterKind.REQUEST.value, _("A request or complaint")),
    (MatterKind.CONSULTATION.value, _("A question (consultation)")),
]
KIND_HINTS = {
    MatterKind.DISPUTE.value: _(
        "You disagree with a person or an organisation: neighbours, family, wages, a debt, an accident."
    ),
    MatterKind.REQUEST.value: _("You ask an office to act, or complain about a service or a decision."),
    MatterKind.CONSULTATION.value: _("You want advice about your rights or what to do next."),
}


def new_token() -> str:
    """Return a fresh idempotency token for one filing form."""
    return secrets.token_urlsafe(24)


def _text_widget(testid: str, **attrs: Any) -> forms.TextInput:
    return forms.TextInput(attrs={"data-testid": testid, **attrs})


def _area_widget(testid: str, rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"data-testid": testid, "rows": rows})


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.label(get_language())


# --- The place: county → township → village -----------------------------------------------------------


def county_choices() -> list[tuple[str, Any]]:
    """Return Zhejiang's counties grouped by city (Quzhou first), for a ``<select>`` with optgroups."""
    cities = {
        r.code: r.name
        for r in Region.objects.filter(level=RegionLevel.CITY, code__startswith=PROVINCE_CODE).exclude(
            name__in=PLACEHOLDER_NAMES
        )
    }
    groups: dict[str, list[tuple[str, str]]] = {}
    counties = (
        Region.objects.filter(level=RegionLevel.COUNTY, code__startswith=PROVINCE_CODE)
        .exclude(name__in=PLACEHOLDER_NAMES)
        .order_by("code")
    )
    for county in counties:
        groups.setdefault(county.code[:4], []).append((county.code, county.name))
    order = sorted(groups, key=lambda code: (code != FIRST_CITY_CODE, code))
    return [("", _("Choose the county or district"))] + [
        (cities.get(code, code), groups[code]) for code in order
    ]


def child_choices(parent_code: str, *, empty_label: Any) -> list[tuple[str, str]]:
    """Return the regions directly below ``parent_code`` as choices (none for an empty or unknown code)."""
    choices: list[tuple[str, str]] = [("", empty_label)]
    if parent_code and parent_code.isdigit():
        choices += [
            (r.code, r.name)
            for r in Region.objects.filter(parent_id=parent_code)
            .exclude(name__in=PLACEHOLDER_NAMES)
            .order_by("code")
        ]
    return choices


def picker_values(code: str) -> dict[str, str]:
    """Return the picker's county, township and village for a region code of level 3 to 5."""
    return {
        "county": code[:6] if len(code) >= 6 else "",
        "township": code[:9] if len(code) >= 9 else "",
        "village": code if len(code) == 12 else "",
    }


def consistent_picker(values: Mapping[str, Any]) -> dict[str, str]:
    """Return the picker's values with any level that does not lie under the one above it dropped."""
    county = str(values.get("county") or "")
    township = str(values.get("township") or "")
    village = str(values.get("village") or "")
    if not (len(county) == 6 and county.startswith(PROVINCE_CODE)):
        county = ""
    if not (county and len(township) == 9 and township.startswith(county)):
        township = ""
    if not (township and len(village) == 12 and village.startswith(township)):
        village = ""
    return {"county": county, "township": township, "village": village}


@dataclass(frozen=True)
class Place:
    code: str
    full_name: str


# --- Filing ---------------------------------------------------------------------------------------------


class FileMatterForm(AccessibleForm):
    """What the citizen tells us: the kind, the story, the place and their own name and phone."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    kind = forms.ChoiceField(
        label=_("What kind of matter is it?"),
        choices=PORTAL_KINDS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what kind of matter it is.")},
    )
    category = CategoryChoiceField(
        label=_("What is it about?"),
        queryset=Category.objects.filter(is_active=True).order_by("sort_order", "code"),
        empty_label=_("Choose a topic"),
        help_text=_("If nothing fits, choose “Other”."),
        widget=forms.Select(attrs={"data-testid": "file-category"}),
        error_messages={"required": _("Choose a topic."), "invalid_choice": _("Choose a topic.")},
    )
    title = forms.CharField(
        label=_("In a few words"),
        help_text=_("For example: noise from the flat upstairs at night."),
        max_length=120,
        widget=_text_widget("file-title"),
    )
    description = forms.CharField(
        label=_("What happened?"),
        help_text=_("Who, what, since when. Write it as you would tell it."),
        max_length=5000,
        widget=_area_widget("file-description", rows=6),
    )
    desired_outcome = forms.CharField(
        label=_("What would you like to happen?"),
        required=False,
        max_length=5000,
        widget=_area_widget("file-desired", rows=3),
    )
    occurred_on = forms.DateField(
        label=_("When did it happen?"),
        help_text=_("Optional. The date it started, if you remember it."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "data-testid": "file-date"}, format="%Y-%m-%d"),
    )
    county = forms.ChoiceField(
        label=_("County or district"),
        required=False,
        widget=forms.Select(attrs={"data-testid": "file-county", "data-level": "county"}),
        error_messages={"invalid_choice": _("Choose the county or district from the list.")},
    )
    township = forms.ChoiceField(
        label=_("Township, town or sub-district"),
        required=False,
        widget=forms.Select(attrs={"data-testid": "file-township", "data-level": "township"}),
        error_messages={
            "invalid_choice": _("This is not in the county you chose. Please choose the township again.")
        },
    )
    village = forms.ChoiceField(
        label=_("Village or community"),
        required=False,
        widget=forms.Select(attrs={"data-testid": "file-village", "data-level": "village"}),
        error_messages={
            "invalid_choice": _("This is not in the township you chose. Please choose the village again.")
        },
    )
    address = forms.CharField(
        label=_("Address"),
        help_text=_(
            "Street, house number, or a place people know. You can also write the whole address here."
        ),
        required=False,
        max_length=300,
        widget=_text_widget("file-address", autocomplete="street-address"),
    )
    applicant_name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        widget=_text_widget("file-applicant-name", autocomplete="name"),
    )
    applicant_phone = forms.CharField(
        label=_("Your mobile phone number"),
        help_text=_("We send the tracking code and news about your matter to this number."),
        max_length=32,
        widget=_text_widget("file-applicant-phone", type="tel", inputmode="tel", autocomplete="tel"),
    )
    # Photos and PDFs, checked by content while the form is validated; cleaned to ``CleanFile``s.
    attachments = attachments_field(testid="file-attachments")
    privacy_consent = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that my information is used to handle this matter."
        ),
        error_messages={"required": _("Please read and accept the privacy notice.")},
        widget=forms.CheckboxInput(attrs={"data-testid": "file-consent"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A missing or mangled token is replaced, so that the form shown again can be sent.
        self.token_replaced = self.is_bound and not TOKEN_RE.fullmatch(str(self.data.get("token", "")))
        if self.token_replaced:
            data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict or a dict
            data["token"] = new_token()
            self.data = data
        source = self.data if self.is_bound else self.initial
        picked = consistent_picker(source) if not self.is_bound else source
        county = str(picked.get("county") or "")
        township = str(picked.get("township") or "")
        county_field: Any = self.fields["county"]
        township_field: Any = self.fields["township"]
        village_field: Any = self.fields["village"]
        county_field.choices = county_choices()
        township_field.choices = child_choices(
            county if county.startswith(PROVINCE_CODE) and len(county) == 6 else "",
            empty_label=_("Choose (if you know it)"),
        )
        village_field.choices = child_choices(
            township if len(township) == 9 and township.startswith(county) else "",
            empty_label=_("Choose (if you know it)"),
        )
        # Filled by clean(): the region the matter is in, or what the address was understood as.
        self.region: Region | None = None
        self.understood: Place | None = None
        self.candidates: list[Place] = []

    @classmethod
    def initial_for(cls, user: Any) -> dict[str, Any]:
        return {
            "token": new_token(),
            "applicant_name": getattr(user, "full_name", "") or "",
            "applicant_phone": getattr(user, "phone", "") or "",
        }

    def clean_occurred_on(self) -> dt.date | None:
        value = self.cleaned_data.get("occurred_on")
        if value is not None and value > timezone.localdate():
            raise ValidationError(_("The date it happened cannot be in the future."))
        return value

    def clean_applicant_phone(self) -> str:
        return normalize_mobile(self.cleaned_data["applicant_phone"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.token_replaced:
            self.add_error(None, _("This form has expired. Please check it and send it again."))
        if {"county", "township", "village"} & set(self.errors):
            return data
        code = data.get("village") or data.get("township") or data.get("county") or ""
        if code:
            self.region = Region.objects.filter(code=code).first()
            if self.region is None:  # a region removed while the page was open
                self.add_error("county", _("Choose the county or district from the list."))
            return data
        if "address" in self.errors:
            return data
        address = (data.get("address") or "").strip()
        if not address:
            self.add_error(
                "county", _("Tell us where it happened: choose the county, or write the address below.")
            )
            return data
        self._read_address(address)
        return data

    def _read_address(self, address: str) -> None:
        """Understand a free address when the lists were left empty, or say why it cannot be used."""
        resolution = resolve_address(address)
        region = resolution.region
        if resolution.status == ResolutionStatus.RESOLVED and region is not None:
            place = Place(region.code, region.full_name)
            if not region.code.startswith(PROVINCE_CODE):
                self.add_error(
                    "address",
                    _("Suyuan takes matters from Zhejiang Province. We understood: %(place)s.")
                    % {"place": place.full_name},
                )
            elif region.level < RegionLevel.COUNTY:
                self.add_error(
                    "address",
                    _(
                        "We understood only “%(place)s”. Please choose the county or district in the list above."
                    )
                    % {"place": place.full_name},
                )
            else:
                self.understood = place
            return
        if resolution.status == ResolutionStatus.AMBIGUOUS:
            self.candidates = [
                Place(c.code, c.full_name)
                for c in resolution.candidates
                if c.code.startswith(PROVINCE_CODE) and c.level >= RegionLevel.COUNTY
            ][:MAX_CANDIDATES]
            self.add_error(
                "address",
                _("Several places have this name. Choose the right one below, or use the lists above."),
            )
            return
        self.add_error(
            "address",
            _(
                "We could not find this place. Please choose the county, township and village in the lists above."
            ),
        )


class RespondentForm(AccessibleForm):
    """One person or organisation on the other side; every field may stay empty on a blank block."""

    kind = forms.ChoiceField(
        label=_("Is it a person or an organisation?"),
        choices=PartyKind.choices,
        initial=PartyKind.PERSON,
        widget=forms.RadioSelect,
        required=False,
    )
    name = forms.CharField(
        label=_("Name"),
        help_text=_("Or what people call them, or the name of the company or office."),
        max_length=100,
        required=False,
    )
    phone = forms.CharField(
        label=_("Their mobile phone number, if you know it"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Their address, if you know it"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The first block carries the plain test ids; later blocks are numbered.
        suffix = "" if not self.prefix or self.prefix.endswith("-0") else f"-{self.prefix.rsplit('-', 1)[-1]}"
        for name, testid in (("name", "file-respondent-name"), ("phone", "file-respondent-phone"),
                             ("address", "file-respondent-address")):  # fmt: skip
            self.fields[name].widget.attrs["data-testid"] = testid + suffix

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or PartyKind.PERSON

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")
        return normalize_mobile(raw) if raw.strip() else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        filled = any((data.get(f) or "").strip() for f in ("phone", "address")) or "phone" in self.errors
        if filled and not (data.get("name") or "").strip():
            self.add_error("name", _("Enter a name, or what people call them."))
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any((data.get(f) or "").strip() for f in ("name", "phone", "address"))


class BaseRespondentFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[RespondentForm]:
        return [f for f in self.forms if isinstance(f, RespondentForm) and not f.is_blank]


RespondentFormSet = forms.formset_factory(
    RespondentForm,
    formset=BaseRespondentFormSet,
    extra=0,
    max_num=MAX_RESPONDENTS,
    absolute_max=MAX_RESPONDENTS,
    validate_max=True,
)
RESPONDENT_PREFIX = "respondent"


def respondent_formset(
    data: Any = None, *, initial: list[dict[str, Any]] | None = None
) -> BaseRespondentFormSet:
    if data is not None:
        return cast(BaseRespondentFormSet, RespondentFormSet(data, prefix=RESPONDENT_PREFIX))
    formset = RespondentFormSet(initial=initial or [{"kind": PartyKind.PERSON}], prefix=RESPONDENT_PREFIX)
    return cast(BaseRespondentFormSet, formset)


def posted_respondents(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the respondent blocks of a posted form as initial values (for a redisplay without checks)."""
    try:
        total = min(int(data.get(f"{RESPONDENT_PREFIX}-TOTAL_FORMS", 1)), MAX_RESPONDENTS)
    except (TypeError, ValueError):
        total = 1
    blocks = []
    for i in range(max(total, 1)):
        block = {
            f: str(data.get(f"{RESPONDENT_PREFIX}-{i}-{f}", "")) for f in ("kind", "name", "phone", "address")
        }
        block["kind"] = block["kind"] if block["kind"] in PartyKind.values else PartyKind.PERSON
        blocks.append(block)
    return blocks


def posted_initial(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the filing form's posted values as initial values, with the picker made consistent."""
    names = [n for n in FileMatterForm.base_fields if n != "privacy_consent"]
    initial: dict[str, Any] = {n: str(data.get(n, "")) for n in names}
    initial["privacy_consent"] = bool(data.get("privacy_consent"))
    initial.update(consistent_picker(initial))
    if not TOKEN_RE.fullmatch(initial["token"]):
        initial["token"] = new_token()
    return initial


# --- Messages, withdrawal, status check -----------------------------------------------------------------


class MessageForm(AccessibleForm):
    text = forms.CharField(
        label=_("Write to the people handling your matter"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "data-testid": "message-text"}),
        error_messages={"required": _("Write your message first.")},
    )


class WithdrawForm(AccessibleForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("Why do you withdraw it? (optional)"),
        help_text=_("For example: we settled it ourselves."),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "withdraw-reason"}),
    )


class TrackForm(AccessibleForm):
    code = forms.CharField(
        label=_("Tracking code"),
        help_text=_("12 letters and digits, like 7K3M-9QXW-2RTK. It is in the text message we sent you."),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "data-testid": "track-code",
                "autocapitalize": "characters",
                "autocomplete": "off",
                "spellcheck": "false",
                "class": "code-field",
            }
        ),
    )
    phone = forms.CharField(
        label=_("Your mobile phone number"),
        help_text=_("The number you gave when the matter was filed."),
        max_length=32,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "data-testid": "track-phone"}
        ),
    )

    def clean_phone(self) -> str:
        return normalize_mobile(self.cleaned_data["phone"])
