"""The court section of the staff matter page (registered from ``CourtConfig.ready``): the matter's court
cases (number, status, deadline; a link to the case page for the court's staff who work on it) and, for
the mediation staff of a matter that may go to court, the referral form."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils import timezone

from suyuan.accounts.models import User
from suyuan.court import selectors, services
from suyuan.matters.models import Matter
from suyuan.matters.sections import Section, register


def staff_context(request: HttpRequest, matter: Matter) -> dict[str, Any] | None:
    cases = selectors.cases_of_matter(request.user, matter)
    may_refer = services.may_refer(cast(User, request.user), matter)
    if not cases and not may_refer:
        return None
    from suyuan.court.views.staff import refer_form

    now = timezone.now()
    return {
        "cases": cases,
        "refer_form": refer_form(request) if may_refer else None,
        "now": now,
        "soon": now + selectors.DUE_SOON,
    }


def register_all() -> None:
    register(
        Section(
            key="court",
            audience="staff",
            template="court/staff/_section.html",
            context=staff_context,
            order=30,
        )
    )
