"""Load China's administrative divisions from the packaged data (see suyuan/regions/data/README.md)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from suyuan.regions.choices import RegionLevel
from suyuan.regions.services import VILLAGE_PROVINCES, regions_load


class Command(BaseCommand):
    help = (
        "Load China's administrative divisions (2023 statistical codes). Provinces, cities and counties are "
        "always loaded for the whole country; townships for the whole country, or only for --province; "
        "villages only with --villages, and only where the packaged data has them (Zhejiang, 33). Idempotent: "
        "new regions are inserted, changed ones updated, and none is ever deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            metavar="CODE",
            help="Load townships (and villages) of this province only, by its two-digit code (33 = Zhejiang). "
            "Provinces, cities and counties are loaded for the whole country regardless.",
        )
        parser.add_argument(
            "--villages",
            action="store_true",
            help="Also load villages and residents' committees (Zhejiang only).",
        )

    def handle(self, *args: Any, province: str | None, villages: bool, **options: Any) -> None:
        if villages and province is not None and province not in VILLAGE_PROVINCES:
            self.stderr.write(_("The packaged village data covers Zhejiang (33) only: no villages loaded."))
        try:
            report = regions_load(province=province, villages=villages)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        counts = ", ".join(
            f"{RegionLevel(level).label} {count:,}" for level, count in sorted(report.rows_by_level.items())
        )
        self.stdout.write(_("Regions in the data: %(counts)s.") % {"counts": counts})
        self.stdout.write(
            _("Inserted %(inserted)s, updated %(updated)s, unchanged %(unchanged)s in %(seconds).2f s.")
            % {
                "inserted": f"{report.inserted:,}",
                "updated": f"{report.updated:,}",
                "unchanged": f"{report.unchanged:,}",
                "seconds": report.seconds,
            }
        )
