from django_tasks import task

from suyuan.accounts import signin


@task()
def prune_sign_in_codes() -> int:
    """Remove sign-in codes of no more use (periodic)."""
    return signin.sign_in_codes_prune()
