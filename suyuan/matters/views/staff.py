"""Staff workbench pages for matters: queues, the matter page and its commands, intake for walk-ins.

Views are thin: forms check the shape of input, ``matters.access`` and ``matters.selectors`` read,
``matters.services`` write. Commands post a hidden ``expected_version``: a form made from an older
version of the matter is refused with 409, an illegal move in the state machine too; input errors
re-render the page with the form's errors (422); a success redirects back to the matter (PRG).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from suyuan.accounts.access import REVEAL_ROLES, organizations_visible_to, scope_for
from suyuan.accounts.choices import Role
from suyuan.accounts.models import User
from suyuan.accounts.pages import page
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import access, codes, documents, routing, sections, selectors, services, staff_forms
from suyuan.matters.choices import (
    FINAL_STATUSES,
    Channel,
    DocumentKind,
    EventKind,
    FailureRoute,
    MatterKind,
    MatterStatus,
    PartyRole,
    Visibility,
)
from suyuan.matters.document_forms import as_attachment_errors
from suyuan.matters.models import Matter, MatterEvent
from suyuan.matters.selectors import QUEUE_LABELS, Queue
from suyuan.matters.services import PartyInput, StaleMatter
from suyuan.matters.transitions import Command, IllegalTransition, allowed_commands

PAGE_SIZE = 50
# Roles that work with matters; analysts read aggregate figures elsewhere and have no matter pages.
QUEUE_TABS = (
    Queue.NEW,
    Queue.MINE,
    Queue.URGENT,
    Queue.DUE_SOON,
    Queue.OVERDUE,
    Queue.WAITING,
    Queue.OPEN,
    Queue.ALL,
)

View = Callable[..., HttpResponse]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# A signed-in member of staff in a role that works with matters; access errors become 404 and 403.
staff_matters_page = page(
    staff=True,
    allowed=access.works_with_matters,
    refusal=gettext_lazy("Your role works with aggregate figures only; it has no matter pages."),
)


def matter_for(request: HttpRequest, code: str, *, for_update: bool = False) -> Matter:
    """Return the matter with this tracking code (any spelling) if the user may see it, else 404."""
    return access.matter_for_code(request.user, code, for_update=for_update)


def _is_code(text: str) -> bool:
    try:
        codes.normalize(text)
    except ValidationError:
        return False
    return True


def detail_url(matter: Matter) -> str:
    return reverse("matters:staff_detail", kwargs={"code": matter.display_code})


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: known keys on their fields, the rest on the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


# --- Work queues -----------------------------------------------------------------------------------------


def _default_queue(request: HttpRequest) -> str:
    scope = scope_for(request.user)
    if scope.has_role(*access.INTAKE_ROLES):
        return Queue.NEW
    if Role.MEDIATOR in scope.roles:
        return Queue.MINE
    return Queue.OPEN


def _queue_context(
    request: HttpRequest,
    params: QueryDict,
    *,
    bulk_form: staff_forms.BulkAssignForm | None = None,
    organizations: dict[int, Any] | None = None,
    refusals: list[services.Refusal] | None = None,
) -> dict[str, Any]:
    actor = _user(request)
    if organizations is None:
        organizations = staff_forms.visible_organizations(actor)
    form = staff_forms.QueueFilterForm(params, organizations=organizations)
    form.is_valid()  # apply the filters that are valid, show errors for the others
    filters: dict[str, Any] = {
        name: form.cleaned_data.get(name)
        for name in ("status", "kind", "category", "region", "organization", "q")
        if form.cleaned_data.get(name) not in (None, "")
    }
    queue = form.cleaned_data.get("queue") or _default_queue(request)
    if filters.get("q") and _is_code(filters["q"]):
        queue = Queue.ALL  # a tracking code is a lookup: find the matter whatever its queue
    try:
        matters = selectors.matter_list(actor=actor, queue=queue, **filters)
    except ValidationError as exc:
        _add_errors(form, exc)
        matters = selectors.matter_list(actor=actor, queue=queue)
    counts = selectors.queue_counts(actor=actor)
    if not filters and counts.get(queue) is not None:
        # The tab's count: no second count of the same rows, and a fast newest-first page.
        paginator: Paginator[Matter] = Paginator(
            cast(Any, selectors.QueuePage(matters, count=counts[queue])), PAGE_SIZE
        )
    else:
        paginator = Paginator(matters, PAGE_SIZE)
    page = paginator.get_page(params.get("page"))

    keep = params.copy()
    for name in ("queue", "page"):
        keep.pop(name, None)
    filters_query = keep.urlencode()
    with_queue = params.copy()
    with_queue.pop("page", None)
    with_queue["queue"] = queue

    may_assign = scope_for(actor).has_role(*access.INTAKE_ROLES)
    if may_assign and bulk_form is None:
        bulk_form = staff_forms.BulkAssignForm(
            actor=actor,
            organizations=organizations,
            initial={"next": f"{reverse('matters:queue')}?{params.urlencode()}"},
        )
    now = timezone.now()
    ticked: set[int] = set()
    if bulk_form is not None and isinstance(bulk_form.data, QueryDict):
        ticked = {int(v.partition(":")[0]) for v in bulk_form.data.getlist("matters") if v[:1].isdigit()}
    return {
        "form": form,
        "queue": queue,
        "tabs": [
            {"name": name, "label": QUEUE_LABELS[name], "count": counts.get(name)} for name in QUEUE_TABS
        ],
        "page": page,
        "filters_query": filters_query,
        "query": with_queue.urlencode(),
        "has_filters": bool(filters),
        "now": now,
        "soon": now + selectors.DUE_SOON,
        "bulk_form": bulk_form if may_assign else None,
        "ticked": ticked,
        "refusals": refusals or [],
        "may_enter": scope_for(actor).has_role(*access.ENTRY_ROLES),
    }


@require_GET
@staff_matters_page
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "matters/staff/queue.html", _queue_context(request, request.GET))


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    return reverse("matters:queue")


@require_POST
@staff_matters_page
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assign the ticked matters in one go: all of them, or none and the reasons why."""
    actor = _user(request)
    if not scope_for(actor).has_role(*access.INTAKE_ROLES):
        raise Forbidden(_("Only dispatchers and supervisors assign matters."))
    organizations = staff_forms.visible_organizations(actor)
    form = staff_forms.BulkAssignForm(request.POST, actor=actor, organizations=organizations)
    next_url = _safe_next(request, request.POST.get("next", ""))
    params = QueryDict(next_url.partition("?")[2])
    refusals: list[services.Refusal] = []
    status = 422
    if form.is_valid():
        versions: dict[int, int] = form.cleaned_data["matters"]
        found = list(access.matters_visible_to(actor).filter(pk__in=list(versions)))
        if len(found) != len(versions):
            form.add_error(
                "matters", _("Some of the ticked matters are no longer in your view; reload the page.")
            )
        else:
            try:
                assigned = services.matters_bulk_assign(
                    matters=found,
                    actor=actor,
                    organization=form.cleaned_data["organization"],
                    mediator=form.cleaned_data["mediator"],
                    expected_versions=versions,
                )
            except services.BulkRefused as exc:
                refusals = exc.refusals
                status = 409
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d matter assigned to %(org)s.",
                        "%(count)d matters assigned to %(org)s.",
                        len(assigned),
                    )
                    % {"count": len(assigned), "org": form.cleaned_data["organization"].name},
                )
                return redirect(next_url)
    context = _queue_context(request, params, bulk_form=form, organizations=organizations, refusals=refusals)
    return render(request, "matters/staff/queue.html", context, status=status)


