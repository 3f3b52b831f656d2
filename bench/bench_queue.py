"""Benchmark the staff queue page and the matter page with 100,000 matters in the database.

Run from the project root: ``.venv/bin/python bench/bench_queue.py``. Builds a throwaway SQLite database
(and, when PostgreSQL answers on 127.0.0.1:5432, a throwaway PostgreSQL database too): regions, the Quzhou
demo, then 100,000 matters bulk-inserted directly (the services would take far longer and are measured by
bench_intake). Requests go through Django's test client in-process, signed in as the demo dispatcher of
江山市, so the figures are the application's own time and query counts, without an HTTP server.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MATTERS = int(os.environ.get("BENCH_MATTERS", "100000"))
REQUESTS = 40
SEED = 20261129
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def child(database_url: str, label: str) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="suyuan-bench-queue-"))
    try:
        measure(database_url, label, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measure(database_url: str, label: str, workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "suyuan.config.settings"
    os.environ["DATABASE_URL"] = database_url.replace("{workdir}", str(workdir))
    os.environ["SUYUAN_VAR_DIR"] = str(workdir)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from suyuan.accounts.choices import OrganizationType
    from suyuan.accounts.models import Organization, User
    from suyuan.core.identifiers import PHONE, hash_identifier
    from suyuan.matters import codes
    from suyuan.matters.choices import Channel, EventKind, MatterKind, MatterStatus, PartyRole
    from suyuan.matters.models import Category, Matter, MatterEvent, Party

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG is off, as in production
    call_command("load_regions", province="33", villages=True, verbosity=0)
    call_command("seed_demo", no_matters=True, verbosity=0)
    setup_seconds = time.perf_counter() - started

    rng = random.Random(SEED)
    committees = list(
        Organization.objects.filter(
            type=OrganizationType.VILLAGE_COMMITTEE, region__code__startswith="3308"
        ).values_list("id", "region_id")
    )
    jiangshan = [c for c in committees if c[1].startswith("330881")]
    categories = list(Category.objects.values_list("id", flat=True))
    mediator = User.objects.get(username="demo.mediator")
    statuses = [
        (MatterStatus.SUBMITTED, 10),
        (MatterStatus.ACCEPTED, 8),
        (MatterStatus.ASSIGNED, 10),
        (MatterStatus.IN_MEDIATION, 12),
        (MatterStatus.RESOLVED, 20),
        (MatterStatus.CLOSED, 30),
        (MatterStatus.DECLINED, 5),
        (MatterStatus.WITHDRAWN, 5),
    ]
    status_pool = [s for s, weight in statuses for _ in range(weight)]
    now = timezone.now()
    phone_hash = hash_identifier(PHONE, "13900000000")
    started = time.perf_counter()
    seen_codes: set[str] = set(Matter.objects.values_list("tracking_code", flat=True))
    batch = 2000
    for offset in range(0, MATTERS, batch):
        matters = []
        for i in range(offset, min(offset + batch, MATTERS)):
            org_id, region = rng.choice(jiangshan) if rng.random() < 0.6 else rng.choice(committees)
            status = rng.choice(status_pool)
            created = now - timezone.timedelta(minutes=rng.randint(0, 60 * 24 * 365))
            code = codes.generate()
            while code in seen_codes:
                code = codes.generate()
            seen_codes.add(code)
            open_ = status in (
                MatterStatus.SUBMITTED,
                MatterStatus.ACCEPTED,
                MatterStatus.ASSIGNED,
                MatterStatus.IN_MEDIATION,
            )
            matters.append(
                Matter(
                    tracking_code=code,
                    kind=MatterKind.DISPUTE if rng.random() < 0.8 else MatterKind.REQUEST,
                    channel=rng.choice(list(Channel.values)),
                    status=status,
                    category_id=rng.choice(categories),
                    title=f"压测事项 {i}",
                    description="基准测试数据",
                    region_id=region,
                    organization_id=org_id,
                    mediator=mediator
                    if status in (MatterStatus.ASSIGNED, MatterStatus.IN_MEDIATION) and rng.random() < 0.1
                    else None,
                    privacy_consent_at=created,
                    created_at=created,
                    due_at=created + timezone.timedelta(days=rng.randint(1, 40)) if open_ else None,
                )
            )
        with transaction.atomic():
            created_matters = Matter.objects.bulk_create(matters)
            if (
                connection.vendor == "sqlite"
            ):  # bulk_create returns no ids on SQLite before 3.35 in some builds
                created_matters = list(
                    Matter.objects.filter(tracking_code__in=[m.tracking_code for m in matters])
                )
            Party.objects.bulk_create(
                [
                    Party(
                        matter=m,
                        role=PartyRole.APPLICANT,
                        name="申请人",
                        phone="13900000000",
                        phone_hash=phone_hash,
                    )
                    for m in created_matters
                ]
                + [Party(matter=m, role=PartyRole.RESPONDENT, name="被申请人") for m in created_matters]
            )
            MatterEvent.objects.bulk_create(
                [
                    MatterEvent(
                        matter=m,
                        seq=1,
                        kind=EventKind.RECEIVED,
                        to_status=MatterStatus.SUBMITTED,
                        created_at=m.created_at,
                    )
                    for m in created_matters
                ]
            )
    insert_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = Matter.objects.count()

    client = Client()
    client.force_login(
        User.objects.get(username="demo.dispatcher"), backend="suyuan.accounts.backends.StaffPasswordBackend"
    )
    visible_codes = list(
        Matter.objects.filter(region__code__startswith="330881").values_list("tracking_code", flat=True)[
            :5000
        ]
    )
    pages = {
        "queue: all open": lambda: "/staff/matters/?queue=open",
        "queue: new": lambda: "/staff/matters/?queue=new",
        "queue: overdue": lambda: "/staff/matters/?queue=overdue",
        "queue: open, page 20": lambda: "/staff/matters/?queue=open&page=20",
        "queue: search a title word": lambda: "/staff/matters/?queue=all&q=压测事项 4242",
        "matter page": lambda: f"/staff/matters/{rng.choice(visible_codes)}/",
    }
    print(
        f"[{label}] {total:,} matters ({MATTERS:,} inserted in {insert_seconds:.1f} s; setup {setup_seconds:.1f} s)"
    )
    print(
        f"[{label}] signed in as demo.dispatcher (江山市 centre); {REQUESTS} requests per page after 3 warm-ups"
    )
    for name, url in pages.items():
        for _ in range(3):
            client.get(url())
        times, queries, statuses_seen = [], [], set()
        for _ in range(REQUESTS):
            target = url()
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(target)
                times.append((time.perf_counter() - t0) * 1000)
            queries.append(len(ctx.captured_queries))
            statuses_seen.add(response.status_code)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"[{label}]   {name:<28} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
            f"queries {min(queries)}–{max(queries)}   HTTP {sorted(statuses_seen)}"
        )


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return 0
    runs = [("sqlite:///{workdir}/bench.sqlite3", "SQLite")]
    pg_name = f"suyuan_bench_queue_{os.getpid()}"
    pg_ok = (
        subprocess.run(
            ["psql", PG_ADMIN_URL, "-qc", f"CREATE DATABASE {pg_name}"], capture_output=True
        ).returncode
        == 0
    )
    if pg_ok:
        runs.append((f"postgres://postgres@127.0.0.1:5432/{pg_name}", "PostgreSQL"))
    else:
        print("PostgreSQL: not reachable on 127.0.0.1:5432, skipped")
    try:
        for url, label in runs:
            result = subprocess.run([sys.executable, __file__, "--child", url, label], check=False)
            if result.returncode:
                return result.returncode
    finally:
        if pg_ok:
            subprocess.run(
                ["psql", PG_ADMIN_URL, "-qc", f"DROP DATABASE IF EXISTS {pg_name}"], capture_output=True
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
