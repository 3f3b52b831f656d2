"""Benchmark the figures and the board over two years of matters and their events.

Run from the project root: ``.venv/bin/python bench/bench_figures.py`` (or ``bench/run.py figures``).
``BENCH_FIGURES_MATTERS`` (default 200,000) sets the number of matters; ``BENCH_FIGURES_DB=sqlite`` (the
default) or ``postgres`` (a throwaway database ``suyuan_bench_figures`` on 127.0.0.1:5432, dropped at the
end) picks the database. It prints figures and asserts nothing about time.

The matters are generated, never copied from anyone: spread over Quzhou's villages and the last 730
days, with a yearly pattern (wage claims rise in the weeks before the Spring Festival), each with its
events as the services write them (received; then accepted, mediation started, an agreement or a failure,
closure; some declined or withdrawn; some still open). They are bulk-inserted (untimed). Then it times:

* ``analytics_rebuild`` over all of them (facts, monthly and daily rows);
* the figures page (a signed-in analyst of Jiangshan's centre, through Django's test client: the whole
  request) for the county and a township over 12 months, and the board of the county and the township;
* keeping the read models: one new event on a matter, then ``facts_refresh`` of that matter (what the
  task does after each commit that writes an event).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATTERS = int(os.environ.get("BENCH_FIGURES_MATTERS", "200000"))
DB = os.environ.get("BENCH_FIGURES_DB", "sqlite").strip().lower()
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/"
PG_NAME = "suyuan_bench_figures"
SEED = 20261129
RUNS = 30


def _pg_admin(sql: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_SERVER + "postgres", autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)
    except psycopg.Error as exc:
        print(f"PostgreSQL: {str(exc).strip()}")
        return False
    return True


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms"


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="suyuan-bench-figures-"))
    if DB == "postgres":
        if not (_pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME}") and _pg_admin(f"CREATE DATABASE {PG_NAME}")):
            print("PostgreSQL: not reachable on 127.0.0.1:5432, skipped")
            return 0
        os.environ["DATABASE_URL"] = PG_SERVER + PG_NAME
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    try:
        measure(workdir)
    finally:
        if DB == "postgres":
            from django.db import connections

            connections.close_all()
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME}")
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def measure(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "suyuan.config.settings"
    os.environ["SUYUAN_VAR_DIR"] = str(workdir)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    # Pages are rendered in-process without collectstatic: the plain static storage, as in tests.
    os.environ.setdefault("SUYUAN_TESTING", "1")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from suyuan.accounts.choices import OrganizationType, Role
    from suyuan.accounts.models import Membership, Organization, User
    from suyuan.analytics import services
    from suyuan.analytics.warning import lunar_new_year
    from suyuan.matters.choices import Channel, EventKind, MatterKind, MatterStatus
    from suyuan.matters.models import Category, Matter, MatterEvent
    from suyuan.regions.models import Region

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("load_regions", province="33", villages=True, verbosity=0)
    call_command("seed_demo", no_matters=True, verbosity=0)
    print(f"[{connection.vendor}] set up in {time.perf_counter() - started:.0f} s", flush=True)

    rng = random.Random(SEED)
    villages = list(Region.objects.filter(code__startswith="3308", level=5).values_list("code", flat=True))
    categories = dict(Category.objects.values_list("code", "pk"))
    wages = categories["labour_wages"]
    others = [pk for code, pk in categories.items() if code != "labour_wages"]
    now = timezone.now()
    today = timezone.localdate()
    festivals = [lunar_new_year(y) for y in (today.year - 2, today.year - 1, today.year, today.year + 1)]

    def category_for(day: dt.date) -> int:
        # Wage claims: 8% of matters, up to 30% in the six weeks before the Spring Festival.
        before = min(((f - day).days for f in festivals if (f - day).days >= 0), default=999)
        share = 0.30 if before <= 42 else 0.08
        return wages if rng.random() < share else rng.choice(others)

    started = time.perf_counter()
    chunk = 5000
    made = 0
    while made < MATTERS:
        n = min(chunk, MATTERS - made)
        matters, plans = [], []
        for i in range(n):
            age = rng.random() * 730
            at = now - dt.timedelta(days=age)
            status = rng.choices(
                [MatterStatus.CLOSED, MatterStatus.UNRESOLVED, MatterStatus.DECLINED, MatterStatus.WITHDRAWN,
                 MatterStatus.IN_MEDIATION, MatterStatus.SUBMITTED],
                weights=[60, 12, 5, 5, 10, 8],
            )[0] if age > 20 else rng.choice([MatterStatus.SUBMITTED, MatterStatus.IN_MEDIATION])  # fmt: skip
            matters.append(
                Matter(
                    tracking_code=f"B{made + i:011d}",
                    kind=MatterKind.DISPUTE,
                    channel=rng.choice([Channel.PORTAL, Channel.WALK_IN, Channel.HOTLINE, Channel.FIELD_VISIT]),
                    status=status,
                    category_id=category_for(at.date()),
                    title="生成的纠纷",
                    description="基准测试生成的事项。",
                    region_id=rng.choice(villages),
                    privacy_consent_at=at,
                    created_at=at,
                    due_at=at + dt.timedelta(days=30) if status in (MatterStatus.SUBMITTED, MatterStatus.IN_MEDIATION) else None,
                )
            )  # fmt: skip
            plans.append((at, status, rng.randint(2, 40)))
        with transaction.atomic():
            Matter.objects.bulk_create(matters, batch_size=1000)
            events = []
            for matter, (at, status, days) in zip(matters, plans, strict=True):
                steps = [(EventKind.RECEIVED, at, {})]
                later = at + dt.timedelta(days=1)
                end = at + dt.timedelta(days=days)
                if status == MatterStatus.DECLINED:
                    steps.append((EventKind.DECLINED, later, {}))
                elif status == MatterStatus.WITHDRAWN:
                    steps.append((EventKind.WITHDRAWN, end, {}))
                elif status != MatterStatus.SUBMITTED:
                    steps += [(EventKind.ACCEPTED, later, {}), (EventKind.MEDIATION_STARTED, later, {})]
                    if status == MatterStatus.CLOSED:
                        steps += [
                            (EventKind.AGREEMENT_RECORDED, end, {}),
                            (EventKind.CLOSED, end + dt.timedelta(days=3), {}),
                        ]
                    elif status == MatterStatus.UNRESOLVED:
                        steps.append(
                            (
                                EventKind.FAILURE_RECORDED,
                                end,
                                {"route": rng.choice(["arbitration", "court", "guidance"])},
                            )
                        )
                events += [
                    MatterEvent(matter=matter, seq=k + 1, kind=kind, created_at=when, data=data)
                    for k, (kind, when, data) in enumerate(steps)
                ]  # fmt: skip
            MatterEvent.objects.bulk_create(events, batch_size=2000)
        made += n
        if made % 50_000 == 0 or made == MATTERS:
            print(
                f"  inserted {made:,} matters with their events ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    events_total = MatterEvent.objects.count()

    started = time.perf_counter()
    counts = services.facts_rebuild()
    rebuild = time.perf_counter() - started
    print(
        f"[{connection.vendor}] analytics_rebuild of {MATTERS:,} matters ({events_total:,} events): {rebuild:.1f} s "
        f"({MATTERS / rebuild:,.0f} matters/s); {counts['monthly']:,} monthly rows, {counts['daily']:,} daily rows",
        flush=True,
    )

    user = User.objects.create(username="bench.analyst", full_name="基准")
    centre = Organization.objects.get(region_id="330881", type=OrganizationType.COUNTY_CENTRE)
    Membership.objects.create(user=user, organization=centre, role=Role.ANALYST)
    client = Client()
    client.force_login(user)
    county = "330881"
    township = Region.objects.filter(code__startswith=county, level=4).values_list("code", flat=True).first()
    start, end = (today.replace(day=1) - dt.timedelta(days=330)).replace(day=1), today.replace(day=1)
    period = {"start": f"{start:%Y-%m}", "end": f"{end:%Y-%m}"}
    pages = [
        ("figures, county, 12 months", "/staff/figures/", {"region": county, **period}),
        ("figures, township, 12 months", "/staff/figures/", {"region": township, **period}),
        ("board, county", "/staff/board/", {"region": county}),
        ("board, township", "/staff/board/", {"region": township}),
    ]
    for label, url, params in pages:
        response = client.get(url, params)
        if response.status_code != 200:
            print(f"  {label}: HTTP {response.status_code} (the bench's user may not see it)")
            continue
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            client.get(url, params)
            times.append((time.perf_counter() - t) * 1000)
        print(f"[{connection.vendor}]   {label:<32} {_percentiles(times)}", flush=True)

    ids = list(Matter.objects.filter(status=MatterStatus.IN_MEDIATION).values_list("pk", flat=True)[:300])
    times = []
    for pk in ids:
        matter = Matter.objects.get(pk=pk)
        last = (
            MatterEvent.objects.filter(matter=matter).order_by("-seq").values_list("seq", flat=True).first()
            or 0
        )
        with transaction.atomic():
            MatterEvent.objects.create(matter=matter, seq=last + 1, kind=EventKind.AGREEMENT_RECORDED)
            Matter.objects.filter(pk=pk).update(status=MatterStatus.RESOLVED)
        t = time.perf_counter()
        services.facts_refresh(matter_ids=[pk])
        times.append((time.perf_counter() - t) * 1000)
    print(
        f"[{connection.vendor}]   keeping the read models, per new event (facts_refresh of its matter): "
        f"{_percentiles(times)}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