@require_GET
@staff_matters_page
def mediator_options(request: HttpRequest) -> HttpResponse:
    """Return the <option>s of the mediators of one organisation (htmx swaps them into a select)."""
    actor = _user(request)
    organization_id = request.GET.get("organization", "")
    chosen = None
    if organization_id.isdigit():
        visible = organizations_visible_to(actor).filter(pk=int(organization_id), is_active=True)
        chosen = int(organization_id) if visible.exists() else None
    choices = staff_forms.mediator_choices(staff_forms.mediators_of(actor, chosen))
    return render(request, "matters/staff/_mediator_options.html", {"choices": choices})


@require_GET
def nav_badge(request: HttpRequest) -> HttpResponse:
    """Return the number of new matters for the navigation; nothing (204) when there is none to show."""
    if not access.works_with_matters(request.user):
        return HttpResponse(status=204)
    count = selectors.matter_list(actor=request.user, queue=Queue.NEW).count()
    if not count:
        return HttpResponse(status=204)
    return render(request, "matters/staff/_nav_badge.html", {"count": count})


# --- One matter -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandSpec:
    """A command offered on the matter page: its form, its label, and how to run it (returning the message)."""

    form: type[forms.Form]
    label: Any
    run: Callable[[Matter, User, dict[str, Any]], str]
    transition: bool = True


