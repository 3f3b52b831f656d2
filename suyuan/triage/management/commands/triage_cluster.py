"""Cluster near-duplicate matters in a JSON Lines file (see suyuan.triage.clustering.cluster).

Pure: reads one file, writes another, and never touches the database, so it can run on an export
anywhere the code is installed. The output is written to a temporary file beside the target and renamed
only when everything succeeded, so a bad input line never leaves a partial or stale-looking result.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from suyuan.triage.clustering import Record, cluster
from suyuan.triage.minhash import DEFAULT_THRESHOLD


class Command(BaseCommand):
    help = (
        "Cluster near-duplicate matters. Reads JSON Lines with 'id' (string or number) and 'text', and "
        "optionally 'party' (a keyed hash), 'region' (a division code) and 'time' (ISO 8601 date or "
        'datetime; without a zone, in the deployment\'s zone); writes one {"id": ..., "cluster": ...} '
        "per input record, in input order. The cluster is the id of its first member. Touches no database."
    )
    requires_system_checks: list[str] = []  # pure file in, file out

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--input", required=True, metavar="IN.jsonl", help="Records, one JSON object a line."
        )
        parser.add_argument(
            "--output", required=True, metavar="OUT.jsonl", help="Where to write the clusters."
        )
        parser.add_argument(
            "--threshold",
            type=float,
            default=DEFAULT_THRESHOLD,
            help=f"Text resemblance at or above which two records are the same matter (default {DEFAULT_THRESHOLD}).",
        )
        parser.add_argument(
            "--window-days",
            type=int,
            default=30,
            help="Records further apart in time are never linked (default 30).",
        )
        parser.add_argument(
            "--region-prefix",
            type=int,
            default=None,
            help="Compare regions on this many leading characters (6 = county); default: the whole code.",
        )

    def handle(
        self,
        *args: Any,
        input: str,
        output: str,
        threshold: float,
        window_days: int,
        region_prefix: int | None,
        **options: Any,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise CommandError(_("The threshold must be above 0 and at most 1."))
        if window_days < 0:
            raise CommandError(_("The window must not be negative."))
        if region_prefix is not None and region_prefix < 1:
            raise CommandError(_("The region prefix must be positive."))
        ids, records = read_records(Path(input))
        clusters = cluster(records, threshold=threshold, window_days=window_days, region_prefix=region_prefix)
        cluster_of = {member: found.id for found in clusters for member in found.members}
        try:
            write_atomically(
                Path(output),
                (
                    json.dumps({"id": original, "cluster": cluster_of[record.id]}, ensure_ascii=False) + "\n"
                    for original, record in zip(ids, records, strict=True)
                ),
            )
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(path)s: %(error)s") % {"path": output, "error": exc.strerror or exc}
            ) from exc
        multi = sum(1 for found in clusters if len(found.members) > 1)
        self.stdout.write(
            _("Records: %(records)d; clusters: %(clusters)d; clusters with two or more members: %(multi)d.")
            % {"records": len(records), "clusters": len(clusters), "multi": multi}
        )


def read_records(path: Path) -> tuple[list[str | int | float], list[Record]]:
    """The records of a JSON Lines file and their ids as given; blank lines are skipped. Any bad line
    stops the whole run with a ``CommandError`` naming it."""
    try:
        raw_lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise CommandError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc}
        ) from exc
    ids: list[str | int | float] = []
    records: list[Record] = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CommandError(_("Line %(line)d is not UTF-8.") % {"line": number}) from exc
        if number == 1:
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CommandError(
                _("Line %(line)d is not valid JSON: %(error)s") % {"line": number, "error": exc.msg}
            ) from exc
        if not isinstance(item, dict):
            raise CommandError(_("Line %(line)d is not a JSON object.") % {"line": number})
        original = item.get("id")
        if isinstance(original, bool) or not isinstance(original, str | int | float) or original == "":
            raise CommandError(_("Line %(line)d has no id (a string or a number).") % {"line": number})
        text = item.get("text")
        if not isinstance(text, str):
            raise CommandError(_("Line %(line)d has no text (a string).") % {"line": number})
        key = str(original)
        if key in first_line:
            raise CommandError(
                _("Line %(line)d repeats the id %(id)s of line %(first)d.")
                % {"line": number, "id": json.dumps(original, ensure_ascii=False), "first": first_line[key]}
            )
        first_line[key] = number
        records.append(
            Record(
                id=key,
                text=text,
                party=_optional_string(item, "party", number),
                region=_optional_string(item, "region", number),
                time=_parse_time(item.get("time"), number),
            )
        )
        ids.append(original)
    return ids, records


def _optional_string(item: dict[str, Any], field: str, number: int) -> str | None:
    value = item.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CommandError(_("Line %(line)d: %(field)s must be a string.") % {"line": number, "field": field})
    return str(value)


def _parse_time(value: Any, number: int) -> datetime | None:
    """An ISO 8601 date (taken as its midnight) or datetime; without a zone, in the deployment's zone."""
    if value is None or value == "":
        return None
    moment: datetime | None = None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)  # a date alone is its midnight
        except ValueError:
            moment = None
    if moment is None:
        raise CommandError(
            _("Line %(line)d: the time %(value)s is not an ISO 8601 date or datetime.")
            % {"line": number, "value": json.dumps(value, ensure_ascii=False)}
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def write_atomically(path: Path, lines: Any) -> None:
    """Write the lines to a temporary file beside ``path`` and rename it over ``path`` only when all were
    written (a reader never sees half a file; a failure leaves no file behind)."""
    directory = path.resolve().parent
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            for line in lines:
                stream.write(line)
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 is for the temporary file only
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
