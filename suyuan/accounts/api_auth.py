"""Authentication of API requests: the browser's session, or a bearer token for machine clients."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from suyuan.accounts.models import ApiToken, User

TOKEN_PREFIX = "sy_"  # noqa: S105 - a public prefix that marks our tokens, not a secret


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        now = timezone.now()
        row = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return None
        # Touch at most once a minute so a busy client does not write on every request.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        request.auth_via_token = True  # type: ignore[attr-defined]
        return row.user


class StaffSessionAuth(SessionAuth):
    """Session auth that also refuses staff who still owe their second factor."""

    def authenticate(self, request: HttpRequest, key: Any) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        from suyuan.accounts.middleware import needs_second_factor

        if not user.is_verified() and needs_second_factor(user):
            return None
        return user
