"""Court staff's pages: the docking window queue, the case page and its commands, referral from a matter.

Thin, like every view: ``court.access`` and ``court.selectors`` read, ``court.services`` write. The case
page offers exactly the commands the case's status (``court.transitions``) and the viewer's part in the
case allow. Each command posts to its own URL with the ``expected_version`` the page showed: a role
that may not give it gets 403, a status it does not apply to or a case changed meanwhile 409, bad input
the page again with the errors next to the fields (422), and success a redirect to the case (PRG).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from suyuan.accounts.models import User
from suyuan.accounts.pages import page
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.court import access, selectors, services, staff_forms
from suyuan.court.choices import CaseStatus, CaseTrack, HearingMode, HearingStatus, PerformanceStatus
from suyuan.court.models import CourtCase, Hearing, HearingRound
from suyuan.court.transitions import CaseCommand, IllegalCaseTransition, can
from suyuan.court.views import deliveries
from suyuan.matters import access as matter_access
from suyuan.matters.documents import stored_files_guard
from suyuan.matters.models import Matter
from suyuan.matters.transitions import IllegalTransition
from suyuan.matters.views import staff as matters_staff
from suyuan.mediation.services import ObligationInput
from suyuan.mediation.services import WrongState as MediationWrongState

PAGE_SIZE = 50
CONFLICTS = (
    services.WrongState,
    services.StaleCase,
    IllegalCaseTransition,
    MediationWrongState,
    IllegalTransition,
)

# The bound referral form a failed post leaves for the matter page's court section, on the request.
REFER_BOUND = "_court_refer_form"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# A signed-in member of a court (clerk, judge, invited mediator); access errors become 404 and 403.
court_page = page(
    staff=True,
    allowed=selectors.works_at_court,
    refusal=gettext_lazy("The docking window is for the court's clerks, judges and invited mediators."),
)


def case_url(case: CourtCase) -> str:
    return reverse("court:case", kwargs={"case_id": case.pk})


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", exc))


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: known keys on their fields, the rest on the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


# --- The docking window queue ---------------------------------------------------------------------------


@require_GET
@court_page
def queue(request: HttpRequest) -> HttpResponse:
    actor = _user(request)
    form = staff_forms.QueueForm(request.GET)
    form.is_valid()  # a bad queue name falls back to the default one
    text = (form.cleaned_data.get("q") or "").strip()
    # A search looks through every case of the window, whatever the tab.
    queue_name = selectors.CaseQueue.ALL if text else form.cleaned_data.get("queue") or ""
    queue_name = queue_name or selectors.default_queue(actor)
    cases = selectors.case_queue(actor=actor, queue=queue_name, q=text)
    counts = selectors.queue_counts(actor=actor)
    page_ = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    keep["queue"] = queue_name
    now = timezone.now()
    tabs = [
        {"name": name, "label": selectors.QUEUE_LABELS[name], "count": counts.get(name)}
        for name in (*selectors.COUNTED, selectors.CaseQueue.ALL)
    ]
    context = {
        "form": form,
        "queue": queue_name,
        "searching": bool(text),
        "tabs": tabs,
        "page": page_,
        "query": keep.urlencode(),
        "now": now,
        "soon": now + selectors.DUE_SOON,
    }
    return render(request, "court/staff/queue.html", context)


# --- One case ---------------------------------------------------------------------------------------------


@dataclass
class CaseView:
    """A case as one viewer sees it, read once per request: what the page shows and the commands use."""

    actor: User
    case: CourtCase

    @cached_property
    def clerk(self) -> bool:
        return access.is_clerk(self.actor, self.case)

    @cached_property
    def judge(self) -> bool:
        return access.is_judge(self.actor, self.case)

    @cached_property
    def mediator(self) -> bool:
        return access.is_court_mediator(self.actor, self.case)

    @cached_property
    def parties(self) -> list[Any]:
        return selectors.parties_of(self.case)

    @cached_property
    def consents(self) -> list[Any]:
        if self.case.track != CaseTrack.CONFIRMATION:
            return []
        return selectors.consents_of(self.case)

    @cached_property
    def hearings(self) -> list[Hearing]:
        return selectors.hearings_of(self.case)

    @cached_property
    def scheduled(self) -> Hearing | None:
        return next((h for h in self.hearings if h.status == HearingStatus.SCHEDULED), None)

    @cached_property
    def open_round(self) -> HearingRound | None:
        if self.scheduled is None:
            return None
        return next((r for r in self.scheduled.rounds.all() if r.closed_at is None), None)

    @property
    def has_judge(self) -> bool:
        return self.case.judge_id is not None

    @cached_property
    def judges(self) -> list[User]:
        """The court's judges the case may be given to (not the one who has it)."""
        return [judge for judge in services.judges_of(self.case.court) if judge.pk != self.case.judge_id]

    @cached_property
    def mediators(self) -> list[User]:
        return services.invited_mediators(self.case.court)


