"""Citizen portal pages for matters: file, my matters, a matter's timeline, status check by code and phone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.exceptions import Ratelimited

from suyuan.accounts import signin
from suyuan.accounts.access import scope_for
from suyuan.accounts.pages import page
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.core.identifiers import PHONE, hash_identifier
from suyuan.matters import access, codes, documents, sections, selectors, services
from suyuan.matters.choices import (
    OPEN_STATUSES,
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
from suyuan.matters.portal_forms import (
    KIND_HINTS,
    MAX_RESPONDENTS,
    FileMatterForm,
    MessageForm,
    Place,
    TrackForm,
    WithdrawForm,
    picker_values,
    posted_initial,
    posted_respondents,
    respondent_formset,
)
from suyuan.matters.services import PartyInput, StaleMatter
from suyuan.matters.transitions import IllegalTransition
from suyuan.regions.models import Region

CITIZEN_LOGIN = "accounts:citizen_login"
PAGE_SIZE = 20

# Status checks without an account: per address, and per code whatever address asks.
TRACK_RATE_PER_IP = "10/m"
TRACK_RATE_PER_CODE = "5/m"
# Filing sends a text message each time: a person files a few matters, not dozens.
FILE_RATE_PER_USER = "20/h"

TRACK_MISS = gettext_lazy("We could not find a matter with this code and phone number.")

View = Callable[..., HttpResponse]


# --- What each status means to the person who brought the matter ----------------------------------------

STATUS_TEXT: dict[str, tuple[Any, Any]] = {
    MatterStatus.SUBMITTED: (
        gettext_lazy("Received — waiting to be accepted"),
        gettext_lazy(
            "We have your matter. The dispute resolution centre reads it and decides who should handle it. "
            "You do not need to do anything now; we will send you a text message when it is accepted."
        ),
    ),
    MatterStatus.ACCEPTED: (
        gettext_lazy("Accepted"),
        gettext_lazy(
            "The organisation below has taken on your matter and is choosing a mediator for it. "
            "The mediator will then contact you."
        ),
    ),
    MatterStatus.ASSIGNED: (
        gettext_lazy("A mediator will contact you"),
        gettext_lazy(
            "A mediator has been named for your matter. They will call you to arrange a time to talk, with "
            "the other side too. Please keep your phone on."
        ),
    ),
    MatterStatus.IN_MEDIATION: (
        gettext_lazy("Mediation is under way"),
        gettext_lazy(
            "The mediator is helping both sides to find an agreement. If you have something to add, write a "
            "message below or call your mediator."
        ),
    ),
    MatterStatus.RESOLVED: (
        gettext_lazy("Agreement reached"),
        gettext_lazy(
            "The two sides agreed; the terms are in the timeline below. The mediator may check later that "
            "the agreement is kept. If the other side does not keep it, you can ask the court to confirm "
            "the agreement."
        ),
    ),
    MatterStatus.UNRESOLVED: (
        gettext_lazy("Mediation did not settle it"),
        gettext_lazy(
            "The two sides could not agree. The timeline below says what you can do next, for example "
            "arbitration or the court. You can also ask the centre for advice."
        ),
    ),
    MatterStatus.IN_COURT: (
        gettext_lazy("Before the court"),
        gettext_lazy(
            "Your matter is now with the people's court. The court section below says where the case stands, "
            "by when the court acts, and what you can do."
        ),
    ),
    MatterStatus.DECLINED: (
        gettext_lazy("Not accepted"),
        gettext_lazy(
            "The centre could not take on this matter. The reason is in the timeline below, often with the "
            "office that can help you instead."
        ),
    ),
    MatterStatus.MERGED: (
        gettext_lazy("Joined with another matter"),
        gettext_lazy(
            "The same problem had already been brought to us, so both are handled together under the other "
            "matter's tracking code. Follow that matter from now on."
        ),
    ),
    MatterStatus.WITHDRAWN: (
        gettext_lazy("Withdrawn"),
        gettext_lazy(
            "This matter was withdrawn and nothing more will be done. You can file a new one at any time."
        ),
    ),
    MatterStatus.CLOSED: (
        gettext_lazy("Closed"),
        gettext_lazy("All work on this matter is finished. Thank you for talking it through."),
    ),
}

STATUS_TONE: dict[str, str] = {
    MatterStatus.RESOLVED: "ok",
    MatterStatus.CLOSED: "ok",
    MatterStatus.DECLINED: "warn",
    MatterStatus.UNRESOLVED: "warn",
    MatterStatus.MERGED: "plain",
    MatterStatus.WITHDRAWN: "plain",
}

ROUTE_TEXT = {
    FailureRoute.ARBITRATION: gettext_lazy("arbitration"),
    FailureRoute.COURT: gettext_lazy("the court"),
    FailureRoute.ADMINISTRATIVE: gettext_lazy("an administrative office"),
    FailureRoute.GUIDANCE: gettext_lazy("no further step; advice was given"),
}


def status_info(matter: Matter) -> dict[str, Any]:
    title, explanation = STATUS_TEXT[matter.status]
    return {
        "title": title,
        "explanation": explanation,
        "tone": STATUS_TONE.get(matter.status, "open"),
        "is_open": matter.status in OPEN_STATUSES,
        "is_late": matter.status in OPEN_STATUSES
        and matter.due_at is not None
        and matter.due_at < timezone.now(),
    }


def _when(data: dict[str, Any]) -> str:
    """Return the local date and time of a session event's ``starts_at``, or ""."""
    try:
        moment = dt.datetime.fromisoformat(str(data.get("starts_at", "")))
    except ValueError:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _event_title(event: MatterEvent) -> str:
    data = event.data or {}
    match event.kind:
        case EventKind.RECEIVED:
            if data.get("channel") == Channel.PORTAL:
                return _("Matter filed online")
            return _("Matter received")
        case EventKind.ACCEPTED:
            if data.get("organization"):
                return _("Accepted by %(org)s") % {"org": data["organization"]}
            return _("Accepted")
        case EventKind.DECLINED:
            return _("Not accepted")
        case EventKind.MERGED:
            return _("Joined with matter %(code)s") % {"code": data.get("into", "")}
        case EventKind.ASSIGNED:
            if data.get("mediator"):
                return _("Mediator named: %(name)s, %(org)s") % {
                    "name": data["mediator"],
                    "org": data.get("organization", ""),
                }
            return _("Handed to %(org)s") % {"org": data.get("organization", "")}
        case EventKind.ESCALATED:
            return _("Passed on to %(org)s") % {"org": data.get("to", "")}
        case EventKind.MEDIATION_STARTED:
            return _("Mediation started")
        case EventKind.AGREEMENT_RECORDED:
            return _("Agreement reached")
        case EventKind.FAILURE_RECORDED:
            route = ROUTE_TEXT.get(data.get("route", ""), "")
            if route:
                return _("Mediation did not settle it. Next step: %(route)s") % {"route": route}
            return _("Mediation did not settle it")
        case EventKind.WITHDRAWN:
            return _("Withdrawn")
        case EventKind.CLOSED:
            return _("Closed")
        case EventKind.MESSAGE:
            return _("Message")
        case EventKind.SESSION_SCHEDULED | EventKind.SESSION_CHANGED if _when(data):
            return _("Mediation session on %(when)s") % {"when": _when(data)}
        case EventKind.SESSION_CANCELLED if _when(data):
            return _("The mediation session of %(when)s is cancelled") % {"when": _when(data)}
        case EventKind.AGREEMENT_CONFIRMED if data.get("party"):
            return _("%(party)s confirmed the agreement") % {"party": data["party"]}
        case EventKind.MEDIATION_EXTENDED if data.get("days"):
            return _("Mediation period extended by %(days)s days") % {"days": data["days"]}
    return str(EventKind(event.kind).label) if event.kind in EventKind.values else event.kind


