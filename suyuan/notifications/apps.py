from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "suyuan.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from datetime import timedelta

        from suyuan.core import periodic
        from suyuan.notifications import tasks

        periodic.register("notifications.sweep_outbox", every=timedelta(minutes=1), task=tasks.sweep_outbox)
