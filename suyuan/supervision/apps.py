from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "suyuan.supervision"
    label = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from datetime import timedelta

        from django.conf import settings

        from suyuan.core import periodic
        from suyuan.matters import sections as matter_sections
        from suyuan.supervision import tasks, views

        every = timedelta(minutes=settings.SUPERVISION_SWEEP_MINUTES)
        periodic.register("supervision.raise_overdue", every=every, task=tasks.raise_overdue)
        periodic.register("supervision.escalate_due", every=every, task=tasks.escalate_due)
        matter_sections.register(
            matter_sections.Section(
                key="supervision",
                audience="staff",
                template="supervision/_matter_section.html",
                context=views.matter_section_context,
                order=50,
            )
        )
