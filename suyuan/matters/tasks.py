"""Background jobs of matters: take ids (or nothing), call a service, safe to run twice."""

from django_tasks import task

from suyuan.matters import imports, respondents


@task()
def check_import_batch(batch_id: int) -> str:
    """Run the dry run of an uploaded batch; a repeat for a checked batch does nothing."""
    return imports.import_batch_check(batch_id=batch_id).status


@task()
def run_import_batch(batch_id: int) -> str:
    """Import a batch's valid rows; a repeat files nothing twice and resumes after the rows already filed."""
    return imports.import_batch_run(batch_id=batch_id).status


@task()
def remind_respondents() -> int:
    """Send the respondents' reminders that are due and open the grid workers' visits (periodic)."""
    return respondents.invitations_remind_due()
