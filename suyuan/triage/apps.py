from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "suyuan.triage"
    label = "triage"
    verbose_name = _("Triage")

    def ready(self) -> None:
        from suyuan.core import periodic
        from suyuan.matters import hooks
        from suyuan.triage import sections, tasks

        hooks.on_received("triage", tasks.enqueue_triage)
        sections.register_all()
        periodic.register("triage.sweep", every=timedelta(minutes=10), task=tasks.sweep_untriaged)
        periodic.register("triage.train", every=timedelta(days=1), task=tasks.train_default_models)
