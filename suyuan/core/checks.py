from django.conf import settings
from django.core import checks

from suyuan.core import env


@checks.register(checks.Tags.security, deploy=True)
def secrets_from_environment(app_configs, **kwargs):
    """Warn when a production process uses secrets generated into the local development file."""
    if settings.DEBUG or not env.secrets_from_local_file:
        return []
    names = ", ".join(sorted(env.secrets_from_local_file))
    return [
        checks.Warning(
            f"{names} came from the generated local file, not from the environment.",
            hint="Set them in the environment of every app server and worker (see deploy docs).",
            id="suyuan.W001",
        )
    ]
