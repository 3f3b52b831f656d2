"""The triage_cluster command: JSON Lines in, clusters out in input order, bad input refused whole.

Every text here is written for these tests (never taken from real messages)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

# The messages are asserted in English (the Chinese catalogue is checked as a whole elsewhere).
pytestmark = pytest.mark.usefixtures("english")

LIGHT = "我家小区门口的三盏路灯已经坏了三个月，晚上老人孩子出行很不方便，请尽快安排维修。"
LIGHT_HOTLINE = f"来电人反映：{LIGHT}请求相关部门处理。"
NOISE = "楼上住户每天晚上十一点以后还在装修，电钻声音很大，影响全家人休息。"


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(source: Path, target: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("triage_cluster", "--input", str(source), "--output", str(target), *args, stdout=out)
    return out.getvalue()


def read_output(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_output_in_input_order_with_id_types_kept(tmp_path):
    source = write_lines(
        tmp_path / "in.jsonl",
        [
            json.dumps({"id": 17, "text": NOISE, "time": "2026-03-01"}, ensure_ascii=False),
            "",
            json.dumps({"id": "a-2", "text": LIGHT, "region": "330802001001"}, ensure_ascii=False),
            "   ",
            json.dumps(
                {"id": 3, "text": LIGHT_HOTLINE, "time": "2026-03-04T10:00:00+08:00"}, ensure_ascii=False
            ),
            json.dumps({"id": "四", "text": "", "party": "k-1"}, ensure_ascii=False),
            json.dumps(
                {"id": 5.5, "text": "别的事", "party": "k-1", "time": "2026-03-02 08:00"}, ensure_ascii=False
            ),
        ],
    )
    target = tmp_path / "out.jsonl"
    summary = run(source, target)
    assert read_output(target) == [
        {"id": 17, "cluster": "17"},
        {"id": "a-2", "cluster": "a-2"},
        {"id": 3, "cluster": "a-2"},
        {"id": "四", "cluster": "四"},
        {"id": 5.5, "cluster": "四"},
    ]
    raw = target.read_text(encoding="utf-8")
    assert '"四"' in raw  # UTF-8, not \\u escapes
    assert "5" in summary and "3" in summary and "2" in summary
    assert summary.count("\n") == 1


def test_threshold_and_window_options(tmp_path):
    source = write_lines(
        tmp_path / "in.jsonl",
        [
            json.dumps({"id": 1, "text": LIGHT, "time": "2026-01-01"}, ensure_ascii=False),
            json.dumps({"id": 2, "text": LIGHT_HOTLINE, "time": "2026-01-20"}, ensure_ascii=False),
        ],
    )
    target = tmp_path / "out.jsonl"
    run(source, target)
    assert [row["cluster"] for row in read_output(target)] == ["1", "1"]
    run(source, target, "--window-days", "10")
    assert [row["cluster"] for row in read_output(target)] == ["1", "2"]
    run(source, target, "--threshold", "1.0")
    assert [row["cluster"] for row in read_output(target)] == ["1", "2"]
    with pytest.raises(CommandError):
        run(source, target, "--threshold", "1.5")


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"id": 2, "text": "坏了"', "Line 3"),  # invalid JSON
        ('["not", "an", "object"]', "Line 3"),
        ('{"text": "没有编号"}', "Line 3"),
        ('{"id": true, "text": "布尔编号"}', "Line 3"),
        ('{"id": 2}', "Line 3"),
        ('{"id": 2, "text": 42}', "Line 3"),
        ('{"id": 1, "text": "重复编号"}', "Line 3"),
        ('{"id": "1", "text": "同一编号的字符串形式"}', "Line 3"),
        ('{"id": 2, "text": "时间不对", "time": "上周三"}', "Line 3"),
        ('{"id": 2, "text": "时间不对", "time": "2026-13-01"}', "Line 3"),
        ('{"id": 2, "text": "时间不对", "time": 20260301}', "Line 3"),
        ('{"id": 2, "text": "当事人不对", "party": ["a"]}', "Line 3"),
    ],
)
def test_bad_line_is_refused_with_its_number_and_no_output(tmp_path, bad_line, message):
    source = write_lines(
        tmp_path / "in.jsonl",
        [
            json.dumps({"id": 1, "text": LIGHT}, ensure_ascii=False),
            "",
            bad_line,
            '{"id": 9, "text": "后面的行"}',
        ],
    )
    target = tmp_path / "out.jsonl"
    with pytest.raises(CommandError, match=message):
        run(source, target)
    assert list(tmp_path.iterdir()) == [source]  # neither the output nor a temporary file


def test_failed_run_keeps_an_earlier_output(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("earlier\n", encoding="utf-8")
    source = write_lines(tmp_path / "in.jsonl", ['{"id": 1, "text": "好的"}', "{broken"])
    with pytest.raises(CommandError, match="Line 2"):
        run(source, target)
    assert target.read_text(encoding="utf-8") == "earlier\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_not_utf8_and_missing_input(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "\xb2\xbb"}\n')
    with pytest.raises(CommandError, match="Line 2"):
        run(source, tmp_path / "out.jsonl")
    with pytest.raises(CommandError):
        run(tmp_path / "missing.jsonl", tmp_path / "out.jsonl")
    assert not (tmp_path / "out.jsonl").exists()


def test_empty_input_and_byte_order_mark(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("\n\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    assert "0" in run(source, target)
    assert target.read_text(encoding="utf-8") == ""
    source.write_text('{"id": 1, "text": "带BOM的文件"}\n', encoding="utf-8-sig")
    run(source, target)
    assert read_output(target) == [{"id": 1, "cluster": "1"}]
