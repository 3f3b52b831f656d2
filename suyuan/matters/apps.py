from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "suyuan.matters"
    label = "matters"
    verbose_name = _("Matters")

    def ready(self) -> None:
        from datetime import timedelta

        from suyuan.core import periodic
        from suyuan.matters import tasks
        from suyuan.matters.views import respondents

        periodic.register(
            "matters.remind_respondents", every=timedelta(minutes=15), task=tasks.remind_respondents
        )
        respondents.register_sections()
