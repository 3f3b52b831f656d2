from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MattersConfig(AppConfig):
    name = "suyuan.matters"
    label = "matters"
    verbose_name = _("Matters")

    def ready(self) -> None:
        from datetime import timedelta

        from suyuan.accounts.models import Organization
        from suyuan.core import periodic
        from suyuan.matters import deadlines, routing, selectors, tasks
        from suyuan.matters.models import Category, DeadlineRule, RoutingRule
        from suyuan.matters.views import documents, respondents

        deadlines.RULES.clear_on_write(DeadlineRule)
        routing.RULES.clear_on_write(RoutingRule, Organization)
        selectors.CATEGORIES.clear_on_write(Category)
        periodic.register(
            "matters.remind_respondents", every=timedelta(minutes=15), task=tasks.remind_respondents
        )
        documents.register_sections()
        respondents.register_sections()
