"""Forms of the citizens' court pages: they check the shape of what was typed; ``court.services`` decides.

The complaint form (起诉状) is used on its own for a matter the platform already holds, and together with the
matter basics (``DirectFilingForm``, the portal intake form without the parts a lawsuit does not need) for
a citizen who goes to court directly. Files are checked by their content while the form is validated
(``matters.document_forms``), so a bad file is an error on the form before anything is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.forms import AccessibleForm
from suyuan.core.identifiers import normalize_mobile
from suyuan.court.fees import court_fee
from suyuan.court.models import CauseOfAction
from suyuan.court.services import MAX_AMOUNT, MAX_CLAIM_LENGTH, MAX_CLAIMS, MAX_TEXT, ComplaintInput
from suyuan.matters.choices import DocumentKind, PartyKind
from suyuan.matters.document_forms import ACCEPT, AttachmentsField, MultipleFileInput
from suyuan.matters.models import Category
from suyuan.matters.portal_forms import TOKEN_RE, FileMatterForm, consistent_picker, new_token
from suyuan.matters.uploads import CleanFile

# What each kind of material is, in words a citizen understands (the checklist under each file input).
MATERIAL_HELP: dict[str, Any] = {
    DocumentKind.IDENTITY: _(
        "A photo of your ID card (both sides); for a company, its business licence. If someone files for "
        "you, also the power of attorney."
    ),
    DocumentKind.EVIDENCE: _(
        "What shows your claim: an IOU, a contract, transfer records, photos, chat records, receipts."
    ),
}
DEFAULT_MATERIALS = (DocumentKind.IDENTITY.value, DocumentKind.EVIDENCE.value)

# The matter's topic for a direct filing, from the cause of action (for the centre's figures and routing).
CAUSE_CATEGORIES = {
    "private_lending": "lending_finance",
    "sale_contract": "contract",
    "labour_services": "labour_wages",
    "lease_contract": "contract",
    "traffic_accident": "traffic",
    "property_service": "property_management",
    "divorce": "marriage_family",
    "child_support": "marriage_family",
    "neighbours": "neighbours",
    "personal_injury": "damages",
    "homestead": "housing_homestead",
    "contract": "contract",
}


def category_for(cause: CauseOfAction) -> Category | None:
    """Return the matter's topic for a direct filing on ``cause`` ("other" when none fits)."""
    code = CAUSE_CATEGORIES.get(cause.code, "other")
    return Category.objects.filter(code=code, is_active=True).first()


def active_causes() -> Any:
    return CauseOfAction.objects.filter(is_active=True).order_by("sort_order", "code")


def material_kinds() -> list[str]:
    """Return the kinds of material any active cause requires, in checklist order (each once)."""
    kinds: list[str] = []
    for required in active_causes().values_list("required_materials", flat=True):
        for kind in required or []:
            if kind in DocumentKind.values and kind not in kinds:
                kinds.append(kind)
    return kinds or list(DEFAULT_MATERIALS)


def material_field_name(kind: str) -> str:
    return f"material_{kind}"


class CauseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.label(get_language())


