"""Benchmark case-number allocation (``court.numbers.case_number_issue``) under concurrency, on SQLite and
PostgreSQL.

Run from the project root: ``.venv/bin/python bench/bench_case_numbers.py``. For each database it prepares
a throwaway one (a temporary SQLite file with the project's settings — WAL, ``BEGIN IMMEDIATE``, a busy
timeout; a PostgreSQL database created on 127.0.0.1:5432 as ``postgres`` and dropped afterwards, skipped
with a message when the server is unreachable), migrates it and creates 江山市人民法院. Then 1, 8 and 32
client threads, each with its own connection, issue 民初 numbers of that court as fast as they can, each in
its own transaction (one in ten rolls back after drawing its number, as a failed filing does), for
``ROUND_SECONDS`` per round, ``ROUNDS`` rounds per level, each round in a year of its own.

Printed per level: numbers committed per second (median of the rounds, and their range), p50 and p95
latency of one allocation (begin, issue, commit), and the check that each round's numbers are distinct and
run 1..N without a gap. Nothing is asserted about speed; a failed check makes the run fail.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

CONCURRENCY = (1, 8, 32)
ROUNDS = 3
ROUND_SECONDS = 1.5
MAX_PER_ROUND = 5000  # allocations a round stops at, whatever the time
ROLLBACK_EVERY = 10  # every tenth allocation of a thread rolls back after drawing its number
FIRST_YEAR = 2101  # each round numbers a year of its own, so each starts at 1


class FilingFailed(Exception):
    """Raised inside an allocation's transaction, after its number was drawn, to roll it back."""


@dataclass
class Round:
    committed: int = 0
    rolled_back: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    gap_free: bool = False
    detail: str = ""


# --- one database (runs in a child process configured for it) --------------------------------------------


def measure(label: str) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suyuan.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    court = _court()
    print(
        f"[{label}] {connection.vendor} {_server_version(connection)}; migrated and set up in "
        f"{time.perf_counter() - started:.1f} s; {ROUNDS} rounds of {ROUND_SECONDS:.1f} s per level",
        flush=True,
    )
    _allocate(court, threads=1, year=FIRST_YEAR - 1, seconds=0.3)  # warm up: connections, caches
    year = FIRST_YEAR
    ok = True
    for threads in CONCURRENCY:
        rounds = []
        for _ in range(ROUNDS):
            rounds.append(_allocate(court, threads=threads, year=year, seconds=ROUND_SECONDS))
            year += 1
        rates = [r.committed / r.seconds for r in rounds]
        latencies = sorted(ms for r in rounds for ms in r.latencies_ms)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        checks = "yes" if all(r.gap_free for r in rounds) else "NO: " + "; ".join(r.detail for r in rounds)
        ok = ok and all(r.gap_free for r in rounds)
        print(
            f"[{label}] {threads:>2} clients: {statistics.median(rates):7.0f} numbers/s "
            f"(rounds {min(rates):.0f}–{max(rates):.0f})   p50 {statistics.median(latencies):6.2f} ms   "
            f"p95 {p95:6.2f} ms   {sum(r.committed for r in rounds):>5} committed, "
            f"{sum(r.rolled_back for r in rounds)} rolled back   distinct and gap-free: {checks}",
            flush=True,
        )
    return 0 if ok else 1


def _server_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
            cursor.execute("PRAGMA journal_mode")
            mode = connection.settings_dict["OPTIONS"].get("transaction_mode", "DEFERRED")
            return f"{version} (journal {cursor.fetchone()[0]}, BEGIN {mode})"
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


def _court():
    from suyuan.accounts.choices import OrganizationType
    from suyuan.accounts.models import Organization
    from suyuan.court.codes import court_codes_load
    from suyuan.regions.choices import RegionLevel
    from suyuan.regions.models import Region

    province = Region.objects.create(code="33", name="浙江省", level=RegionLevel.PROVINCE, full_name="浙江省")
    city = Region.objects.create(
        code="3308", name="衢州市", level=RegionLevel.CITY, parent=province, full_name="浙江省衢州市"
    )
    county = Region.objects.create(
        code="330881", name="江山市", level=RegionLevel.COUNTY, parent=city, full_name="浙江省衢州市江山市"
    )
    court_codes_load(province="33")
    return Organization.objects.create(
        code="330881-COURT", name="江山市人民法院", type=OrganizationType.COURT, region=county
    )


