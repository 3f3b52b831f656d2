"""A township's or a village's figures come from its facts grouped by the database; they must count what
``facts.contributions`` counts for those facts at the county (the rollups' rule), measure by measure."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import fields

import pytest

from suyuan.analytics import facts, selectors
from suyuan.analytics.models import MatterFact
from suyuan.analytics.tests.conftest import MARCH

pytestmark = pytest.mark.django_db

FACT_FIELDS = [f.name for f in fields(facts.Fact)]


def reference(filters: selectors.Filters) -> Counter[tuple[object, ...]]:
    """What the rollups' rule counts for the place's facts in the period, months summed."""
    last = (filters.end.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    found: Counter[tuple[object, ...]] = Counter()
    for values in MatterFact.objects.filter(region__startswith=filters.region.code).values(*FACT_FIELDS):
        for (month, region, *rest), n in facts.contributions(facts.Fact(**values)).items():
            if len(region) == facts.COUNTY and filters.start <= month <= last:
                found[tuple(rest)] += n
    return found


def grouped(filters: selectors.Filters) -> Counter[tuple[object, ...]]:
    found: Counter[tuple[object, ...]] = Counter()
    for (_month, *rest), n in selectors._rows(filters).items():
        found[tuple(rest)] += n
    return found


@pytest.mark.parametrize("code", ["330881001", "330881001001"])
@pytest.mark.parametrize(
    "period", [MARCH, {"start": "2026-01", "end": "2026-12"}, {"start": "2026-04", "end": "2026-04"}]
)
def test_grouped_rows_equal_the_contributions_of_the_facts(world, march, code, period):
    filters = selectors.parse_filters(world.operator, {"region": code, **period})
    expected = reference(filters)
    assert grouped(filters) == expected
    if period == MARCH:
        assert sum(expected.values()) > 5  # the hand-computed month counts something of every kind
