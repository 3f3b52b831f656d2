"""Background jobs of matters: take ids (or nothing), call a service, safe to run twice."""

from django_tasks import task

from suyuan.matters import respondents


@task()
def remind_respondents() -> int:
    """Send the respondents' reminders that are due and open the grid workers' visits (periodic)."""
    return respondents.invitations_remind_due()
