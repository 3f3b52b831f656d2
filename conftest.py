"""Fixtures shared by every test: a clean cache and an in-memory SMS outbox."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_side_effects(settings):
    from django.core.cache import cache

    from suyuan.notifications.sms import MemorySmsBackend

    settings.SMS_BACKEND = "suyuan.notifications.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    MemorySmsBackend.references.clear()
    cache.clear()
    # Per-process caches built from database rows that a test's rollback may have removed.
    _clear_process_caches()
    yield
    _clear_process_caches()
    MemorySmsBackend.outbox.clear()
    MemorySmsBackend.references.clear()


def _clear_process_caches() -> None:
    from suyuan.core.memo import clear_all
    from suyuan.workdays.selectors import calendar_cache_clear

    calendar_cache_clear()
    clear_all()


@pytest.fixture
def sms_outbox():
    from suyuan.notifications.sms import MemorySmsBackend

    return MemorySmsBackend.outbox


@pytest.fixture
def english(settings):
    """Run a test in English: for tests that assert on message texts written in English.

    Chinese is the default language; its catalogue is checked as a whole by core's translation tests and
    in the browser tests.
    """
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