def timeline(actor: Any, matter: Matter) -> list[dict[str, Any]]:
    """Return the matter's public events for the actor, each with a plain title and, for a merge, a link."""
    items = []
    events = access.events_visible_to(actor, matter).filter(visibility=Visibility.PUBLIC)
    for event in events:
        link = ""
        if event.kind == EventKind.MERGED and matter.merged_into_id:
            try:
                into = access.access_matter(actor, matter.merged_into_id)
            except NotFound:
                pass
            else:
                link = reverse("matters:matter", kwargs={"code": into.display_code})
        items.append({"event": event, "title": _event_title(event), "link": link})
    return items


def merged_url(items: list[dict[str, Any]]) -> str:
    """Return the link to the matter this one was merged into, if the timeline has one for the viewer."""
    return next((item["link"] for item in items if item["link"]), "")


# --- Helpers ---------------------------------------------------------------------------------------------


# Sign-in required (citizens sign in with their phone); access errors become 404 and 403.
citizen_page = page(login_url=CITIZEN_LOGIN)


def matter_by_code(request: HttpRequest, code: str) -> Matter:
    """Return the viewer's matter with this tracking code (as typed or shown), else raise ``NotFound``."""
    return access.matter_for_code(request.user, code)


def _rate_limited(request: HttpRequest, *, reason: str) -> HttpResponse:
    signin.record_rate_limited(request=request, reason=reason)
    view = import_string(settings.RATELIMIT_VIEW)
    return view(request, Ratelimited())


