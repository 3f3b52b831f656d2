"""Evaluate the triage text classifier on the shared labelled data: quality, calibration and speed.

Run from the project root: ``.venv/bin/python bench/eval_triage.py`` (what ``make eval`` runs). The data lives
outside the project, in ``shared/data`` beside the project's folder, or where ``SUYUAN_SHARED_DATA`` points;
without it the evaluation is skipped (exit 0). The data is real people's text: this script prints figures and
category names only, never a text, and writes nothing.

What it prints, with fixed seeds and the stratified 80/20 split of :func:`suyuan.triage.classifier.split`
with seed 42:

1. Departments (``appeals/labeled_messages.csv``, 7 categories): macro-F1, accuracy, per-category
   precision/recall/F1, the confusion matrix, sizes and training time; then for confidence thresholds
   0.5–0.9 the share of test texts at or above the threshold (coverage) and the accuracy among them, and the
   expected calibration error (10 equal-width bins).
2. Titles (``appeals/labeled_titles.csv``): macro-F1 on the same kind of split.
3. Dispute types (``legal_questions/lawbench_2-4_dev.csv``, 20 types × 12 questions): a learning curve. For
   k = 4 and 8, train on k questions per type and test on the other 12 − k, over 5 seeds (mean ± sd). For
   all 12, 5-fold stratified cross-validation (each fold trains on 9–10 questions per type).
4. Prediction throughput on one core (BLAS/OpenMP threads are limited to 1 before NumPy loads): texts per
   second of ``predict`` over the department test set, median of 3 runs, per second of this process's CPU
   time (what one core does, even when other work shares the machine) and per wall-clock second; p50/p99
   wall-clock latency of ``predict_one``.
5. 5-fold cross-validated macro-F1 on the departments (mean ± sd over the folds, and pooled).

Exits non-zero only when something fails (an exception), never because a figure is low.
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path

# One core: set before NumPy, SciPy or scikit-learn (imported inside the functions below) start thread pools.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SPLIT_SEED = 42
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
SHOTS = (4, 8)
SHOT_SEEDS = range(5)
FOLDS = 5

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suyuan.config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
sys.path.insert(0, str(ROOT))


def data_dir() -> Path:
    configured = os.environ.get("SUYUAN_SHARED_DATA")
    return Path(configured) if configured else DEFAULT_DATA


def read_rows(path: Path, text_column: str) -> tuple[list[str], list[str]]:
    """The text and label columns of a CSV file (kept in memory only)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [row[text_column] or "" for row in rows], [row["label"] or "" for row in rows]


def mean_sd(values: Sequence[float], digits: int) -> str:
    return f"{statistics.fmean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, size: int) -> str:
    return text + " " * max(0, size - width(text))


def print_metrics(metrics: object) -> None:
    from suyuan.triage.classifier import Metrics

    assert isinstance(metrics, Metrics)
    name_width = max(width(label) for label in metrics.labels) + 2
    print(f"  macro-F1 {metrics.macro_f1:.4f}   accuracy {metrics.accuracy:.4f}")
    print(f"  {pad('category', name_width)}  precision  recall     F1  support")
    for label in metrics.labels:
        figures = metrics.per_class[label]
        print(
            f"  {pad(label, name_width)}  {figures['precision']:9.3f}  {figures['recall']:6.3f}  "
            f"{figures['f1']:5.3f}  {int(figures['support']):7d}"
        )
    print("  confusion matrix (rows: true category, columns: predicted, same order as above):")
    for label, row in zip(metrics.labels, metrics.confusion, strict=True):
        print(f"  {pad(label, name_width)}" + "".join(f"{cell:6d}" for cell in row))


