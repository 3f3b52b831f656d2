from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "suyuan.matters"
    label = "matters"
    verbose_name = _("Matters")

    def ready(self) -> None:
        from suyuan.matters.views import documents

        documents.register_sections()
