from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "suyuan.analytics"
    label = "analytics"
    verbose_name = _("Figures and early warning")

    def ready(self) -> None:
        from suyuan.analytics import facts, tasks
        from suyuan.core import periodic
        from suyuan.matters import hooks

        hooks.on_event("analytics", tasks.enqueue_refresh, kinds=facts.REFRESH_EVENTS)
        periodic.register("analytics.sweep", every=timedelta(minutes=10), task=tasks.sweep_stale_facts)
        periodic.register("analytics.alerts", every=timedelta(hours=1), task=tasks.detect_alerts)
