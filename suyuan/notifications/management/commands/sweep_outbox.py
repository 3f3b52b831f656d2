from django.core.management.base import BaseCommand

from suyuan.notifications.services import messages_sweep


class Command(BaseCommand):
    help = "Re-enqueue outbox messages that are due but have no task (run every minute from a timer)."

    def handle(self, *args, **options):
        count = messages_sweep()
        self.stdout.write(f"re-enqueued {count} message(s)")
