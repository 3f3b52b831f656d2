import time

from django.core.management.base import BaseCommand, CommandParser

from suyuan.core import periodic


class Command(BaseCommand):
    help = "Start the periodic jobs (sweeps, reminders, overdue checks) when due; runs until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=15.0, help="seconds between checks")
        parser.add_argument("--once", action="store_true", help="check once and exit")

    def handle(self, *args, **options):
        names = ", ".join(f"{job.name} (every {job.every})" for job in periodic.jobs()) or "none"
        self.stdout.write(f"clock: jobs {names}")
        while True:
            for name in periodic.tick():
                self.stdout.write(f"clock: started {name}")
            if options["once"]:
                return
            time.sleep(options["interval"])
