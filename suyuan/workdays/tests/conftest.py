"""Every test starts and ends with an empty calendar cache: a test's writes are rolled back, its cache is not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from suyuan.workdays import selectors


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    selectors.calendar_cache_clear()
    yield
    selectors.calendar_cache_clear()


@pytest.fixture
def operator(db):
    """A platform operator: may change the calendar."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("operator", "a long password 1")


@pytest.fixture
def clerk(db):
    """A user without the permission to change the calendar."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("clerk", "a long password 2")
