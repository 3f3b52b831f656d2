"""Forms of the court staff's pages: they check the shape of input; ``court.services`` applies the rules.

Every command form carries the ``expected_version`` of the case it was made from, so a form made before
someone else changed the case is refused (409) instead of acting on what the clerk did not see. Choices
of people (invited mediators, judges, parties) come from the view, read through the services and the
case, never from the database by the form.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.models import User
from suyuan.court.choices import DecisionKind, HearingMode, RoundKind
from suyuan.court.selectors import QUEUE_LABELS
from suyuan.court.services import MAX_CORRECTION_ITEMS, MAX_EXTENSION_DAYS, MAX_TEXT
from suyuan.matters.document_forms import ACCEPT, AttachmentsField
from suyuan.matters.models import Party
from suyuan.mediation import forms as mediation_forms

MAX_OBLIGATIONS = 3
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _textarea(rows: int = 3, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


def _datetime_widget(testid: str) -> forms.DateTimeInput:
    return forms.DateTimeInput(
        attrs={"type": "datetime-local", "data-testid": testid}, format="%Y-%m-%dT%H:%M"
    )


def _reason(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, max_length=MAX_TEXT, help_text=help_text, widget=_textarea(2))


class QueueForm(forms.Form):
    queue = forms.ChoiceField(required=False, choices=list(QUEUE_LABELS.items()))
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=60,
        help_text=_("A tracking code, a case number or a party's name."),
        widget=forms.TextInput(attrs={"type": "search", "data-testid": "court-search"}),
    )


class CaseForm(forms.Form):
    """A command on a case, made from the version of the case the page showed."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class UserChoiceField(forms.TypedChoiceField):
    """A choice among the users the view offers; cleans to the ``User`` chosen."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, empty_value=None, **kwargs)
        self.users: dict[int, User] = {}

    def offer(self, users: list[User]) -> None:
        self.users = {user.pk: user for user in users}
        self.choices = [("", "—")] + [(user.pk, user.full_name or user.get_username()) for user in users]

    def clean(self, value: Any) -> User | None:
        pk = super().clean(value)
        return None if pk is None else self.users[pk]


class PartyChoiceField(forms.TypedChoiceField):
    """A choice among the parties the view offers; cleans to the ``Party`` chosen."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, empty_value=None, **kwargs)
        self.parties: dict[int, Party] = {}

    def offer(self, parties: list[Party]) -> None:
        self.parties = {party.pk: party for party in parties}
        self.choices = [("", "—")] + [
            (party.pk, f"{party.name} ({party.get_role_display()})") for party in parties
        ]

    def clean(self, value: Any) -> Party | None:
        pk = super().clean(value)
        return None if pk is None else self.parties[pk]


