from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suyuan.core.models import AppendOnlyModel
from suyuan.court.choices import CaseType


class CaseNumberCounter(models.Model):
    """The last sequence number a court issued in a year for one type of case; locked to issue the next."""

    court = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    case_type = models.CharField(max_length=32, choices=CaseType.choices)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["court", "year", "case_type"], name="case_number_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.court_id}/{self.year}/{self.case_type}: {self.last}"


class CaseNumber(AppendOnlyModel):
    """A case number a court issued (e.g. (2026)浙0881民初123号): issued once, never changed or reused."""

    court = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    case_type = models.CharField(_("type of case"), max_length=32, choices=CaseType.choices)
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("case number"), max_length=40, unique=True)
    matter = models.ForeignKey(
        "matters.Matter", null=True, blank=True, on_delete=models.PROTECT, related_name="case_numbers"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("case number")
        verbose_name_plural = _("case numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["court", "year", "case_type", "sequence"], name="case_number_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return self.number
