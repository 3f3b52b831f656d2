"""Emergency mode: an incident a centre declares over some regions, the tasks it sends to the rooms below,
their progress reports, the incident's own timeline, and the disputes that arose from it.

Progress reports are cumulative: each says how many people were moved and sheltered *so far*, so a
task's figures are those of its latest report, copied onto the task when the report is written (the
board and the incident page sum the tasks without reading the reports). Reports and timeline rows are
append-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.core.models import AppendOnlyModel
from suyuan.emergency.choices import (
    IncidentEventKind,
    IncidentKind,
    IncidentLevel,
    IncidentStatus,
    TaskStatus,
)


class Incident(models.Model):
    """An emergency (a typhoon, a flood, …) declared by a county or township centre over some regions."""

    kind = models.CharField(_("kind"), max_length=16, choices=IncidentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("warning level"), max_length=8, choices=IncidentLevel.choices)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=IncidentStatus.choices,
        default=IncidentStatus.ACTIVE,
        db_index=True,
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("declared by (centre)"),
        on_delete=models.PROTECT,
        related_name="incidents_declared",
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("declared by")
    )
    regions = models.ManyToManyField(
        "regions.Region", through="IncidentRegion", related_name="+", verbose_name=_("regions")
    )
    declared_at = models.DateTimeField(_("declared"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_summary = models.TextField(_("summary"), blank=True)
    # Keys the demo's incidents so that building the demo twice creates nothing; empty otherwise.
    demo_key = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["demo_key"], condition=~models.Q(demo_key=""), name="emergency_unique_demo_key"
            ),
        ]

    def __str__(self) -> str:
        return f"incident {self.pk} {self.title} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == IncidentStatus.ACTIVE


class IncidentRegion(models.Model):
    """One region an incident covers (a county, a township or a village)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="incident_regions")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "region"], name="emergency_incident_region_once")
        ]
        indexes = [models.Index(fields=["region", "incident"])]

    def __str__(self) -> str:
        return f"{self.incident_id} @ {self.region_id}"


class IncidentTask(models.Model):
    """A task sent to a township centre or a village committee: evacuate a village, open a shelter, …"""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="tasks")
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        related_name="incident_tasks",
    )
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.SENT, db_index=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # The latest progress report's cumulative figures (copied from it; see the module's docstring).
    people_moved = models.PositiveIntegerField(_("people moved"), default=0)
    people_sheltered = models.PositiveIntegerField(_("people sheltered"), default=0)
    needs = models.TextField(_("needs"), blank=True)
    reported_at = models.DateTimeField(_("last report"), null=True, blank=True)

    class Meta:
        verbose_name = _("incident task")
        verbose_name_plural = _("incident tasks")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["incident", "status"]),
            models.Index(fields=["organization", "status"]),
        ]

    def __str__(self) -> str:
        return f"task {self.pk} {self.title} ({self.status})"

    def is_overdue(self, now: object | None = None) -> bool:
        moment = now or timezone.now()
        return (
            self.due_at is not None
            and self.status in (TaskStatus.SENT, TaskStatus.ACKNOWLEDGED, TaskStatus.IN_PROGRESS)
            and self.due_at < moment  # type: ignore[operator]
        )


class TaskReport(AppendOnlyModel):
    """A progress report on a task: the figures so far (cumulative), what is needed, a note."""

    task = models.ForeignKey(IncidentTask, on_delete=models.PROTECT, related_name="reports")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    people_moved = models.PositiveIntegerField(_("people moved so far"))
    people_sheltered = models.PositiveIntegerField(_("people sheltered now"))
    needs = models.TextField(_("needs"), blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        verbose_name = _("task report")
        verbose_name_plural = _("task reports")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["task", "created_at"])]

    def __str__(self) -> str:
        return f"report {self.pk} on task {self.task_id}"


class IncidentEvent(AppendOnlyModel):
    """One row of an incident's timeline."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=24, choices=IncidentEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(IncidentTask, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at", "id"])]

    def __str__(self) -> str:
        return f"{self.kind} on incident {self.incident_id}"


class IncidentMatter(models.Model):
    """A dispute that arose from an incident (compensation, damage): it goes through mediation as usual."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="tagged_matters")
    matter = models.ForeignKey("matters.Matter", on_delete=models.PROTECT, related_name="incident_tags")
    tagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tagged_at = models.DateTimeField(_("tagged"), default=timezone.now)

    class Meta:
        verbose_name = _("dispute of an incident")
        verbose_name_plural = _("disputes of incidents")
        ordering = ["tagged_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "matter"], name="emergency_matter_tagged_once")
        ]

    def __str__(self) -> str:
        return f"matter {self.matter_id} of incident {self.incident_id}"
