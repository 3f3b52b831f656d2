"""Case numbers under concurrency: fifty filings at the same moment, on PostgreSQL and on SQLite.

Each filing is a thread with its own database connection, issuing a 民初 number of the same court and
year in its own transaction; every fifth thread first issues a number in a transaction that rolls back,
as a filing that fails after drawing its number does. The fifty numbers committed must be distinct and
run 1..50 with no gap: the numbers rolled back were given back and issued again.

On PostgreSQL the threads share the test database (the CI runs the suite there). SQLite's test database
lives in memory, where the threads' table locks fail at once instead of waiting; so on SQLite the test
copies it to a file and points each thread's connection there, with the project's own options: the
settings open SQLite transactions with ``BEGIN IMMEDIATE`` and a busy timeout, so writers queue.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection, connections, transaction
from django.db.utils import load_backend

from suyuan.accounts.tests.world import build_world
from suyuan.court.choices import CaseType
from suyuan.court.models import CaseNumber, CaseNumberCounter
from suyuan.court.numbers import case_number_issue

FILINGS = 50
ROLLBACK_EVERY = 5  # threads 0, 5, 10, … first draw a number in a transaction that rolls back
YEAR = 2026
T = TypeVar("T")


class FilingFailed(Exception):
    """Raised inside a filing's transaction after its number was drawn, to roll it back."""


class Database:
    """Runs a function on a connection of its own in another thread, as a web worker would."""

    def __init__(self, settings_dict: dict[str, Any] | None) -> None:
        self.settings_dict = settings_dict  # None: the test database as it is (PostgreSQL)

    def _connect(self) -> None:
        if self.settings_dict is not None:
            backend = load_backend(self.settings_dict["ENGINE"])
            connections["default"] = backend.DatabaseWrapper(self.settings_dict, "default")

    def _disconnect(self) -> None:
        connections["default"].close()
        if self.settings_dict is not None:
            del connections["default"]

    def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in a thread of its own and return its result (or raise its exception)."""
        results: list[Any] = []
        self.threads([lambda: results.append(fn())])
        return results[0]

    def threads(self, fns: list[Callable[[], object]], *, together: bool = False) -> None:
        """Run each function in a thread of its own, all released at once if ``together``; re-raise the
        first exception any of them raised."""
        errors: list[BaseException] = []
        start = threading.Barrier(len(fns))

        def work(fn: Callable[[], object]) -> None:
            self._connect()
            try:
                if together:
                    start.wait(timeout=30)
                fn()
            except BaseException as exc:
                errors.append(exc)
            finally:
                self._disconnect()

        workers = [threading.Thread(target=work, args=(fn,)) for fn in fns]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert not any(worker.is_alive() for worker in workers), "a filing thread hung"
        if errors:
            raise errors[0]


def database_for_threads(path: Path) -> Database:
    """Return where the threads write: the test database on PostgreSQL; on SQLite, a copy of the
    in-memory test database (schema and rows) in the file ``path``, opened with the project's options."""
    if connection.vendor != "sqlite":
        return Database(None)
    options = connection.settings_dict["OPTIONS"]
    # What lets SQLite writers wait for each other rather than fail (settings.py sets it for SQLite).
    assert options.get("transaction_mode") == "IMMEDIATE" and options.get("timeout", 0) >= 5
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=WAL")  # once, before the writers connect
    finally:
        target.close()
    return Database({**connection.settings_dict, "NAME": str(path)})


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_filings_get_distinct_gap_free_numbers(tmp_path):
    court = build_world().orgs["court"]  # 江山市人民法院, committed: the threads see it
    database = database_for_threads(tmp_path / "filings.sqlite3")
    committed: list[int] = []
    given_back: list[int] = []
    lock = threading.Lock()

    def issue() -> CaseNumber:
        return case_number_issue(court=court, case_type=CaseType.CIVIL_FIRST_INSTANCE, year=YEAR)

    def filing(index: int) -> Callable[[], None]:
        def run() -> None:
            if index % ROLLBACK_EVERY == 0:
                try:
                    with transaction.atomic():
                        drawn = issue()
                        time.sleep(0.002)  # hold the counter a moment, as a slow filing would
                        with lock:
                            given_back.append(drawn.sequence)
                        raise FilingFailed
                except FilingFailed:
                    pass
            with transaction.atomic():
                number = issue()
            with lock:
                committed.append(number.sequence)

        return run

    started = time.perf_counter()
    database.threads([filing(i) for i in range(FILINGS)], together=True)
    elapsed = time.perf_counter() - started

    assert len(committed) == FILINGS and len(given_back) == FILINGS // ROLLBACK_EVERY
    assert sorted(committed) == list(range(1, FILINGS + 1))  # distinct, from 1, no gap
    # Every number a failed filing drew was given back and went to a filing that committed.
    assert set(given_back) <= set(committed)
    stored = database.run(
        lambda: (
            sorted(CaseNumber.objects.filter(court=court, year=YEAR).values_list("sequence", flat=True)),
            CaseNumberCounter.objects.get(
                court=court, year=YEAR, case_type=CaseType.CIVIL_FIRST_INSTANCE
            ).last,
            CaseNumber.objects.filter(court=court, year=YEAR).values("number").distinct().count(),
        )
    )
    assert stored == (list(range(1, FILINGS + 1)), FILINGS, FILINGS)
    assert elapsed < 10, f"{FILINGS} filings took {elapsed:.1f} s"
