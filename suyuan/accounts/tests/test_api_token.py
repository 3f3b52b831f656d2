"""API tokens: created once by a management command, stored as a hash, refused when revoked or expired."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from suyuan.accounts.choices import AuditKind, Role
from suyuan.accounts.models import ApiToken, AuditEvent
from suyuan.accounts.tests.factories import OrganizationFactory, UserFactory, staff
from suyuan.regions.tests.factories import make_real_regions

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _create(username: str, name: str = "court docking", days: int | None = None) -> str:
    out, err = StringIO(), StringIO()
    options: dict[str, object] = {"username": username, "name": name}
    if days is not None:
        options["days"] = days
    call_command("create_api_token", stdout=out, stderr=err, **options)
    return out.getvalue().strip()


def _me(client, token: str):
    return client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_command_prints_a_token_once_and_stores_only_its_hash():
    user = UserFactory.create(username="robot")

    raw = _create("robot")

    assert raw.startswith("sy_") and len(raw) > 40
    row = ApiToken.objects.get()
    assert row.user == user and row.name == "court docking"
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(row.prefix) and len(row.prefix) < len(raw) // 3
    assert row.expires_at is None and row.revoked_at is None
    stored = [str(v) for v in ApiToken.objects.values_list().get()]
    assert raw not in stored
    event = AuditEvent.objects.get(kind=AuditKind.TOKEN_CREATED)
    assert event.target == f"accounts.apitoken:{row.pk}"
    assert "robot" in event.reason


def test_each_token_is_new():
    UserFactory.create(username="robot")

    assert _create("robot") != _create("robot")


def test_the_token_authenticates_the_api(client):
    UserFactory.create(username="robot", full_name="对接机器人")
    raw = _create("robot")

    response = _me(client, raw)

    assert response.status_code == 200
    assert response.json()["username"] == "robot"
    assert ApiToken.objects.get().last_used_at is not None


def test_a_token_of_a_supervisor_is_not_held_back_by_the_second_factor(client):
    organization = OrganizationFactory.create(region=make_real_regions()["330881"])
    staff(Role.SUPERVISOR, organization, username="boss")
    raw = _create("boss")

    assert _me(client, raw).status_code == 200


def test_a_revoked_token_is_refused(client):
    UserFactory.create(username="robot")
    raw = _create("robot")
    ApiToken.objects.update(revoked_at=timezone.now())

    assert _me(client, raw).status_code == 401


def test_an_expired_token_is_refused(client):
    UserFactory.create(username="robot")
    with time_machine.travel(START, tick=False) as traveller:
        raw = _create("robot", days=1)
        assert ApiToken.objects.get().expires_at == START + dt.timedelta(days=1)
        assert _me(client, raw).status_code == 200

        traveller.shift(dt.timedelta(days=1, seconds=1))
        assert _me(client, raw).status_code == 401


def test_a_disabled_user_s_token_and_made_up_tokens_are_refused(client):
    user = UserFactory.create(username="robot")
    raw = _create("robot")
    user.is_active = False
    user.save()

    assert _me(client, raw).status_code == 401
    assert _me(client, "sy_" + "x" * 43).status_code == 401
    assert _me(client, "not-a-token").status_code == 401
    assert client.get("/api/me").status_code == 401


def test_the_command_refuses_unknown_users_and_bad_lifetimes():
    UserFactory.create(username="robot")

    with pytest.raises(CommandError, match="No user"):
        _create("nobody")
    with pytest.raises(CommandError):
        _create("robot", days=0)
    with pytest.raises(CommandError):
        _create("robot", name="  ")
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.exists()
