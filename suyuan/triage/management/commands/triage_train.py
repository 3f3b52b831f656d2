"""Train a version of a triage model from a CSV (or XLSX) file and print its evaluation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from suyuan.matters.models import Category
from suyuan.triage import classifier, services, tabular
from suyuan.triage.choices import ModelTarget, VersionSource


def format_metrics(metrics: classifier.Metrics, title: str) -> list[str]:
    """The lines a person reads: overall figures, per class, and the confusion matrix."""
    lines = [
        f"{title}: macro-F1 {metrics.macro_f1:.4f}  accuracy {metrics.accuracy:.4f}  "
        f"(trained on {metrics.training_size}, tested on {metrics.test_size})",
        f"  {'class':<24} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}",
    ]
    for label in metrics.labels:
        figures = metrics.per_class.get(label, {})
        lines.append(
            f"  {label[:24]:<24} {figures.get('precision', 0):>9.3f} {figures.get('recall', 0):>7.3f} "
            f"{figures.get('f1', 0):>7.3f} {int(figures.get('support', 0)):>8d}"
        )
    lines.append("  confusion (rows true, columns predicted, classes in the order above):")
    lines.extend("  " + " ".join(f"{n:>5d}" for n in row) for row in metrics.confusion)
    return lines


class Command(BaseCommand):
    help = (
        "Train and store a version of triage model NAME from a CSV or XLSX file, print its cross-validated "
        "metrics and its figures on a held-back split, and promote it if it is not worse than the active one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Model name (letters, digits, - and _).")
        parser.add_argument("--data", required=True, type=Path, help="CSV (UTF-8) or XLSX file.")
        parser.add_argument("--text-column", required=True)
        parser.add_argument("--label-column", required=True)
        parser.add_argument("--folds", type=int, default=5, help="Cross-validation folds (0 skips it).")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--no-promote", action="store_true", help="Store the version without promoting it."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name: str = options["name"]
        if not name.replace("-", "").replace("_", "").isalnum() or len(name) > 60:
            raise CommandError(_("A model name has at most 60 letters, digits, - or _."))
        try:
            table = tabular.read_labelled(
                options["data"], text_column=options["text_column"], label_column=options["label_column"]
            )
            prepared = classifier.prepare(table.texts, table.labels)
        except (tabular.FileError, classifier.TrainingError) as exc:
            raise CommandError(str(exc)) from None
        model = services.model_get_or_create(name)
        if model.target == ModelTarget.CATEGORY:
            known = set(Category.objects.filter(is_active=True).values_list("code", flat=True))
            unknown = sorted(set(prepared.labels) - known)
            if unknown:
                raise CommandError(
                    _("The labels of model %(name)s must be category codes; unknown: %(labels)s.")
                    % {"name": name, "labels": ", ".join(unknown[:10])}
                )
        elif model.target == ModelTarget.ORGANIZATION:
            raise CommandError(_("The organisation model learns from accepted matters, not from a file."))
        for warning in prepared.warnings:
            self.stderr.write(_("Warning: %(warning)s") % {"warning": warning})
        self.stdout.write(
            _("%(rows)d rows read, %(kept)d used, %(classes)d classes.")
            % {"rows": table.rows, "kept": len(prepared.texts), "classes": len(set(prepared.labels))}
        )
        if options["folds"] >= 2:
            started = time.perf_counter()
            cv = classifier.cross_validate(
                prepared.texts, prepared.labels, folds=options["folds"], seed=options["seed"]
            )
            for line in format_metrics(cv, f"cross-validated ({options['folds']} folds)"):
                self.stdout.write(line)
            self.stdout.write(f"  ({time.perf_counter() - started:.1f} s)")
        started = time.perf_counter()
        try:
            trained = services.model_train(
                model=model,
                texts=prepared.texts,
                labels=prepared.labels,
                source=VersionSource.FILE,
                seed=options["seed"],
                promote=not options["no_promote"],
            )
        except classifier.TrainingError as exc:
            raise CommandError(str(exc)) from None
        version = trained.version
        metrics = classifier.Metrics.from_dict(version.metrics)
        for line in format_metrics(metrics, f"held-back split ({int(services.HOLDOUT * 100)}%)"):
            self.stdout.write(line)
        self.stdout.write(
            _("Stored %(name)s v%(number)d (%(status)s) in %(seconds).1f s. %(decision)s")
            % {
                "name": name,
                "number": version.number,
                "status": version.get_status_display(),
                "seconds": time.perf_counter() - started,
                "decision": version.decision,
            }
        )
