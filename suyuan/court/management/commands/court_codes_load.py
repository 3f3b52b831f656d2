"""Create the court codes of a province's courts from its administrative divisions (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from suyuan.court.codes import court_codes_load


class Command(BaseCommand):
    help = (
        "Create the code (法院代字) of every court of a province from its divisions: the high court, one "
        "intermediate court per city, one basic court per county. Codes edited since are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province", default="33", help="Two-digit province code (default 33, Zhejiang)."
        )

    def handle(self, *args: Any, province: str, **options: Any) -> None:
        created, kept = court_codes_load(province=province)
        self.stdout.write(
            _("Court codes: %(created)d created, %(kept)d kept.") % {"created": created, "kept": kept}
        )
