from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from suyuan.accounts.access import can_browse_audit_log, scope_for
from suyuan.matters.access import works_with_matters


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Tell templates whether the viewer is staff, so layouts show the workbench or the portal."""
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {
        "viewer_is_staff": scope.is_staff or scope.is_platform_operator,
        "viewer_can_audit": can_browse_audit_log(user),
        "viewer_works_with_matters": works_with_matters(user),
    }
