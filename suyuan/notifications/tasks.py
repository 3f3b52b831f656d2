from django_tasks import task

from suyuan.notifications import services


@task()
def deliver_message(message_id: int) -> str:
    """Deliver one outbox message; a repeat of the task for a delivered message does nothing."""
    return services.message_deliver(message_id=message_id).status


@task()
def sweep_outbox() -> int:
    """Re-enqueue outbox messages a crash or a broker restart left without a task (periodic)."""
    return services.messages_sweep()
