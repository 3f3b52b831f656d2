"""Fixtures shared by every test: a clean cache and an in-memory SMS outbox."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_side_effects(settings):
    from django.core.cache import cache

    from suyuan.notifications.sms import MemorySmsBackend

    settings.SMS_BACKEND = "suyuan.notifications.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    cache.clear()
    yield
    MemorySmsBackend.outbox.clear()


@pytest.fixture
def sms_outbox():
    from suyuan.notifications.sms import MemorySmsBackend

    return MemorySmsBackend.outbox
