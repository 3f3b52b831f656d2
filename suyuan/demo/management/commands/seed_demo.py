"""Build the Quzhou demo (``seed_demo``) or print its logins (``seed_demo --print-logins``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from suyuan.demo import services
from suyuan.demo.matters import demo_court_counts, demo_feature_counts, demo_matter_counts


class Command(BaseCommand):
    help = (
        "Build the Quzhou demonstration data (organisations, one login per role, and a few hundred matters); "
        "idempotent. "
        "DEMO ONLY: the password and TOTP secret are published."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--print-logins", action="store_true", help="Print the demo logins and exit.")
        parser.add_argument(
            "--county",
            action="append",
            dest="counties",
            metavar="CODE",
            help="Build only this county of Quzhou (repeatable); Jiangshan and Kecheng are always built.",
        )
        parser.add_argument(
            "--no-matters",
            action="store_true",
            help="Leave out the demo matters (organisations and people only).",
        )

    def handle(
        self,
        *args: Any,
        print_logins: bool = False,
        counties: list[str] | None = None,
        no_matters: bool = False,
        **options: Any,
    ) -> None:
        if print_logins:
            self._print_logins()
            return
        try:
            report = services.demo_seed(counties=counties, matters=not no_matters)
        except services.DemoError as exc:
            raise CommandError(str(exc)) from exc
        if report.regions_loaded:
            self.stdout.write("Loaded Zhejiang's regions (villages included).")
        self.stdout.write(
            f"Demo ready in {report.seconds:.1f} s: {report.organizations_total} organisations "
            f"({report.organizations_created} created, {report.organizations_updated} updated), "
            f"{report.users_created} people created, {report.users_updated} updated, "
            f"{report.memberships_created} memberships and {report.devices_created} TOTP devices created."
        )
        if not no_matters:
            self.stdout.write(
                f"Demo matters: {report.matters_created} created in {report.matters_seconds:.1f} s; "
                f"{_by_status(report.matters_by_status)}."
            )
            self.stdout.write(
                f"Demo history (two years, in bulk): {report.history_created} matters created in "
                f"{report.history_seconds:.1f} s."
            )
            self.stdout.write(
                f"Court cases: {report.court_cases_created} created in {report.court_seconds:.1f} s; "
                f"{_by_status(report.court_cases_by_status)}."
            )
            features = ", ".join(f"{name} {n}" for name, n in demo_feature_counts().items())
            self.stdout.write(f"Demo features: {features}.")

    def _print_logins(self) -> None:
        logins = services.demo_logins()
        if not logins:
            raise CommandError("No demo logins found: run `manage.py seed_demo` first.")
        out = self.stdout.write
        out("")
        out("DEMO LOGINS: demo data only, never on a server with real people's data.")
        out(f"Staff sign-in: /accounts/login/   password for every demo login: {services.DEMO_PASSWORD}")
        out("")
        widths = (
            max(len("username"), *(len(x.username) for x in logins)),
            max(len("role"), *(len(x.role) for x in logins)),
        )
        out(f"  {'username':<{widths[0]}}  {'role':<{widths[1]}}  organisation")
        for login in logins:
            totp = "  [TOTP]" if login.needs_totp else ""
            out(f"  {login.username:<{widths[0]}}  {login.role:<{widths[1]}}  {login.organization}{totp}")
        out("")
        out(
            f"Citizen sign-in: phone {services.DEMO_CITIZEN_PHONE} (code by SMS; in development see /dev/sms/)"
        )
        out(f"Demo matters: {_by_status(demo_matter_counts())}")
        out(f"Court cases (江山市人民法院): {_by_status(demo_court_counts())}")
        out("")
        out("[TOTP] logins need a one-time code. Add this DEMO secret to an authenticator app:")
        out(f"  secret (base32): {services.DEMO_TOTP_SECRET}")
        first = next((x for x in logins if x.needs_totp), None)
        if first is not None:
            out(f"  or the URI:      {services.demo_totp_uri(first.username)}")
        out("  This secret is published with the source code: it protects nothing. Demo only.")
        out("")


def _by_status(counts: dict[str, int]) -> str:
    """Return "300 (submitted 20, accepted 14, …)" for a count of matters by status."""
    if not counts:
        return "none"
    return f"{sum(counts.values())} (" + ", ".join(f"{status} {n}" for status, n in counts.items()) + ")"
