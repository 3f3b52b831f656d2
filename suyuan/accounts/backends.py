from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from suyuan.accounts.models import User


class StaffPasswordBackend(ModelBackend):
    """Authenticate by username and password; citizens, who have no usable password, never match."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            # Run the hasher anyway so a wrong username takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.has_usable_password() and user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
