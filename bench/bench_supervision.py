"""Benchmark the supervision sweeps over 20,000 open matters, 2% of them overdue, on SQLite.

Run from the project root: ``.venv/bin/python bench/bench_supervision.py``. Builds a throwaway SQLite
database (regions, the Quzhou demo), bulk-inserts the open matters of Quzhou's village committees with
their deadlines (98% still to come, 2% passed), then times:

* the first sweep, which raises one order per overdue matter (a write, an event and the notices each);
* the sweep again, which finds nothing to do: what it costs every few minutes in the steady state;
* the escalation sweep before any answer is due (nothing to do), and after (every order escalates).

Figures are the application's own time and query counts, in-process.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

MATTERS = int(os.environ.get("BENCH_MATTERS", "20000"))
OVERDUE_SHARE = 0.02
SEED = 20261129


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="suyuan-bench-supervision-"))
    try:
        measure(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def measure(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "suyuan.config.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["SUYUAN_VAR_DIR"] = str(workdir)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Text messages are queued in the outbox; the immediate backend would also "deliver" them in-process.
    os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from suyuan.accounts.choices import OrganizationType
    from suyuan.accounts.models import Organization
    from suyuan.matters import codes
    from suyuan.matters.choices import Channel, MatterKind, MatterStatus
    from suyuan.matters.models import Matter
    from suyuan.notifications.models import OutboundMessage
    from suyuan.supervision import services
    from suyuan.supervision.models import SupervisionOrder

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("load_regions", province="33", villages=True, verbosity=0)
    call_command("seed_demo", no_matters=True, verbosity=0)
    setup_seconds = time.perf_counter() - started

    rng = random.Random(SEED)
    committees = list(
        Organization.objects.filter(
            type=OrganizationType.VILLAGE_COMMITTEE, region__code__startswith="3308"
        ).values_list("id", "region_id")
    )
    now = timezone.now()
    statuses = [
        MatterStatus.SUBMITTED,
        MatterStatus.ACCEPTED,
        MatterStatus.ASSIGNED,
        MatterStatus.IN_MEDIATION,
    ]
    seen: set[str] = set(Matter.objects.values_list("tracking_code", flat=True))
    started = time.perf_counter()
    overdue = 0
    batch = []
    for i in range(MATTERS):
        org_id, region = rng.choice(committees)
        late = rng.random() < OVERDUE_SHARE
        overdue += late
        code = codes.generate()
        while code in seen:
            code = codes.generate()
        seen.add(code)
        created = now - timezone.timedelta(days=rng.randint(1, 60))
        batch.append(
            Matter(
                tracking_code=code,
                kind=MatterKind.DISPUTE,
                channel=Channel.PORTAL,
                status=rng.choice(statuses),
                title=f"压测事项 {i}",
                description="基准测试数据",
                region_id=region,
                organization_id=org_id,
                privacy_consent_at=created,
                created_at=created,
                due_at=now - timezone.timedelta(hours=rng.randint(1, 200))
                if late
                else now + timezone.timedelta(hours=rng.randint(1, 400)),
            )
        )
        if len(batch) == 2000:
            with transaction.atomic():
                Matter.objects.bulk_create(batch)
            batch = []
    if batch:
        with transaction.atomic():
            Matter.objects.bulk_create(batch)
    insert_seconds = time.perf_counter() - started
    print(
        f"[SQLite] {Matter.objects.count():,} open matters, {overdue:,} overdue "
        f"(inserted in {insert_seconds:.1f} s; setup {setup_seconds:.1f} s)"
    )

    def timed(label: str, run):  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            result = run()
            seconds = time.perf_counter() - t0
        print(f"[SQLite]   {label:<52} {seconds * 1000:9.1f} ms   queries {len(ctx.captured_queries):6,}")
        return result

    raised = timed(
        "raise: first sweep (orders for every overdue matter)", lambda: services.orders_raise_overdue(now=now)
    )
    print(
        f"[SQLite]     {len(raised):,} orders raised, {OutboundMessage.objects.count():,} text messages queued"
    )
    for attempt in (1, 2, 3):
        timed(
            f"raise: sweep again, nothing to do (run {attempt})",
            lambda: services.orders_raise_overdue(now=now),
        )
    timed("escalate: nothing due yet", lambda: services.orders_escalate_due(now=now))
    later = now + timezone.timedelta(days=7)
    result = timed(
        "escalate: every order past its answer's due time", lambda: services.orders_escalate_due(now=later)
    )
    print(
        f"[SQLite]     {len(result.escalated):,} escalated, {len(result.flagged):,} flagged at the top; "
        f"{SupervisionOrder.objects.count():,} orders in all"
    )
    timed("escalate: again, nothing to do", lambda: services.orders_escalate_due(now=later))


if __name__ == "__main__":
    sys.exit(main())
