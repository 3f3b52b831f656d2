from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from suyuan.regions.choices import CODE_LENGTH, RegionLevel


class Region(models.Model):
    """An administrative division of China (National Bureau of Statistics codes).

    Codes are hierarchical: a region's code starts with its parent's code (33 → 3308 → 330881 →
    330881001 → 330881001001), so "this region and everything below it" is a prefix match on ``code``.
    """

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # 浙江省衢州市江山市双塔街道: kept denormalised because every list shows it and it never changes
    # within one edition of the codes.
    full_name = models.CharField(_("full name"), max_length=200)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["level", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=RegionLevel.PROVINCE, level__lte=RegionLevel.VILLAGE),
                name="region_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.name

    @property
    def ancestor_codes(self) -> list[str]:
        """Return the codes of this region's ancestors, from the province down, without itself."""
        return [
            self.code[:n] for level, n in CODE_LENGTH.items() if n < len(self.code) and level < self.level
        ]

    def contains(self, code: str) -> bool:
        """Return whether the region with ``code`` is this region or lies below it."""
        return code.startswith(self.code)
