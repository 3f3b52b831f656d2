"""Every write to users, organisations and memberships: atomic, checked and audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from suyuan.accounts import access
from suyuan.accounts.audit import audit_record, target_of
from suyuan.accounts.choices import AuditKind, OrganizationType, Role, Specialty
from suyuan.accounts.models import AccessGrant, Membership, Organization, User
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.core.identifiers import (
    PHONE,
    RESIDENT_ID,
    hash_identifier,
    normalize_mobile,
    normalize_resident_id,
)
from suyuan.regions.models import Region

REVEALABLE_FIELDS = ("phone", "id_number")
REVEAL_REASON_MIN_LENGTH = 4


def _require_administrator_of(actor: User, organization: Organization) -> None:
    """Raise ``NotFound`` if the actor cannot see ``organization``, ``Forbidden`` if they cannot manage it."""
    if not access.organizations_visible_to(actor).filter(pk=organization.pk).exists():
        raise NotFound
    if not access.can_administer_organization(actor, organization):
        raise Forbidden(gettext("Only an administrator of this organisation may do this."))


# --- Organisations ---------------------------------------------------------------------------------------


@transaction.atomic
def organization_create(
    *,
    code: str,
    name: str,
    type: str,
    region: Region,
    parent: Organization | None = None,
    specialty: str = "",
    actor: User,
) -> Organization:
    """Create an organisation under ``parent`` in ``region``.

    Platform operators may create any; administrators only below an organisation they administer, or in a
    region their administrator scope covers.
    """
    errors: dict[str, Any] = {}
    code = (code or "").strip()
    name = (name or "").strip()
    if not code:
        errors["code"] = _("Enter a code.")
    elif Organization.objects.filter(code=code).exists():
        errors["code"] = _("Another organisation already has this code.")
    if not name:
        errors["name"] = _("Enter a name.")
    if type not in OrganizationType.values:
        errors["type"] = _("Choose a valid type of organisation.")
    if specialty not in Specialty.values:
        errors["specialty"] = _("Choose a valid specialty.")
    if parent is not None and not region.code.startswith(parent.region_id):
        errors["region"] = _("An organisation lies in its parent's region or below it.")
    if errors:
        raise ValidationError(errors)

    scope = access.scope_for(actor, roles=[Role.ADMINISTRATOR])
    if parent is not None:
        _require_administrator_of(actor, parent)
    elif not scope.covers_region(region.code):
        raise Forbidden(gettext("Only an administrator of this region may do this."))

    organization = Organization.objects.create(
        code=code, name=name, type=type, region=region, parent=parent, specialty=specialty
    )
    audit_record(AuditKind.ORGANIZATION_CREATED, actor=actor, target=target_of(organization))
    # Scopes computed earlier in this request do not know the new organisation yet.
    access.forget_scope(actor)
    return organization


# --- Memberships -----------------------------------------------------------------------------------------


@transaction.atomic
def membership_grant(
    *,
    user: User,
    organization: Organization,
    role: str,
    is_notable: bool = False,
    specialty: str = "",
    actor: User,
    request: HttpRequest | None = None,
) -> Membership:
    """Give ``user`` the ``role`` in ``organization``; return the existing membership if already held."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if specialty not in Specialty.values:
        raise ValidationError({"specialty": _("Choose a valid specialty.")})
    if is_notable and role != Role.MEDIATOR:
        raise ValidationError({"is_notable": _("Only a mediator can be a village notable.")})
    _require_administrator_of(actor, organization)

    existing = (
        Membership.objects.select_for_update()
        .filter(user=user, organization=organization, role=role, is_active=True)
        .first()
    )
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user,
                organization=organization,
                role=role,
                is_notable=is_notable,
                specialty=specialty,
                granted_by=actor,
            )
    except IntegrityError:
        # Another request granted the same role a moment ago: that membership is the answer.
        return Membership.objects.get(user=user, organization=organization, role=role, is_active=True)
    audit_record(
        AuditKind.MEMBERSHIP_GRANTED,
        actor=actor,
        request=request,
        target=target_of(user),
        field=role,
        reason=f"{organization.code} {organization.name}",
    )
    access.forget_scope(user)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, actor: User, request: HttpRequest | None = None) -> Membership:
    """End an active membership; ending one already ended changes nothing."""
    membership = (
        Membership.objects.select_for_update().select_related("organization", "user").get(pk=membership.pk)
    )
    _require_administrator_of(actor, membership.organization)
    if not membership.is_active:
        return membership
    membership.is_active = False
    membership.ended_at = timezone.now()
    membership.save(update_fields=["is_active", "ended_at"])
    audit_record(
        AuditKind.MEMBERSHIP_ENDED,
        actor=actor,
        request=request,
        target=target_of(membership.user),
        field=membership.role,
        reason=membership.organization.code,
    )
    access.forget_scope(membership.user)
    return membership


# --- Personal identifiers -------------------------------------------------------------------------------


