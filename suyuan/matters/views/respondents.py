"""The other side's pages: the public answer page behind the invitation link, the staff's invitation
section and button on the matter page, the grid workers' task list, and the applicant's section."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from suyuan.accounts import signin
from suyuan.accounts.access import scope_for
from suyuan.accounts.choices import Role
from suyuan.accounts.models import User
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.matters import access, respondents, sections
from suyuan.matters.choices import (
    DayPart,
    FieldTaskOutcome,
    FieldTaskStatus,
    InvitationStatus,
    PartyRole,
)
from suyuan.matters.models import Matter, RespondentInvitation
from suyuan.matters.views.staff import matter_for, staff_matters_page

# The answer page: every visit per address; wrong links per address (nothing to enumerate: tokens are long,
# but a wrong link costs more); answers and messages per link (each one texts the handler).
RESPOND_RATE_PER_IP = "60/m"
RESPOND_MISS_RATE_PER_IP = "10/m"
RESPOND_POST_RATE_PER_LINK = "10/h"
TASK_PAGE_LIMIT = 200


def _rate_limited(request: HttpRequest, *, reason: str) -> HttpResponse:
    signin.record_rate_limited(request=request, reason=reason)
    view = import_string(settings.RATELIMIT_VIEW)
    return view(request, Ratelimited())


def _invalid(request: HttpRequest) -> HttpResponse:
    """The one answer to every wrong, expired or replaced link: it says nothing about which."""
    return render(request, "matters/respond/invalid.html", status=404)


# --- Forms ------------------------------------------------------------------------------------------------


class AnswerForm(forms.Form):
    """Agree or decline, up to three times that suit, and a message: one page, plain words."""

    decision = forms.ChoiceField(
        label=gettext_lazy("Do you agree to talk it through with a mediator?"),
        choices=[
            ("accept", gettext_lazy("Yes, I agree to mediation")),
            ("decline", gettext_lazy("No, I do not want mediation")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Please choose yes or no.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("If not, why? (a few words are enough)"),
        required=False,
        max_length=respondents.MAX_REPLY,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reply = forms.CharField(
        label=gettext_lazy("Anything you want to tell the mediator (optional)"),
        required=False,
        max_length=respondents.MAX_REPLY,
        widget=forms.Textarea(attrs={"rows": 4, "data-testid": "respond-reply"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        for index in range(1, respondents.MAX_PROPOSED_TIMES + 1):
            self.fields[f"date_{index}"] = forms.DateField(
                label=gettext_lazy("Day"),
                required=False,
                widget=forms.DateInput(
                    attrs={
                        "type": "date",
                        "min": today.isoformat(),
                        "max": (today + dt.timedelta(days=respondents.PROPOSE_DAYS_AHEAD)).isoformat(),
                        "data-testid": f"respond-date-{index}",
                    }
                ),
            )
            self.fields[f"part_{index}"] = forms.ChoiceField(
                label=gettext_lazy("Time of day"),
                required=False,
                choices=[("", "—"), *DayPart.choices],
                widget=forms.Select(attrs={"data-testid": f"respond-part-{index}"}),
            )

    def time_rows(self) -> list[tuple[int, Any, Any]]:
        return [
            (i, self[f"date_{i}"], self[f"part_{i}"]) for i in range(1, respondents.MAX_PROPOSED_TIMES + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        times = []
        for index in range(1, respondents.MAX_PROPOSED_TIMES + 1):
            day, part = data.get(f"date_{index}"), data.get(f"part_{index}")
            if day and not part:
                self.add_error(f"part_{index}", _("Choose morning, afternoon or evening."))
            elif part and not day:
                self.add_error(f"date_{index}", _("Choose the day."))
            elif day and part:
                times.append(respondents.ProposedTime(day, part))
        data["times"] = times
        if data.get("decision") == "decline" and len((data.get("reason") or "").strip()) < 2:
            self.add_error("reason", _("Please tell us briefly why you do not want mediation."))
        return data


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=gettext_lazy("Write to the mediator"),
        max_length=respondents.MAX_REPLY,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Write your message.")},
    )


class TaskOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("What happened"),
        choices=[("", "—"), *FieldTaskOutcome.choices],
        error_messages={"required": gettext_lazy("Choose what happened on the visit.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=respondents.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        form.add_error(key if key in form.fields else None, errors)


# --- The answer page behind the link ----------------------------------------------------------------------


def _respond_context(invitation: RespondentInvitation, **extra: Any) -> dict[str, Any]:
    matter = invitation.matter
    applicant = matter.parties.filter(role=PartyRole.APPLICANT).first()
    context = {
        "invitation": invitation,
        "matter": matter,
        "party": invitation.party,
        "applicant_name": applicant.name if applicant else "",
        "organization": matter.organization,
        "mediator": matter.mediator,
        "proposed": [
            {"date": dt.date.fromisoformat(t["date"]), "part": DayPart(t["part"]).label}
            for t in invitation.proposed_times
        ],
        "is_open": matter.status in respondents.INVITABLE_STATUSES,
        "answered": invitation.is_answered,
    }
    context.update(extra)
    return context


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    """Show the respondent what is claimed and take their answer; every bad link gets the same page."""
    if is_ratelimited(
        request, group="matters.respond.ip", key="ip", rate=RESPOND_RATE_PER_IP, method=ALL, increment=True
    ) or is_ratelimited(
        request,
        group="matters.respond.miss",
        key="ip",
        rate=RESPOND_MISS_RATE_PER_IP,
        method=ALL,
        increment=False,
    ):
        return _rate_limited(request, reason="respondent link per address")
    try:
        invitation = respondents.invitation_for_token(token)
    except respondents.InvalidLink:
        is_ratelimited(
            request,
            group="matters.respond.miss",
            key="ip",
            rate=RESPOND_MISS_RATE_PER_IP,
            method=ALL,
            increment=True,
        )
        return _invalid(request)

    answer_form: AnswerForm | None = None
    reply_form: ReplyForm | None = None
    status = 200
    if request.method == "POST":
        if is_ratelimited(
            request,
            group="matters.respond.link",
            key=lambda _group, _request: invitation.token_hash,
            rate=RESPOND_POST_RATE_PER_LINK,
            method="POST",
            increment=True,
        ):
            return _rate_limited(request, reason="respondent answers per link")
        if request.POST.get("action") == "reply":
            reply_form = ReplyForm(request.POST)
            if reply_form.is_valid():
                try:
                    respondents.invitation_reply(token=token, text=reply_form.cleaned_data["reply"])
                except respondents.InvalidLink:
                    return _invalid(request)
                except ValidationError as exc:
                    _add_errors(reply_form, exc)
                else:
                    messages.success(request, _("Thank you. Your message was sent to the mediator."))
                    return redirect("matters:respond", token=token)
        elif not invitation.is_answered:
            answer_form = AnswerForm(request.POST)
            if answer_form.is_valid():
                data = answer_form.cleaned_data
                try:
                    respondents.invitation_respond(
                        token=token,
                        accept=data["decision"] == "accept",
                        proposed_times=data["times"],
                        reply=data["reply"],
                        reason=data["reason"],
                    )
                except respondents.InvalidLink:
                    return _invalid(request)
                except ValidationError as exc:
                    _add_errors(answer_form, exc)
                else:
                    messages.success(request, _("Thank you. Your answer was sent."))
                    return redirect("matters:respond", token=token)
        status = 422
        invitation = respondents.invitation_for_token(token)
    if answer_form is None and not invitation.is_answered:
        answer_form = AnswerForm()
    if reply_form is None:
        reply_form = ReplyForm()
    context = _respond_context(invitation, answer_form=answer_form, reply_form=reply_form)
    return render(request, "matters/respond/page.html", context, status=status)


# --- Staff: invite from the matter page -------------------------------------------------------------------


@require_POST
@staff_matters_page
def invite(request: HttpRequest, code: str, party_id: int) -> HttpResponse:
    """Send (or send again) the invitation to one respondent of the matter."""
    matter = matter_for(request, code)
    party = next((p for p in matter.parties.all() if p.pk == party_id), None)
    if party is None or party.role != PartyRole.RESPONDENT:
        raise NotFound
    url = reverse("matters:staff_detail", kwargs={"code": matter.display_code}) + "#respondents"
    try:
        respondents.respondent_invite(matter=matter, party=party, actor=cast(User, request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The invitation was sent to %(name)s by text message.") % {"name": party.name}
        )
    return redirect(url)


# --- Staff: the grid workers' tasks -----------------------------------------------------------------------


def _require_worker(request: HttpRequest) -> None:
    scope = scope_for(request.user)
    if not (scope.is_platform_operator or Role.GRID_WORKER in scope.roles):
        raise Forbidden(_("The task list is for grid workers."))


def _task_context(
    request: HttpRequest, *, bound: tuple[int, TaskOutcomeForm] | None = None
) -> dict[str, Any]:
    tasks = list(
        respondents.field_tasks_for_worker(request.user)
        .filter(status=FieldTaskStatus.OPEN)
        .order_by("organization__name", "due_at", "pk")[:TASK_PAGE_LIMIT]
    )
    now = timezone.now()
    groups: dict[int, dict[str, Any]] = {}
    for task in tasks:
        form = (
            bound[1]
            if bound is not None and bound[0] == task.pk
            else TaskOutcomeForm(auto_id=f"task{task.pk}-%s")
        )
        group = groups.setdefault(task.organization_id, {"organization": task.organization, "items": []})
        group["items"].append(
            {"task": task, "form": form, "overdue": task.due_at is not None and task.due_at < now}
        )
    return {"groups": list(groups.values()), "count": len(tasks), "now": now}


@require_GET
@staff_matters_page
def task_list(request: HttpRequest) -> HttpResponse:
    """The open tasks of the grid worker's organisations: who to visit, where, and by when."""
    _require_worker(request)
    return render(request, "matters/staff/tasks.html", _task_context(request))