def _run_accept(matter: Matter, actor: User, data: dict[str, Any]) -> str:
    services.matter_accept(
        matter=matter, actor=actor, expected_version=data["expected_version"], note=data["note"]
    )
    return _("Matter accepted.")


def _run_decline(matter: Matter, actor: User, data: dict[str, Any]) -> str:
    services.matter_decline(
        matter=matter, actor=actor, reason=data["reason"], expected_version=data["expected_version"]
    )
    return _("Matter declined; the citizen is told why.")


def _run_merge(matter: Matter, actor: User, data: dict[str, Any]) -> str:
    services.matter_merge(
        matter=matter,
        into=data["into"],
        actor=actor,
        reason=data["reason"],
        expected_version=data["expected_version"],
    )
    return _("Merged into %(code)s.") % {"code": data["into"].display_code}


def _run_assign(matter: Matter, actor: User, data: dict[str, Any]) -> str:
    services.matter_assign(
        matter=matter,
        actor=actor,
        organization=data["organization"],
        mediator=data["mediator"],
        expected_version=data["expected_version"],
    )
    return _("Assigned to %(org)s.") % {"org": data["organization"].name}


def _run_escalate(matter: Matter, actor: User, data: dict[str, Any]) -> str:
    escalated = services.matter_escalate(
        matter=matter, actor=actor, reason=data["reason"], expected_version=data["expected_version"]
    )
    return _("Escalated to %(org)s.") % {"org": escalated.organization.name if escalated.organization else ""}


def _run_start(matter: Matter, actor: User, data: dict[str, Any]) -> str:
    services.matter_start_mediation(matter=matter, actor=actor, expected_version=data["expected_version"])
    return _("Mediation started.")


def _run_agreement(matter: Matter, actor: User, data: dict[str, Any]) -> str:
    services.matter_record_agreement(
        matter=matter, actor=actor, terms=data["terms"], expected_version=data["expected_version"]
    )
    return _("Agreement recorded.")


def _run_failure(matter: Matter, actor: User, data: dict[str, Any]) -> str:
    services.matter_record_failure(
        matter=matter,
        actor=actor,
        reason=data["reason"],
        route=data["route"],
        expected_version=data["expected_version"],
    )
    return _("Recorded that mediation failed.")


def _run_withdraw(matter: Matter, actor: User, data: dict[str, Any]) -> str:
    services.matter_withdraw(
        matter=matter, actor=actor, reason=data["reason"], expected_version=data["expected_version"]
    )
    return _("Matter withdrawn.")


def _run_close(matter: Matter, actor: User, data: dict[str, Any]) -> str:
    services.matter_close(matter=matter, actor=actor, expected_version=data["expected_version"])
    return _("Matter closed.")


def _run_note(matter: Matter, actor: User, data: dict[str, Any]) -> str:
    services.matter_add_note(matter=matter, actor=actor, text=data["text"])
    return _("Note added.")


def _run_message(matter: Matter, actor: User, data: dict[str, Any]) -> str:
    services.matter_post_message(matter=matter, actor=actor, text=data["text"])
    return _("Message posted.")


