"""The mediation sections of the matter pages (staff and portal), registered from ``MediationConfig.ready``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from suyuan.matters import access
from suyuan.matters.choices import MatterStatus
from suyuan.matters.models import Matter
from suyuan.matters.sections import Section, register
from suyuan.mediation import forms as mediation_forms
from suyuan.mediation import selectors
from suyuan.mediation.agreement_pdf import has_agreement
from suyuan.mediation.choices import AgreementStatus, ObligationStatus, SessionStatus
from suyuan.mediation.services import SESSION_STATUSES, party_acts_for

# A session still shows as "upcoming" to the parties for a while after it started.
UPCOMING_GRACE = dt.timedelta(hours=3)


def _bound(request: HttpRequest) -> dict[str, Any]:
    from suyuan.mediation.views import bound_forms

    return bound_forms(request)


def _obligation_items(request: HttpRequest, agreement: Any, *, may_report: bool) -> list[dict[str, Any]]:
    bound = _bound(request)
    today = timezone.localdate()
    reportable = may_report and agreement.status in (AgreementStatus.EFFECTIVE, AgreementStatus.BREACHED)
    items = []
    for obligation in agreement.obligations.all():
        form = None
        if reportable and obligation.status == ObligationStatus.PENDING:
            form = bound.get(f"report-{obligation.pk}") or mediation_forms.ObligationReportForm(
                prefix=f"o{obligation.pk}"
            )
        items.append(
            {
                "obligation": obligation,
                "overdue": obligation.status == ObligationStatus.PENDING and obligation.due_on < today,
                "due_now": obligation.due_on <= today,
                "report_form": form,
            }
        )
    return items


def staff_context(request: HttpRequest, matter: Matter) -> dict[str, Any] | None:
    """Sessions, the agreement form or the agreement with its confirmations and obligations."""
    can_mediate = access.may_act(request.user, matter, access.MEDIATION_ROLES)
    sessions = list(selectors.sessions_of(matter))
    agreement = selectors.agreement_of(matter)
    if not sessions and agreement is None and not (can_mediate and matter.status in SESSION_STATUSES):
        return None
    bound = _bound(request)
    session_items = []
    for session in sessions:
        item: dict[str, Any] = {"session": session}
        if can_mediate and session.status == SessionStatus.SCHEDULED:
            initial = {
                "starts_at": timezone.localtime(session.starts_at),
                "mode": session.mode,
                "place": session.place,
                "link": session.link,
            }
            item["forms"] = {
                action: bound.get(f"session-{session.pk}-{action}")
                or form_class(
                    prefix=f"s{session.pk}-{action}", initial=initial if action == "change" else None
                )
                for action, form_class in (
                    ("change", mediation_forms.SessionForm),
                    ("cancel", mediation_forms.SessionCancelForm),
                    ("record", mediation_forms.SessionRecordForm),
                )
            }
        elif can_mediate and session.status == SessionStatus.HELD:
            item["forms"] = {
                "record": bound.get(f"session-{session.pk}-record")
                or mediation_forms.SessionRecordForm(
                    prefix=f"s{session.pk}-record",
                    initial={"record": session.record, "attendees": session.attendees},
                )
            }
        session_items.append(item)
    context: dict[str, Any] = {
        "can_mediate": can_mediate,
        "sessions": session_items,
        "session_form": (bound.get("session") or mediation_forms.SessionForm(prefix="session"))
        if can_mediate and matter.status in SESSION_STATUSES
        else None,
        "agreement": agreement,
        "open": bool(bound),
        "extension": selectors.extension_of(matter),
    }
    if context["extension"] is None and can_mediate and matter.status == MatterStatus.IN_MEDIATION:
        context["extension_form"] = bound.get("extension") or mediation_forms.ExtensionForm(
            prefix="extension", initial={"expected_version": matter.version}
        )
    if agreement is None and can_mediate and matter.status == MatterStatus.IN_MEDIATION:
        from suyuan.mediation.views import obligation_formset

        context["agreement_form"] = bound.get("agreement") or mediation_forms.AgreementForm(
            prefix="agreement", initial={"expected_version": matter.version}
        )
        context["obligation_forms"] = bound.get("obligations") or obligation_formset(matter)
    if agreement is not None:
        confirmations = []
        for confirmation in agreement.confirmations.all():
            form = None
            if can_mediate and not confirmation.is_confirmed and agreement.status == AgreementStatus.AWAITING:
                form = bound.get(f"in-person-{confirmation.party_id}") or mediation_forms.InPersonForm(
                    prefix="in-person", initial={"party": confirmation.party_id}
                )
            confirmations.append({"confirmation": confirmation, "form": form})
        context["confirmations"] = confirmations
        context["obligations"] = _obligation_items(request, agreement, may_report=can_mediate)
    context["has_pdf"] = has_agreement(matter)
    return context


def portal_context(request: HttpRequest, matter: Matter) -> dict[str, Any] | None:
    """Upcoming sessions; the agreement with its obligations, the confirmation by code and the report."""
    now = timezone.now()
    sessions = [
        s
        for s in selectors.sessions_of(matter, include_cancelled=False)
        if s.status == SessionStatus.SCHEDULED and s.starts_at >= now - UPCOMING_GRACE
    ]
    agreement = selectors.agreement_of(matter)
    if not sessions and agreement is None:
        return None
    context: dict[str, Any] = {"sessions": sessions, "agreement": agreement}
    if agreement is not None:
        bound = _bound(request)
        mine = [c for c in agreement.confirmations.all() if party_acts_for(request.user, c.party)]
        to_confirm = next((c for c in mine if not c.is_confirmed), None)
        context["confirmations"] = list(agreement.confirmations.all())
        context["my_confirmation"] = mine[0] if mine else None
        if to_confirm is not None and agreement.status == AgreementStatus.AWAITING:
            context["to_confirm"] = to_confirm
            context["code_sent"] = to_confirm.code_sent_at is not None and (
                to_confirm.code_expires_at is not None and to_confirm.code_expires_at > now
            )
            context["confirm_form"] = bound.get("confirm") or mediation_forms.ConfirmCodeForm(
                initial={"party": to_confirm.party_id}
            )
        context["obligations"] = _obligation_items(
            request, agreement, may_report=bool(mine) or access.is_owner(request.user, matter)
        )
        context["has_pdf"] = has_agreement(matter)
    return context


def register_all() -> None:
    register(
        Section(
            key="mediation",
            audience="staff",
            template="mediation/staff/_section.html",
            context=staff_context,
            order=20,
        )
    )
    register(
        Section(
            key="mediation",
            audience="portal",
            template="mediation/portal/_section.html",
            context=portal_context,
            order=20,
        )
    )
