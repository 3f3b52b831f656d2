"""People for the notifications tests, made through the user model alone (this app sits below accounts)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKEND = "suyuan.accounts.backends.StaffPasswordBackend"


def citizen(username: str = "citizen", *, phone: str = "13800000001", email: str = "", **extra: Any) -> Any:
    return get_user_model().objects.create_user(username=username, phone=phone, email=email, **extra)


def operator(username: str = "operator") -> Any:
    """Return a platform operator: a role that must pass a second factor after the password."""
    return get_user_model().objects.create_superuser(username, "a long test password")


def signed_in(user: Any, *, second_factor: bool = True) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    if second_factor and user.is_superuser:
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
