"""Benchmark the batch import of matters: the dry run and the import of a 2,000-row hotline export, on SQLite.

Run from the project root: ``.venv/bin/python bench/bench_import.py``. In a throwaway SQLite database it
migrates, loads Zhejiang's regions (with villages) and creates a dispatcher of 江山市's centre; then it
writes a 2,000-row CSV in the shape of a 12345 export (invented rows: addresses name real townships and
villages of 江山市, a few rows carry errors), uploads it (the dry run runs in the process), and runs the
import task's body in the process. It prints rows per second for both; nothing is asserted about speed.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "2000"))
SEED = 20261129
ROOT = Path(__file__).resolve().parent.parent


def build_csv(villages: list[tuple[str, str]], categories: list[str]) -> bytes:
    rng = random.Random(SEED)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["工单编号", "来电时间", "来电人", "联系电话", "诉求类型", "事发地址", "诉求内容", "对方"]
    )
    for number in range(1, ROWS + 1):
        township, village = rng.choice(villages)
        phone = f"139{rng.randrange(10**8):08d}"
        address = f"{township}{village}{rng.randrange(1, 200)}号"
        if number % 97 == 0:
            phone = "0570-1234567"  # a landline: a row error
        if number % 89 == 0:
            address = "某小区门口"  # no place: a row error
        writer.writerow(
            [
                f"JS{number:07d}",
                f"2025/{rng.randrange(1, 6)}/{rng.randrange(1, 28)} {rng.randrange(8, 18)}:{rng.randrange(60):02d}",
                rng.choice(["王先生", "李女士", "张先生", "陈女士"]),
                phone,
                rng.choice(categories),
                address,
                f"来电反映第{number}号问题：邻居施工噪音影响休息，多次协商未果，请求协调处理。",
                rng.choice(["", "隔壁住户", "某物业公司"]),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="suyuan-bench-import-"))
    try:
        os.environ["DJANGO_SETTINGS_MODULE"] = "suyuan.config.settings"
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
        os.environ["SUYUAN_VAR_DIR"] = str(workdir)
        os.environ["MEDIA_ROOT"] = str(workdir / "media")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from suyuan.accounts.choices import OrganizationType, Role
        from suyuan.accounts.models import Membership, Organization, User
        from suyuan.matters import imports
        from suyuan.matters.choices import ImportStatus
        from suyuan.matters.models import Category, ImportBatch
        from suyuan.regions.models import Region
        from suyuan.regions.services import regions_load

        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        regions_load(province="33", villages=True)
        centre = Organization.objects.create(
            code="BENCH-330881-CC",
            name="江山市社会矛盾纠纷调处化解中心",
            region=Region.objects.get(code="330881"),
            type=OrganizationType.COUNTY_CENTRE,
        )
        user = User.objects.create_user(username="bench.dispatcher", full_name="压测调度员")
        Membership.objects.create(user=user, organization=centre, role=Role.DISPATCHER)
        villages = [
            (village.parent.name, village.name)
            for village in Region.objects.filter(code__startswith="330881", level=5).select_related("parent")
            if village.parent is not None
        ]
        categories = [*Category.objects.values_list("name", flat=True), "噪音扰民", ""]
        data = build_csv(villages, categories)
        settings.IMPORT_SYNC_ROWS = ROWS  # the dry run in this process, to time it

        started = time.perf_counter()
        batch = imports.import_batch_upload(
            actor=user, organization=centre, file_name="bench.csv", data=data, agent_consent="热线来电录音"
        )
        checked = time.perf_counter() - started
        assert batch.status == ImportStatus.CHECKED, batch.error
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.IMPORTING)
        started = time.perf_counter()
        batch = imports.import_batch_run(batch_id=batch.pk)
        imported = time.perf_counter() - started
        assert batch.status == ImportStatus.DONE, batch.error

        print(
            f"file: {ROWS} rows, {len(data) / 1024:.0f} KB CSV; {batch.valid_count} valid, {batch.skipped_count} with errors"
        )
        print(f"dry run (upload, read, check every row):  {checked:6.2f} s  {ROWS / checked:8.0f} rows/s")
        print(
            f"import (matter_receive per valid row):    {imported:6.2f} s  {batch.imported_count / imported:8.0f} rows/s"
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