def _allocate(court, *, threads: int, year: int, seconds: float) -> Round:
    """Let ``threads`` clients issue numbers for ``seconds``; check what was stored; return the round."""
    from django.db import connection, transaction

    from suyuan.court.choices import CaseType
    from suyuan.court.models import CaseNumber, CaseNumberCounter
    from suyuan.court.numbers import case_number_issue

    result = Round()
    lock = threading.Lock()
    errors: list[BaseException] = []
    start = threading.Barrier(threads + 1)
    stop_at: list[float] = []

    def client(index: int) -> None:
        latencies, committed, rolled_back = [], 0, 0
        try:
            start.wait(timeout=30)
            n = index
            while time.perf_counter() < stop_at[0] and committed < MAX_PER_ROUND // threads:
                n += 1
                t0 = time.perf_counter()
                try:
                    with transaction.atomic():
                        case_number_issue(court=court, case_type=CaseType.CIVIL_FIRST_INSTANCE, year=year)
                        if n % ROLLBACK_EVERY == 0:
                            raise FilingFailed
                except FilingFailed:
                    rolled_back += 1
                    continue
                latencies.append((time.perf_counter() - t0) * 1000)
                committed += 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()
            with lock:
                result.latencies_ms.extend(latencies)
                result.committed += committed
                result.rolled_back += rolled_back

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    stop_at.append(time.perf_counter() + seconds)
    began = time.perf_counter()
    start.wait(timeout=30)
    for worker in workers:
        worker.join()
    result.seconds = time.perf_counter() - began
    if errors:
        raise errors[0]

    numbers = CaseNumber.objects.filter(court=court, year=year)
    sequences = sorted(numbers.values_list("sequence", flat=True))
    distinct = numbers.values("number").distinct().count()
    counter = CaseNumberCounter.objects.get(court=court, year=year, case_type=CaseType.CIVIL_FIRST_INSTANCE)
    expected = list(range(1, result.committed + 1))
    result.gap_free = sequences == expected and distinct == result.committed == counter.last
    if not result.gap_free:
        result.detail = (
            f"year {year}: {result.committed} committed, {len(sequences)} stored ({distinct} distinct), "
            f"counter at {counter.last}, first missing "
            f"{next((s for s in expected if s not in set(sequences)), None)}"
        )
    return result


# --- the databases ----------------------------------------------------------------------------------------


@contextmanager
def throwaway_postgres() -> Iterator[str | None]:
    """Yield the URL of a new, empty PostgreSQL database (None if the server is unreachable); drop it after."""
    try:
        import psycopg
    except ImportError:
        print("PostgreSQL: skipped, psycopg is not installed")
        yield None
        return
    name = f"suyuan_bench_case_numbers_{os.getpid()}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        print(f"PostgreSQL: skipped, 127.0.0.1:5432 is unreachable ({str(exc).strip().splitlines()[0]})")
        yield None
        return
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgres://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_child(label: str, database_url: str, workdir: Path) -> int:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SUYUAN_VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)  # the figures are the database's; nothing here uses the cache
    return subprocess.run(
        [sys.executable, __file__, "--child", label], cwd=ROOT, env=env, check=False
    ).returncode


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        return measure(sys.argv[2])
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="suyuan-bench-case-numbers-"))
    try:
        failed = run_child("SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}", workdir)
        with throwaway_postgres() as url:
            if url is not None:
                failed = run_child("PostgreSQL", url, workdir) or failed
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"bench_case_numbers: {time.perf_counter() - started:.0f} s in all")
    return failed


if __name__ == "__main__":
    sys.exit(main())
