"""Benchmark the regions app: loading the division codes, and resolving free-text addresses.

Run from the project root: ``.venv/bin/python bench/bench_regions.py``. Uses a throwaway SQLite database
in a temporary directory; touches nothing else.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

RUNS = 3
ADDRESSES_PER_FORM = 1000
SEED = 20230630

WORKDIR = Path(tempfile.mkdtemp(prefix="suyuan-bench-regions-"))
DB_FILE = WORKDIR / "bench.sqlite3"
# Settings are read at django.setup(): point them at the throwaway directory first.
os.environ["DJANGO_SETTINGS_MODULE"] = "suyuan.config.settings"
os.environ["DATABASE_URL"] = f"sqlite:///{DB_FILE}"
os.environ["SUYUAN_VAR_DIR"] = str(WORKDIR)
os.environ.setdefault("LOG_LEVEL", "WARNING")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from suyuan.regions import address  # noqa: E402
from suyuan.regions.choices import RegionLevel, ResolutionStatus  # noqa: E402
from suyuan.regions.models import Region  # noqa: E402
from suyuan.regions.services import LoadReport, regions_load  # noqa: E402


def median_seconds(runs: list[float]) -> str:
    return f"{statistics.median(runs):.2f} s (runs: {', '.join(f'{s:.2f}' for s in runs)})"


def fresh_database(template: Path) -> None:
    """Replace the database with a copy of the migrated, empty one."""
    connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB_FILE}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, DB_FILE)


def timed(load: Callable[[], LoadReport]) -> tuple[float, LoadReport]:
    started = time.perf_counter()
    report = load()
    return time.perf_counter() - started, report


def bench_load() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    connection.close()
    template = WORKDIR / "empty.sqlite3"
    shutil.copyfile(DB_FILE, template)

    cold, warm = [], []
    report = None
    for _ in range(RUNS):
        fresh_database(template)
        seconds, report = timed(lambda: regions_load(villages=True))
        cold.append(seconds)
    assert report is not None and report.inserted == Region.objects.count()
    total = report.inserted
    for _ in range(RUNS):
        seconds, report = timed(lambda: regions_load(villages=True))
        assert report.inserted == report.updated == 0
        warm.append(seconds)

    print(
        f"regions_load(villages=True): all of China to township level + Zhejiang's villages, {total:,} rows"
    )
    print(f"  cold, into a fresh SQLite database:      median {median_seconds(cold)}")
    print(f"  warm, again (inserts 0, updates 0):      median {median_seconds(warm)}")


def address_samples() -> list[tuple[str, str]]:
    """Return (address, expected code) pairs written in three ways, from a sample of Zhejiang's villages."""
    regions = dict(Region.objects.values_list("code", "name"))
    villages = sorted(code for code in regions if len(code) == 12)
    rng = random.Random(SEED)

    def short(code: str) -> str:
        strong, weak = address.region_aliases(regions[code])
        return min(weak or strong, key=len)

    def natural(code: str) -> str:
        strong, _weak = address.region_aliases(regions[code])
        return min(strong, key=len)

    samples = []
    for code in rng.sample(villages, ADDRESSES_PER_FORM):
        full_name = Region.objects.get(code=code).full_name
        samples.append((f"{full_name}{rng.randint(1, 200)}号", code))
    for code in rng.sample(villages, ADDRESSES_PER_FORM):
        text = "".join(short(code[:n]) for n in (4, 6, 9)) + natural(code) + f"{rng.randint(1, 12)}组"
        samples.append((text, code))
    for code in rng.sample(villages, ADDRESSES_PER_FORM):
        text = f"{regions[code[:6]]} {natural(code)}{rng.randint(1, 200)}号"
        samples.append((text, code))
    return samples


def bench_resolve() -> None:
    builds = []
    for _ in range(RUNS):
        address.invalidate_index()
        started = time.perf_counter()
        address.get_index()
        builds.append(time.perf_counter() - started)
    print(f"address index ({Region.objects.count():,} regions): built in median {median_seconds(builds)}")

    samples = address_samples()
    outcomes: Counter[str] = Counter()
    per_call_ns = []
    started = time.perf_counter()
    for text, expected in samples:
        call_started = time.perf_counter_ns()
        resolution = address.resolve_address(text)
        per_call_ns.append(time.perf_counter_ns() - call_started)
        if resolution.status == ResolutionStatus.RESOLVED:
            outcomes["resolved right" if resolution.region.code == expected else "resolved WRONG"] += 1  # type: ignore[union-attr]
        elif resolution.status == ResolutionStatus.AMBIGUOUS:
            hit = expected in {c.code for c in resolution.candidates}
            outcomes[
                "ambiguous, right one among candidates" if hit else "ambiguous, right one NOT listed"
            ] += 1
        else:
            outcomes["unknown"] += 1
    elapsed = time.perf_counter() - started

    print(
        f"resolve_address over {len(samples):,} addresses (village level, written in full, with suffixes "
        f"dropped, and as county + village):"
    )
    print(f"  throughput: {len(samples) / elapsed:,.0f} addresses/s")
    print(
        f"  per address: median {statistics.median(per_call_ns) / 1000:.0f} µs, "
        f"p95 {statistics.quantiles(per_call_ns, n=20)[-1] / 1000:.0f} µs, max {max(per_call_ns) / 1000:.0f} µs"
    )
    print("  outcomes: " + ", ".join(f"{label} {count:,}" for label, count in sorted(outcomes.items())))


def main() -> None:
    try:
        bench_load()
        bench_resolve()
        levels = Counter(Region.objects.values_list("level", flat=True))
        print(
            "rows by level: "
            + ", ".join(f"{RegionLevel(level).label} {n:,}" for level, n in sorted(levels.items()))
        )
    finally:
        connection.close()
        shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
