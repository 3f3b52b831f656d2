"""The Django admin, for platform operators: court codes, causes of action and time limits are configuration
edited here; court cases change only through the services (each command checks the state machine and the
actor's right and writes the matter's event), so the admin shows them read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from suyuan.court.models import CauseOfAction, CourtCase, CourtCode, TimeLimit
from suyuan.matters.choices import DocumentKind

# Marks: 浙 alone (the high court), or 浙 + two or four digits.
CODE_PATTERN = r"^[\u4e00-\u9fff](\d{2}|\d{4})?$"


class CourtCodeForm(forms.ModelForm):
    code = forms.RegexField(
        label=_("court code"),
        regex=CODE_PATTERN,
        error_messages={"invalid": _("Write the province's mark and the division's digits, e.g. 浙0881.")},
    )

    class Meta:
        model = CourtCode
        fields = ("region", "code", "name", "level")


@admin.register(CourtCode)
class CourtCodeAdmin(admin.ModelAdmin):
    form = CourtCodeForm
    list_display = ("code", "name", "level", "region")
    list_filter = ("level",)
    search_fields = ("code", "name", "region__code", "region__name")
    raw_id_fields = ("region",)
    ordering = ("region_id",)


class CauseOfActionForm(forms.ModelForm):
    required_materials = forms.MultipleChoiceField(
        label=_("required materials"),
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Kinds of document a filing for this cause must carry, besides the complaint."),
    )

    class Meta:
        model = CauseOfAction
        fields = (
            "code",
            "name",
            "name_en",
            "required_materials",
            "materials_hint",
            "materials_hint_en",
            "is_property",
            "sort_order",
            "is_active",
        )

    def clean_required_materials(self) -> list[str]:
        kinds = list(self.cleaned_data.get("required_materials") or [])
        if DocumentKind.COMPLAINT in kinds:
            raise ValidationError(_("The complaint is generated from the filing; do not list it."))
        return kinds


@admin.register(CauseOfAction)
class CauseOfActionAdmin(admin.ModelAdmin):
    form = CauseOfActionForm
    list_display = ("code", "name", "name_en", "is_property", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")
    list_filter = ("is_property", "is_active")
    search_fields = ("code", "name", "name_en")


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = ("kind", "days", "working_days", "basis")
    list_editable = ("days", "working_days")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one rule per period, created with the migrations

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CourtCase)
class CourtCaseAdmin(admin.ModelAdmin):
    list_display = ("id", "__str__", "court", "track", "status", "outcome", "due_at", "created_at")
    list_filter = ("status", "track", "outcome", "court")
    search_fields = ("matter__tracking_code", "number__number", "mediation_number__number")
    list_select_related = ("court", "number", "mediation_number")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
