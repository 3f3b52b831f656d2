"""The triage models in Django's admin: thresholds are edited here; versions are read-only (they are made
by training and changed by promotion or rollback on the staff pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from suyuan.triage.models import ModelVersion, TriageModel


@admin.register(TriageModel)
class TriageModelAdmin(admin.ModelAdmin):
    list_display = ("name", "target", "threshold", "description", "created_at")
    fields = ("name", "target", "threshold", "description")
    readonly_fields = ("name", "target")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # models come into being through training (or on first use)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("model", "number", "status", "source", "training_size", "macro_f1", "trained_at")
    list_filter = ("model", "status", "source")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in ModelVersion._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
