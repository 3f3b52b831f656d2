"""The real division data, loaded once for the regions tests and removed after them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from suyuan.regions import address
from suyuan.regions.choices import RegionLevel
from suyuan.regions.models import Region
from suyuan.regions.services import LoadReport, regions_load


@dataclass(frozen=True)
class LoadedRegions:
    first: LoadReport  # into an empty table
    second: LoadReport  # the same load again


@pytest.fixture(scope="package")
def loaded_regions(django_db_setup, django_db_blocker) -> Iterator[LoadedRegions]:
    """Load the data as ``make db`` does, committed, once for this package's tests.

    That is every province, city and county, and Zhejiang's townships and villages: about 30,000 rows.

    Loading takes a few seconds, too long for every test; tests still run in their own transaction, so
    what they change is rolled back and this data stays as loaded. Other apps' tests expect an empty
    table, hence the removal at the end (deepest level first, as parents are protected).
    """
    with django_db_blocker.unblock():
        assert not Region.objects.exists(), "the regions table should be empty before the regions tests"
        loaded = LoadedRegions(
            first=regions_load(province="33", villages=True),
            second=regions_load(province="33", villages=True),
        )
        yield loaded
        for level in sorted(RegionLevel, reverse=True):
            Region.objects.filter(level=level)._raw_delete(Region.objects.db)
        address.invalidate_index()


@pytest.fixture
def regions(loaded_regions: LoadedRegions, db) -> LoadedRegions:
    """Give a test the loaded data inside its own transaction."""
    return loaded_regions


@pytest.fixture(autouse=True)
def _fresh_address_index() -> Iterator[None]:
    # A test that changed regions has its changes rolled back afterwards, so the index it leaves behind
    # is wrong while the one from before it is right again; building one takes half a second.
    index, invalidations = address._index, address.invalidations
    yield
    if address.invalidations != invalidations:
        address._index = index