NOTE = "note"
MESSAGE = "message"
COMMANDS: dict[str, CommandSpec] = {
    Command.ACCEPT: CommandSpec(staff_forms.AcceptForm, Command.ACCEPT.label, _run_accept),
    Command.DECLINE: CommandSpec(staff_forms.DeclineForm, Command.DECLINE.label, _run_decline),
    Command.MERGE: CommandSpec(staff_forms.MergeForm, Command.MERGE.label, _run_merge),
    Command.ASSIGN: CommandSpec(staff_forms.AssignForm, Command.ASSIGN.label, _run_assign),
    Command.ESCALATE: CommandSpec(staff_forms.EscalateForm, Command.ESCALATE.label, _run_escalate),
    Command.START_MEDIATION: CommandSpec(
        staff_forms.StartMediationForm, Command.START_MEDIATION.label, _run_start
    ),
    Command.RECORD_AGREEMENT: CommandSpec(
        staff_forms.AgreementForm, Command.RECORD_AGREEMENT.label, _run_agreement
    ),
    Command.RECORD_FAILURE: CommandSpec(staff_forms.FailureForm, Command.RECORD_FAILURE.label, _run_failure),
    Command.WITHDRAW: CommandSpec(staff_forms.WithdrawForm, Command.WITHDRAW.label, _run_withdraw),
    Command.CLOSE: CommandSpec(staff_forms.CloseForm, Command.CLOSE.label, _run_close),
    NOTE: CommandSpec(staff_forms.NoteForm, "", _run_note, transition=False),
    MESSAGE: CommandSpec(staff_forms.MessageForm, "", _run_message, transition=False),
}
# The usual way through the funnel; the others are offered folded away.
SECONDARY = frozenset({Command.MERGE, Command.ESCALATE, Command.WITHDRAW})
PRIMARY = frozenset(
    {Command.ACCEPT, Command.ASSIGN, Command.START_MEDIATION, Command.RECORD_AGREEMENT, Command.CLOSE}
)


def _offered(request: HttpRequest, matter: Matter, *, intake: bool | None = None) -> list[str]:
    """Return the commands the matter's state allows and the user may give, then note and message."""
    actor = _user(request)
    if intake is None:
        intake = access.may_act(actor, matter, access.INTAKE_ROLES)
    mediation = intake or access.may_act(actor, matter, access.MEDIATION_ROLES)
    rights: dict[str, bool] = {
        Command.ACCEPT: intake,
        Command.DECLINE: intake,
        Command.MERGE: intake,
        Command.ASSIGN: intake,
        Command.ESCALATE: intake or matter.mediator_id == actor.pk,
        Command.START_MEDIATION: mediation,
        # Recorded with its obligations in the mediation section of the page, not as a plain command.
        Command.RECORD_AGREEMENT: False,
        Command.RECORD_FAILURE: mediation,
        Command.WITHDRAW: intake,
        Command.CLOSE: mediation,
    }
    offered = [command for command in allowed_commands(matter.status) if rights.get(command)]
    offered.append(NOTE)
    if matter.status not in FINAL_STATUSES:
        offered.append(MESSAGE)
    return offered


def _make_form(
    request: HttpRequest,
    command: str,
    matter: Matter,
    *,
    data: QueryDict | None = None,
    organizations: dict[int, Any] | None = None,
    initial_organization: int | None = None,
) -> forms.Form:
    spec = COMMANDS[command]
    kwargs: dict[str, Any] = {"auto_id": f"{command}-%s"}
    initial: dict[str, Any] = {"expected_version": matter.version}
    if spec.form is staff_forms.AssignForm:
        kwargs["actor"] = request.user
        kwargs["organizations"] = (
            organizations if organizations is not None else staff_forms.visible_organizations(request.user)
        )
        initial["organization"] = initial_organization or matter.organization_id
        initial["mediator"] = matter.mediator_id
    elif spec.form is staff_forms.MergeForm:
        kwargs["actor"] = request.user
        kwargs["matter"] = matter
    return (
        spec.form(data, initial=initial, **kwargs)
        if data is not None
        else spec.form(initial=initial, **kwargs)
    )


def _timeline(events: list[MatterEvent]) -> list[dict[str, Any]]:
    """Return each event with the lines that explain its data, in the reader's language."""
    items = []
    for event in events:
        data = event.data or {}
        lines: list[str] = []
        if event.kind == EventKind.RECEIVED:
            if data.get("channel") in Channel.values:
                lines.append(_("Channel: %(channel)s") % {"channel": Channel(data["channel"]).label})
            if data.get("agent"):
                lines.append(_("Entered by staff on the citizen's behalf."))
        elif event.kind == EventKind.NOTE and data.get("routed_to"):
            lines.append(
                _("Routed to %(org)s (%(reason)s).")
                % {"org": data["routed_to"], "reason": data.get("reason", "")}
            )
        elif event.kind in (EventKind.ACCEPTED, EventKind.ASSIGNED) and data.get("organization"):
            lines.append(_("Organisation: %(org)s") % {"org": data["organization"]})
            if data.get("mediator"):
                lines.append(_("Mediator: %(name)s") % {"name": data["mediator"]})
        elif event.kind == EventKind.ESCALATED:
            lines.append(
                _("From %(from)s to %(to)s.") % {"from": data.get("from", ""), "to": data.get("to", "")}
            )
        elif event.kind == EventKind.MERGED and data.get("into"):
            lines.append(_("Merged into %(code)s.") % {"code": data["into"]})
        elif event.kind == EventKind.MERGED_IN and data.get("duplicate"):
            lines.append(_("Duplicate %(code)s merged in.") % {"code": data["duplicate"]})
        elif event.kind == EventKind.FAILURE_RECORDED and data.get("route") in FailureRoute.values:
            lines.append(_("Next route: %(route)s") % {"route": FailureRoute(data["route"]).label})
        items.append({"event": event, "lines": lines, "internal": event.visibility != Visibility.PUBLIC})
    return items


