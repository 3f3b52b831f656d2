from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "suyuan.mediation"
    label = "mediation"
    verbose_name = _("Mediation")
