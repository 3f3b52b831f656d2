"""The Django admin, for platform operators: the taxonomy, routing and deadline rules, and matters read-only.

Categories, routing rules and deadline rules are configuration that operators edit here. Matters change only
through the services (each command checks the state machine and the actor's right and writes its event),
so the admin shows them and nothing more: no add, no change, no delete. Parties' phone and ID numbers are
shown masked; revealing one is a staff action with a reason, logged, in the workbench.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from suyuan.accounts.choices import OrganizationType
from suyuan.matters import codes
from suyuan.matters.models import Category, DeadlineRule, Matter, MatterEvent, Party, RoutingRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "parent", "specialty", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("specialty", "is_active")
    search_fields = ("code", "name", "name_en")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    fields = ("code", "name", "name_en", "parent", "specialty", "keywords", "sort_order", "is_active")


class RoutingRuleForm(forms.ModelForm):
    # The model stores any text; offer the organisation types the routing understands.
    target_type = forms.ChoiceField(
        label=_("type of organisation"),
        choices=[("", "---------"), *OrganizationType.choices],
        required=False,
    )

    class Meta:
        model = RoutingRule
        fields = (
            "region",
            "category",
            "kind",
            "organization",
            "target_type",
            "target_specialty",
            "priority",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("organization") and not cleaned.get("target_type"):
            # On the field, so the model's own check of the same rule (a terse message) is skipped.
            self.add_error(
                "organization",
                _("Name the organisation, or the type of organisation to look for near the matter."),
            )
        return cleaned


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = (
        "__str__",
        "region",
        "category",
        "kind",
        "organization",
        "target_type",
        "target_specialty",
        "priority",
        "is_active",
    )
    list_filter = ("is_active", "kind", "target_type", "category")
    search_fields = ("region__code", "region__name", "organization__name", "organization__code")
    # Organisations have a searchable admin; regions have none (tens of thousands of rows, loaded from
    # the official data), so a region is picked by its code.
    autocomplete_fields = ("organization", "category")
    raw_id_fields = ("region",)
    list_select_related = ("region", "category", "organization")
    ordering = ("priority", "id")


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "status", "days", "working_days", "basis")
    list_filter = ("kind", "working_days")
    search_fields = ("basis",)
    ordering = ("kind", "status")
    fields = ("kind", "status", "days", "working_days", "basis")


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PartyInline(_ReadOnlyInline):
    model = Party
    fields = ("role", "kind", "name", "masked_phone", "masked_id_number", "credit_code")
    readonly_fields = fields

    @admin.display(description=_("mobile phone"))
    def masked_phone(self, obj: Party) -> str:
        return obj.phone_masked

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj: Party) -> str:
        return obj.id_number_masked


class MatterEventInline(_ReadOnlyInline):
    model = MatterEvent
    fields = ("seq", "created_at", "kind", "from_status", "to_status", "actor_label", "visibility", "text")
    readonly_fields = fields
    ordering = ("seq",)


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "kind", "status", "organization", "mediator", "created_at", "due_at")
    list_filter = ("status", "kind", "channel", "category")
    search_fields = ("tracking_code", "title")
    date_hierarchy = "created_at"
    list_select_related = ("organization", "mediator")
    fields = (
        "code",
        "kind",
        "channel",
        "status",
        "category",
        "title",
        "description",
        "desired_outcome",
        "occurred_on",
        "region",
        "address_text",
        "organization",
        "mediator",
        "owner",
        "entered_by",
        "agent",
        "agent_consent",
        "merged_into",
        "decline_reason",
        "failure_route",
        "outcome_summary",
        "created_at",
        "accepted_at",
        "closed_at",
        "due_at",
        "version",
    )
    readonly_fields = fields
    inlines = (PartyInline, MatterEventInline)

    @admin.display(description=_("tracking code"), ordering="tracking_code")
    def code(self, obj: Matter) -> str:
        return obj.display_code

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Matter], search_term: str
    ) -> tuple[QuerySet[Matter], bool]:
        # A code as people write it (7K3M-9QXW-2RTK, lower case, O for 0) finds its matter.
        try:
            return queryset.filter(tracking_code=codes.normalize(search_term)), False
        except ValidationError:
            return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Matters change only through the services; the admin is a window, not a door.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