# --- Filing ----------------------------------------------------------------------------------------------


def _render_file(
    request: HttpRequest, form: FileMatterForm, formset: Any, *, understood: Place | None = None
) -> HttpResponse:
    context = {
        "form": form,
        "formset": formset,
        "kind_options": [(radio, KIND_HINTS.get(radio.data["value"], "")) for radio in form["kind"]],
        "understood": understood,
        "candidates": form.candidates,
        "can_add_respondent": len(formset.forms) < formset.max_num,
    }
    return render(request, "matters/portal/file.html", context)


def _redisplay(request: HttpRequest, *, picked: str = "", add_respondent: bool = False) -> HttpResponse:
    """Show the posted form again without checking it: after a list update, a chosen place, a new block."""
    initial = posted_initial(request.POST)
    if picked:
        initial.update(picker_values(picked))
    respondents = posted_respondents(request.POST)
    if add_respondent:
        respondents.append({"kind": "person"})
    formset = respondent_formset(initial=respondents[:MAX_RESPONDENTS])
    return _render_file(request, FileMatterForm(initial=initial), formset)


def _apply_service_errors(exc: ValidationError, form: FileMatterForm, formset: Any, used: list[Any]) -> None:
    """Show the service's refusals next to the fields they concern."""
    direct = {
        "kind", "title", "description", "desired_outcome", "occurred_on", "privacy_consent", "category",
        "attachments",
    }  # fmt: skip
    renamed = {"address_text": "address", "region": "county"}
    applicant = {"name": "applicant_name", "phone": "applicant_phone"}
    for key, errors in exc.message_dict.items():
        if key in direct or key in renamed:
            form.add_error(renamed.get(key, key), errors)
        elif key == "parties" and used:
            used[0].add_error("name", errors)
        elif key.startswith("parties["):
            index = int(key[len("parties[") : key.index("]")])
            field = key.rsplit(".", 1)[-1]
            if index == 0 and field in applicant:
                form.add_error(applicant[field], errors)
            elif 0 < index <= len(used) and field in used[index - 1].fields:
                used[index - 1].add_error(field, errors)
            else:
                form.add_error(None, errors)
        else:
            form.add_error(None, errors)


