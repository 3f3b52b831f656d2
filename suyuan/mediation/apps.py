from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "suyuan.mediation"
    label = "mediation"
    verbose_name = _("Mediation")

    def ready(self) -> None:
        from suyuan.core import periodic
        from suyuan.mediation import sections, tasks

        periodic.register(
            "mediation.obligation_reminders", every=timedelta(hours=1), task=tasks.send_obligation_reminders
        )
        sections.register_all()