def departments(folder: Path) -> tuple[object, list[str]] | None:
    """Section 1; returns the model and the test texts for the throughput of section 4."""
    from suyuan.triage import classifier as triage

    path = folder / "appeals" / "labeled_messages.csv"
    if not path.exists():
        print(f"1. departments: skipped ({path.name} not found)\n")
        return None
    texts, labels = read_rows(path, "text")
    train_rows, test_rows = triage.split(labels, test_size=0.2, seed=SPLIT_SEED)
    train_texts = [texts[row] for row in train_rows]
    train_labels = [labels[row] for row in train_rows]
    started = time.perf_counter()
    model = triage.train(train_texts, train_labels, seed=0)
    trained_in = time.perf_counter() - started
    test_texts = [texts[row] for row in test_rows]
    test_labels = [labels[row].strip() for row in test_rows]
    predictions = model.predict(test_texts, top=1)
    metrics = triage.score(
        test_labels, [p.label for p in predictions], labels=model.labels, training_size=model.training_size
    )
    print(f"1. Departments (messages, {len(texts)} rows, {len(model.labels)} categories)")
    print(
        f"  training {metrics.training_size} texts in {trained_in:.1f} s, test {metrics.test_size} texts; "
        f"calibration: {model.calibration}; model {len(model.dumps()) / 1e6:.1f} MB serialised"
    )
    print_metrics(metrics)
    print("  confidence threshold   coverage   accuracy above it")
    hits = [p.label == truth for p, truth in zip(predictions, test_labels, strict=True)]
    for threshold in THRESHOLDS:
        chosen = [hit for p, hit in zip(predictions, hits, strict=True) if p.confidence >= threshold]
        coverage = len(chosen) / len(predictions)
        accuracy = sum(chosen) / len(chosen) if chosen else float("nan")
        print(f"  {threshold:20.1f}   {coverage:8.3f}   {accuracy:8.3f}")
    print(f"  expected calibration error (10 bins): {calibration_error(predictions, hits):.3f}\n")
    return model, test_texts


def calibration_error(predictions: Sequence[object], hits: Sequence[bool]) -> float:
    """Mean |confidence − accuracy| over 10 equal-width confidence bins, weighted by the bins' sizes."""
    bins: dict[int, list[tuple[float, bool]]] = {}
    for prediction, hit in zip(predictions, hits, strict=True):
        confidence = float(getattr(prediction, "confidence", 0.0))
        bins.setdefault(min(int(confidence * 10), 9), []).append((confidence, hit))
    total = len(hits)
    return sum(
        len(members)
        / total
        * abs(statistics.fmean(c for c, _ in members) - statistics.fmean(float(h) for _, h in members))
        for members in bins.values()
    )


def throughput(model: object, texts: list[str]) -> None:
    from suyuan.triage.classifier import Classifier

    assert isinstance(model, Classifier)
    rates, cpu_rates = [], []
    for _ in range(3):
        started, cpu_started = time.perf_counter(), time.process_time()
        model.predict(texts)
        rates.append(len(texts) / (time.perf_counter() - started))
        cpu_rates.append(len(texts) / (time.process_time() - cpu_started))
    latencies = []
    for text in texts:
        started = time.perf_counter()
        model.predict_one(text)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"4. Throughput (one core, {len(texts)} department test texts): predict "
        f"{statistics.median(cpu_rates):,.0f} texts per CPU second, {statistics.median(rates):,.0f} texts/s "
        f"wall-clock (medians of 3 runs; wall: {', '.join(f'{rate:,.0f}' for rate in rates)}); "
        f"predict_one p50 {p50:.2f} ms, p99 {p99:.2f} ms (wall-clock)"
    )


def titles(folder: Path) -> None:
    from suyuan.triage import classifier as triage

    path = folder / "appeals" / "labeled_titles.csv"
    if not path.exists():
        print(f"2. titles: skipped ({path.name} not found)\n")
        return
    texts, labels = read_rows(path, "title")
    train_rows, test_rows = triage.split(labels, test_size=0.2, seed=SPLIT_SEED)
    started = time.perf_counter()
    metrics = triage.evaluate_holdout(
        [texts[row] for row in train_rows],
        [labels[row] for row in train_rows],
        [texts[row] for row in test_rows],
        [labels[row] for row in test_rows],
    )
    print(
        f"2. Titles ({len(texts)} rows): macro-F1 {metrics.macro_f1:.4f}, accuracy {metrics.accuracy:.4f} "
        f"(training {metrics.training_size}, test {metrics.test_size}; "
        f"trained and tested in {time.perf_counter() - started:.1f} s)\n"
    )


