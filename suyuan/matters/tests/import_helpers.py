"""Files to import in tests: hand-written rows in the shape of a 12345 hotline export (no real citizen's text)."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from suyuan.accounts.tests.world import World
from suyuan.matters import imports
from suyuan.matters.models import ImportBatch

HEADER = ["工单编号", "来电时间", "来电人", "联系电话", "诉求类型", "事发地址", "诉求内容", "对方"]


def good_row(number: int, **overrides: str) -> list[str]:
    """Return a valid row; ``number`` makes its work order and phone number unique."""
    values = {
        "工单编号": f"GD2025{number:05d}",
        "来电时间": "2025/5/1 9:30",
        "来电人": "王先生",
        "联系电话": f"139{number:08d}",
        "诉求类型": "邻里纠纷",
        "事发地址": "双塔街道城北社区某小区3幢",
        "诉求内容": f"楼上住户夜间装修噪音扰民，第{number}次来电，希望协调处理。",
        "对方": "楼上住户",
    }
    values.update(overrides)
    return [values[name] for name in HEADER]


def csv_bytes(rows: list[list[str]], *, header: list[str] | None = None, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]], *, header: list[str] | None = None, title_row: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title_row:
        sheet.append([title_row])
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(world: World, data: bytes, *, actor: str = "dispatcher", **fields: Any) -> ImportBatch:
    values: dict[str, Any] = {
        "actor": world.staff[actor] if actor in world.staff else world.actor(actor),
        "organization": world.orgs["centre"],
        "file_name": "12345导出.csv",
        "data": data,
        "agent_consent": "12345 热线来电录音",
    }
    values.update(fields)
    return imports.import_batch_upload(**values)