def _hearing(view: CaseView, data: dict[str, Any]) -> Hearing:
    hearing = selectors.hearing_of(view.case, data.get("hearing"))
    if hearing is None:
        raise NotFound
    return hearing


# Each command: what the service call is, who may give it, in which status, and when the page offers it.


def _offer_mediation(v: CaseView, d: dict[str, Any]) -> str:
    services.mediation_offer(
        case=v.case,
        actor=v.actor,
        mediator=d["mediator"],
        consent=d["consent"],
        expected_version=d["expected_version"],
    )
    return _("Pre-filing mediation started; the parties and the mediator are told.")


def _extend_mediation(v: CaseView, d: dict[str, Any]) -> str:
    services.mediation_extend(
        case=v.case,
        actor=v.actor,
        days=d["days"],
        consent=d["consent"],
        expected_version=d["expected_version"],
    )
    return _("Pre-filing mediation extended.")


def _settle(v: CaseView, d: dict[str, Any]) -> str:
    services.mediation_settle(
        case=v.case,
        actor=v.actor,
        terms=d["terms"],
        obligations=d["obligations"],
        expected_version=d["expected_version"],
    )
    return _("Settlement recorded; each party is asked to confirm the agreement.")


def _mediation_failed(v: CaseView, d: dict[str, Any]) -> str:
    services.mediation_fail(
        case=v.case, actor=v.actor, reason=d["reason"], expected_version=d["expected_version"]
    )
    return _("Recorded that the pre-filing mediation failed.")


def _request_correction(v: CaseView, d: dict[str, Any]) -> str:
    services.correction_request(
        case=v.case,
        actor=v.actor,
        items=d["items"],
        days=d.get("days"),
        expected_version=d["expected_version"],
    )
    return _("Returned for correction; the notice is served on the applicant.")


def _accept_filing(v: CaseView, d: dict[str, Any]) -> str:
    case = services.filing_accept(case=v.case, actor=v.actor, expected_version=d["expected_version"])
    return _("Filing accepted as %(number)s; the notices are served.") % {"number": case.display_number}


def _refuse_filing(v: CaseView, d: dict[str, Any]) -> str:
    services.filing_refuse(
        case=v.case, actor=v.actor, reason=d["reason"], expected_version=d["expected_version"]
    )
    return _("Filing refused; the ruling is served on the plaintiff.")


def _join_in_person(v: CaseView, d: dict[str, Any]) -> str:
    services.confirmation_join_in_person(
        case=v.case, actor=v.actor, party_id=d["party"].pk, reason=d["reason"]
    )
    return _("Recorded that %(party)s joined the application.") % {"party": d["party"].name}


def _accept_confirmation(v: CaseView, d: dict[str, Any]) -> str:
    case = services.confirmation_accept(case=v.case, actor=v.actor, expected_version=d["expected_version"])
    return _("Application accepted as %(number)s.") % {"number": case.display_number}


