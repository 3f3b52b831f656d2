"""Create a bearer token for a machine client that acts as a user; the token is printed once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from suyuan.accounts.models import User
from suyuan.accounts.signin import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it once; only its hash is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="the user the client acts as")
        parser.add_argument("--name", required=True, help="what the token is for, e.g. 'court docking'")
        parser.add_argument("--days", type=int, default=None, help="days until it expires (default: never)")

    def handle(self, *args: Any, username: str, name: str, days: int | None, **options: Any) -> None:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user is called {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"The user {username!r} is disabled.")
        try:
            token, raw = api_token_create(user=user, name=name, days=days)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M %Z}" if token.expires_at else "does not expire"
        self.stderr.write(f"Token {token.prefix}… for {user.username} ({token.name}), {expiry}.")
        self.stderr.write("Store it now: it is shown only this once.")
        self.stdout.write(raw)
