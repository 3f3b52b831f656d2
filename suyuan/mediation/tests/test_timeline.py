"""The citizen's timeline tells mediation steps in plain words, with their details."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import sign_in
from suyuan.mediation import services
from suyuan.mediation.choices import SessionMode
from suyuan.mediation.tests.conftest import make_effective, record

pytestmark = pytest.mark.django_db


def test_sessions_extension_and_confirmations_read_plainly(world, in_mediation, english):
    mediator = world.staff[Role.MEDIATOR]
    starts = timezone.localtime(timezone.now() + dt.timedelta(days=3)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    services.session_schedule(
        matter=in_mediation,
        actor=mediator,
        starts_at=starts,
        mode=SessionMode.IN_PERSON,
        place="村委会调解室",
    )
    services.mediation_extend(matter=in_mediation, actor=mediator, days=15, consent="双方当面同意延长")
    make_effective(world, record(world, in_mediation))
    page = sign_in(Client(), world.citizen).get(f"/matters/{in_mediation.display_code}/").content.decode()
    assert f"Mediation session on {starts:%Y-%m-%d %H:%M}" in page
    assert "Mediation period extended by 15 days" in page
    assert "楼上住户 confirmed the agreement" in page
