from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CourtConfig(AppConfig):
    name = "suyuan.court"
    label = "court"
    verbose_name = _("Court")

    def ready(self) -> None:
        from suyuan.core import periodic
        from suyuan.court import sections_portal, sections_staff, tasks, time_limits
        from suyuan.court.models import TimeLimit

        time_limits.RULES.clear_on_write(TimeLimit)
        sections_staff.register_all()
        sections_portal.register_all()
        periodic.register("court.close_effective", every=timedelta(hours=1), task=tasks.close_effective_cases)