def _reveal_items(party: Any, posted: str = "", form: Any = None, value: str | None = None) -> list[dict]:
    items = []
    for name, label, masked in (
        ("phone", _("Mobile phone"), party.phone_masked),
        ("id_number", _("Resident ID number"), party.id_number_masked),
    ):
        is_posted = name == posted
        items.append(
            {
                "name": name,
                "label": label,
                "masked": masked,
                "value": value if is_posted else None,
                "form": form if is_posted and form is not None else None,
            }
        )
    return items


def detail_context(
    request: HttpRequest,
    matter: Matter,
    *,
    bound: tuple[str, forms.Form] | None = None,
    conflict: str = "",
    reveal: tuple[int, list[dict]] | None = None,
) -> dict[str, Any]:
    actor = _user(request)
    intake = access.may_act(actor, matter, access.INTAKE_ROLES)
    offered = _offered(request, matter, intake=intake)
    organizations = staff_forms.visible_organizations(actor) if Command.ASSIGN in offered else None

    route = None
    target = None
    mediator_suggestions: list[routing.MediatorSuggestion] = []
    if intake and matter.status in (MatterStatus.SUBMITTED, MatterStatus.ACCEPTED):
        route = routing.suggest_route(matter)
    if intake and matter.status in (MatterStatus.SUBMITTED, MatterStatus.ACCEPTED, MatterStatus.ASSIGNED):
        target = matter.organization or (route.organization if route else None)
        if target is not None:
            mediator_suggestions = routing.suggest_mediators(matter, target)
    initial_org = matter.organization_id or (route.organization.pk if route else None)

    command_forms = []
    for command in offered:
        if bound is not None and bound[0] == command:
            form = bound[1]
        else:
            form = _make_form(
                request, command, matter, organizations=organizations, initial_organization=initial_org
            )
        spec = COMMANDS[command]
        command_forms.append(
            {
                "name": command,
                "label": spec.label,
                "form": form,
                # Assigning again, once someone is assigned, is a correction: offered folded away.
                "secondary": command in SECONDARY
                or (command == Command.ASSIGN and matter.status != MatterStatus.ACCEPTED),
                "primary": command in PRIMARY,
                "open": bound is not None and bound[0] == command,
                "transition": spec.transition,
            }
        )
    can_reveal = access.may_act(actor, matter, REVEAL_ROLES)
    parties = []
    for party in matter.parties.all():
        items = reveal[1] if reveal is not None and reveal[0] == party.pk else _reveal_items(party)
        parties.append({"party": party, "reveal_items": items})
    now = timezone.now()
    return {
        "matter": matter,
        "parties": parties,
        "can_reveal": can_reveal,
        "timeline": _timeline(list(access.events_visible_to(actor, matter))),
        "commands": [c for c in command_forms if c["transition"]],
        "note_form": next((c["form"] for c in command_forms if c["name"] == NOTE), None),
        "message_form": next((c["form"] for c in command_forms if c["name"] == MESSAGE), None),
        "route": route,
        "mediator_suggestions": mediator_suggestions,
        "suggest_organization_id": target.pk if target is not None else None,
        "may_assign": Command.ASSIGN in offered,
        "conflict": conflict,
        "now": now,
        "soon": now + selectors.DUE_SOON,
        "is_final": matter.status in FINAL_STATUSES,
        "sections": sections.by_place(sections.render_sections(request, matter, "staff")),
    }