@require_POST
@staff_matters_page
def task_complete(request: HttpRequest, task_id: int) -> HttpResponse:
    """Report a visit's outcome; errors re-render the list with the form, success goes back to it."""
    task = respondents.access_field_task(request.user, task_id)
    form = TaskOutcomeForm(request.POST, auto_id=f"task{task.pk}-%s")
    if form.is_valid():
        try:
            respondents.field_task_complete(
                task=task,
                actor=cast(User, request.user),
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Thank you. The visit was recorded."))
            nxt = request.POST.get("next", "")
            if nxt == "matter":
                return redirect(
                    reverse("matters:staff_detail", kwargs={"code": task.matter.display_code})
                    + "#respondents"
                )
            return redirect("matters:staff_tasks")
    if not (
        scope_for(request.user).is_platform_operator or Role.GRID_WORKER in scope_for(request.user).roles
    ):
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(
            reverse("matters:staff_detail", kwargs={"code": task.matter.display_code}) + "#respondents"
        )
    return render(
        request, "matters/staff/tasks.html", _task_context(request, bound=(task.pk, form)), status=422
    )


# --- Sections on the matter pages -------------------------------------------------------------------------


def staff_section(request: HttpRequest, matter: Matter) -> dict[str, Any] | None:
    """Each respondent: their invitations and answers, the invite button, and the grid workers' tasks."""
    people = [p for p in matter.parties.all() if p.role == PartyRole.RESPONDENT]
    if not people:
        return None
    invitations = respondents.invitations_of_matter(request.user, matter)
    tasks = respondents.field_tasks_of_matter(request.user, matter)
    can_invite = respondents.may_invite(request.user, matter)
    rows = []
    for party in people:
        own = [i for i in invitations if i.party_id == party.pk]
        latest = own[0] if own else None
        rows.append(
            {
                "party": party,
                "latest": latest,
                "earlier": own[1:],
                "proposed": [
                    {"date": dt.date.fromisoformat(t["date"]), "part": DayPart(t["part"]).label}
                    for t in (latest.proposed_times if latest else [])
                ],
                "tasks": [
                    {
                        "task": t,
                        "form": TaskOutcomeForm(auto_id=f"task{t.pk}-%s")
                        if t.status == FieldTaskStatus.OPEN and respondents.may_complete(request.user, t)
                        else None,
                    }
                    for t in tasks
                    if t.party_id == party.pk
                ],
                "can_invite": can_invite and bool(party.phone_hash),
                "waiting": latest is not None and latest.status in respondents.WAITING_STATUSES,
            }
        )
    return {"rows": rows, "can_invite": can_invite}


def portal_section(request: HttpRequest, matter: Matter) -> dict[str, Any] | None:
    """Tell the applicant whether the other side was invited, agreed or declined."""
    if not access.is_owner(request.user, matter):
        return None
    summary = respondents.answer_summary(matter)
    if not summary:
        return None
    items = [
        {
            "party": s["party"],
            "status": s["status"],
            "text": respondents.STATUS_FOR_APPLICANT[InvitationStatus(s["status"])],
        }
        for s in summary
    ]
    return {"items": items}


def register_sections() -> None:
    sections.register(
        sections.Section(
            key="respondents",
            audience="staff",
            template="matters/staff/_respondents.html",
            context=staff_section,
            order=20,
        )
    )
    sections.register(
        sections.Section(
            key="respondents",
            audience="portal",
            template="matters/portal/_respondents_status.html",
            context=portal_section,
            order=20,
        )
    )


urlpatterns: list[URLPattern] = [
    path("r/<str:token>/", respond, name="respond"),
    path("staff/tasks/", task_list, name="staff_tasks"),
    path("staff/tasks/<int:task_id>/complete/", task_complete, name="staff_task_complete"),
    path(
        "staff/matters/<str:code>/respondents/<int:party_id>/invite/",
        invite,
        name="staff_respondent_invite",
    ),
]
