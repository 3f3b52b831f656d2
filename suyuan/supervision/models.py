from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.matters.choices import MatterStatus
from suyuan.supervision.choices import OrderOrigin, OrderStatus, OrderSubject


class SupervisionOrder(models.Model):
    """A supervision order (督办): a task from a higher level, with a deadline to answer.

    It concerns one matter (``subject`` = matter, with ``matter``), a group dispute (``group``, with
    ``group``) or an early-warning alert about a place (``alert``, with ``region``; the alert points at its
    first order, never the other way round: analytics sits above supervision). ``title`` is the short
    description lists show for a group or an alert. The issuing
    organisation is one level above the responding one; an order not answered in time is replaced by an
    order from the next level up (``previous`` links the chain, ``level`` counts it: 1 for the first).
    """

    subject = models.CharField(
        _("subject"), max_length=16, choices=OrderSubject.choices, default=OrderSubject.MATTER
    )
    matter = models.ForeignKey(
        "matters.Matter",
        verbose_name=_("matter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_orders",
    )
    group = models.ForeignKey(
        "triage.MatterGroup",
        verbose_name=_("group dispute"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The place an alert concerns (also set for a group: the group's place).
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("place"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    origin = models.CharField(_("origin"), max_length=16, choices=OrderOrigin.choices)
    # For automatic orders: the stage (the matter's status) whose deadline passed, that deadline, and how
    # many working days late it was when the order was raised.
    stage = models.CharField(_("stage"), max_length=16, choices=MatterStatus.choices, blank=True)
    stage_due_at = models.DateTimeField(_("stage due"), null=True, blank=True)
    late_working_days = models.PositiveSmallIntegerField(_("working days late"), default=0)
    reason = models.TextField(_("reason"), blank=True)  # for orders issued by hand, as written

    issuing_organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="supervision_orders_issued",
    )
    responding_organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("addressed to"),
        on_delete=models.PROTECT,
        related_name="supervision_orders_received",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # the supervisor, for orders issued by hand
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="escalated_to"
    )  # the order this one replaced when it was escalated

    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.OPEN, db_index=True
    )
    due_at = models.DateTimeField(_("answer due"))
    # Set when an order at the top level (nobody above) is still unanswered after its deadline.
    flagged_at = models.DateTimeField(_("flagged"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clear_note = models.TextField(_("note on clearing"), blank=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    created_at = models.DateTimeField(_("issued"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["responding_organization", "status"]),
            models.Index(fields=["issuing_organization", "status"]),
            models.Index(fields=["matter", "stage"]),
        ]
        constraints = [
            # The sweep raises at most one open automatic order per matter and stage, however often it runs.
            models.UniqueConstraint(
                fields=["matter", "stage"],
                condition=models.Q(origin=OrderOrigin.AUTOMATIC, status=OrderStatus.OPEN),
                name="supervision_one_open_automatic_order_per_stage",
            ),
            models.CheckConstraint(
                condition=~models.Q(subject=OrderSubject.MATTER) | models.Q(matter__isnull=False),
                name="supervision_matter_order_has_a_matter",
            ),
            models.CheckConstraint(
                condition=~models.Q(subject=OrderSubject.GROUP) | models.Q(group__isnull=False),
                name="supervision_group_order_has_a_group",
            ),
            models.CheckConstraint(
                condition=~models.Q(subject=OrderSubject.ALERT) | models.Q(region__isnull=False),
                name="supervision_alert_order_has_a_region",
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.pk} ({self.status})"

    @property
    def is_automatic(self) -> bool:
        return self.origin == OrderOrigin.AUTOMATIC

    def is_overdue(self, now: object | None = None) -> bool:
        """Return whether the order is open and its answer's due time has passed."""
        moment = now or timezone.now()
        return self.status == OrderStatus.OPEN and self.due_at < moment  # type: ignore[operator]
