from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "suyuan.workdays"
    label = "workdays"
    verbose_name = _("Working days")

    def ready(self) -> None:
        from suyuan.workdays import checks, signals  # noqa: F401  (registers the system check and receivers)
