"""Background work of matters: the dry run of a long import file and the import itself."""

from django_tasks import task

from suyuan.matters import imports


@task()
def check_import_batch(batch_id: int) -> str:
    """Run the dry run of an uploaded batch; a repeat for a checked batch does nothing."""
    return imports.import_batch_check(batch_id=batch_id).status


@task()
def run_import_batch(batch_id: int) -> str:
    """Import a batch's valid rows; a repeat files nothing twice and resumes after the rows already filed."""
    return imports.import_batch_run(batch_id=batch_id).status
