"""The read models kept from real commands equal the ones rebuilt from scratch; the sweep catches up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import World, build_world
from suyuan.analytics import services
from suyuan.analytics.choices import Measure, Stage
from suyuan.analytics.models import DailyCount, MatterFact, MonthlyActivity, MonthlyCount
from suyuan.matters import services as matter_services
from suyuan.matters.choices import PartyRole
from suyuan.matters.models import Category, Matter
from suyuan.matters.services import PartyInput
from suyuan.matters.tests.conftest import file_dispute

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> World:
    return build_world()


def snapshot() -> tuple[set[tuple[Any, ...]], ...]:
    facts = set(
        MatterFact.objects.values_list(
            "matter_id", "region", "category_id", "kind", "channel", "received_on", "concluded_on", "stage",
            "days", "mediation", "overdue", "agreement", "court_filed_on", "rating", "returned", "last_event_id",
        )
    )  # fmt: skip
    monthly = set(
        MonthlyCount.objects.values_list(
            "month", "region", "category_id", "kind", "channel", "measure", "stage", "value", "count"
        )
    )
    daily = set(DailyCount.objects.values_list("day", "region", "category_id", "count"))
    activity = set(MonthlyActivity.objects.values_list("month", "region", "role", "user_id"))
    return facts, monthly, daily, activity


def mediate(world: World, matter: Matter, *, agree: bool) -> Matter:
    dispatcher, mediator = world.staff[Role.DISPATCHER], world.staff[Role.MEDIATOR]
    matter = matter_services.matter_accept(matter=matter, actor=dispatcher)
    matter = matter_services.matter_assign(
        matter=matter, actor=dispatcher, organization=world.orgs["township"], mediator=mediator
    )
    matter = matter_services.matter_start_mediation(matter=matter, actor=mediator)
    if agree:
        return matter_services.matter_record_agreement(
            matter=matter, actor=mediator, terms="晚上八点后停止施工。"
        )
    return matter_services.matter_record_failure(
        matter=matter, actor=mediator, reason="双方分歧较大，无法达成一致。", route="arbitration"
    )


def test_kept_rows_equal_rebuilt_rows(world, django_capture_on_commit_callbacks, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC), tick=False)
    phone = "13900007777"
    applicant = [
        PartyInput(role=PartyRole.APPLICANT, name="市民丁", phone=phone),
        PartyInput(role=PartyRole.RESPONDENT, name="邻居", phone="13900008888"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        agreed = mediate(world, file_dispute(world, parties=applicant), agree=True)
        failed = mediate(world, file_dispute(world), agree=False)
        withdrawn = file_dispute(world)
        matter_services.matter_withdraw(matter=withdrawn, actor=world.citizen, reason="已自行协商解决")
    time_machine.move_to(dt.datetime(2026, 4, 20, 2, tzinfo=dt.UTC), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        again = file_dispute(world, parties=applicant)  # the same applicant, 49 days after the agreement
        matter_services.matter_categorize(
            matter=again,
            actor=world.staff[Role.DISPATCHER],
            category=Category.objects.get(code="property_management"),
        )
    kept = snapshot()
    assert len(kept[0]) == 4
    # The mediator in March; the citizen in March (filed, withdrew) and April (filed again).
    mediator, citizen = world.staff[Role.MEDIATOR].pk, world.citizen.pk
    assert {(row[0], row[2], row[3]) for row in kept[3]} == {
        (dt.date(2026, 3, 1), "mediator", mediator),
        (dt.date(2026, 3, 1), "citizen", citizen),
        (dt.date(2026, 4, 1), "citizen", citizen),
    }

    by_matter = {row[0]: row for row in kept[0]}
    assert by_matter[agreed.pk][7] == Stage.MEDIATION
    assert by_matter[failed.pk][7] == Stage.ARBITRATION
    assert by_matter[withdrawn.pk][7] == Stage.OTHER
    assert by_matter[again.pk][-2] is True  # came back within 180 days
    # The corrected category moved the new matter's rows: nothing counts under its first category.
    property_id = Category.objects.get(code="property_management").pk
    assert MonthlyCount.objects.filter(
        category_id=property_id, measure=Measure.RECEIVED, month=dt.date(2026, 4, 1)
    ).exists()
    assert (
        not MonthlyCount.objects.filter(month=dt.date(2026, 4, 1)).exclude(category_id=property_id).exists()
    )

    services.facts_rebuild()
    assert snapshot() == kept


def test_refreshing_twice_counts_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        matter = mediate(world, file_dispute(world), agree=True)
    before = snapshot()
    assert services.facts_refresh(matter_ids=[matter.pk, matter.pk]) == 0
    assert snapshot() == before


def test_the_sweep_finds_a_refresh_that_was_lost(world):
    matter = mediate(world, file_dispute(world), agree=True)  # no on-commit callbacks: refreshes "lost"
    assert not MatterFact.objects.exists()
    assert services.stale_matter_ids() == [matter.pk]
    services.facts_refresh(matter_ids=services.stale_matter_ids())
    assert services.stale_matter_ids() == []
    assert MatterFact.objects.get(matter=matter).stage == Stage.MEDIATION
