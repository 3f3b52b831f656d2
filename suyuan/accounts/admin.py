"""The Django admin, for platform operators: organisations and people, with personal data masked.

Changes to memberships go through the services, so they are checked and audited like any other; the audit
log can be read here but never changed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from suyuan.accounts import services
from suyuan.accounts.models import AccessGrant, AuditEvent, Membership, Organization, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "type", "specialty", "region", "parent", "is_active")
    list_filter = ("type", "specialty", "is_active")
    search_fields = ("name", "code", "region__code", "region__name")
    raw_id_fields = ("region", "parent")
    list_select_related = ("region", "parent")


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("username", "full_name", "masked_phone", "is_active", "is_superuser", "last_login")
    list_filter = ("is_active", "is_superuser")
    search_fields = ("username", "full_name")
    # Identifiers are edited through user_set_identifiers (validated, hashed), never as raw ciphertext.
    exclude = ("phone", "id_number", "password", "user_permissions", "groups")
    readonly_fields = ("masked_phone", "masked_id_number", "last_login", "date_joined")

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj: User) -> str:
        return obj.phone_masked

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj: User) -> str:
        return obj.id_number_masked


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "is_notable", "is_active", "created_at", "ended_at")
    list_filter = ("role", "is_active", "is_notable")
    search_fields = ("user__username", "user__full_name", "organization__name", "organization__code")
    raw_id_fields = ("user", "organization")
    list_select_related = ("user", "organization")
    fields = ("user", "organization", "role", "is_notable", "specialty")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A membership is granted or ended, never edited in place.
        return False

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        saved = services.membership_grant(
            user=obj.user,
            organization=obj.organization,
            role=obj.role,
            is_notable=obj.is_notable,
            specialty=obj.specialty,
            actor=request.user,  # type: ignore[arg-type]
            request=request,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.membership_end(membership=obj, actor=request.user, request=request)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for membership in queryset:
            self.delete_model(request, membership)


@admin.register(AccessGrant)
class AccessGrantAdmin(admin.ModelAdmin):
    list_display = (
        "content_type",
        "object_id",
        "grantee_organization",
        "grantee_user",
        "reason",
        "expires_at",
    )
    raw_id_fields = ("grantee_organization", "grantee_user", "granted_by")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "actor",
        "attempted_username",
        "target",
        "field",
        "reason",
        "ip_address",
    )
    list_filter = ("kind",)
    search_fields = ("attempted_username", "target", "actor__username")
    date_hierarchy = "created_at"
    list_select_related = ("actor",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
