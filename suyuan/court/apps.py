from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CourtConfig(AppConfig):
    name = "suyuan.court"
    label = "court"
    verbose_name = _("Court")
