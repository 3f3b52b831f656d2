from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "suyuan.regions"
    label = "regions"
    verbose_name = _("Regions")

    def ready(self) -> None:
        from suyuan.regions import signals  # noqa: F401  (connects the receivers)