def parse_amount(raw: Any) -> Decimal | None:
    """Return the amount typed (commas and spaces allowed), or None when empty or not a positive amount."""
    text = str(raw or "").replace(",", "").replace("，", "").replace(" ", "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        return None
    return amount.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Estimate:
    """The court fee for what the form says so far (``fee`` None: not computable yet)."""

    cause: CauseOfAction | None
    fee: Decimal | None
    needs_amount: bool

    @property
    def fee_text(self) -> str:
        return f"{self.fee:,.2f}" if self.fee is not None else ""


def estimate(cause: CauseOfAction | None, amount_raw: Any) -> Estimate:
    if cause is None:
        return Estimate(None, None, False)
    if not cause.is_property:
        return Estimate(cause, court_fee(None, is_property=False), False)
    amount = parse_amount(amount_raw)
    if amount is None:
        return Estimate(cause, None, True)
    return Estimate(cause, court_fee(amount, is_property=True), False)


def cause_from_code(code: Any) -> CauseOfAction | None:
    return active_causes().filter(code=str(code or "")[:40]).first() if code else None


class ComplaintForm(AccessibleForm):
    """The complaint: cause of action, claims, facts and reasons, amount, and the missing materials.

    ``held`` are the kinds of document the matter already has (their inputs are optional extras);
    ``with_facts`` is False on the direct filing, where "what happened" is the facts and reasons.
    """

    cause = CauseChoiceField(
        label=_("What kind of case is it? (cause of action)"),
        queryset=CauseOfAction.objects.none(),
        to_field_name="code",
        empty_label=_("Choose the kind of case"),
        help_text=_("If nothing fits, choose “other contract” or ask the court's service centre."),
        widget=forms.Select(attrs={"data-testid": "court-cause"}),
        error_messages={
            "required": _("Choose the cause of action."),
            "invalid_choice": _("Choose the cause of action."),
        },
    )
    claims = forms.CharField(
        label=_("What do you ask the court to order?"),
        help_text=_("One request per line. For example: order the defendant to repay 20,000 yuan."),
        max_length=MAX_CLAIMS * (MAX_CLAIM_LENGTH + 2),
        widget=forms.Textarea(attrs={"rows": 4, "data-testid": "court-claims"}),
        error_messages={"required": _("Write at least one claim: what you ask the court to order.")},
    )
    facts = forms.CharField(
        label=_("Facts and reasons"),
        help_text=_(
            "What happened and why you are right. We filled in what you told us; change it as needed."
        ),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8, "data-testid": "court-facts"}),
        error_messages={"required": _("Describe the facts and reasons (at least 10 characters).")},
    )
    amount_claimed = forms.CharField(
        label=_("Amount claimed (yuan)"),
        help_text=_("Needed when you claim money or property. Digits only, for example 20000."),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "data-testid": "court-amount"}
        ),
    )

    def __init__(
        self,
        *args: Any,
        held: set[str] | frozenset[str] = frozenset(),
        with_facts: bool = True,
        estimate_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cause_field: Any = self.fields["cause"]
        cause_field.queryset = active_causes()
        if not with_facts:
            del self.fields["facts"]
        self.held = frozenset(held)
        self.kinds = material_kinds()
        for kind in self.kinds:
            self.fields[material_field_name(kind)] = AttachmentsField(
                label=capfirst(DocumentKind(kind).label),
                help_text=MATERIAL_HELP.get(kind, ""),
                widget=MultipleFileInput(attrs={"accept": ACCEPT, "data-testid": f"court-material-{kind}"}),
            )
        if estimate_url:
            # htmx: the checklist and the fee follow the cause and the amount as they change.
            common = {
                "hx-get": estimate_url,
                "hx-target": "#court-estimate",
                "hx-include": "[name='cause'],[name='amount_claimed']",
            }
            self.fields["cause"].widget.attrs.update(common, **{"hx-trigger": "change"})
            self.fields["amount_claimed"].widget.attrs.update(
                common, **{"hx-trigger": "input changed delay:500ms"}
            )

    def material_fields(self) -> list[tuple[str, Any, bool]]:
        """Return (kind, bound field, already held) for each material kind, the missing ones first."""
        rows = [(kind, self[material_field_name(kind)], kind in self.held) for kind in self.kinds]
        return sorted(rows, key=lambda row: row[2])

    def clean_claims(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["claims"].splitlines()]
        return [line for line in lines if line]

    @property
    def chosen_cause(self) -> CauseOfAction | None:
        """The cause chosen (cleaned, or as posted/initial when the form is shown again)."""
        cleaned = getattr(self, "cleaned_data", {}).get("cause")
        if cleaned is not None:
            return cleaned
        raw = self.data.get("cause") if self.is_bound else self.initial.get("cause")
        return raw if isinstance(raw, CauseOfAction) else cause_from_code(raw)

    @property
    def amount_raw(self) -> str:
        return str((self.data if self.is_bound else self.initial).get("amount_claimed") or "")

    def complaint_input(self, *, facts: str | None = None) -> ComplaintInput:
        data = self.cleaned_data
        return ComplaintInput(
            cause=data["cause"].code,
            claims=data["claims"],
            facts=data["facts"] if facts is None else facts,
            amount_claimed=data.get("amount_claimed") or None,
        )

    def uploads(self) -> list[tuple[str, CleanFile]]:
        return [
            (kind, clean)
            for kind in self.kinds
            for clean in self.cleaned_data.get(material_field_name(kind)) or []
        ]


def complaint_initial_from_case(case: Any) -> dict[str, Any]:
    """Prefill the complaint from the case returned for correction."""
    return {
        "cause": case.cause.code if case.cause else "",
        "claims": "\n".join(case.claims or []),
        "facts": case.facts,
        "amount_claimed": f"{case.amount_claimed:.2f}" if case.amount_claimed is not None else "",
    }


def complaint_initial_from_matter(matter: Any) -> dict[str, Any]:
    """Prefill the complaint from what the matter holds: what happened, and what the applicant wants."""
    return {"claims": matter.desired_outcome or "", "facts": matter.description or ""}


class DirectFilingForm(FileMatterForm):
    """The matter basics of a direct filing: the portal intake form without kind, topic, date and the
    general attachments (the complaint's materials take their place), with one defendant."""

    respondent_kind = forms.ChoiceField(
        label=_("Is the defendant a person or an organisation?"),
        choices=PartyKind.choices,
        initial=PartyKind.PERSON,
        widget=forms.RadioSelect,
        required=False,
    )
    respondent_name = forms.CharField(
        label=_("Name of the defendant"),
        help_text=_("The person or organisation you sue: their full name, or the company's registered name."),
        max_length=100,
        widget=forms.TextInput(attrs={"data-testid": "direct-respondent-name"}),
        error_messages={"required": _("Name the person or organisation you sue.")},
    )
    respondent_phone = forms.CharField(
        label=_("Their mobile phone number, if you know it"),
        help_text=_("The court sends them its documents by text message at this number."),
        max_length=32,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "inputmode": "tel",
                "autocomplete": "off",
                "data-testid": "direct-respondent-phone",
            }
        ),
    )
    respondent_address = forms.CharField(
        label=_("Their address, if you know it"),
        help_text=_("Without a phone number, documents are delivered by hand at this address."),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "direct-respondent-address"}),
    )

    # Not asked: always a dispute; the topic follows the cause of action; the claims say what is wanted and
    # the facts when it happened; the complaint's materials take the place of the general attachments.
    LEFT_OUT = ("kind", "category", "desired_outcome", "occurred_on", "attachments")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.LEFT_OUT:
            del self.fields[name]
        self.fields["title"].help_text = _("For example: a neighbour does not repay a loan of 20,000 yuan.")
        self.fields["description"].label = _("What happened: the facts and your reasons")
        self.fields["description"].help_text = _(
            "Who, what, when, and why you are right. This becomes the facts and reasons of your complaint."
        )

    def clean_respondent_kind(self) -> str:
        return self.cleaned_data.get("respondent_kind") or PartyKind.PERSON

    def clean_respondent_phone(self) -> str:
        raw = self.cleaned_data.get("respondent_phone", "")
        return normalize_mobile(raw) if raw.strip() else ""