def identifier_fields(*, phone: str | None = None, id_number: str | None = None) -> dict[str, Any]:
    """Return the model field values that store ``phone`` and ``id_number``, validated and hashed.

    ``None`` leaves a field out; an empty string clears it. Raise ``ValidationError`` keyed by field.
    """
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    if phone is not None:
        if phone.strip() == "":
            values.update(phone="", phone_hash=None)
        else:
            try:
                normalized = normalize_mobile(phone)
                values.update(phone=normalized, phone_hash=hash_identifier(PHONE, normalized))
            except ValidationError as exc:
                errors["phone"] = exc.error_list
    if id_number is not None:
        if id_number.strip() == "":
            values.update(id_number="", id_number_hash="")
        else:
            try:
                normalized = normalize_resident_id(id_number)
                values.update(id_number=normalized, id_number_hash=hash_identifier(RESIDENT_ID, normalized))
            except ValidationError as exc:
                errors["id_number"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def user_set_identifiers(
    *, user: User, phone: str | None = None, id_number: str | None = None, actor: User
) -> User:
    """Set (or, with an empty string, clear) a person's mobile number and resident ID number.

    People may change their own; administrators those of people in their administrator scope; platform
    operators anyone's.
    """
    scope = access.scope_for(actor)
    if actor.pk != user.pk and not scope.is_platform_operator:
        access.access_user(actor, user.pk)  # NotFound if hidden
        if not access.users_visible_to(actor, roles=[Role.ADMINISTRATOR]).filter(pk=user.pk).exists():
            raise Forbidden(gettext("Only an administrator may change another person's identifiers."))
    values = identifier_fields(phone=phone, id_number=id_number)
    if (
        values.get("phone_hash")
        and User.objects.filter(phone_hash=values["phone_hash"]).exclude(pk=user.pk).exists()
    ):
        raise ValidationError({"phone": _("This mobile number already belongs to another account.")})
    for name, value in values.items():
        setattr(user, name, value)
    if values:
        user.save(update_fields=list(values))
        # Which identifiers changed, never their values: the log must not become a copy of the data.
        changed = sorted({name.removesuffix("_hash") for name in values})
        audit_record(
            AuditKind.IDENTIFIERS_CHANGED, actor=actor, target=target_of(user), field=",".join(changed)
        )
    return user


@transaction.atomic
def user_reveal_field(
    *, actor: User, user_id: Any, field: str, reason: str, request: HttpRequest | None = None
) -> str:
    """Return the clear value of a person's ``phone`` or ``id_number``, after logging who asked and why.

    The audit event is written before the value leaves this function, in the same transaction, so a
    value is never shown without its log line.
    """
    person = access.access_user(actor, user_id)
    if not access.can_reveal_personal_data(actor, person):
        raise Forbidden(gettext("Your role does not allow revealing personal data."))
    return reveal_logged(obj=person, field=field, reason=reason, actor=actor, request=request)


def reveal_logged(
    *, obj: Any, field: str, reason: str, actor: User, request: HttpRequest | None = None
) -> str:
    """Validate a reveal of ``obj.field`` (phone or ID number) and its reason, log it, return the clear value.

    The caller has already checked that the actor may see ``obj`` and reveal its data. The audit event
    is written before the value leaves, so a value is never shown without its log line.
    """
    reason = " ".join((reason or "").split())
    errors: dict[str, Any] = {}
    if field not in REVEALABLE_FIELDS:
        errors["field"] = _("Choose what to reveal: the mobile number or the resident ID number.")
    if len(reason) < REVEAL_REASON_MIN_LENGTH:
        errors["reason"] = ValidationError(
            _("Give a reason of at least %(min)d characters; it is kept in the audit log."),
            code="reason_required",
            params={"min": REVEAL_REASON_MIN_LENGTH},
        )
    if errors:
        raise ValidationError(errors)
    audit_record(
        AuditKind.REVEAL, actor=actor, request=request, target=target_of(obj), field=field, reason=reason
    )
    return str(getattr(obj, field) or "")


@transaction.atomic
def access_grant_create(
    *,
    obj: Model,
    reason: str,
    organization: Organization | None = None,
    user: User | None = None,
    expires_at: datetime | None = None,
    actor: User | None = None,
) -> AccessGrant:
    """Share ``obj`` with one organisation or one person outside its normal scope, until ``expires_at``.

    ``actor`` is None when the platform shares it by a rule (a grid worker's visit outside the matter's
    place); the audit log records the grant either way.
    """
    if (organization is None) == (user is None):
        raise ValueError("A grant names exactly one organisation or one person.")
    grant = AccessGrant.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        grantee_organization=organization,
        grantee_user=user,
        reason=reason[:200],
        granted_by=actor,
        expires_at=expires_at,
    )
    grantee = (
        f"organization:{organization.code}" if organization is not None else f"user:{user.pk if user else ''}"
    )
    audit_record(
        AuditKind.ACCESS_GRANTED,
        actor=actor,
        target=f"{obj._meta.label_lower}:{obj.pk} → {grantee}",
        reason=reason[:200],
    )
    return grant
