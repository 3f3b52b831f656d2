"""Predict with a stored triage model: one JSON object per line in, one per line out, same order."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from suyuan.triage import artefacts, services
from suyuan.triage.choices import VersionStatus
from suyuan.triage.models import ModelVersion, TriageModel

BATCH = 2000


def read_texts(path: Path) -> list[str]:
    """The ``text`` of every non-blank line; any bad line stops everything, naming its number."""
    texts: list[str] = []
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
        ) from None
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CommandError(
                        _("Line %(line)d is not valid JSON: %(error)s") % {"line": number, "error": exc.msg}
                    ) from None
                if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                    raise CommandError(
                        _('Line %(line)d needs an object with a "text" string.') % {"line": number}
                    )
                texts.append(record["text"])
        except UnicodeDecodeError:
            raise CommandError(_("The input is not UTF-8 text.")) from None
    return texts


class Command(BaseCommand):
    help = (
        'Read one {"text": …} object per line and write one {"label", "confidence", "top"} object per line, '
        "in the same order, with the active version of model NAME (or --model-version N)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--input", required=True, type=Path)
        parser.add_argument("--output", required=True, type=Path)
        parser.add_argument("--model-version", type=int, help="Use this version instead of the active one.")
        parser.add_argument("--top", type=int, default=3, help="How many alternatives to list (default 3).")

    def handle(self, *args: Any, **options: Any) -> None:
        model = TriageModel.objects.filter(name=options["name"]).first()
        if model is None:
            raise CommandError(_("There is no triage model %(name)s.") % {"name": options["name"]})
        versions = ModelVersion.objects.filter(model=model)
        version = (
            versions.filter(number=options["model_version"]).first()
            if options["model_version"]
            else versions.filter(status=VersionStatus.ACTIVE).first()
        )
        if version is None:
            raise CommandError(_("Model %(name)s has no such version.") % {"name": model.name})
        try:
            trained = services.version_classifier(version)
        except artefacts.ArtefactRefused:
            raise CommandError(
                _("This version is not signed by this deployment; it is not loaded.")
            ) from None
        services.ensure_place_names()
        texts = read_texts(options["input"])
        output: Path = options["output"]
        top = max(1, min(options["top"], 50))
        empty = 0
        directory = output.resolve().parent
        if not directory.is_dir():
            raise CommandError(_("There is no directory %(path)s.") % {"path": directory})
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".triage-", suffix=".jsonl")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                for start in range(0, len(texts), BATCH):
                    for prediction in trained.predict(texts[start : start + BATCH], top=top):
                        if prediction.label is None:
                            empty += 1
                        record = {
                            "label": prediction.label,
                            "confidence": round(float(prediction.confidence), 4),
                            "top": [[label, round(float(p), 4)] for label, p in prediction.top],
                        }
                        out.write(json.dumps(record, ensure_ascii=False) + "\n")
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if empty:
            self.stderr.write(
                _(
                    "Warning: %(count)d texts had nothing to classify (empty or no words); their label is null."
                )
                % {"count": empty}
            )
        self.stdout.write(
            _("%(count)d predictions written with %(name)s v%(number)d.")
            % {"count": len(texts), "name": model.name, "number": version.number}
        )
