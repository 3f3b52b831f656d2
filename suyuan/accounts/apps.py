from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "suyuan.accounts"
    label = "accounts"
    verbose_name = _("People and organisations")

    def ready(self) -> None:
        from datetime import timedelta

        from suyuan.accounts import tasks
        from suyuan.core import periodic

        periodic.register(
            "accounts.prune_sign_in_codes", every=timedelta(hours=1), task=tasks.prune_sign_in_codes
        )
