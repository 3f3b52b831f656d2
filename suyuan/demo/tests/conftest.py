"""Fixtures for the demo's tests: a small slice of real Quzhou regions."""

from __future__ import annotations

import pytest

from suyuan.regions.tests.factories import make_real_regions, make_region

SLICE = ["330881", "330802"]
# A task backend that keeps what is enqueued and runs nothing: building the demo matters queues hundreds
# of notices, and delivering them one by one (as the tests' immediate backend does) only takes time.
QUIET_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def make_small_quzhou() -> list[str]:
    """Create a slice of real regions: Jiangshan and Kecheng, a few townships and villages; return the counties."""
    make_real_regions()
    make_region("330802005", "新新街道")
    make_region("330802005001", "金桂社区")
    return list(SLICE)


@pytest.fixture
def small_quzhou(db) -> list[str]:
    return make_small_quzhou()