@never_cache
@citizen_page
@require_http_methods(["GET", "HEAD", "POST"])
def file_matter(request: HttpRequest) -> HttpResponse:
    """Take a new matter from a signed-in citizen: one page, one final "send"."""
    user: Any = request.user
    if request.method != "POST":
        form = FileMatterForm(initial=FileMatterForm.initial_for(user))
        return _render_file(request, form, respondent_formset())

    action = request.POST.get("action", "send")
    picked = request.POST.get("pick", "")
    if picked:
        return _redisplay(request, picked=picked if picked.isdigit() and len(picked) in (6, 9, 12) else "")
    if action == "refresh":
        return _redisplay(request)
    if action == "add_respondent":
        return _redisplay(request, add_respondent=True)

    form = FileMatterForm(request.POST, request.FILES)
    formset = respondent_formset(request.POST)
    form_ok = form.is_valid()
    formset_ok = formset.is_valid()
    if form.cleaned_data.get("kind") == MatterKind.DISPUTE and formset_ok and not formset.filled_forms():
        formset.forms[0].add_error("name", _("For a dispute, tell us who the other side is."))
        formset_ok = False
    if form_ok and formset_ok and form.understood is not None:
        # The lists were empty and the address names a place: fill the lists and ask before sending.
        posted = request.POST.copy()
        for name, value in picker_values(form.understood.code).items():
            posted[name] = value
        return _render_file(request, FileMatterForm(posted), formset, understood=form.understood)
    if not (form_ok and formset_ok) or form.region is None:
        return _render_file(request, form, formset)

    if is_ratelimited(
        request,
        group="matters.portal.file",
        key="user",
        rate=FILE_RATE_PER_USER,
        method="POST",
        increment=True,
    ):
        return _rate_limited(request, reason="portal filing per user")

    data = form.cleaned_data
    used = formset.filled_forms()
    parties = [
        PartyInput(role=PartyRole.APPLICANT, name=data["applicant_name"], phone=data["applicant_phone"])
    ]
    parties += [
        PartyInput(
            role=PartyRole.RESPONDENT,
            kind=r.cleaned_data["kind"],
            name=r.cleaned_data["name"],
            phone=r.cleaned_data["phone"],
            address=r.cleaned_data["address"],
        )
        for r in used
    ]
    if not used and formset.forms:
        used = [formset.forms[0]]  # where "name the other side" is shown
    started = timezone.now()
    try:
        # The matter and its attachments are filed together, or neither is.
        with documents.stored_files_guard(), transaction.atomic():
            matter = _receive(request, form, parties, form.region)
            # A repeated send returns the matter filed the first time, with its files.
            if data["attachments"] and matter.created_at >= started:
                documents.documents_add(
                    matter=matter, actor=user, uploads=data["attachments"], kind=DocumentKind.EVIDENCE
                )
    except ValidationError as exc:
        _apply_service_errors(as_attachment_errors(exc), form, formset, used)
        return _render_file(request, form, formset)
    return redirect("matters:filed", code=matter.display_code)


def _receive(request: HttpRequest, form: FileMatterForm, parties: list[PartyInput], region: Region) -> Matter:
    data = form.cleaned_data
    user: Any = request.user
    return services.matter_receive(
        kind=data["kind"],
        channel=Channel.PORTAL,
        title=data["title"],
        description=data["description"],
        desired_outcome=data["desired_outcome"],
        occurred_on=data["occurred_on"],
        region=region,
        address_text=data["address"],
        category=data["category"],
        parties=parties,
        actor=user,
        owner=user,
        privacy_consent=data["privacy_consent"],
        idempotency_key=data["token"],
    )


@never_cache
@citizen_page
def filed(request: HttpRequest, code: str) -> HttpResponse:
    """Show the new matter's tracking code, big, and what happens next."""
    matter = matter_by_code(request, code)
    applicant = matter.parties.filter(role=PartyRole.APPLICANT).first()
    return render(
        request,
        "matters/portal/filed.html",
        {"matter": matter, "phone_masked": applicant.phone_masked if applicant else ""},
    )


# --- My matters and one matter --------------------------------------------------------------------------


@citizen_page
def my_matters(request: HttpRequest) -> HttpResponse:
    matters = selectors.matter_list(actor=request.user, queue=selectors.Queue.ALL)
    if scope_for(request.user).is_staff:
        # Staff work with matters in the workbench; here they see what they brought as a person.
        matters = matters.filter(owner_id=request.user.pk)
    page = Paginator(matters, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{"matter": m, "status": status_info(m)} for m in page.object_list]
    return render(request, "matters/portal/mine.html", {"page": page, "items": items})