class OfferMediationForm(CaseForm):
    mediator = UserChoiceField(label=_("Court-invited mediator"))
    consent = _reason(
        _("How the parties agreed to pre-filing mediation"),
        _("E.g. both signed the consent form at the window; the plaintiff agreed by phone on 12 May."),
    )

    def __init__(self, *args: Any, mediators: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(UserChoiceField, self.fields["mediator"]).offer(mediators)


class ExtendMediationForm(CaseForm):
    days = forms.IntegerField(
        label=_("Extra days"),
        min_value=1,
        max_value=MAX_EXTENSION_DAYS,
        initial=MAX_EXTENSION_DAYS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    consent = _reason(_("How both parties agreed to more time"))


class SettleForm(CaseForm):
    terms = forms.CharField(
        label=_("Terms agreed"),
        max_length=MAX_TEXT,
        help_text=_("As the parties will read them on the agreement they are asked to confirm."),
        widget=_textarea(4),
    )


ObligationFormSet = forms.formset_factory(
    mediation_forms.ObligationForm, extra=MAX_OBLIGATIONS, max_num=MAX_OBLIGATIONS, validate_max=True
)


class MediationFailedForm(CaseForm):
    reason = _reason(_("Why the mediation failed"))


class CorrectionForm(CaseForm):
    items = forms.CharField(
        label=_("What to correct"),
        max_length=MAX_TEXT,
        help_text=_("One item a line: the applicant reads each as a point to correct."),
        widget=_textarea(4),
    )
    days = forms.IntegerField(
        label=_("Days to correct"),
        min_value=1,
        max_value=60,
        required=False,
        help_text=_("Leave empty for the usual period."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def clean_items(self) -> list[str]:
        items = [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]
        if not items:
            raise ValidationError(_("Say what must be corrected."))
        if len(items) > MAX_CORRECTION_ITEMS:
            raise ValidationError(_("Give at most %(max)s items.") % {"max": MAX_CORRECTION_ITEMS})
        return items


class AcceptFilingForm(CaseForm):
    pass


class RefuseFilingForm(CaseForm):
    reason = _reason(_("Reasons for refusing the filing"), _("They are written into the ruling."))


class JoinInPersonForm(CaseForm):
    party = PartyChoiceField(label=_("Party who joined"))
    reason = _reason(_("How they joined"), _("E.g. signed the joint application at the window today."))

    def __init__(self, *args: Any, parties: list[Party], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(PartyChoiceField, self.fields["party"]).offer(parties)


class AcceptConfirmationForm(CaseForm):
    pass


class RuleConfirmationForm(CaseForm):
    confirmed = forms.TypedChoiceField(
        label=_("Ruling"),
        choices=[
            ("yes", _("Confirm the agreement as valid")),
            ("no", _("Dismiss the application")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = _reason(_("Reasons"), _("They are written into the ruling."))


class AssignJudgeForm(CaseForm):
    judge = UserChoiceField(label=_("Judge"))

    def __init__(self, *args: Any, judges: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(UserChoiceField, self.fields["judge"]).offer(judges)


class ScheduleHearingForm(CaseForm):
    mode = forms.ChoiceField(label=_("How"), choices=HearingMode.choices, initial=HearingMode.ROOM)
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        input_formats=DATETIME_FORMATS,
        help_text=_("Not for a hearing in writing, which starts at once."),
        widget=_datetime_widget("hearing-when"),
    )
    place = forms.CharField(label=_("Court room"), max_length=200, required=False)
    link = forms.CharField(
        label=_("Online link (https://)"), max_length=500, required=False, widget=forms.URLInput
    )


class HearingForm(CaseForm):
    hearing = forms.IntegerField(widget=forms.HiddenInput)


class CancelHearingForm(HearingForm):
    reason = _reason(_("Why it is cancelled"))


class HearingHeldForm(HearingForm):
    record = forms.CharField(
        label=_("Record of the hearing (庭审笔录)"), max_length=20000, widget=_textarea(6)
    )


class OpenRoundForm(HearingForm):
    kind = forms.ChoiceField(label=_("Round"), choices=RoundKind.choices)
    due_at = forms.DateTimeField(
        label=_("The parties write by"), input_formats=DATETIME_FORMATS, widget=_datetime_widget("round-due")
    )
    instructions = forms.CharField(
        label=_("What the judge asks"), max_length=MAX_TEXT, required=False, widget=_textarea(3)
    )


class CloseRoundForm(CaseForm):
    round = forms.IntegerField(widget=forms.HiddenInput)


class DecisionForm(CaseForm):
    kind = forms.ChoiceField(label=_("Decision"), choices=DecisionKind.choices, initial=DecisionKind.JUDGMENT)
    file = AttachmentsField(
        label=_("The signed judgment or ruling (PDF)"),
        required=True,
        max_files=1,
        widget=forms.FileInput(attrs={"accept": "application/pdf", "data-testid": "decision-file"}),
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=MAX_TEXT,
        help_text=_("What was decided, as the parties read it in their timeline."),
        widget=_textarea(3),
    )


class AppealForm(CaseForm):
    party = PartyChoiceField(label=_("Party who appealed"))
    note = forms.CharField(label=_("Note"), max_length=MAX_TEXT, required=False, widget=_textarea(2))

    def __init__(self, *args: Any, parties: list[Party], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(PartyChoiceField, self.fields["party"]).offer(parties)


class WithdrawForm(CaseForm):
    reason = _reason(
        _("Reason for the withdrawal"), _("After filing, record the withdrawal the court allowed.")
    )


PERFORMED = "performed"
BREACHED = "breached"
ENFORCEMENT = "enforcement"


class PerformanceForm(CaseForm):
    outcome = forms.ChoiceField(
        label=_("Was it performed?"),
        choices=[
            (PERFORMED, _("Performed")),
            (BREACHED, _("Not performed")),
            (ENFORCEMENT, _("Not performed: marked for enforcement")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What happened"),
        max_length=MAX_TEXT,
        required=False,
        help_text=_("Required when it was not performed."),
        widget=_textarea(2),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"),
        max_length=MAX_TEXT,
        help_text=_("Read by the court's clerks and the case's judge only."),
        widget=_textarea(2, **{"data-testid": "court-note-text"}),
    )


class ReferForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the court"),
        max_length=MAX_TEXT,
        required=False,
        help_text=_("What the court should know; the matter's record goes with it."),
        widget=_textarea(2),
    )


class DeliveredForm(forms.Form):
    photo = AttachmentsField(
        label=_("Photo of the signed receipt"),
        required=True,
        max_files=1,
        widget=forms.FileInput(attrs={"accept": ACCEPT, "data-testid": "delivery-photo"}),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=_textarea(2))


class NotDeliveredForm(forms.Form):
    reason = _reason(_("Why it could not be delivered"), _("E.g. nobody lives at the address any more."))
