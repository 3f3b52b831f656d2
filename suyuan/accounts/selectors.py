"""Reads of users, organisations, memberships and the audit log, filtered by what the actor may see.

Each function validates its filters (raising ``ValidationError`` keyed by the filter's name, with a
translated message) and goes through the chokepoints in ``suyuan.accounts.access``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from suyuan.accounts import access
from suyuan.accounts.access import Scope
from suyuan.accounts.choices import AuditKind, OrganizationType
from suyuan.accounts.models import AuditEvent, Membership, Organization, User
from suyuan.core.identifiers import (
    PHONE,
    RESIDENT_ID,
    hash_identifier,
    normalize_mobile,
    normalize_resident_id,
)
from suyuan.regions.models import Region

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

_REGION_CODE = re.compile(r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$")


# --- Organisations ---------------------------------------------------------------------------------------


def organization_list(
    *, actor: Actor, type: str | None = None, region: str | None = None, q: str | None = None
) -> QuerySet[Organization]:
    """Return the organisations in the actor's scope, optionally of one type, below a region, or by name.

    Raise ``Forbidden`` for people who are not staff.
    """
    access.require_staff(actor)
    errors: dict[str, Any] = {}
    if type and type not in OrganizationType.values:
        errors["type"] = _("Choose a valid type of organisation.")
    if region and not _REGION_CODE.match(region):
        errors["region"] = _("A region code has 2, 4, 6, 9 or 12 digits.")
    if errors:
        raise ValidationError(errors)
    organizations = access.organizations_visible_to(actor).select_related("region")
    if type:
        organizations = organizations.filter(type=type)
    if region:
        organizations = organizations.filter(region__code__startswith=region)
    if q and q.strip():
        organizations = organizations.filter(name__contains=q.strip())
    return organizations.order_by("region_id", "type", "name", "id")


def organization_get(*, actor: Actor, organization_id: Any) -> Organization:
    """Return one organisation in the actor's scope, or raise ``NotFound``."""
    return access.access_organization(actor, organization_id)


def organization_members(*, actor: Actor, organization: Organization) -> QuerySet[Membership]:
    """Return the active memberships of an organisation the actor can already see."""
    return (
        access.memberships_visible_to(actor)
        .filter(organization=organization, is_active=True)
        .select_related("user")
        .order_by("role", "user__full_name", "user_id")
    )


# --- People ---------------------------------------------------------------------------------------------


def user_get(*, actor: Actor, user_id: Any) -> User:
    """Return one person the actor may see, or raise ``NotFound``."""
    return access.access_user(actor, user_id)


def user_memberships(*, actor: Actor, user: User) -> QuerySet[Membership]:
    """Return the person's active memberships that the actor may see, with organisation and region."""
    return (
        access.memberships_visible_to(actor)
        .filter(user=user, is_active=True)
        .select_related("organization", "organization__region")
        .order_by("organization__region_id", "organization__name", "role")
    )


def users_find_by_identifier(
    *, actor: Actor, phone: str | None = None, id_number: str | None = None
) -> QuerySet[User]:
    """Return the people in the actor's scope whose mobile number or resident ID number is exactly this.

    The search goes through the keyed hash, so the clear values are never compared in the database.
    """
    if not phone and not id_number:
        raise ValidationError({"phone": _("Enter a mobile phone number or a resident ID number.")})
    people = access.users_visible_to(actor)
    try:
        if phone:
            people = people.filter(phone_hash=hash_identifier(PHONE, normalize_mobile(phone)))
    except ValidationError as exc:
        raise ValidationError({"phone": exc.error_list}) from exc
    try:
        if id_number:
            people = people.filter(
                id_number_hash=hash_identifier(RESIDENT_ID, normalize_resident_id(id_number))
            )
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.error_list}) from exc
    return people.order_by("id")


# --- Who am I -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """What a signed-in person is and sees: the staff home page and ``GET /api/me`` show this."""

    user: User
    scope: Scope
    memberships: list[Membership]
    roles: list[str]
    regions: list[Region]
    organization_count: int | None
    people_count: int | None


def me_overview(*, actor: User, with_counts: bool = False) -> Overview:
    """Return the actor's memberships, roles and scope (regions, and with counts of what is visible)."""
    scope = access.scope_for(actor)
    memberships = (
        list(
            Membership.objects.filter(user=actor, is_active=True, organization__is_active=True)
            .select_related("organization", "organization__region")
            .order_by("organization__region_id", "organization__name", "role")
        )
        if scope.is_staff
        else []
    )
    regions = (
        list(Region.objects.filter(code__in=scope.region_codes).order_by("code"))
        if scope.region_codes
        else []
    )
    organization_count = people_count = None
    if with_counts and (scope.is_staff or scope.is_platform_operator):
        organization_count = access.organizations_visible_to(actor).count()
        people_count = access.users_visible_to(actor).count()
    return Overview(
        user=actor,
        scope=scope,
        memberships=memberships,
        roles=sorted(scope.roles),
        regions=regions,
        organization_count=organization_count,
        people_count=people_count,
    )


# --- Audit log ------------------------------------------------------------------------------------------


def _as_date(value: dt.date | str | None, name: str, errors: dict[str, Any]) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        parsed = parse_date(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        errors[name] = _("Enter a date as YYYY-MM-DD.")
    return parsed


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_event_list(
    *,
    actor: Actor,
    kind: str | None = None,
    person_id: Any = None,
    person_username: str | None = None,
    date_from: dt.date | str | None = None,
    date_to: dt.date | str | None = None,
) -> QuerySet[AuditEvent]:
    """Return audit events an administrator may browse, newest first, filtered.

    ``person_*`` filters by who acted; dates are inclusive calendar days in the site's time zone. Raise
    ``Forbidden`` for anyone who is not an administrator or platform operator.
    """
    events = access.audit_events_visible_to(actor)
    errors: dict[str, Any] = {}
    if kind and kind not in AuditKind.values:
        errors["kind"] = _("Choose a valid kind of event.")
    start = _as_date(date_from, "date_from", errors)
    end = _as_date(date_to, "date_to", errors)
    if start and end and start > end:
        errors["date_to"] = _("The end date is before the start date.")
    if person_id not in (None, ""):
        try:
            person_id = int(person_id)
        except (TypeError, ValueError):
            errors["actor"] = _("Choose a valid person.")
    if errors:
        raise ValidationError(errors)
    if kind:
        events = events.filter(kind=kind)
    if person_id not in (None, ""):
        events = events.filter(actor_id=person_id)
    if person_username and person_username.strip():
        events = events.filter(actor__username=person_username.strip())
    if start:
        events = events.filter(created_at__gte=_start_of(start))
    if end:
        events = events.filter(created_at__lt=_start_of(end + dt.timedelta(days=1)))
    return events.select_related("actor").order_by("-created_at", "-id")
