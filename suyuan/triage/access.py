"""Who may see and do what in triage.

* A matter's triage (proposals, risk flags, duplicate candidates, its group) is part of the matter's
  staff-only side: whoever reads the matter's internal notes reads it. Duplicate candidates and group
  members are listed only where the viewer may open that other matter too, so a candidate in another
  county stays invisible.
* Dispatchers and supervisors with the matter in their scope decide: confirm or correct the category,
  clear a flag, merge or dismiss a candidate (the matters app's intake roles).
* Model versions and their evaluation (aggregate figures, no personal data) are shown to administrators,
  supervisors and analysts. The models serve the whole deployment (every county on it), so training,
  promoting and rolling back are for platform operators: a county's administrator must not change how
  another county's matters are triaged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from suyuan.accounts.access import scope_for
from suyuan.accounts.choices import Role
from suyuan.core.exceptions import Forbidden

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

PROTECTED_MODELS = (
    "Label",
    "Proposal",
    "RiskFlag",
    "Fingerprint",
    "BandKey",
    "DuplicateCandidate",
    "MatterGroup",
    "GroupMember",
)

VIEW_MODEL_ROLES = frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR, Role.ANALYST})


def may_view_models(actor: Actor) -> bool:
    scope = scope_for(actor)
    return scope.is_platform_operator or scope.has_role(*VIEW_MODEL_ROLES)


def may_manage_models(actor: Actor) -> bool:
    return scope_for(actor).is_platform_operator


def require_manage_models(actor: Actor) -> None:
    if not may_manage_models(actor):
        raise Forbidden
