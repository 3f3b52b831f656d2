"""Recompute the figures' read models from the matters and their events."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from suyuan.analytics import services


class Command(BaseCommand):
    help = "Recompute every matter's facts and the monthly and daily counts from the matters' events."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        counts = services.facts_rebuild()
        self.stdout.write(
            _(
                "Rebuilt in %(seconds).1f s: %(facts)d matters, %(monthly)d monthly rows, %(daily)d daily rows."
            )
            % {"seconds": time.perf_counter() - started, **counts}
        )