def _rule_confirmation(v: CaseView, d: dict[str, Any]) -> str:
    services.confirmation_rule(
        case=v.case,
        actor=v.actor,
        confirmed=d["confirmed"],
        reason=d["reason"],
        expected_version=d["expected_version"],
    )
    return _("Ruling issued and served on the parties.")


def _assign_judge(v: CaseView, d: dict[str, Any]) -> str:
    services.judge_assign(
        case=v.case, actor=v.actor, judge=d["judge"], expected_version=d["expected_version"]
    )
    return _("Assigned to %(judge)s.") % {"judge": d["judge"].full_name or d["judge"].get_username()}


def _schedule_hearing(v: CaseView, d: dict[str, Any]) -> str:
    services.hearing_schedule(
        case=v.case,
        actor=v.actor,
        mode=d["mode"],
        starts_at=d.get("starts_at"),
        place=d.get("place") or "",
        link=d.get("link") or "",
        expected_version=d["expected_version"],
    )
    if d["mode"] == HearingMode.ASYNC:
        return _("The hearing in writing has started; open its first round.")
    return _("Hearing scheduled; the summonses are served.")


def _cancel_hearing(v: CaseView, d: dict[str, Any]) -> str:
    services.hearing_cancel(hearing=_hearing(v, d), actor=v.actor, reason=d["reason"])
    return _("Hearing cancelled; the parties are told.")


def _hearing_held(v: CaseView, d: dict[str, Any]) -> str:
    services.hearing_record(hearing=_hearing(v, d), actor=v.actor, record=d["record"])
    return _("Hearing recorded as held.")


def _open_round(v: CaseView, d: dict[str, Any]) -> str:
    services.round_open(
        hearing=_hearing(v, d),
        actor=v.actor,
        kind=d["kind"],
        due_at=d["due_at"],
        instructions=d.get("instructions") or "",
    )
    return _("Written round opened; the parties are told.")


def _close_round(v: CaseView, d: dict[str, Any]) -> str:
    round_ = selectors.round_of(v.case, d.get("round"))
    if round_ is None:
        raise NotFound
    services.round_close(round=round_, actor=v.actor)
    return _("Written round closed.")


def _issue_decision(v: CaseView, d: dict[str, Any]) -> str:
    services.decision_issue(
        case=v.case,
        actor=v.actor,
        kind=d["kind"],
        upload=d["file"][0] if d.get("file") else None,
        summary=d["summary"],
        expected_version=d["expected_version"],
    )
    return _("Decision issued and served on the parties.")


def _record_appeal(v: CaseView, d: dict[str, Any]) -> str:
    services.appeal_record(case=v.case, actor=v.actor, party_id=d["party"].pk, note=d.get("note") or "")
    return _("Appeal recorded; the case is closed at this court.")


def _withdraw(v: CaseView, d: dict[str, Any]) -> str:
    services.case_withdraw(case=v.case, actor=v.actor, reason=d["reason"])
    return _("Withdrawal recorded; the case is closed.")


def _performance(v: CaseView, d: dict[str, Any]) -> str:
    outcome = d["outcome"]
    services.performance_report(
        case=v.case,
        actor=v.actor,
        performed=outcome == staff_forms.PERFORMED,
        enforcement=outcome == staff_forms.ENFORCEMENT,
        note=d.get("note") or "",
    )
    return _("Performance recorded.")


def _note(v: CaseView, d: dict[str, Any]) -> str:
    services.case_note_add(case=v.case, actor=v.actor, text=d["text"])
    return _("Note added.")


def _clerk(v: CaseView) -> bool:
    return v.clerk


def _clerk_or_mediator(v: CaseView) -> bool:
    return v.clerk or v.mediator


def _clerk_or_judge(v: CaseView) -> bool:
    return v.clerk or v.judge


def _judge(v: CaseView) -> bool:
    return v.judge


def _always(v: CaseView) -> bool:
    return True


