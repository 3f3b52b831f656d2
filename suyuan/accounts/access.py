"""Who may see what: the one place where access rules live.

Staff see what belongs to their organisations and to the organisations and regions below them, plus what
is explicitly shared with them (``AccessGrant``). Citizens see only their own data. Platform operators
(``is_superuser``) see everything, and their reads of personal data are logged like anyone's.

Every read of a protected model outside this module goes through a function here: ``access_<thing>`` for
one object (raises ``NotFound`` whether it is missing or hidden, so existence never leaks) and
``<things>_visible_to`` for lists. ``PROTECTED_MODELS`` names the models a view may not query directly; a
test greps views and APIs for direct use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from suyuan.accounts.choices import Role
from suyuan.accounts.models import AccessGrant, AuditEvent, Membership, Organization, User
from suyuan.core.exceptions import Forbidden, NotFound

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

PROTECTED_MODELS = ("User", "Organization", "Membership", "AuditEvent", "AccessGrant", "ApiToken")


@dataclass(frozen=True)
class Scope:
    """What one user may see, computed once per request from their active memberships."""

    user_id: int | None
    is_platform_operator: bool = False
    # role -> ids of the organisations where the user holds it
    roles: dict[str, frozenset[int]] = field(default_factory=dict)
    # organisations the user belongs to, and all organisations below them
    organization_ids: frozenset[int] = frozenset()
    # regions of the user's organisations: these and everything below them (code prefixes)
    region_codes: tuple[str, ...] = ()

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has_role(self, *roles: str) -> bool:
        return self.is_platform_operator or any(role in self.roles for role in roles)

    def covers_region(self, code: str | None) -> bool:
        if self.is_platform_operator:
            return True
        return bool(code) and any(code.startswith(prefix) for prefix in self.region_codes)  # type: ignore[union-attr]

    def region_q(self, field_name: str) -> Q:
        """Return a filter for objects whose region (``field_name`` holds its code) lies in scope."""
        if self.is_platform_operator:
            return Q()
        if not self.region_codes:
            return Q(pk__in=[])
        query = Q()
        for prefix in self.region_codes:
            query |= Q(**{f"{field_name}__startswith": prefix})
        return query


ANONYMOUS_SCOPE = Scope(user_id=None)


def _root_codes(codes: set[str]) -> tuple[str, ...]:
    """Drop codes already covered by a shorter prefix, so filters stay small."""
    roots: list[str] = []
    for code in sorted(codes, key=len):
        if not any(code.startswith(root) for root in roots):
            roots.append(code)
    return tuple(sorted(roots))


def _descendant_organization_ids(root_ids: set[int]) -> set[int]:
    found = set(root_ids)
    frontier = set(root_ids)
    # Organisation trees are a few levels deep (county → township → village), so this loops a few times.
    while frontier:
        frontier = set(Organization.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
        found |= frontier
    return found


def scope_for(user: User | AnonymousUser | None) -> Scope:
    """Return the actor's scope; it is cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS_SCOPE
    cached = getattr(user, "_suyuan_scope", None)
    if cached is not None:
        return cached
    assert isinstance(user, User)
    memberships = list(
        Membership.objects.filter(user=user, is_active=True, organization__is_active=True).values_list(
            "role", "organization_id", "organization__region_id"
        )
    )
    roles: dict[str, set[int]] = {}
    for role, org_id, _region in memberships:
        roles.setdefault(role, set()).add(org_id)
    own_org_ids = {org_id for _role, org_id, _region in memberships}
    scope = Scope(
        user_id=user.pk,
        is_platform_operator=user.is_superuser and user.is_active,
        roles={role: frozenset(ids) for role, ids in roles.items()},
        organization_ids=frozenset(_descendant_organization_ids(own_org_ids)) if own_org_ids else frozenset(),
        region_codes=_root_codes({region for _role, _org, region in memberships}),
    )
    user._suyuan_scope = scope  # type: ignore[union-attr]
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope after the user's memberships changed."""
    if hasattr(user, "_suyuan_scope"):
        del user._suyuan_scope


def shared_object_ids(actor: User | AnonymousUser | None, model: type[Model]) -> QuerySet[AccessGrant, str]:
    """Return the ids of ``model`` objects explicitly shared with the actor or their organisations."""
    scope = scope_for(actor)
    now = timezone.now()
    grantee = Q(grantee_user_id=scope.user_id)
    own_orgs = {org for ids in scope.roles.values() for org in ids}
    if own_orgs:
        grantee |= Q(grantee_organization_id__in=own_orgs)
    return (
        AccessGrant.objects.filter(content_type=ContentType.objects.get_for_model(model))
        .filter(grantee)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("object_id", flat=True)
    )


# --- Organisations ---------------------------------------------------------------------------------------


def organizations_visible_to(actor: User | AnonymousUser | None) -> QuerySet[Organization]:
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return Organization.objects.all()
    if not scope.is_staff:
        return Organization.objects.none()
    return Organization.objects.filter(
        Q(id__in=scope.organization_ids) | scope.region_q("region__code") | Q(id__in=shared_object_ids(actor, Organization))
    )


def access_organization(actor: User | AnonymousUser | None, organization_id: int) -> Organization:
    try:
        return organizations_visible_to(actor).select_related("region", "parent").get(pk=organization_id)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


# --- People -------------------------------------------------------------------------------------------


def users_visible_to(actor: User | AnonymousUser | None) -> QuerySet[User]:
    """Return the people the actor may look up: themselves, and staff of organisations in their scope.

    Citizens who are not staff become visible to staff only through the matters they bring (later issues
    add that path) or an explicit grant.
    """
    scope = scope_for(actor)
    if scope.user_id is None:
        return User.objects.none()
    if scope.is_platform_operator:
        return User.objects.all()
    visible = Q(pk=scope.user_id)
    if scope.is_staff:
        visible |= Q(
            memberships__is_active=True,
            memberships__organization_id__in=organizations_visible_to(actor).values("id"),
        )
        visible |= Q(pk__in=shared_object_ids(actor, User))
    return User.objects.filter(visible).distinct()


def access_user(actor: User | AnonymousUser | None, user_id: int) -> User:
    try:
        return users_visible_to(actor).get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def memberships_visible_to(actor: User | AnonymousUser | None) -> QuerySet[Membership]:
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return Membership.objects.all()
    if not scope.is_staff:
        return Membership.objects.filter(user_id=scope.user_id) if scope.user_id else Membership.objects.none()
    return Membership.objects.filter(
        Q(user_id=scope.user_id) | Q(organization_id__in=organizations_visible_to(actor).values("id"))
    )


# --- Audit log ------------------------------------------------------------------------------------------


def audit_events_visible_to(actor: User | AnonymousUser | None) -> QuerySet[AuditEvent]:
    """Administrators browse the audit events of people in their scope; nobody else browses it."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return AuditEvent.objects.all()
    if not scope.has_role(Role.ADMINISTRATOR):
        raise Forbidden
    people = users_visible_to(actor)
    return AuditEvent.objects.filter(
        Q(actor_id__in=people.values("id")) | Q(actor__isnull=True, attempted_username__in=people.values("username"))
    )


def require_role(actor: User | AnonymousUser | None, *roles: str) -> Scope:
    """Return the actor's scope if they hold one of ``roles`` somewhere, else raise ``Forbidden``."""
    scope = scope_for(actor)
    if not scope.has_role(*roles):
        raise Forbidden
    return scope
