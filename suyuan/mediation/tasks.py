from django_tasks import task

from suyuan.mediation import services


@task()
def send_obligation_reminders() -> int:
    """Send the obligation reminders that are due (periodic; each reminder is sent once)."""
    return services.obligation_reminders_send()