def dispute_types(folder: Path) -> None:
    import numpy as np

    from suyuan.triage import classifier as triage

    path = folder / "legal_questions" / "lawbench_2-4_dev.csv"
    if not path.exists():
        print(f"3. dispute types: skipped ({path.name} not found)\n")
        return
    texts, raw_labels = read_rows(path, "question")
    labels = [label.strip() for label in raw_labels]
    by_label: dict[str, list[int]] = {}
    for row, label in enumerate(labels):
        by_label.setdefault(label, []).append(row)
    smallest = min(len(rows) for rows in by_label.values())
    largest = max(len(rows) for rows in by_label.values())
    sizes = f"{smallest}" if smallest == largest else f"{smallest}–{largest}"
    print(
        f"3. Dispute types ({len(texts)} questions, {len(by_label)} types, {sizes} per type): learning curve"
    )
    for shots, with_names in [(shots, False) for shots in SHOTS] + [(shots, True) for shots in SHOTS]:
        if shots >= smallest:
            print(f"  {shots:2d} per type: skipped (a type has only {smallest})")
            continue
        f1s, accuracies, confidences = [], [], []
        for seed in SHOT_SEEDS:
            rng = np.random.default_rng(seed)
            train_rows: list[int] = []
            test_rows: list[int] = []
            for label in sorted(by_label):
                rows = list(by_label[label])
                rng.shuffle(rows)
                train_rows += rows[:shots]
                test_rows += rows[shots:]
            names = sorted(by_label) if with_names else []
            model = triage.train(
                [texts[row] for row in train_rows] + names,
                [labels[row] for row in train_rows] + names,
                seed=seed,
            )
            predictions = model.predict([texts[row] for row in test_rows], top=1)
            metrics = triage.score([labels[row] for row in test_rows], [p.label for p in predictions])
            f1s.append(metrics.macro_f1)
            accuracies.append(metrics.accuracy)
            confidences.append(statistics.fmean(p.confidence for p in predictions))
        rest = f"{'' if smallest == largest else 'at least '}{smallest - shots}"
        also = (
            " + each type's name as one more example (as the platform adds its taxonomy)"
            if with_names
            else ""
        )
        print(
            f"  {shots:2d} per type{also}, tested on the other {rest} ({len(SHOT_SEEDS)} seeds): "
            f"macro-F1 {mean_sd(f1s, 3)}, accuracy {statistics.fmean(accuracies):.3f}, "
            f"mean confidence {statistics.fmean(confidences):.3f}"
        )
    metrics = triage.cross_validate(texts, labels, folds=FOLDS, seed=0)
    print(
        f"  all {sizes}, {metrics.folds}-fold stratified cross-validation: macro-F1 "
        f"{mean_sd(metrics.fold_macro_f1, 3)} over the folds (pooled {metrics.macro_f1:.3f}), "
        f"accuracy {metrics.accuracy:.3f}\n"
    )


def departments_cross_validated(folder: Path) -> None:
    from suyuan.triage import classifier as triage

    path = folder / "appeals" / "labeled_messages.csv"
    if not path.exists():
        return
    texts, labels = read_rows(path, "text")
    started = time.perf_counter()
    metrics = triage.cross_validate(texts, labels, folds=FOLDS, seed=SPLIT_SEED)
    elapsed = time.perf_counter() - started
    print(
        f"5. Departments, {metrics.folds}-fold stratified cross-validation ({metrics.training_size} texts): "
        f"macro-F1 {mean_sd(metrics.fold_macro_f1, 4)} over the folds "
        f"(folds: {', '.join(f'{f1:.4f}' for f1 in metrics.fold_macro_f1)}; pooled {metrics.macro_f1:.4f}), "
        f"accuracy {metrics.accuracy:.4f}; {elapsed:.0f} s"
    )


def main() -> int:
    folder = data_dir()
    if not folder.is_dir():
        print(f"eval_triage: skipped, no shared data at {folder} (set SUYUAN_SHARED_DATA to its folder)")
        return 0
    import django

    django.setup()
    started = time.perf_counter()
    trained = departments(folder)
    titles(folder)
    dispute_types(folder)
    if trained is not None:
        throughput(*trained)
    departments_cross_validated(folder)
    print(f"(whole evaluation: {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
