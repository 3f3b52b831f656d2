"""Queue counts: cached until a matter changes, the minute turns or the viewer's memberships change."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suyuan.matters import selectors, services
from suyuan.matters.tests.conftest import file_dispute

pytestmark = pytest.mark.django_db


def _counting(actor):
    with CaptureQueriesContext(connection) as ctx:
        counts = selectors.queue_counts(actor=actor)
    counted = any("COUNT(" in q["sql"] for q in ctx.captured_queries)
    return counts, counted


def test_counts_are_cached_until_a_matter_changes(world):
    dispatcher = world.staff["dispatcher"]
    # Time runs (as it does): every change has a later ``updated_at`` than the one before.
    with time_machine.travel(timezone.now().replace(second=5), tick=True):
        matter = file_dispute(world)
        first, counted = _counting(dispatcher)
        assert counted and first["new"] == 1
        again, counted = _counting(dispatcher)
        assert again == first and not counted
        services.matter_accept(matter=matter, actor=dispatcher)
        after, counted = _counting(dispatcher)
    assert counted
    assert after["new"] == 0 and after["open"] == 1


def test_counts_are_made_afresh_when_the_minute_turns(world):
    dispatcher = world.staff["dispatcher"]
    start = timezone.now().replace(second=5)
    with time_machine.travel(start, tick=False):
        file_dispute(world)
        _counting(dispatcher)
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=False):
        _, counted = _counting(dispatcher)
    assert counted


def test_each_viewer_has_their_own_counts(world):
    file_dispute(world)
    assert selectors.queue_counts(actor=world.staff["dispatcher"])["new"] == 1
    assert selectors.queue_counts(actor=world.kecheng)["new"] == 0


class TestQueuePage:
    def _queue(self, world, n=12):
        for i in range(n):
            file_dispute(world, title=f"邻里纠纷 {i}")
        dispatcher = world.staff["dispatcher"]
        matters = selectors.matter_list(actor=dispatcher, queue=selectors.Queue.NEW)
        return matters, selectors.queue_counts(actor=dispatcher)[selectors.Queue.NEW]

    def test_pages_are_the_same_as_the_plain_query(self, world):
        matters, count = self._queue(world)
        source = selectors.QueuePage(matters, count=count)
        for start, stop in ((0, 5), (5, 10), (10, 15)):
            with CaptureQueriesContext(connection) as ctx:
                page = source[start:stop]
            assert [m.pk for m in page] == [m.pk for m in matters[start:stop]]
            if connection.vendor == "sqlite":
                assert any("INDEXED BY matter_created_id" in q["sql"] for q in ctx.captured_queries)

    def test_a_small_queue_in_a_big_table_keeps_the_planners_plan(self, world, monkeypatch):
        matters, count = self._queue(world, n=3)
        monkeypatch.setattr(selectors, "SCAN_BUDGET", 1)
        with CaptureQueriesContext(connection) as ctx:
            page = selectors.QueuePage(matters, count=count)[0:2]
        assert [m.pk for m in page] == [m.pk for m in matters[0:2]]
        assert not any("INDEXED BY" in q["sql"] for q in ctx.captured_queries)

    def test_the_earliest_deadline_first_queues_walk_their_index_too(self, world):
        self._queue(world, n=6)
        dispatcher = world.staff["dispatcher"]
        later = timezone.now() + dt.timedelta(days=30)
        with time_machine.travel(later, tick=False):
            overdue = selectors.matter_list(actor=dispatcher, queue=selectors.Queue.OVERDUE)
            count = selectors.queue_counts(actor=dispatcher)[selectors.Queue.OVERDUE]
            assert count == 6
            with CaptureQueriesContext(connection) as ctx:
                page = selectors.QueuePage(overdue, count=count)[0:4]
            assert [m.pk for m in page] == [m.pk for m in overdue[0:4]]
        if connection.vendor == "sqlite":
            assert any("INDEXED BY matter_due_created" in q["sql"] for q in ctx.captured_queries)