def direct_posted_initial(data: Any) -> dict[str, Any]:
    """Return the posted values of both forms as initial values (to show the page again without checks)."""
    left_out = {"privacy_consent", *DirectFilingForm.LEFT_OUT}
    names = [n for n in DirectFilingForm.base_fields if n not in left_out]
    names += [n for n in ComplaintForm.base_fields if n not in names]
    initial: dict[str, Any] = {n: str(data.get(n, "")) for n in names}
    initial["privacy_consent"] = bool(data.get("privacy_consent"))
    initial.update(consistent_picker(initial))
    if not TOKEN_RE.fullmatch(initial["token"]):
        initial["token"] = new_token()
    return initial


# --- The steps on the matter page ----------------------------------------------------------------------


class PartyForm(forms.Form):
    """Which of the viewer's parties acts (only asked when they act for several)."""

    party = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RoundSubmissionForm(AccessibleForm):
    party = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Your statement"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "data-testid": "round-text"}),
        error_messages={"required": _("Write your statement first.")},
    )
    file = AttachmentsField(
        label=_("Attach a file (optional)"),
        help_text=_("One photo or PDF, for example a piece of evidence."),
        max_files=1,
        widget=forms.FileInput(attrs={"accept": ACCEPT, "data-testid": "round-file"}),
    )

    def upload(self) -> CleanFile | None:
        files = self.cleaned_data.get("file") or []
        return files[0] if files else None


class CaseWithdrawForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Why do you withdraw it?"),
        help_text=_("For example: we settled it between us."),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "case-withdraw-reason"}),
        error_messages={"required": _("Give a reason (at least 4 characters).")},
    )


PERFORMED = "performed"
NOT_PERFORMED = "not_performed"
ENFORCEMENT = "enforcement"


class PerformanceForm(AccessibleForm):
    outcome = forms.ChoiceField(
        label=_("Was it done?"),
        choices=[
            (PERFORMED, _("Yes, it was done")),
            (NOT_PERFORMED, _("No, it was not done")),
            (ENFORCEMENT, _("It was not done: I ask the court to enforce it")),
        ],
        widget=forms.RadioSelect(attrs={"data-testid": "performance-outcome"}),
        error_messages={"required": _("Choose what happened.")},
    )
    note = forms.CharField(
        label=_("What happened? (needed when it was not done)"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "performance-note"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        outcome = self.cleaned_data.get("outcome")
        if outcome in (NOT_PERFORMED, ENFORCEMENT) and not (self.cleaned_data.get("note") or "").strip():
            self.add_error("note", ValidationError(_("Say briefly what was not done.")))
        return self.cleaned_data
