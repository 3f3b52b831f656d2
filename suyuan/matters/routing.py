"""Where a matter should go, and who could mediate it: the seam that triage (a learned model) plugs into.

``suggest_route`` applies the administrator's routing rules, then the default path of the funnel: a
category's specialist committee, else the village committee of the matter's village, else the township
centre, else the county centre. ``suggest_mediators`` ranks the mediators of an organisation by skill,
place and open workload. Both only suggest; a dispatcher's command (or an automatic accept) decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _

from suyuan.accounts.choices import OrganizationType, Role
from suyuan.accounts.models import Membership, Organization, User
from suyuan.core.memo import Memo
from suyuan.matters.choices import OPEN_STATUSES
from suyuan.matters.models import Matter, RoutingRule

DEFAULT_PATH = (
    OrganizationType.VILLAGE_COMMITTEE,
    OrganizationType.TOWNSHIP_CENTRE,
    OrganizationType.COUNTY_CENTRE,
)


@dataclass(frozen=True)
class RouteSuggestion:
    organization: Organization
    reason: str
    rule_id: int | None = None


@dataclass(frozen=True)
class MediatorSuggestion:
    user: User
    score: float
    open_matters: int
    reasons: list[str] = field(default_factory=list)


def _enclosing_codes(region_code: str) -> list[str]:
    return [region_code[:n] for n in (2, 4, 6, 9, 12) if n <= len(region_code)]


def _nearest(
    region_code: str, *, types: tuple[str, ...], specialty: str | None = None
) -> Organization | None:
    """Return the active organisation of one of ``types`` whose region encloses the place most closely.

    Among organisations at the same depth, the order of ``types`` decides.
    """
    query = Organization.objects.filter(
        region_id__in=_enclosing_codes(region_code), type__in=types, is_active=True
    )
    if specialty is not None:
        query = query.filter(specialty=specialty)
    candidates = list(query.order_by("id"))
    if not candidates:
        return None
    return max(candidates, key=lambda org: (len(org.region_id), -types.index(org.type), -org.pk))


def _load_rules() -> list[RoutingRule]:
    return list(RoutingRule.objects.filter(is_active=True).select_related("organization"))


# The active routing rules, read once a minute per process (cleared on a write: see MattersConfig).
RULES: Memo[list[RoutingRule]] = Memo(_load_rules, ttl=60)


def _matching_rules(matter: Matter) -> list[RoutingRule]:
    enclosing = set(_enclosing_codes(matter.region_id))
    rules = [
        rule
        for rule in RULES.get()
        if (rule.region_id is None or rule.region_id in enclosing)
        and (rule.category_id is None or rule.category_id == matter.category_id)
        and (rule.kind == "" or rule.kind == matter.kind)
    ]
    return sorted(
        rules, key=lambda r: (-len(r.region_id or ""), r.category_id is None, r.kind == "", r.priority, r.pk)
    )


def suggest_route(matter: Matter) -> RouteSuggestion | None:
    """Return the organisation that should handle ``matter`` and why, or None if nothing fits."""
    for rule in _matching_rules(matter):
        if rule.organization is not None and rule.organization.is_active:
            return RouteSuggestion(rule.organization, _("routing rule"), rule.pk)
        if rule.target_type:
            org = _nearest(
                matter.region_id, types=(rule.target_type,), specialty=rule.target_specialty or None
            )
            if org is not None:
                return RouteSuggestion(org, _("routing rule"), rule.pk)
    if matter.category is not None and matter.category.specialty:
        org = _nearest(
            matter.region_id,
            types=(OrganizationType.SPECIALIST_COMMITTEE,),
            specialty=matter.category.specialty,
        )
        if org is not None:
            return RouteSuggestion(org, _("specialist committee for this category"))
    org = _nearest(matter.region_id, types=DEFAULT_PATH)
    if org is not None:
        return RouteSuggestion(org, _("nearest mediation organisation"))
    return None


def escalation_target(organization: Organization) -> Organization | None:
    """Return the organisation one level up the tree, if any."""
    return organization.parent if organization.parent_id else None


def suggest_mediators(
    matter: Matter, organization: Organization, *, limit: int = 5
) -> list[MediatorSuggestion]:
    """Rank the mediators of ``organization`` for ``matter``: skill first, then place, then free time."""
    memberships = list(
        Membership.objects.filter(
            organization=organization, role=Role.MEDIATOR, is_active=True, user__is_active=True
        )
        .select_related("user", "organization")
        .order_by("user_id")
    )
    if not memberships:
        return []
    user_ids = [m.user_id for m in memberships]
    load = dict(
        Matter.objects.filter(mediator_id__in=user_ids, status__in=OPEN_STATUSES)
        .values_list("mediator_id")
        .annotate(n=Count("id"))
        .values_list("mediator_id", "n")
    )
    wanted = matter.category.specialty if matter.category_id and matter.category else ""
    suggestions = []
    for membership in memberships:
        reasons: list[str] = []
        score = 0.0
        if wanted and membership.specialty == wanted:
            score += 3
            reasons.append(_("skilled in this kind of dispute"))
        if membership.is_notable:
            score += 0.5
            reasons.append(_("village notable"))
        open_count = load.get(membership.user_id, 0)
        score -= 0.25 * open_count
        reasons.append(_("%(count)d open matters") % {"count": open_count})
        suggestions.append(MediatorSuggestion(membership.user, score, open_count, reasons))
    suggestions.sort(key=lambda s: (-s.score, s.open_matters, s.user.pk))
    return suggestions[:limit]