@require_GET
@staff_matters_page
def matter_detail(request: HttpRequest, code: str) -> HttpResponse:
    matter = matter_for(request, code)
    return render(request, "matters/staff/detail.html", detail_context(request, matter))


@require_POST
@staff_matters_page
def matter_command(request: HttpRequest, code: str, command: str) -> HttpResponse:
    """Give one command to the matter; errors re-render the page, success redirects back to it."""
    matter = matter_for(request, code)
    if command not in COMMANDS:
        raise NotFound
    form = _make_form(request, command, matter, data=request.POST)
    if form.is_valid():
        try:
            message = COMMANDS[command].run(matter, _user(request), form.cleaned_data)
        except (IllegalTransition, StaleMatter) as exc:
            return _conflict(request, code, command, str(exc.message))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect(detail_url(matter))
    matter = matter_for(request, code)
    context = detail_context(request, matter, bound=(command, form))
    return render(request, "matters/staff/detail.html", context, status=422)


def _conflict(request: HttpRequest, code: str, command: str, message: str) -> HttpResponse:
    """Show the matter as it is now (409), keeping what was typed, on the current version, for a second look."""
    matter = matter_for(request, code)
    bound = None
    if command in _offered(request, matter):
        data = request.POST.copy()
        data["expected_version"] = str(matter.version)
        form = _make_form(request, command, matter, data=data)
        form.is_valid()
        bound = (command, form)
    context = detail_context(request, matter, bound=bound, conflict=message)
    return render(request, "matters/staff/detail.html", context, status=409)


