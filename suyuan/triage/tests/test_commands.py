"""The triage_train and triage_predict commands: their exact interface, their output format, bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from suyuan.triage.choices import ModelTarget, VersionSource, VersionStatus
from suyuan.triage.models import ModelVersion, TriageModel
from suyuan.triage.tests.conftest import CORPUS, corpus

pytestmark = pytest.mark.django_db


def write_csv(path, rows, header=("内容", "类别")):
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def train(tmp_path, rows=None, **options):
    texts, labels = corpus()
    data = write_csv(
        tmp_path / "data.csv", rows if rows is not None else list(zip(texts, labels, strict=True))
    )
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "triage_train",
        "--name", options.pop("name", "disputes"),
        "--data", str(data),
        "--text-column", "内容",
        "--label-column", "类别",
        "--folds", str(options.pop("folds", 3)),
        stdout=out,
        stderr=err,
    )  # fmt: skip
    return out.getvalue(), err.getvalue()


def test_train_prints_cross_validated_metrics_and_stores_a_version(tmp_path):
    out, _err = train(tmp_path)
    assert "cross-validated (3 folds): macro-F1" in out
    assert "held-back split (20%): macro-F1" in out
    for label in CORPUS:
        assert label in out
    version = ModelVersion.objects.get(model__name="disputes")
    assert version.model.target == ModelTarget.OTHER
    assert version.source == VersionSource.FILE
    assert version.status == VersionStatus.ACTIVE
    assert version.training_size == 24


def test_train_with_bad_rows_warns_and_goes_on(tmp_path):
    texts, labels = corpus()
    rows = [*zip(texts, labels, strict=True), ("", "traffic"), ("正文", ""), ("？？？", "neighbours")]
    _out, err = train(tmp_path, rows=rows)
    assert err.strip()  # the dropped rows are counted in a warning
    assert ModelVersion.objects.get(model__name="disputes").training_size == 24


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ([("拖欠工资", "labour")] * 6, ("内容", "类别"), ""),  # one class
        ([], ("内容", "类别"), ""),  # no rows
        ([("拖欠工资", "labour")], ("text", "label"), "内容"),  # a column that is not there
    ],
)
def test_train_refuses_data_that_cannot_make_a_model(tmp_path, rows, header, message):
    data = write_csv(tmp_path / "bad.csv", rows, header=header)
    with pytest.raises(CommandError) as refused:
        call_command(
            "triage_train", "--name", "x", "--data", str(data), "--text-column", "内容", "--label-column", "类别",
            stdout=io.StringIO(),
        )  # fmt: skip
    assert message in str(refused.value)
    assert not ModelVersion.objects.exists()


def test_train_refuses_a_file_that_is_not_there_or_not_utf8(tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "triage_train", "--name", "x", "--data", str(tmp_path / "missing.csv"),
            "--text-column", "a", "--label-column", "b",
        )  # fmt: skip
    latin = tmp_path / "latin.csv"
    latin.write_bytes("内容,类别\n".encode("gbk") + "拖欠工资,labour\n".encode("gbk"))
    with pytest.raises(CommandError):
        call_command(
            "triage_train", "--name", "x", "--data", str(latin), "--text-column", "内容", "--label-column", "类别",
        )  # fmt: skip


def test_train_of_the_category_model_needs_category_codes(tmp_path):
    with pytest.raises(CommandError) as refused:
        train(
            tmp_path,
            rows=[(t, "工资") if i % 2 else (t, "邻里") for i, t in enumerate(corpus()[0])],
            name="category",
        )
    assert "工资" in str(refused.value) or "邻里" in str(refused.value)


def test_predict_writes_one_line_per_input_in_order(tmp_path):
    train(tmp_path)
    lines = [
        {"text": "老板拖欠三个月工资不发"},
        {"text": ""},
        {"text": "楼上邻居装修噪音扰民", "id": 7},
        {"text": "被货车追尾要求赔偿修车费"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    err = io.StringIO()
    call_command(
        "triage_predict", "--name", "disputes", "--input", str(source), "--output", str(target),
        stdout=io.StringIO(), stderr=err,
    )  # fmt: skip
    results = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(results) == 4
    for result in results:
        assert set(result) == {"label", "confidence", "top"}
    assert [r["label"] for r in results] == ["labour_wages", None, "neighbours", "traffic"]
    assert results[1] == {"label": None, "confidence": 0.0, "top": []}
    first = results[0]
    assert 0 <= first["confidence"] <= 1 and first["top"][0][0] == first["label"]
    assert [p for _label, p in first["top"]] == sorted((p for _label, p in first["top"]), reverse=True)
    assert "1" in err.getvalue()  # one text had nothing to classify


def test_predict_refuses_bad_input_and_writes_nothing(tmp_path):
    train(tmp_path)
    target = tmp_path / "out.jsonl"
    for content in ('{"text": "好"}\n{not json}\n', '{"words": "x"}\n', '["text"]\n'):
        source = tmp_path / "in.jsonl"
        source.write_text(content, encoding="utf-8")
        with pytest.raises(CommandError) as refused:
            call_command(
                "triage_predict", "--name", "disputes", "--input", str(source), "--output", str(target)
            )
        assert "1" in str(refused.value) or "2" in str(refused.value)
        assert not target.exists()
    assert not list(tmp_path.glob(".triage-*"))
    with pytest.raises(CommandError):
        call_command("triage_predict", "--name", "nobody", "--input", str(source), "--output", str(target))
    assert TriageModel.objects.filter(name="nobody").count() == 0
