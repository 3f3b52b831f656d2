from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "suyuan.matters"
    label = "matters"
    verbose_name = _("Matters")

    def ready(self) -> None:
        from suyuan.accounts.models import Organization
        from suyuan.matters import deadlines, routing
        from suyuan.matters.models import DeadlineRule, RoutingRule
        from suyuan.matters.views import documents

        deadlines.RULES.clear_on_write(DeadlineRule)
        routing.RULES.clear_on_write(RoutingRule, Organization)
        documents.register_sections()
