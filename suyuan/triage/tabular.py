"""Reading labelled texts from a CSV or XLSX file (training history, evaluation data)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

MAX_ROWS = 2_000_000


class FileError(ValueError):
    """The file cannot be read as asked; the message (translated) says why."""


@dataclass(frozen=True)
class Table:
    texts: list[str]
    labels: list[str]
    rows: int


def read_labelled(path: Path, *, text_column: str, label_column: str) -> Table:
    """Return the two columns of a CSV (UTF-8, with or without BOM) or XLSX file; never a partial read."""
    if not path.is_file():
        raise FileError(_("There is no file %(path)s.") % {"path": path})
    rows = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path)
    try:
        header = [str(h or "").strip() for h in next(rows)]
    except StopIteration:
        raise FileError(_("The file is empty.")) from None
    missing = [c for c in (text_column, label_column) if c not in header]
    if missing:
        raise FileError(
            _("The file has no column %(missing)s; its columns are: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(header) or "—"}
        )
    t, lab = header.index(text_column), header.index(label_column)
    texts: list[str] = []
    labels: list[str] = []
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise FileError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
        cells = list(row)
        texts.append(str(cells[t] or "") if t < len(cells) else "")
        labels.append(str(cells[lab] or "").strip() if lab < len(cells) else "")
    return Table(texts, labels, len(texts))


def _csv_rows(path: Path) -> Iterator[list[str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.reader(handle)
    except UnicodeDecodeError:
        raise FileError(_("The file is not UTF-8 text; save it as CSV UTF-8.")) from None
    except csv.Error as exc:
        raise FileError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from None


def _xlsx_rows(path: Path) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise FileError(_("The file is not a readable XLSX workbook: %(error)s") % {"error": exc}) from None
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()