@dataclass(frozen=True)
class Command:
    """A command of the case page: its form, who may give it (``may``), the move of the state machine it
    makes (``transition``), when the page offers it besides (``offered``), and the service call (``run``,
    returning the success message)."""

    name: str
    label: Any
    form: type[forms.Form]
    run: Callable[[CaseView, dict[str, Any]], str]
    may: Callable[[CaseView], bool]
    transition: str | None = None
    offered: Callable[[CaseView], bool] = _always
    form_kwargs: Callable[[CaseView], dict[str, Any]] = lambda v: {}
    initial: Callable[[CaseView], dict[str, Any]] = lambda v: {}
    primary: bool = False
    # Whether a form made from an older version of the case is refused (a note changes nothing of it).
    versioned: bool = True


def _scheduled_id(v: CaseView) -> dict[str, Any]:
    return {"hearing": v.scheduled.pk if v.scheduled is not None else None}


def _record_now(v: CaseView) -> bool:
    hearing = v.scheduled
    return hearing is not None and (hearing.mode == HearingMode.ASYNC or hearing.starts_at <= timezone.now())


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command(
            "accept_filing",
            gettext_lazy("Accept the filing (立案)"),
            staff_forms.AcceptFilingForm,
            _accept_filing,
            _clerk,
            CaseCommand.ACCEPT_FILING,
            primary=True,
        ),
        Command(
            "request_correction",
            gettext_lazy("Return for correction"),
            staff_forms.CorrectionForm,
            _request_correction,
            _clerk,
            CaseCommand.REQUEST_CORRECTION,
        ),
        Command(
            "refuse_filing",
            gettext_lazy("Refuse the filing (裁定不予受理)"),
            staff_forms.RefuseFilingForm,
            _refuse_filing,
            _clerk_or_judge,
            CaseCommand.REFUSE_FILING,
        ),
        Command(
            "offer_mediation",
            gettext_lazy("Start pre-filing mediation"),
            staff_forms.OfferMediationForm,
            _offer_mediation,
            _clerk,
            CaseCommand.OFFER_MEDIATION,
            offered=lambda v: (
                v.case.track == CaseTrack.LITIGATION
                and v.case.mediation_number_id is None
                and bool(v.mediators)
            ),
            form_kwargs=lambda v: {"mediators": v.mediators},
        ),
        Command(
            "extend_mediation",
            gettext_lazy("Extend the pre-filing mediation (once)"),
            staff_forms.ExtendMediationForm,
            _extend_mediation,
            _clerk_or_mediator,
            CaseCommand.EXTEND_MEDIATION,
            offered=lambda v: not v.case.mediation_extension,
        ),
        Command(
            "settle",
            gettext_lazy("Record the settlement"),
            staff_forms.SettleForm,
            _settle,
            _clerk_or_mediator,
            CaseCommand.MEDIATION_SETTLED,
            primary=True,
        ),
        Command(
            "mediation_failed",
            gettext_lazy("Record that mediation failed"),
            staff_forms.MediationFailedForm,
            _mediation_failed,
            _clerk_or_mediator,
            CaseCommand.MEDIATION_FAILED,
        ),
        Command(
            "join_in_person",
            gettext_lazy("Record a party joining in person"),
            staff_forms.JoinInPersonForm,
            _join_in_person,
            _clerk,
            offered=lambda v: (
                v.case.status == CaseStatus.DOCKED and any(c.joined_at is None for c in v.consents)
            ),
            form_kwargs=lambda v: {"parties": [c.party for c in v.consents if c.joined_at is None]},
        ),
        Command(
            "accept_confirmation",
            gettext_lazy("Accept the confirmation application"),
            staff_forms.AcceptConfirmationForm,
            _accept_confirmation,
            _clerk,
            CaseCommand.ACCEPT_CONFIRMATION,
            offered=lambda v: v.case.track == CaseTrack.CONFIRMATION,
            primary=True,
        ),
        Command(
            "rule_confirmation",
            gettext_lazy("Rule on the confirmation"),
            staff_forms.RuleConfirmationForm,
            _rule_confirmation,
            _judge,
            CaseCommand.RULE_CONFIRMATION,
            offered=lambda v: v.has_judge,
            primary=True,
        ),
        Command(
            "assign_judge",
            gettext_lazy("Assign a judge"),
            staff_forms.AssignJudgeForm,
            _assign_judge,
            _clerk,
            CaseCommand.ASSIGN_JUDGE,
            offered=lambda v: bool(v.judges),
            form_kwargs=lambda v: {"judges": v.judges},
        ),
        Command(
            "schedule_hearing",
            gettext_lazy("Schedule a hearing"),
            staff_forms.ScheduleHearingForm,
            _schedule_hearing,
            _clerk_or_judge,
            CaseCommand.SCHEDULE_HEARING,
            offered=lambda v: v.has_judge and v.scheduled is None,
            primary=True,
        ),
        Command(
            "hearing_held",
            gettext_lazy("Record the hearing as held"),
            staff_forms.HearingHeldForm,
            _hearing_held,
            _clerk_or_judge,
            offered=_record_now,
            initial=_scheduled_id,
        ),
        Command(
            "cancel_hearing",
            gettext_lazy("Cancel the hearing"),
            staff_forms.CancelHearingForm,
            _cancel_hearing,
            _clerk_or_judge,
            offered=lambda v: v.scheduled is not None,
            initial=_scheduled_id,
        ),
        Command(
            "open_round",
            gettext_lazy("Open a written round"),
            staff_forms.OpenRoundForm,
            _open_round,
            _clerk_or_judge,
            offered=lambda v: (
                v.scheduled is not None and v.scheduled.mode == HearingMode.ASYNC and v.open_round is None
            ),
            initial=_scheduled_id,
        ),
        Command(
            "close_round",
            gettext_lazy("Close the written round"),
            staff_forms.CloseRoundForm,
            _close_round,
            _clerk_or_judge,
            offered=lambda v: v.open_round is not None,
            initial=lambda v: {"round": v.open_round.pk if v.open_round is not None else None},
        ),
        Command(
            "issue_decision",
            gettext_lazy("Issue the judgment or ruling"),
            staff_forms.DecisionForm,
            _issue_decision,
            _judge,
            CaseCommand.ISSUE_DECISION,
            offered=lambda v: v.scheduled is None,
            primary=True,
        ),
        Command(
            "record_appeal",
            gettext_lazy("Record an appeal"),
            staff_forms.AppealForm,
            _record_appeal,
            _clerk,
            CaseCommand.RECORD_APPEAL,
            form_kwargs=lambda v: {"parties": v.parties},
        ),
        Command(
            "performance",
            gettext_lazy("Record performance"),
            staff_forms.PerformanceForm,
            _performance,
            _clerk,
            offered=lambda v: v.case.performance in (PerformanceStatus.PENDING, PerformanceStatus.BREACHED),
        ),
        Command(
            "withdraw",
            gettext_lazy("Record a withdrawal"),
            staff_forms.WithdrawForm,
            _withdraw,
            _clerk,
            CaseCommand.WITHDRAW,
        ),
        Command(
            "note",
            gettext_lazy("Add an internal note"),
            staff_forms.NoteForm,
            _note,
            lambda v: access.reads_notes(v.actor, v.case),
            versioned=False,
        ),
    )
}
NOTE = "note"


