from django_tasks import task

from suyuan.court import services


@task()
def close_effective_cases() -> int:
    """Close the cases whose appeal period ended without an appeal (periodic; idempotent)."""
    return services.cases_close_effective()