@require_POST
@staff_matters_page
def party_reveal(request: HttpRequest, code: str, party_id: int) -> HttpResponse:
    """Reveal a party's phone or ID number once, with a reason; the service writes the audit event first."""
    matter = matter_for(request, code)
    party = next((p for p in matter.parties.all() if p.pk == party_id), None)
    if party is None:
        raise NotFound
    form = staff_forms.PartyRevealForm(request.POST)
    value = None
    if form.is_valid():
        try:
            value = services.party_reveal_field(
                actor=_user(request),
                party_id=party.pk,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
    elif not access.may_act(request.user, matter, REVEAL_ROLES):
        raise Forbidden(_("Your role does not allow revealing personal data."))
    posted = str(form.data.get("field", ""))
    items = _reveal_items(party, posted, form, value)
    if request.htmx:  # type: ignore[attr-defined]
        item = next((i for i in items if i["name"] == posted), None)
        if item is None:
            raise NotFound
        # htmx swaps only 2xx answers, so a form with errors comes back as 200.
        return render(
            request,
            "matters/staff/_party_reveal.html",
            {"matter": matter, "party": party, "item": item, "can_reveal": True},
        )
    context = detail_context(request, matter, reveal=(party.pk, items))
    return render(request, "matters/staff/detail.html", context, status=200 if value is not None else 422)


# --- Intake ---------------------------------------------------------------------------------------------

# Service error keys of the applicant (always parties[0]) and the form fields they belong to.
APPLICANT_FIELDS = {"name": "applicant_name", "phone": "applicant_phone", "id_number": "applicant_id_number"}


def _intake_forms(
    request: HttpRequest, data: QueryDict | None = None, files: Any = None
) -> tuple[staff_forms.StaffIntakeForm, Any]:
    form = staff_forms.StaffIntakeForm(data, files, actor=request.user, roles=access.ENTRY_ROLES)
    respondents = staff_forms.RespondentFormSet(data, prefix="respondents")
    return form, respondents


def _intake_parties(
    form: staff_forms.StaffIntakeForm, respondents: Any
) -> tuple[list[PartyInput], list[int]]:
    """Return the parties to file and, for each respondent among them, the index of its form."""
    data = form.cleaned_data
    parties = [
        PartyInput(
            role=PartyRole.APPLICANT,
            name=data["applicant_name"],
            phone=data["applicant_phone"],
            id_number=data["applicant_id_number"],
        )
    ]
    form_index = []
    for index, respondent in enumerate(respondents.forms):
        values = respondent.cleaned_data
        if not values or not values.get("name"):
            continue
        parties.append(
            PartyInput(
                role=PartyRole.RESPONDENT,
                kind=values["kind"],
                name=values["name"],
                phone=values.get("phone", ""),
                address=values.get("address", ""),
            )
        )
        form_index.append(index)
    return parties, form_index


def _intake_errors(
    form: staff_forms.StaffIntakeForm, respondents: Any, form_index: list[int], exc: ValidationError
) -> list[str]:
    """Put the service's errors on the intake form and respondent forms; return those about the parties."""
    party_errors: list[str] = []
    for key, errors in exc.message_dict.items():
        if key.startswith("parties[") and "]." in key:
            position, _sep, field = key[len("parties[") :].partition("].")
            index = int(position)
            if index == 0:
                form.add_error(APPLICANT_FIELDS.get(field), errors)
            else:
                target = respondents.forms[form_index[index - 1]]
                target.add_error(field if field in target.fields else None, errors)
        elif key == "parties":
            party_errors.extend(errors)
        else:
            form.add_error(key if key in form.fields else None, errors)
    return party_errors


@require_http_methods(["GET", "POST"])
@staff_matters_page
def matter_new(request: HttpRequest) -> HttpResponse:
    """Enter a matter for a citizen who came to the window, called, wrote, or was met on a field visit."""
    actor = _user(request)
    if not scope_for(actor).has_role(*access.ENTRY_ROLES):
        raise Forbidden(_("Your role does not enter matters for citizens."))
    party_errors: list[str] = []
    if request.method == "POST":
        form, respondents = _intake_forms(request, request.POST, request.FILES)
        if form.is_valid() and respondents.is_valid():
            data = form.cleaned_data
            parties, form_index = _intake_parties(form, respondents)
            started = timezone.now()
            try:
                # The matter and its attachments are received together, or neither is.
                with documents.stored_files_guard(), transaction.atomic():
                    matter = _intake_receive(data, parties, actor)
                    # A repeated send returns the matter received the first time, with its files.
                    if data["attachments"] and matter.created_at >= started:
                        documents.documents_add(
                            matter=matter,
                            actor=actor,
                            uploads=data["attachments"],
                            kind=DocumentKind.EVIDENCE,
                        )
            except ValidationError as exc:
                party_errors = _intake_errors(form, respondents, form_index, as_attachment_errors(exc))
            else:
                messages.success(
                    request,
                    _("Matter received. Give the citizen the tracking code %(code)s.")
                    % {"code": matter.display_code},
                )
                return redirect(detail_url(matter))
        status = 422
    else:
        form, respondents = _intake_forms(request)
        status = 200
    context = {
        "form": form,
        "respondents": respondents,
        "party_errors": party_errors,
        "dispute_kind": MatterKind.DISPUTE,
    }
    return render(request, "matters/staff/new.html", context, status=status)


def _intake_receive(data: dict[str, Any], parties: list[PartyInput], actor: User) -> Matter:
    return services.matter_receive(
        kind=data["kind"],
        channel=data["channel"],
        title=data["title"],
        description=data["description"],
        desired_outcome=data["desired_outcome"],
        occurred_on=data["occurred_on"],
        region=data["place"],
        address_text=data["address_text"],
        category=data["category"],
        parties=parties,
        actor=actor,
        owner=None,
        privacy_consent=data["privacy_notice_read"],
        agent_consent=data["agent_consent"],
        idempotency_key=data["idempotency_key"],
    )


@require_GET
@staff_matters_page
def region_villages(request: HttpRequest) -> HttpResponse:
    """Return the village select for the township chosen on the intake form (htmx)."""
    form = staff_forms.StaffIntakeForm(
        actor=request.user, roles=access.ENTRY_ROLES, initial=request.GET.dict()
    )
    return render(request, "matters/staff/_village_field.html", {"form": form})


urlpatterns = [
    path("staff/matters/", queue, name="queue"),
    path("staff/matters/new/", matter_new, name="staff_new"),
    path("staff/matters/new/villages/", region_villages, name="staff_villages"),
    path("staff/matters/bulk-assign/", bulk_assign, name="staff_bulk_assign"),
    path("staff/matters/mediators/", mediator_options, name="staff_mediator_options"),
    path("staff/matters/badge/", nav_badge, name="staff_nav_badge"),
    path("staff/matters/<str:code>/", matter_detail, name="staff_detail"),
    path("staff/matters/<str:code>/parties/<int:party_id>/reveal/", party_reveal, name="staff_party_reveal"),
    path("staff/matters/<str:code>/<slug:command>/", matter_command, name="staff_command"),
]