def _applies(command: Command, case: CourtCase) -> bool:
    return command.transition is None or can(command.transition, case.status)


def _make_form(view: CaseView, command: Command, data: Any = None, files: Any = None) -> forms.Form:
    initial = {"expected_version": view.case.version, **command.initial(view)}
    return command.form(
        data, files, auto_id=f"{command.name}-%s", initial=initial, **command.form_kwargs(view)
    )


def _obligation_formset(view: CaseView, data: Any = None) -> Any:
    return staff_forms.ObligationFormSet(data, prefix="obligations", form_kwargs={"parties": view.parties})


@dataclass
class Bound:
    """The forms a failed post leaves to show again with their errors."""

    command: str
    form: forms.Form
    formset: Any = None


def _case_context(
    request: HttpRequest, case: CourtCase, *, bound: Bound | None = None, conflict: str = ""
) -> dict[str, Any]:
    actor = _user(request)
    view = CaseView(actor, case)
    commands = []
    for command in COMMANDS.values():
        if command.name == NOTE or not command.may(view):
            continue
        if not (_applies(command, case) and command.offered(view)):
            continue
        is_bound = bound is not None and bound.command == command.name
        form = bound.form if bound is not None and is_bound else _make_form(view, command)
        item: dict[str, Any] = {
            "name": command.name,
            "label": command.label,
            "form": form,
            "open": is_bound,
            "primary": command.primary,
            "url": reverse("court:command", kwargs={"case_id": case.pk, "command": command.name}),
        }
        if command.name == "settle":
            item["formset"] = bound.formset if bound is not None and is_bound else _obligation_formset(view)
        commands.append(item)
    reads_notes = access.reads_notes(actor, case)
    note_form = None
    if reads_notes:
        note_form = (
            bound.form if bound is not None and bound.command == NOTE else _make_form(view, COMMANDS[NOTE])
        )
    shown = {c["name"] for c in commands} | ({NOTE} if note_form is not None else set())
    if bound is not None and bound.command not in shown:
        # The command is no longer offered here (the case moved on): say why the input was refused.
        conflict = conflict or " ".join(str(e) for errors in bound.form.errors.values() for e in errors)
    now = timezone.now()
    services_ = selectors.services_of(case)
    return {
        "case": case,
        "matter": case.matter,
        "cause_label": case.cause.label(get_language()) if case.cause else "",
        "parties": view.parties,
        "services": services_,
        "consents": view.consents,
        "hearings": view.hearings,
        "reads_notes": reads_notes,
        "notes": selectors.notes_of(actor, case),
        "note_form": note_form,
        "note_url": reverse("court:command", kwargs={"case_id": case.pk, "command": NOTE}),
        "commands": commands,
        "conflict": conflict,
        "now": now,
        "soon": now + selectors.DUE_SOON,
        "may_open_matter": matter_access.matters_visible_to(actor).filter(pk=case.matter_id).exists(),
    }


