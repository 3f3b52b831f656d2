"""Who may see what: the one place where access rules live.

Staff see what belongs to their organisations and to the organisations and regions below them, plus what
is explicitly shared with them (``AccessGrant``). Citizens see only their own data. Platform operators
(``is_superuser``) see everything, and their reads of personal data are logged like anyone's.

Every read of a protected model outside this module goes through a function here: ``access_<thing>`` for
one object (raises ``NotFound`` whether it is missing or hidden, so existence never leaks) and
``<things>_visible_to`` for lists. ``PROTECTED_MODELS`` names the models a view may not query directly; a
test parses views and APIs for direct use.

Functions that take ``roles`` narrow the scope to the memberships holding one of those roles: an
administrator of Jiangshan who is also a mediator in Kecheng administers only Jiangshan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, IntegerField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from suyuan.accounts.choices import Role
from suyuan.accounts.models import AccessGrant, AuditEvent, Membership, Organization, User
from suyuan.core.exceptions import Forbidden, NotFound

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Actor = User | AnonymousUser | None

PROTECTED_MODELS = ("User", "Organization", "Membership", "AuditEvent", "AccessGrant", "ApiToken")

# Roles that work with people's cases and may therefore reveal personal data of people in their scope.
# Analysts read aggregate figures only (see choices.Role).
REVEAL_ROLES = frozenset(Role) - {Role.ANALYST}


@dataclass(frozen=True)
class Scope:
    """What one user may see, computed once per request from their active memberships."""

    user_id: int | None
    is_platform_operator: bool = False
    # role -> ids of the organisations where the user holds it
    roles: dict[str, frozenset[int]] = field(default_factory=dict)
    # organisations the user belongs to, and all organisations below them in the tree
    organization_ids: frozenset[int] = frozenset()
    # regions of the user's organisations: these and everything below them (code prefixes)
    region_codes: tuple[str, ...] = ()
    # the part of ``organization_ids`` that ``region_codes`` does not already cover; filters use this
    # so a county centre's scope is one prefix, not a list of hundreds of ids
    tree_only_organization_ids: frozenset[int] = frozenset()
    # the (role, organisation id, region code) rows this scope was computed from
    memberships: tuple[tuple[str, int, str], ...] = ()

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def own_organization_ids(self) -> frozenset[int]:
        """Return the organisations the user is a member of (not those below them)."""
        return frozenset(org for ids in self.roles.values() for org in ids)

    def has_role(self, *roles: str) -> bool:
        return self.is_platform_operator or any(role in self.roles for role in roles)

    def covers_region(self, code: str | None) -> bool:
        if self.is_platform_operator:
            return True
        return bool(code) and any(str(code).startswith(prefix) for prefix in self.region_codes)

    def region_q(self, field_name: str) -> Q:
        """Return a filter for objects whose region (``field_name`` holds its code) lies in scope."""
        if self.is_platform_operator:
            return Q()
        if not self.region_codes:
            return Q(pk__in=[])
        query = Q()
        for prefix in self.region_codes:
            query |= code_prefix_q(field_name, prefix)
        return query

    def organization_q(self, prefix: str = "") -> Q:
        """Return a filter for organisations (reached through ``prefix``) in the tree or regions in scope."""
        if self.is_platform_operator:
            return Q()
        if prefix:
            # Through a foreign key: compare the key with the ids of organisations in the regions, which
            # an index answers, rather than joining the organisations table for every row.
            in_regions = Organization.objects.filter(self.region_q("region_id")).values("id")
            query = Q(**{f"{prefix}id__in": in_regions}) if self.region_codes else Q(pk__in=[])
        else:
            query = self.region_q("region__code")
        if self.tree_only_organization_ids:
            query |= Q(**{f"{prefix}id__in": sorted(self.tree_only_organization_ids)})
        return query


ANONYMOUS_SCOPE = Scope(user_id=None)


def code_prefix_q(field_name: str, prefix: str) -> Q:
    """Return "``field_name`` starts with ``prefix``" as a range, which both databases answer from an index.

    ``LIKE '330881%'`` cannot use an index on SQLite (its LIKE ignores case); ``>= '330881' AND <
    '330882'`` can, on every database, and means the same for codes.
    """
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": upper})


def _root_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """Drop codes already covered by a shorter prefix, so filters stay small."""
    roots: list[str] = []
    for code in sorted(set(codes), key=len):
        if not any(code.startswith(root) for root in roots):
            roots.append(code)
    return tuple(sorted(roots))


def _descendant_organizations(root_ids: set[int]) -> dict[int, str]:
    """Return ``{id: region code}`` of the given organisations and every organisation below them."""
    found = dict(Organization.objects.filter(id__in=root_ids).order_by().values_list("id", "region_id"))
    frontier = set(found)
    # Organisation trees are a few levels deep (county → township → village), so this loops a few times.
    while frontier:
        rows = (
            Organization.objects.filter(parent_id__in=frontier, is_active=True)
            .order_by()
            .values_list("id", "region_id")
        )
        frontier = set()
        for org_id, region in rows:
            if org_id not in found:
                found[org_id] = region
                frontier.add(org_id)
    return found


def _build_scope(user: User, memberships: list[tuple[str, int, str]]) -> Scope:
    roles: dict[str, set[int]] = {}
    for role, org_id, _region in memberships:
        roles.setdefault(role, set()).add(org_id)
    own_org_ids = {org_id for _role, org_id, _region in memberships}
    region_codes = _root_codes(region for _role, _org, region in memberships)
    tree = _descendant_organizations(own_org_ids) if own_org_ids else {}
    tree_only = {
        org_id for org_id, region in tree.items() if not any(region.startswith(root) for root in region_codes)
    }
    return Scope(
        user_id=user.pk,
        is_platform_operator=user.is_superuser and user.is_active,
        roles={role: frozenset(ids) for role, ids in roles.items()},
        organization_ids=frozenset(tree),
        region_codes=region_codes,
        tree_only_organization_ids=frozenset(tree_only),
        memberships=tuple(memberships),
    )


def scope_for(user: Actor, *, roles: Iterable[str] | None = None) -> Scope:
    """Return the actor's scope, narrowed to memberships holding one of ``roles`` if given.

    Scopes are cached on the user object for the rest of the request; ``forget_scope`` drops them.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS_SCOPE
    if not isinstance(user, User):
        return ANONYMOUS_SCOPE
    key = frozenset(roles) if roles is not None else None
    # getattr/setattr, not __dict__, so this also works through request.user's lazy wrapper.
    cache: dict[frozenset[str] | None, Scope] | None = getattr(user, "_suyuan_scopes", None)
    if cache is None:
        cache = {}
        user._suyuan_scopes = cache  # type: ignore[attr-defined]
    if key in cache:
        return cache[key]
    all_memberships: list[tuple[str, int, str]] | None = getattr(user, "_suyuan_memberships", None)
    if all_memberships is None:
        all_memberships = list(
            Membership.objects.filter(user=user, is_active=True, organization__is_active=True).values_list(
                "role", "organization_id", "organization__region_id"
            )
        )
        user._suyuan_memberships = all_memberships  # type: ignore[attr-defined]
    memberships = all_memberships if key is None else [m for m in all_memberships if m[0] in key]
    same = next((cached for cached in cache.values() if cached.memberships == tuple(memberships)), None)
    scope = same if same is not None else _build_scope(user, memberships)
    cache[key] = scope
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scopes after the user's memberships changed."""
    for name in ("_suyuan_scopes", "_suyuan_memberships"):
        if hasattr(user, name):
            delattr(user, name)


