from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from suyuan.accounts.access import can_browse_audit_log, scope_for
from suyuan.accounts.choices import Role
from suyuan.analytics.selectors import may_view as may_view_figures
from suyuan.court.selectors import works_at_court
from suyuan.emergency.access import works_with_incidents
from suyuan.matters.access import works_with_matters
from suyuan.matters.imports import may_import
from suyuan.supervision.access import works_with_orders
from suyuan.triage.access import may_view_models


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Tell templates whether the viewer is staff, so layouts show the workbench or the portal."""
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {
        "viewer_is_staff": scope.is_staff or scope.is_platform_operator,
        "viewer_can_audit": can_browse_audit_log(user),
        "viewer_works_with_matters": works_with_matters(user),
        "viewer_may_import": may_import(user),
        "viewer_has_field_tasks": scope.is_platform_operator or Role.GRID_WORKER in scope.roles,
        "viewer_works_with_orders": works_with_orders(user),
        "viewer_works_at_court": works_at_court(user),
        "viewer_sees_triage_models": may_view_models(user),
        "viewer_sees_figures": may_view_figures(user),
        "viewer_works_with_incidents": works_with_incidents(user),
    }