@require_GET
@court_page
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for_page(request.user, case_id)
    return render(request, "court/staff/case.html", _case_context(request, case))


def _conflict(request: HttpRequest, case_id: int, message: str) -> HttpResponse:
    """Show the case as it is now (409) with why the command was not given."""
    case = selectors.case_for_page(request.user, case_id)
    context = _case_context(request, case, conflict=message)
    return render(request, "court/staff/case.html", context, status=409)


def _lock_at_version(actor: User, case: CourtCase, expected_version: int) -> None:
    """Lock the case's matter and the case, in the services' order, and refuse a stale form.

    Some services check ``expected_version`` themselves; for the others this check, in the same
    transaction as the service, keeps a form made from an older case from acting on the new one.
    """
    matter_access.access_matter(actor, case.matter_id, for_update=True)
    locked = access.case_for_staff(actor, case.pk, for_update=True)
    if locked.version != expected_version:
        raise services.StaleCase


def _obligations(formset: Any) -> tuple[list[Any], list[ObligationInput]]:
    filled = [f for f in formset.forms if f.is_filled()]
    return filled, [
        ObligationInput(
            obligor=f.cleaned_data.get("obligor"),
            description=f.cleaned_data.get("description") or "",
            amount=f.cleaned_data.get("amount"),
            due_on=f.cleaned_data.get("due_on"),
        )
        for f in filled
    ]