def require_role(actor: Actor, *roles: str) -> Scope:
    """Return the actor's scope if they hold one of ``roles`` somewhere, else raise ``Forbidden``."""
    scope = scope_for(actor)
    if not scope.has_role(*roles):
        raise Forbidden
    return scope


def require_staff(actor: Actor) -> Scope:
    """Return the actor's scope if they are staff or a platform operator, else raise ``Forbidden``."""
    scope = scope_for(actor)
    if not (scope.is_staff or scope.is_platform_operator):
        raise Forbidden
    return scope


def shared_object_ids(actor: Actor, model: type[Model]) -> QuerySet[AccessGrant, Any]:
    """Return the ids of ``model`` objects explicitly shared with the actor or their organisations."""
    scope = scope_for(actor)
    grantee = Q(grantee_user_id=scope.user_id)
    if scope.own_organization_ids:
        grantee |= Q(grantee_organization_id__in=sorted(scope.own_organization_ids))
    grants = (
        AccessGrant.objects.filter(content_type=ContentType.objects.get_for_model(model))
        .filter(grantee)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
    )
    if isinstance(model._meta.pk, IntegerField):
        # object_id is text (it can name any model); PostgreSQL will not compare text with bigint.
        return grants.annotate(object_pk=Cast("object_id", BigIntegerField())).values_list(
            "object_pk", flat=True
        )
    return grants.values_list("object_id", flat=True)