def matter_context(request: HttpRequest, matter: Matter, **extra: Any) -> dict[str, Any]:
    info = status_info(matter)
    can_withdraw = info["is_open"] and access.is_owner(request.user, matter)
    items = timeline(request.user, matter)
    context = {
        "matter": matter,
        "status": info,
        "timeline": items,
        "merged_url": merged_url(items),
        "category_label": matter.category.label(get_language()) if matter.category else "",
        "respondents": [p for p in matter.parties.all() if p.role == PartyRole.RESPONDENT],
        "message_form": MessageForm() if info["is_open"] else None,
        "withdraw_form": WithdrawForm(initial={"version": matter.version}) if can_withdraw else None,
        "sections": sections.by_place(sections.render_sections(request, matter, "portal")),
    }
    context.update(extra)
    return context


@never_cache
@citizen_page
def matter_page(request: HttpRequest, code: str) -> HttpResponse:
    matter = matter_by_code(request, code)
    return render(request, "matters/portal/matter.html", matter_context(request, matter))


@require_POST
@citizen_page
def matter_message(request: HttpRequest, code: str) -> HttpResponse:
    matter = matter_by_code(request, code)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.matter_post_message(matter=matter, actor=request.user, text=form.cleaned_data["text"])  # type: ignore[arg-type]
        except ValidationError as exc:
            form.add_error("text", exc.message_dict.get("text", exc.messages))
        else:
            messages.success(request, _("Your message was sent."))
            return redirect(reverse("matters:matter", kwargs={"code": matter.display_code}) + "#timeline")
    context = matter_context(request, matter)
    if context["message_form"] is not None:
        context["message_form"] = form
    else:
        messages.error(request, " ".join(str(e) for e in form.errors.get("text", [])))
    return render(request, "matters/portal/matter.html", context)


@require_POST
@citizen_page
def matter_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    matter = matter_by_code(request, code)
    url = reverse("matters:matter", kwargs={"code": matter.display_code})
    if not access.is_owner(request.user, matter):
        raise Forbidden
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return render(
            request, "matters/portal/matter.html", matter_context(request, matter, withdraw_form=form)
        )
    try:
        services.matter_withdraw(
            matter=matter,
            actor=request.user,  # type: ignore[arg-type]
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleMatter as exc:
        messages.error(request, str(exc.message))
    except IllegalTransition:
        messages.error(request, _("This matter can no longer be withdrawn."))
    else:
        messages.success(request, _("Your matter was withdrawn."))
    return redirect(url)


# --- Status check without an account --------------------------------------------------------------------


def _code_key(group: str, request: HttpRequest) -> str:
    raw = str(request.POST.get("code", ""))
    try:
        return codes.normalize(raw)
    except ValidationError:
        return "".join(raw.split()).upper()[:40]


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Show a matter's status and public timeline to whoever has its code and the applicant's phone."""
    if request.method != "POST":
        return render(request, "matters/portal/track.html", {"form": TrackForm()})
    if is_ratelimited(
        request,
        group="matters.portal.track.ip",
        key="ip",
        rate=TRACK_RATE_PER_IP,
        method="POST",
        increment=True,
    ):
        return _rate_limited(request, reason="matter status check per address")
    if is_ratelimited(
        request,
        group="matters.portal.track.code",
        key=_code_key,
        rate=TRACK_RATE_PER_CODE,
        method="POST",
        increment=True,
    ):
        return _rate_limited(request, reason="matter status check per code")

    form = TrackForm(request.POST)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        matter = None
        try:
            compact = codes.normalize(form.cleaned_data["code"])
        except ValidationError:
            compact = ""
        if compact:
            matter = selectors.matter_lookup_by_code_and_phone(
                tracking_code=compact, phone_hash=hash_identifier(PHONE, form.cleaned_data["phone"])
            )
        if matter is None:
            form.add_error(None, TRACK_MISS)
        else:
            items = timeline(request.user, matter)
            context.update(
                matter=matter, status=status_info(matter), timeline=items, merged_url=merged_url(items)
            )
    return render(request, "matters/portal/track.html", context)


urlpatterns: list[URLPattern] = [
    path("matters/file/", file_matter, name="file"),
    path("matters/mine/", my_matters, name="mine"),
    path("matters/<str:code>/", matter_page, name="matter"),
    path("matters/<str:code>/filed/", filed, name="filed"),
    path("matters/<str:code>/message/", matter_message, name="message"),
    path("matters/<str:code>/withdraw/", matter_withdraw, name="withdraw"),
    path("track/", track, name="track"),
]