def _put_errors(form: forms.Form, filled: list[Any], exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        if key.startswith("obligations[") and "]." in key:
            index, _sep, name = key[len("obligations[") :].partition("].")
            if index.isdigit() and int(index) < len(filled):
                target = filled[int(index)]
                target.add_error(name if name in target.fields else None, errors)
                continue
        form.add_error(key if key in form.fields else None, errors)


@require_POST
@court_page
def case_command(request: HttpRequest, case_id: int, command: str) -> HttpResponse:
    """Give one command to the case; errors show the page again, success redirects back to it."""
    actor = _user(request)
    case = selectors.case_for_page(actor, case_id)
    spec = COMMANDS.get(command)
    if spec is None:
        raise NotFound
    view = CaseView(actor, case)
    if not spec.may(view):
        raise Forbidden(_("Your part in this case does not include this command."))
    if not _applies(spec, case):
        assert spec.transition is not None  # noqa: S101 (only transitions can fail to apply)
        return _conflict(request, case_id, IllegalCaseTransition(spec.transition, case.status).message)
    posted = request.POST.get("expected_version", "")
    if spec.versioned and posted.isdigit() and int(posted) != case.version:
        return _conflict(request, case_id, str(services.StaleCase.message))
    form = _make_form(view, spec, request.POST, request.FILES)
    formset = _obligation_formset(view, request.POST) if command == "settle" else None
    if form.is_valid() and (formset is None or formset.is_valid()):
        data = dict(form.cleaned_data)
        filled: list[Any] = []
        if formset is not None:
            filled, data["obligations"] = _obligations(formset)
        try:
            with stored_files_guard(), transaction.atomic():
                if spec.versioned:
                    _lock_at_version(actor, case, data["expected_version"])
                message = spec.run(view, data)
        except CONFLICTS as exc:
            return _conflict(request, case_id, _message(exc))
        except ValidationError as exc:
            _put_errors(form, filled, exc)
        else:
            messages.success(request, message)
            return redirect(case_url(case) + ("#notes" if command == NOTE else ""))
    case = selectors.case_for_page(actor, case_id)
    context = _case_context(request, case, bound=Bound(command, form, formset))
    return render(request, "court/staff/case.html", context, status=422)


# --- Referral from the matter page ------------------------------------------------------------------------


def refer_form(request: HttpRequest) -> staff_forms.ReferForm:
    """The referral form for the matter page's court section: the one that failed, or a new one."""
    return cast(
        staff_forms.ReferForm,
        getattr(request, REFER_BOUND, None) or staff_forms.ReferForm(auto_id="refer-%s"),
    )


def _matter_again(request: HttpRequest, matter: Matter, status: int, conflict: str = "") -> HttpResponse:
    matter = matters_staff.matter_for(request, matter.display_code)
    context = matters_staff.detail_context(request, matter, conflict=conflict)
    return render(request, "matters/staff/detail.html", context, status=status)


@require_POST
@matters_staff.staff_matters_page
def refer(request: HttpRequest, code: str) -> HttpResponse:
    """Refer a matter whose mediation failed (or whose agreement was broken) to the court's window."""
    actor = _user(request)
    matter = matters_staff.matter_for(request, code)
    if not matter_access.may_act(actor, matter, matter_access.MEDIATION_ROLES):
        raise Forbidden(_("Only the mediation staff of the matter refer it to the court."))
    form = staff_forms.ReferForm(request.POST, auto_id="refer-%s")
    if form.is_valid():
        try:
            case = services.case_refer(matter=matter, actor=actor, note=form.cleaned_data["note"])
        except CONFLICTS as exc:
            return _matter_again(request, matter, 409, conflict=_message(exc))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("Referred to %(court)s's docking window.") % {"court": case.court.name}
            )
            return redirect(matters_staff.detail_url(matter) + "#court")
    setattr(request, REFER_BOUND, form)
    return _matter_again(request, matter, 422)


urlpatterns = [
    path("staff/court/", queue, name="queue"),
    path("staff/court/cases/<int:case_id>/", case_page, name="case"),
    path("staff/court/cases/<int:case_id>/<slug:command>/", case_command, name="command"),
    path("staff/matters/<str:code>/court/refer/", refer, name="refer"),
    *deliveries.urlpatterns,
]