# --- Organisations ---------------------------------------------------------------------------------------


def organizations_visible_to(actor: Actor, *, roles: Iterable[str] | None = None) -> QuerySet[Organization]:
    """Return the organisations in the actor's scope (narrowed to ``roles``), plus those shared with them."""
    scope = scope_for(actor, roles=roles)
    if scope.is_platform_operator:
        return Organization.objects.all()
    if not scope.is_authenticated:
        return Organization.objects.none()
    visible = Q(id__in=shared_object_ids(actor, Organization))
    if scope.is_staff:
        visible |= scope.organization_q()
    return Organization.objects.filter(visible)


def access_organization(
    actor: Actor, organization_id: Any, *, roles: Iterable[str] | None = None
) -> Organization:
    """Return the organisation if the actor may see it; raise ``NotFound`` if missing or hidden."""
    try:
        return (
            organizations_visible_to(actor, roles=roles)
            .select_related("region", "parent")
            .get(pk=organization_id)
        )
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


# --- People -------------------------------------------------------------------------------------------


def users_visible_to(actor: Actor, *, roles: Iterable[str] | None = None) -> QuerySet[User]:
    """Return the people the actor may look up: themselves, and staff of organisations in their scope.

    Citizens who are not staff become visible to staff only through the matters they bring (later issues
    add that path) or an explicit grant.
    """
    scope = scope_for(actor, roles=roles)
    if scope.user_id is None:
        return User.objects.none()
    if scope.is_platform_operator:
        return User.objects.all()
    visible = Q(pk=scope.user_id) | Q(pk__in=shared_object_ids(actor, User))
    if scope.is_staff:
        members = Membership.objects.filter(is_active=True).filter(scope.organization_q("organization__"))
        visible |= Q(pk__in=members.values("user_id"))
    return User.objects.filter(visible)


def access_user(actor: Actor, user_id: Any, *, roles: Iterable[str] | None = None) -> User:
    """Return the person if the actor may see them; raise ``NotFound`` if missing or hidden."""
    try:
        return users_visible_to(actor, roles=roles).get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def memberships_visible_to(actor: Actor) -> QuerySet[Membership]:
    """Return the actor's own memberships and those in organisations in their scope."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return Membership.objects.all()
    if scope.user_id is None:
        return Membership.objects.none()
    if not scope.is_staff:
        return Membership.objects.filter(user_id=scope.user_id)
    return Membership.objects.filter(Q(user_id=scope.user_id) | scope.organization_q("organization__"))


def access_membership(actor: Actor, membership_id: Any) -> Membership:
    """Return the membership if the actor may see it; raise ``NotFound`` if missing or hidden."""
    try:
        return memberships_visible_to(actor).select_related("user", "organization").get(pk=membership_id)
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def can_reveal_personal_data(actor: Actor, person: User) -> bool:
    """Return whether the actor, who can already see ``person``, may reveal their identifiers.

    People may always see their own; platform operators anyone's; staff in a role that works with cases
    anyone's in their scope. ``person`` must already have come through ``access_user``.
    """
    scope = scope_for(actor)
    if scope.user_id is None:
        return False
    return scope.user_id == person.pk or scope.is_platform_operator or scope.has_role(*REVEAL_ROLES)


def can_administer_organization(actor: Actor, organization: Organization) -> bool:
    """Return whether the actor may manage people and sub-organisations of ``organization``."""
    scope = scope_for(actor, roles=[Role.ADMINISTRATOR])
    if scope.is_platform_operator:
        return True
    if not scope.is_staff:
        return False
    return scope.covers_region(organization.region_id) or organization.pk in scope.organization_ids


# --- Audit log ------------------------------------------------------------------------------------------


def audit_events_visible_to(actor: Actor) -> QuerySet[AuditEvent]:
    """Return the audit events an administrator may browse: those of people in their administrator scope.

    Raise ``Forbidden`` for anyone who is neither an administrator nor a platform operator.
    """
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return AuditEvent.objects.all()
    if not scope.has_role(Role.ADMINISTRATOR):
        raise Forbidden
    people = users_visible_to(actor, roles=[Role.ADMINISTRATOR])
    return AuditEvent.objects.filter(
        Q(actor_id__in=people.values("id"))
        | Q(actor__isnull=True, attempted_username__in=people.values("username"))
    )


def can_browse_audit_log(actor: Actor) -> bool:
    return scope_for(actor).has_role(Role.ADMINISTRATOR)
