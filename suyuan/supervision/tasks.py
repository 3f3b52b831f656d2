from django_tasks import task

from suyuan.supervision import services


@task()
def raise_overdue() -> int:
    """Raise supervision orders for matters whose stage deadline passed (periodic, safe to repeat)."""
    return len(services.orders_raise_overdue())


@task()
def escalate_due() -> int:
    """Escalate supervision orders not answered in time (periodic, safe to repeat)."""
    result = services.orders_escalate_due()
    return len(result.escalated) + len(result.flagged)
