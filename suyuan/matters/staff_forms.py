"""Forms of the staff workbench for matters: they check the shape of input; services apply the rules.

Choices that depend on who is asking (organisations, mediators, regions) are read through the access
chokepoints of ``accounts`` and ``matters``, so a form never offers what the actor may not see.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.access import memberships_visible_to, organizations_visible_to, scope_for
from suyuan.accounts.choices import OrganizationType, Role
from suyuan.accounts.models import Organization, User
from suyuan.accounts.services import REVEAL_REASON_MIN_LENGTH, REVEALABLE_FIELDS
from suyuan.core.exceptions import NotFound
from suyuan.core.widgets import FastSelect
from suyuan.matters import access, codes
from suyuan.matters.choices import Channel, FailureRoute, MatterKind, MatterStatus, PartyKind
from suyuan.matters.document_forms import attachments_field
from suyuan.matters.models import Category, Matter
from suyuan.matters.selectors import QUEUE_LABELS
from suyuan.matters.services import MAX_BULK, MAX_TEXT, MAX_TITLE, MIN_REASON
from suyuan.regions.models import Region

STAFF_CHANNELS = (Channel.WALK_IN, Channel.HOTLINE, Channel.PETITION_LETTER, Channel.FIELD_VISIT)
# More regions than this in a scope and the intake form asks for a region code instead of a list.
MAX_REGION_OPTIONS = 600
REGION_CODE_PATTERN = r"^\d{2}(\d{2}(\d{2}(\d{3}(\d{3})?)?)?)?$"

Choices = list[Any]


def set_choices(form: forms.BaseForm, name: str, choices: Choices) -> None:
    """Give the choice field ``name`` of ``form`` its choices for this request."""
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def _textarea(rows: int = 3, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


def category_choices() -> Choices:
    """Return the active categories as (code, label) in the reader's language."""
    language = get_language()
    return [(c.code, c.label(language)) for c in Category.objects.filter(is_active=True)]


# --- Organisations and mediators ------------------------------------------------------------------------


def visible_organizations(actor: Any) -> dict[int, Organization]:
    """Return the active organisations the actor may see, by id, in the order selects list them."""
    type_order = {value: index for index, value in enumerate(OrganizationType.values)}
    organizations = (
        organizations_visible_to(actor).filter(is_active=True).select_related("region", "region__parent")
    )
    ordered = sorted(organizations, key=lambda o: (type_order.get(o.type, 99), o.region_id, o.name))
    return {org.pk: org for org in ordered}


