"""HTTP API for who I am, organisations, people and the audit log: thin, over selectors and services.

Anything outside the caller's scope answers 404 exactly like something missing; a role that may not do
something on a visible object answers 403; bad input answers 422 with the field and a translated message.
"""

# No "from __future__ import annotations": django-ninja reads these annotations at runtime.
import datetime as dt
from typing import Any, cast

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from suyuan.accounts import selectors, services
from suyuan.accounts.models import AuditEvent, Membership, Organization, User

router = Router(tags=["accounts"])

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


# --- Output schemas ------------------------------------------------------------------------------------


class RegionOut(Schema):
    code: str
    name: str
    full_name: str


class OrganizationOut(Schema):
    id: int
    code: str
    name: str
    type: str
    type_label: str
    specialty: str
    region: RegionOut
    parent_id: int | None

    @staticmethod
    def resolve_type_label(obj: Organization) -> str:
        return str(obj.get_type_display())


class MembershipOut(Schema):
    id: int
    role: str
    role_label: str
    is_notable: bool
    specialty: str
    organization: OrganizationOut

    @staticmethod
    def resolve_role_label(obj: Membership) -> str:
        return str(obj.get_role_display())


class ScopeOut(Schema):
    all_regions: bool = Field(description="True for platform operators, who see every region.")
    region_codes: list[str] = Field(
        description="Region codes in scope; everything below them is in scope too."
    )
    regions: list[RegionOut]


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    phone_masked: str
    is_staff: bool = Field(description="True for anyone with an active membership in an organisation.")
    is_platform_operator: bool
    roles: list[str]
    memberships: list[MembershipOut]
    scope: ScopeOut


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    phone_masked: str
    id_number_masked: str
    memberships: list[MembershipOut]


class AuditEventOut(Schema):
    id: int
    kind: str
    kind_label: str
    created_at: dt.datetime
    actor_id: int | None
    actor_username: str | None
    attempted_username: str
    target: str
    field: str
    reason: str
    ip_address: str | None

    @staticmethod
    def resolve_kind_label(obj: AuditEvent) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_actor_username(obj: AuditEvent) -> str | None:
        return obj.actor.username if obj.actor is not None else None


class RevealOut(Schema):
    field: str
    value: str


# --- Input schemas -------------------------------------------------------------------------------------


class OrganizationFilters(Schema):
    type: str | None = Field(None, description="An organisation type, e.g. `village_committee`.")
    region: str | None = Field(None, description="A region code; organisations in it and below it.")
    q: str | None = Field(None, description="Part of the name.")


class AuditEventFilters(Schema):
    kind: str | None = Field(None, description="An audit event kind, e.g. `reveal`.")
    actor: int | None = Field(None, description="Id of the person who acted.")
    date_from: str | None = Field(None, description="First day, YYYY-MM-DD, inclusive.")
    date_to: str | None = Field(None, description="Last day, YYYY-MM-DD, inclusive.")


class RevealIn(Schema):
    field: str = Field(description="`phone` or `id_number`.")
    reason: str = Field(description="Why you need the clear value; kept in the audit log.")


# --- Endpoints -----------------------------------------------------------------------------------------


@router.get("/me", response=MeOut, summary="Who I am, my memberships and what I can see")
def me(request: HttpRequest) -> dict[str, Any]:
    overview = selectors.me_overview(actor=cast(User, request.user))
    user = overview.user
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "phone_masked": user.phone_masked,
        "is_staff": overview.scope.is_staff,
        "is_platform_operator": overview.scope.is_platform_operator,
        "roles": overview.roles,
        "memberships": overview.memberships,
        "scope": {
            "all_regions": overview.scope.is_platform_operator,
            "region_codes": list(overview.scope.region_codes),
            "regions": overview.regions,
        },
    }


@router.get("/organizations", response=list[OrganizationOut], summary="Organisations in my scope")
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def organization_list(request: HttpRequest, filters: Query[OrganizationFilters]) -> Any:
    return selectors.organization_list(
        actor=request.user, type=filters.type, region=filters.region, q=filters.q
    )


@router.get("/organizations/{organization_id}", response=OrganizationOut, summary="One organisation")
def organization_detail(request: HttpRequest, organization_id: int) -> Organization:
    return selectors.organization_get(actor=request.user, organization_id=organization_id)


@router.get("/users/{user_id}", response=UserOut, summary="One person, with identifiers masked")
def user_detail(request: HttpRequest, user_id: int) -> dict[str, Any]:
    person = selectors.user_get(actor=request.user, user_id=user_id)
    return {
        "id": person.pk,
        "username": person.username,
        "full_name": person.full_name,
        "phone_masked": person.phone_masked,
        "id_number_masked": person.id_number_masked,
        "memberships": list(selectors.user_memberships(actor=request.user, user=person)),
    }


@router.post("/users/{user_id}/reveal", response=RevealOut, summary="Reveal a clear identifier (audited)")
def user_reveal(request: HttpRequest, user_id: int, payload: RevealIn) -> dict[str, str]:
    value = services.user_reveal_field(
        actor=cast(User, request.user),
        user_id=user_id,
        field=payload.field,
        reason=payload.reason,
        request=request,
    )
    return {"field": payload.field, "value": value}


@router.get("/audit-events", response=list[AuditEventOut], summary="The audit log (administrators)")
@paginate(PageNumberPagination, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
def audit_event_list(request: HttpRequest, filters: Query[AuditEventFilters]) -> Any:
    return selectors.audit_event_list(
        actor=request.user,
        kind=filters.kind,
        person_id=filters.actor,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
