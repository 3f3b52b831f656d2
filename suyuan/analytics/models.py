"""The read models behind the figures, kept from the matters' events (see ``facts.py``).

Nothing here is a source of truth: ``manage.py analytics_rebuild`` recomputes every row from the matters
and their events, and a test shows the kept rows equal the rebuilt ones.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.analytics.choices import AlertKind, AlertStatus, Measure, Stage


class MatterFact(models.Model):
    """One matter as the figures see it (``facts.Fact``), with the last event it was derived from."""

    matter = models.OneToOneField(
        "matters.Matter", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    region = models.CharField(max_length=12)
    category_id = models.IntegerField(null=True, blank=True)  # matters.Category, kept as a plain number
    kind = models.CharField(max_length=16)
    channel = models.CharField(max_length=20)
    received_on = models.DateField()
    concluded_on = models.DateField(null=True, blank=True)
    stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    days = models.IntegerField(null=True, blank=True)
    mediation = models.CharField(max_length=10, blank=True)
    mediation_on = models.DateField(null=True, blank=True)
    overdue = models.BooleanField(default=False)
    agreement = models.CharField(max_length=10, blank=True)
    agreement_on = models.DateField(null=True, blank=True)
    court_filed_on = models.DateField(null=True, blank=True)
    rating = models.SmallIntegerField(null=True, blank=True)
    rated_on = models.DateField(null=True, blank=True)
    returned = models.BooleanField(default=False)
    last_event_id = models.BigIntegerField(default=0)
    derived_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("matter fact")
        verbose_name_plural = _("matter facts")
        indexes = [
            models.Index(fields=["region", "received_on"], name="fact_region_received"),
            models.Index(fields=["region", "concluded_on"], name="fact_region_concluded"),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.received_on}"


class MonthlyCount(models.Model):
    """How many matters a measure counts in one month, county and category (receipts also by kind and
    channel); township rows (9-digit region) count receipts only, by category. ``value`` is the days to
    conclusion (``concluded``) or the score (``rated``). See ``facts.contributions``."""

    month = models.DateField()  # its first day
    region = models.CharField(max_length=12)
    category_id = models.IntegerField(default=0)  # 0: no category
    kind = models.CharField(max_length=16, blank=True)
    channel = models.CharField(max_length=20, blank=True)
    measure = models.CharField(max_length=24, choices=Measure.choices)
    stage = models.CharField(max_length=16, blank=True)
    value = models.IntegerField(default=0)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("monthly count")
        verbose_name_plural = _("monthly counts")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region", "category_id", "kind", "channel", "measure", "stage", "value"],
                name="analytics_monthly_key",
            )
        ]
        indexes = [models.Index(fields=["region", "month"], name="analytics_monthly_region")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region} {self.measure} {self.count}"


class DailyCount(models.Model):
    """Matters received per day, place (county and township rows) and category: what early warning reads."""

    day = models.DateField()
    region = models.CharField(max_length=12)
    category_id = models.IntegerField(default=0)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [
            models.UniqueConstraint(fields=["day", "region", "category_id"], name="analytics_daily_key")
        ]
        indexes = [models.Index(fields=["region", "category_id", "day"], name="analytics_daily_series")]

    def __str__(self) -> str:
        return f"{self.day} {self.region} {self.count}"


class MonthlyActivity(models.Model):
    """Who was active in a county or township in a month (``facts.activity``): a mediator who took a
    mediation step, a party who acted with their own account. Only for distinct counts of people (active
    mediators, citizens using their accounts); never shown per person."""

    month = models.DateField()
    region = models.CharField(max_length=12)  # a county or a township
    role = models.CharField(max_length=10)
    user_id = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region", "month", "role", "user_id"], name="analytics_activity_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.region} {self.role}"


class RegionPopulation(models.Model):
    """Residents of a county or township, entered by an administrator with its source, so figures can be
    given per 10,000 residents (the latest year at or before the period is used)."""

    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    residents = models.PositiveIntegerField(_("residents"))
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("population")
        verbose_name_plural = _("populations")
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="analytics_population_key")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}: {self.residents}"


class Alert(models.Model):
    """An early warning for a place: why (numbers, a baseline, the matters behind it), and what the
    command room did with it. One live alert per subject (``subject`` names what it is about: a place and
    category, a group, a matter, a township's overdue matters)."""

    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    subject = models.CharField(max_length=64)
    region = models.CharField(_("place"), max_length=12)
    category_id = models.IntegerField(null=True, blank=True)
    window_start = models.DateField(null=True, blank=True)
    window_end = models.DateField(null=True, blank=True)
    # Counts only: observed, expected, ratio, p-value, method, the baseline periods, flag kinds …
    numbers = models.JSONField(default=dict)
    matter_ids = models.JSONField(default=list)  # the matters behind it (at most MAX_MATTERS)
    detected_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    acknowledged_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.TextField(_("why it was dismissed"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The first supervision order issued on the alert (its escalations follow ``escalated_to``).
    supervision_order = models.ForeignKey(
        "supervision.SupervisionOrder",
        verbose_name=_("supervision order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_alerts",
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["subject"],
                condition=models.Q(status__in=["open", "acknowledged"]),
                name="analytics_one_live_alert",
            )
        ]
        indexes = [models.Index(fields=["region", "status"], name="analytics_alert_region")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} {self.status}"