def organization_groups(organizations: Iterable[Organization]) -> Choices:
    """Return grouped choices: one group per type, village committees one group per township."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for org in organizations:
        if org.type == OrganizationType.VILLAGE_COMMITTEE and org.region.parent is not None:
            label = str(_("Village committees · %(township)s") % {"township": org.region.parent.name})
        else:
            label = str(OrganizationType(org.type).label) if org.type in OrganizationType.values else org.type
        groups.setdefault(label, []).append((org.pk, org.name))
    return list(groups.items())


def mediators_of(actor: Any, organization_id: int | None) -> dict[int, User]:
    """Return the active mediators of one organisation the actor can see, by user id, ordered by name."""
    if organization_id is None:
        return {}
    memberships = (
        memberships_visible_to(actor)
        .filter(organization_id=organization_id, role=Role.MEDIATOR, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user_id")
    )
    return {m.user_id: m.user for m in memberships}


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class AssignFieldsMixin(forms.Form):
    """An organisation among the visible ones and, optionally, one of that organisation's mediators."""

    organization = forms.TypedChoiceField(
        label=_("Organisation"),
        coerce=int,
        widget=FastSelect(attrs={"data-testid": "assign-organization"}),
    )
    mediator = forms.TypedChoiceField(
        label=_("Mediator"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("The organisation can also name one later."),
        widget=FastSelect(attrs={"data-testid": "assign-mediator"}),
    )

    def __init__(self, *args: Any, actor: Any, organizations: dict[int, Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizations = organizations
        set_choices(
            self,
            "organization",
            [("", _("Choose an organisation")), *organization_groups(organizations.values())],
        )
        chosen = _int_or_none(
            self.data.get(self.add_prefix("organization"))
            if self.is_bound
            else self.initial.get("organization")
        )
        self.mediators = mediators_of(actor, chosen if chosen in organizations else None)
        set_choices(self, "mediator", mediator_choices(self.mediators))
        # With htmx, choosing an organisation reloads the mediator list for it.
        self.fields["organization"].widget.attrs.update(
            {
                "hx-get": reverse("matters:staff_mediator_options"),
                "hx-target": f"#{self['mediator'].auto_id}",
                "hx-swap": "innerHTML",
            }
        )

    def clean_organization(self) -> Organization:
        return self.organizations[self.cleaned_data["organization"]]

    def clean_mediator(self) -> User | None:
        value = self.cleaned_data.get("mediator")
        return self.mediators.get(value) if value is not None else None


def mediator_choices(mediators: dict[int, User]) -> Choices:
    return [
        ("", _("No mediator yet")),
        *((pk, user.full_name or user.username) for pk, user in mediators.items()),
    ]


# --- Work queues ----------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(required=False, choices=[(k, v) for k, v in QUEUE_LABELS.items()])
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=60,
        help_text=_("A tracking code, or words of the title."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    region = forms.RegexField(
        label=_("Region code"),
        regex=REGION_CODE_PATTERN,
        required=False,
        error_messages={"invalid": _("A region code has 2, 4, 6, 9 or 12 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "330881001"}),
    )
    organization = forms.TypedChoiceField(
        label=_("Organisation"), required=False, coerce=int, empty_value=None, widget=FastSelect
    )

    def __init__(self, *args: Any, organizations: dict[int, Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "status", [("", _("Any status")), *MatterStatus.choices])
        set_choices(self, "kind", [("", _("Any kind")), *MatterKind.choices])
        set_choices(self, "category", [("", _("Any category")), *category_choices()])
        set_choices(
            self, "organization", [("", _("Any organisation")), *organization_groups(organizations.values())]
        )


class MatterVersionsField(forms.Field):
    """The ticked rows of the queue: ``<matter id>:<version>`` each, parsed into ``{id: version}``."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Tick at least one matter."),
        "invalid": _("The list of matters is not valid; reload the page."),
        "too_many": _("Choose at most %(max)d matters at a time."),
    }

    def to_python(self, value: Any) -> dict[int, int]:
        if not value:
            return {}
        values = value if isinstance(value, list | tuple) else [value]
        parsed: dict[int, int] = {}
        for item in values:
            matter_id, _sep, version = str(item).partition(":")
            if not (matter_id.isdigit() and version.isdigit()):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            parsed[int(matter_id)] = int(version)
        if len(parsed) > MAX_BULK:
            raise ValidationError(self.error_messages["too_many"], code="too_many", params={"max": MAX_BULK})
        return parsed


class BulkAssignForm(AssignFieldsMixin):
    matters = MatterVersionsField()
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


# --- Commands on one matter ------------------------------------------------------------------------------


class VersionedForm(forms.Form):
    """A command form: carries the version of the matter the form was made from."""

    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


def _reason(label: Any = None, help_text: Any = "", testid: str = "") -> forms.CharField:
    label = label or _("Reason")
    attrs = {"data-testid": testid} if testid else {}
    return forms.CharField(
        label=label,
        min_length=MIN_REASON,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=_textarea(3, **attrs),
    )


class AcceptForm(VersionedForm):
    note = forms.CharField(
        label=_("Note to the parties"),
        required=False,
        max_length=MAX_TEXT,
        widget=_textarea(2),
    )


class DeclineForm(VersionedForm):
    reason = _reason(
        help_text=_("Shown to the citizen: say why, and where they can turn instead."),
        testid="decline-reason",
    )


class MergeForm(VersionedForm):
    into = forms.CharField(
        label=_("Tracking code of the matter it repeats"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "7K3M-9QXW-2RTK"}),
    )
    reason = forms.CharField(label=_("Note"), required=False, max_length=MAX_TEXT, widget=_textarea(2))

    def __init__(self, *args: Any, actor: Any, matter: Matter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.matter = matter

    def clean_into(self) -> Matter:
        try:
            code = codes.normalize(self.cleaned_data["into"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        if code == self.matter.tracking_code:
            raise ValidationError(_("A matter cannot be merged into itself."))
        try:
            return access.matter_for_code(self.actor, code)
        except NotFound:
            raise ValidationError(_("There is no matter with this code that you can see.")) from None


class AssignForm(AssignFieldsMixin, VersionedForm):
    pass


class EscalateForm(VersionedForm):
    reason = _reason(help_text=_("Why the level above should take it over."))


class StartMediationForm(VersionedForm):
    pass


class AgreementForm(VersionedForm):
    terms = forms.CharField(
        label=_("Terms agreed"),
        max_length=MAX_TEXT,
        help_text=_("As the parties will read them in their timeline."),
        widget=_textarea(5, **{"data-testid": "agreement-terms"}),
    )


class FailureForm(VersionedForm):
    reason = _reason(label=_("Why mediation failed"))
    route = forms.ChoiceField(label=_("Next route"), choices=FailureRoute.choices)


class WithdrawForm(VersionedForm):
    reason = _reason(help_text=_("How the applicant said they withdraw, e.g. by phone on which date."))


class CloseForm(VersionedForm):
    pass


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"),
        max_length=MAX_TEXT,
        help_text=_("Only staff read internal notes."),
        widget=_textarea(3),
    )


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Message to the parties"),
        max_length=MAX_TEXT,
        help_text=_("Shown on the parties' timeline."),
        widget=_textarea(3),
    )


class PartyRevealForm(forms.Form):
    field = forms.ChoiceField(choices=[(name, name) for name in REVEALABLE_FIELDS], widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for revealing"),
        min_length=REVEAL_REASON_MIN_LENGTH,
        max_length=300,
        help_text=_("Why you need the full value. It is kept in the audit log with your name."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


# --- Intake for walk-ins, calls, letters and field visits -------------------------------------------------


def region_options(actor: Any, *, roles: Iterable[str]) -> Choices | None:
    """Return the counties and townships in the actor's scope for ``roles``, grouped by county.

    None when the scope is too large for a list (a province, a platform operator): the form then asks
    for a region code.
    """
    scope = scope_for(actor, roles=roles)
    if scope.is_platform_operator or not scope.region_codes:
        return None
    query = Q()
    for root in scope.region_codes:
        query |= Q(code__startswith=root)
    regions = list(
        Region.objects.filter(query)
        .filter(Q(level__in=(3, 4)) | Q(code__in=scope.region_codes, level__gte=3))
        .order_by("code")[: MAX_REGION_OPTIONS + 1]
    )
    if len(regions) > MAX_REGION_OPTIONS:
        return None
    groups: dict[str, list[tuple[str, str]]] = {}
    counties = dict(Region.objects.filter(code__in={r.code[:6] for r in regions}).values_list("code", "name"))
    for region in regions:
        group = counties.get(region.code[:6], region.code[:6])
        label = (
            str(_("%(name)s (whole county)") % {"name": region.name}) if region.level == 3 else region.name
        )
        groups.setdefault(group, []).append((region.code, label))
    return list(groups.items())


def village_options(actor: Any, region_code: str | None, *, roles: Iterable[str]) -> Choices:
    """Return the villages of a township in the actor's scope, or nothing."""
    if not region_code or len(region_code) != 9 or not region_code.isdigit():
        return []
    if not scope_for(actor, roles=roles).covers_region(region_code):
        return []
    return [(r.code, r.name) for r in Region.objects.filter(parent_id=region_code).order_by("code")]


class StaffIntakeForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How it came in"),
        choices=[(c.value, c.label) for c in STAFF_CHANNELS],
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=MatterKind.choices, initial=MatterKind.DISPUTE)
    category = forms.ChoiceField(label=_("Category"), required=False)
    title = forms.CharField(
        label=_("Title"), max_length=MAX_TITLE, help_text=_("A few words: what it is about.")
    )
    description = forms.CharField(label=_("What happened"), max_length=MAX_TEXT, widget=_textarea(5))
    desired_outcome = forms.CharField(
        label=_("What the citizen wants"), required=False, max_length=MAX_TEXT, widget=_textarea(2)
    )
    occurred_on = forms.DateField(
        label=_("Date it happened"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    region = forms.CharField(label=_("Where (county or township)"), max_length=12)
    village = forms.ChoiceField(label=_("Village or community"), required=False)
    address_text = forms.CharField(label=_("Address"), required=False, max_length=300)

    applicant_name = forms.CharField(label=_("Name"), max_length=100)
    applicant_phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    applicant_id_number = forms.CharField(
        label=_("Resident ID number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    agent_consent = forms.CharField(
        label=_("How the citizen agreed that you file for them"),
        max_length=200,
        help_text=_("E.g. 签字确认 (signed the form) or 电话录音 (recorded call)."),
    )
    privacy_notice_read = forms.BooleanField(
        label=_("I told the citizen how their personal data is used (privacy notice)."),
    )
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    # Scans and photos brought to the window, checked by content; cleaned to ``CleanFile``s.
    attachments = attachments_field(testid="staff-new-attachments")

    def __init__(self, *args: Any, actor: Any, roles: Iterable[str], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.roles = frozenset(roles)
        set_choices(self, "category", [("", _("Not sure yet")), *category_choices()])
        self.region_groups = region_options(actor, roles=self.roles)
        if self.region_groups is not None:
            self.fields["region"] = forms.ChoiceField(
                label=_("Where (county or township)"),
                choices=[("", _("Choose…")), *self.region_groups],
                # With htmx, choosing a township loads its villages.
                widget=FastSelect(
                    attrs={
                        "hx-get": reverse("matters:staff_villages"),
                        "hx-target": "#village-field",
                        "hx-swap": "outerHTML",
                    }
                ),
            )
        else:
            self.fields["region"].help_text = _("The region code, e.g. 330881001 for 双塔街道.")
            self.fields["region"].widget.attrs.update({"inputmode": "numeric"})
        chosen = self.data.get("region") if self.is_bound else self.initial.get("region")
        set_choices(
            self,
            "village",
            [("", _("Not known / the whole township")), *village_options(actor, chosen, roles=self.roles)],
        )

    def clean_category(self) -> Category | None:
        code = self.cleaned_data.get("category")
        return Category.objects.filter(code=code, is_active=True).first() if code else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        code = cleaned.get("village") or cleaned.get("region")
        if not code or "region" in self.errors:
            return cleaned
        region = Region.objects.filter(code=code).first()
        scope = scope_for(self.actor, roles=self.roles)
        if region is None:
            self.add_error("region", _("There is no region with this code."))
        elif region.level < 3:
            self.add_error("region", _("Choose at least the county (district) where it happened."))
        elif not scope.covers_region(region.code):
            self.add_error("region", _("Choose a place in your area."))
        else:
            cleaned["place"] = region
        return cleaned


class RespondentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Person or organisation"), choices=PartyKind.choices, initial=PartyKind.PERSON
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=300)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("phone") or cleaned.get("address")) and not cleaned.get("name"):
            self.add_error("name", _("Enter the name of this respondent."))
        return cleaned


RespondentFormSet = forms.formset_factory(RespondentForm, extra=3, max_num=10, validate_max=True)
