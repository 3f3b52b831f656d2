"""Batch import of matters from a CSV or XLSX file (e.g. an export of a 12345 hotline system).

The flow (see docs/import.md): ``import_batch_upload`` stores the file after checking that it can be read
(format by content, size, row count, required columns); ``import_batch_check`` is the dry run: it checks
every row with the same rules as ``matter_receive`` (``services.matter_receive_check``) and writes the
report, nothing else; ``import_batch_start`` hands the valid rows to the task worker, and
``import_batch_run`` (the task's body) files each one through ``matter_receive`` with the idempotency key
``import-<batch id>-<row>``, so a retried or resumed run never files a row twice.

The dry run and the import read the same file through the same ``RowChecker``: what the report says about
a row is what the import does with it, unless the world changed in between (a work order imported
meanwhile by another batch); such rows are skipped and added to the report.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from suyuan.accounts.access import code_prefix_q, scope_for
from suyuan.accounts.choices import OrganizationType
from suyuan.accounts.models import Organization, User
from suyuan.core.exceptions import Forbidden, NotFound
from suyuan.core.tasks import enqueue_with_transaction
from suyuan.matters import access, services
from suyuan.matters.choices import (
    Channel,
    ImportFormat,
    ImportIssueLevel,
    ImportStatus,
    MatterKind,
    PartyRole,
)
from suyuan.matters.models import Category, ImportBatch, Matter
from suyuan.matters.services import PartyInput
from suyuan.regions.address import resolve_address
from suyuan.regions.choices import ResolutionStatus
from suyuan.regions.models import Region

if TYPE_CHECKING:
    from suyuan.accounts.access import Actor

logger = logging.getLogger(__name__)

# Channels a batch may record on its matters (the others are a person at a counter or a citizen online).
IMPORT_CHANNELS = (Channel.HOTLINE, Channel.PETITION_LETTER, Channel.IMPORT, Channel.FIELD_VISIT)
# Rows filed per transaction, with the progress they make: one commit per group rather than per row.
PROGRESS_EVERY = 20
# An import whose progress has not moved for this long is taken for dead and may be resumed by hand.
STALLED_AFTER = dt.timedelta(minutes=5)
# The header is looked for in the first rows: some exports put a title line above it.
HEADER_SEARCH_ROWS = 5
MAX_COLUMNS = 60
MAX_CANDIDATES_SHOWN = 5
OTHER_CATEGORY = "other"


# --- Columns ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the import: the template's header, the other headers accepted for it, what it holds."""

    field: str
    label: str
    aliases: tuple[str, ...]
    help: Any
    required: bool = False
    example: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("work_order", "工单编号", ("编号", "工单号", "受理编号", "单号", "work order", "reference", "ticket"),
           gettext_lazy("The source system's number; the same work order is never imported twice."),
           example="JS20250501-0001"),
    Column("received_at", "来电时间", ("受理时间", "登记时间", "来信时间", "来访时间", "时间", "received at", "date"),
           gettext_lazy("When the call or letter came in; stands for the day it happened when that is not given."),
           example="2025-05-01 09:30"),
    Column("occurred_on", "事发时间", ("事发日期", "发生时间", "发生日期", "occurred on"),
           gettext_lazy("The day it happened, if known (not in the future)."), example="2025-04-28"),
    Column("kind", "事项性质", ("性质", "事项类型", "kind"),
           gettext_lazy("纠纷, 诉求 (投诉, 求助, 建议), 信访 or 咨询; empty: the kind chosen for the batch.")),
    Column("category", "诉求类型", ("类别", "分类", "纠纷类型", "问题类型", "诉求分类", "type", "category"),
           gettext_lazy("A type of the taxonomy (e.g. 邻里纠纷); an unknown type is filed under 其他."),
           example="邻里纠纷"),
    Column("title", "标题", ("诉求标题", "主题", "事项标题", "title", "subject"),
           gettext_lazy("A short title; empty: the first words of the content."), example="楼上装修噪音"),
    Column("description", "诉求内容", ("内容", "来电内容", "来信内容", "问题描述", "诉求描述", "事项内容",
                                     "description", "content"),
           gettext_lazy("What happened and what the citizen asks for."), required=True,
           example="楼上住户连续多日夜间装修，影响休息，希望协调。"),
    Column("desired_outcome", "诉求目标", ("期望结果", "诉求事项", "desired outcome"),
           gettext_lazy("What the citizen wants, if recorded separately.")),
    Column("address", "事发地址", ("地址", "事发地点", "地点", "发生地址", "所在地", "address", "location"),
           gettext_lazy("Where it happened, as written; it must name a township or village of your county."),
           required=True, example="双塔街道城北社区某小区3幢"),
    Column("applicant_name", "来电人", ("诉求人", "姓名", "来信人", "反映人", "申请人", "联系人", "name",
                                       "applicant"),
           gettext_lazy("The citizen's name (a surname and title such as 张女士 will do)."), required=True,
           example="张女士"),
    Column("applicant_phone", "联系电话", ("电话", "手机", "手机号", "手机号码", "来电号码", "联系方式",
                                          "phone", "mobile"),
           gettext_lazy("The citizen's mobile number: the tracking code is sent to it."), required=True,
           example="13800000000"),
    Column("applicant_id_number", "身份证号", ("证件号码", "身份证号码", "id number"),
           gettext_lazy("Resident ID number, if recorded.")),
    Column("respondent_name", "对方", ("被反映人", "被投诉人", "被申请人", "对方当事人", "被反映对象",
                                      "respondent"),
           gettext_lazy("The other side (a person or an organisation); needed for a dispute."),
           example="楼上住户"),
    Column("respondent_phone", "对方电话", ("被反映人电话", "对方联系电话", "respondent phone"),
           gettext_lazy("The other side's mobile number, if known.")),
)  # fmt: skip
COLUMNS_BY_FIELD = {column.field: column for column in COLUMNS}
REQUIRED_FIELDS = tuple(column.field for column in COLUMNS if column.required)

KIND_WORDS = {
    "纠纷": MatterKind.DISPUTE,
    "矛盾纠纷": MatterKind.DISPUTE,
    "dispute": MatterKind.DISPUTE,
    "诉求": MatterKind.REQUEST,
    "投诉": MatterKind.REQUEST,
    "求助": MatterKind.REQUEST,
    "建议": MatterKind.REQUEST,
    "举报": MatterKind.REQUEST,
    "request": MatterKind.REQUEST,
    "complaint": MatterKind.REQUEST,
    "信访": MatterKind.PETITION,
    "petition": MatterKind.PETITION,
    "咨询": MatterKind.CONSULTATION,
    "consultation": MatterKind.CONSULTATION,
}


def _header_key(text: str) -> str:
    """Return a header as compared: NFKC, lower case, without spaces, marks and punctuation (``*``, ``：``)."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(
        char for char in folded if not (char.isspace() or unicodedata.category(char)[0] in "PS")
    ).replace("_", "")


_HEADER_FIELDS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.label, _column.field, *_column.aliases):
        _HEADER_FIELDS.setdefault(_header_key(_name), _column.field)


# --- Reading files ----------------------------------------------------------------------------------------


class ImportFileError(Exception):
    """Raised when a file cannot be imported at all: its format, size, size in rows or columns."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """The cells of a file as text: the header row, and each data row with its number in the file."""

    file_format: str
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[str]]]


def detect_format(data: bytes) -> str:
    """Return the format of a file from its content (not its name), or raise ``ImportFileError``."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise ImportFileError(
                _("The file is damaged: it cannot be opened as an Excel workbook.")
            ) from None
        if "xl/workbook.xml" not in names:
            raise ImportFileError(_("This is a ZIP archive, not an Excel workbook (.xlsx)."))
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise ImportFileError(
                _("The workbook contains macros: save it as an Excel workbook without macros (.xlsx).")
            )
        return ImportFormat.XLSX
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("This is an old Excel file (.xls) or another Office document: save it as .xlsx or CSV.")
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ImportFormat.CSV
    if data.startswith(b"%PDF") or b"\x00" in data[:4096]:
        raise ImportFileError(_("This is not a CSV or Excel file."))
    return ImportFormat.CSV


def decode_text(data: bytes) -> str:
    """Return the text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (GBK)."""
    encodings: tuple[str, ...]
    if data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        # Exports of Chinese systems are often GBK; GB18030 is its superset.
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(
            _("The file's text encoding is not UTF-8 or GB18030 (GBK): save it as CSV UTF-8.")
        ) from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers and work orders typed as numbers
    return str(value).strip()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = decode_text(data)
    # The delimiter is the one the first line uses most: headers hold no commas, tabs or semicolons,
    # while a sniffer reading the content can be misled by the citizens' punctuation.
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield [cell.strip() for cell in row[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from None


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFileError(_("The file is damaged: it cannot be opened as an Excel workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield [_cell_text(value) for value in row]
    finally:
        workbook.close()


def _header_score(cells: list[str]) -> int:
    return len({_HEADER_FIELDS[key] for cell in cells if (key := _header_key(cell)) in _HEADER_FIELDS})


def read_table(data: bytes, *, max_rows: int | None = None) -> Table:
    """Return the header and data rows of a CSV or XLSX file, or raise ``ImportFileError``.

    Empty rows are left out (their numbers too); the header is the first of the first rows that names
    known columns. More than ``max_rows`` data rows (default ``IMPORT_MAX_ROWS``) is refused.
    """
    limit = max_rows if max_rows is not None else settings.IMPORT_MAX_ROWS
    file_format = detect_format(data)
    source = _xlsx_rows(data) if file_format == ImportFormat.XLSX else _csv_rows(data)
    header_row = 0
    headers: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(source, start=1):
        while cells and not cells[-1]:
            cells.pop()  # trailing empty cells (read-only sheets pad rows to the widest one)
        if not cells:
            continue
        if not header_row:
            if _header_score(cells) >= 2:
                header_row, headers = number, cells
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        rows.append((number, cells))
        if len(rows) > limit:
            raise ImportFileError(
                _("The file has more than %(limit)s rows: split it into several files.") % {"limit": limit}
            )
    if not header_row:
        raise ImportFileError(
            _("No header row found: the first row must name the columns (download the template).")
        )
    return Table(file_format=file_format, header_row=header_row, headers=headers, rows=rows)


@dataclass
class Issue:
    row: int
    column: str
    level: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "level": self.level, "message": self.message}


def map_headers(headers: list[str], *, header_row: int = 1) -> tuple[dict[str, int], list[Issue]]:
    """Return ``{field: column index}`` for the file's headers and warnings about the ones ignored.

    Raise ``ImportFileError`` naming the required columns that are missing.
    """
    mapping: dict[str, int] = {}
    issues: list[Issue] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        found = _HEADER_FIELDS.get(_header_key(header))
        if found is None:
            issues.append(Issue(header_row, header, ImportIssueLevel.WARNING, _("Unknown column: ignored.")))
        elif found in mapping:
            issues.append(
                Issue(
                    header_row,
                    header,
                    ImportIssueLevel.WARNING,
                    _("A second column for “%(column)s”: ignored.")
                    % {"column": COLUMNS_BY_FIELD[found].label},
                )
            )
        else:
            mapping[found] = index
    missing = [COLUMNS_BY_FIELD[name] for name in REQUIRED_FIELDS if name not in mapping]
    if missing:
        raise ImportFileError(
            _("Required columns are missing: %(columns)s. Download the template for the accepted headers.")
            % {"columns": "、".join(f"{c.label} ({'/'.join(c.aliases[:3])})" for c in missing)}
        )
    return mapping, issues


# --- Values -------------------------------------------------------------------------------------------------

_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(?:(\d{1,2})\s*秒?)?)?(?:\.\d+)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?$")


def parse_date(text: str) -> dt.date | None:
    """Return the day of a date or date-time as exports write them (2025-05-01, 2025/5/1 9:30, 2025年5月1日
    …), None for an empty cell; raise ValueError for anything else."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return None
    match = _DATE.match(value) or _COMPACT_DATE.match(value)
    if match is None:
        raise ValueError(value)
    year, month, day = (int(part) for part in match.groups()[:3])
    hour, minute, second = (int(part or 0) for part in match.groups()[3:])
    dt.time(hour, minute, second)  # raises ValueError for 25:61
    return dt.date(year, month, day)


_PHONE_SEPARATORS = re.compile(r"[/,;，；、|]|\s{2,}")


def _first_phone(text: str) -> tuple[str, bool]:
    """Return the first of several phone numbers in a cell, and whether there were others."""
    parts = [part.strip() for part in _PHONE_SEPARATORS.split(text or "") if part.strip()]
    if not parts:
        return "", False
    return parts[0], len(parts) > 1


def _derive_title(description: str) -> str:
    first = re.split(r"[。！？!?\n；;]", description.strip(), maxsplit=1)[0].strip()
    return first[:30] + ("…" if len(first) > 30 else "")


# --- Checking rows ------------------------------------------------------------------------------------------


@dataclass
class RowPlan:
    """What one row of the file becomes: the arguments of ``matter_receive``, or the reasons it cannot."""

    row: int
    work_order: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not any(issue.level == ImportIssueLevel.ERROR for issue in self.issues)

    @property
    def has_warnings(self) -> bool:
        return any(issue.level == ImportIssueLevel.WARNING for issue in self.issues)


def area_code(organization: Organization) -> str:
    """Return the code of the county (or the wider region) whose places a batch's addresses must name."""
    code = str(organization.region_id)
    return code[:6] if len(code) >= 6 else code


class RowChecker:
    """Check a batch's rows, one after the other, against the rules of ``matter_receive`` and the batch."""

    def __init__(self, batch: ImportBatch, *, mapping: dict[str, int], headers: list[str]) -> None:
        self.batch = batch
        self.actor = batch.entered_by
        self.mapping = mapping
        self.headers = headers
        self.area = Region.objects.get(code=area_code(batch.organization))
        self.regions: dict[str, Region] = {self.area.code: self.area}
        self.categories = list(Category.objects.filter(is_active=True))
        self.other = next((c for c in self.categories if c.code == OTHER_CATEGORY), None)
        self.category_keys: dict[str, Category] = {}
        for category in self.categories:
            for name in (category.name, *category.name.split("/"), category.name_en, category.code):
                if key := _header_key(name):
                    self.category_keys.setdefault(key, category)
        self.seen_work_orders: dict[str, int] = {}
        self.seen_contents: dict[tuple[str, str], int] = {}
        self.existing: dict[str, tuple[str, str, int | None]] = {}

    def column(self, name: str) -> str:
        """Return the header of the field's column as the file writes it (the template's header if absent)."""
        index = self.mapping.get(name)
        if index is not None and index < len(self.headers) and self.headers[index]:
            return self.headers[index]
        return COLUMNS_BY_FIELD[name].label

    def load_existing(self, work_orders: Iterable[str]) -> None:
        """Look up, in a few queries, the matters of the batch's county that already carry these numbers."""
        wanted = sorted({number for number in work_orders if number})
        for start in range(0, len(wanted), 500):
            rows = Matter.objects.filter(
                code_prefix_q("region_id", self.area.code), external_reference__in=wanted[start : start + 500]
            ).values_list("external_reference", "tracking_code", "idempotency_key", "entered_by_id")
            for reference, code, key, entered_by in rows:
                self.existing.setdefault(reference, (code, key, entered_by))

    def _region(self, code: str) -> Region:
        if code not in self.regions:
            self.regions[code] = Region.objects.get(code=code)
        return self.regions[code]

    def _place(self, address: str) -> tuple[Region | None, str]:
        """Return the region of the county that the address names, or None and why not."""
        area = self.area.code

        def inside(codes: Iterable[str]) -> list[str]:
            return sorted({code for code in codes if code.startswith(area) and code != area})

        first = resolve_address(address)
        if first.status == ResolutionStatus.RESOLVED and first.region and inside([first.region.code]):
            return self._region(first.region.code), ""
        if first.status == ResolutionStatus.AMBIGUOUS:
            candidates = inside(c.code for c in first.candidates)
            if len(candidates) == 1:
                return self._region(candidates[0]), ""
        # A county's own system often leaves the county out of the address: read it within the county.
        second = resolve_address(f"{self.area.full_name} {address}")
        if second.status == ResolutionStatus.RESOLVED and second.region and inside([second.region.code]):
            return self._region(second.region.code), ""
        if second.status == ResolutionStatus.AMBIGUOUS:
            candidates = inside(c.code for c in second.candidates)
            if len(candidates) == 1:
                return self._region(candidates[0]), ""
            if candidates:
                names = "、".join(
                    ref.full_name.removeprefix(self.area.full_name)
                    for ref in second.candidates
                    if ref.code in candidates
                )
                return None, _(
                    "The address could be in several places: %(places)s. Add the township or village."
                ) % {"places": names}
        if (
            first.status == ResolutionStatus.RESOLVED
            and first.region
            and not first.region.code.startswith(area)
        ):
            return None, _("The address lies in %(place)s, outside %(county)s.") % {
                "place": first.region.full_name,
                "county": self.area.name,
            }
        return None, _("No township or village of %(county)s found in this address.") % {
            "county": self.area.name
        }

    def _category(self, text: str) -> tuple[Category | None, bool]:
        """Return the category a type names (None for an empty cell) and whether it was recognised."""
        key = _header_key(text)
        if not key:
            return None, True
        if key in self.category_keys:
            return self.category_keys[key], True
        # 劳动争议-欠薪 names 劳动争议; 物业 is part of 物业纠纷.
        contained = [k for k in self.category_keys if len(k) >= 2 and k in key]
        if contained:
            return self.category_keys[max(contained, key=len)], True
        containing = {c.pk: c for k, c in self.category_keys.items() if len(key) >= 2 and key in k}
        if len(containing) == 1:
            return next(iter(containing.values())), True
        return self.other, False

    def check(self, number: int, cells: list[str]) -> RowPlan:
        """Return the plan for one data row: the matter it becomes, its errors and its warnings."""
        values = {
            name: (cells[index].strip() if index < len(cells) else "") for name, index in self.mapping.items()
        }
        plan = RowPlan(row=number)

        def issue(name: str, message: str, level: str = ImportIssueLevel.ERROR) -> None:
            plan.issues.append(Issue(number, self.column(name) if name else "", level, message))

        work_order = values.get("work_order", "")
        if len(work_order) > 64:
            issue("work_order", _("A work order number has at most 64 characters."))
            work_order = ""
        plan.work_order = work_order
        if work_order:
            if work_order in self.seen_work_orders:
                issue(
                    "work_order",
                    _("The same work order is on row %(row)s: it is imported once, from that row.")
                    % {"row": self.seen_work_orders[work_order]},
                )
            else:
                self.seen_work_orders[work_order] = number
            existing = self.existing.get(work_order)
            if existing is not None and not (
                existing[1] == f"{self.batch.key_prefix}{number}" and existing[2] == self.actor.pk
            ):
                issue(
                    "work_order",
                    _("Already imported as matter %(code)s: skipped.") % {"code": _display(existing[0])},
                )

        kind = self.batch.kind
        if kind_text := values.get("kind", ""):
            found_kind = KIND_WORDS.get(kind_text.strip().lower())
            if found_kind is None:
                issue("kind", _("Unknown kind: write 纠纷, 诉求, 投诉, 求助, 建议, 信访 or 咨询."))
            else:
                kind = found_kind

        occurred_on: dt.date | None = None
        date_field = "occurred_on"
        try:
            occurred_on = parse_date(values.get("occurred_on", ""))
        except ValueError:
            issue("occurred_on", _("Not a date: write it as 2025-05-01 (or 2025/5/1, 2025年5月1日)."))
        occurred_bad = bool(plan.issues and plan.issues[-1].column == self.column("occurred_on"))
        try:
            received = parse_date(values.get("received_at", ""))
        except ValueError:
            issue("received_at", _("Not a date: write it as 2025-05-01 09:30 (or 2025/5/1 9:30)."))
        else:
            if received is not None and received > timezone.localdate():
                issue("received_at", _("This date is in the future."))
            elif occurred_on is None and not occurred_bad:
                occurred_on, date_field = received, "received_at"

        category, known = self._category(values.get("category", ""))
        if not known:
            issue(
                "category",
                _("“%(type)s” is not a type of the taxonomy: filed under %(other)s.")
                % {"type": values["category"], "other": self.other.name if self.other else "—"},
                ImportIssueLevel.WARNING,
            )

        address = values.get("address", "")
        region: Region | None = None
        if not address:
            issue("address", _("Enter the address where it happened."))
        elif len(address) <= 300:
            region, why = self._place(address)
            if region is None:
                issue("address", why)

        description = values.get("description", "")
        title = values.get("title", "") or _derive_title(description)
        phone, more = _first_phone(values.get("applicant_phone", ""))
        if more:
            issue(
                "applicant_phone",
                _("Several numbers: the first one is kept (%(phone)s).") % {"phone": phone},
                ImportIssueLevel.WARNING,
            )
        parties = [
            PartyInput(
                role=PartyRole.APPLICANT,
                name=values.get("applicant_name", ""),
                phone=phone,
                id_number=values.get("applicant_id_number", ""),
            )
        ]
        if values.get("respondent_name") or values.get("respondent_phone"):
            respondent_phone, _more = _first_phone(values.get("respondent_phone", ""))
            parties.append(
                PartyInput(
                    role=PartyRole.RESPONDENT, name=values.get("respondent_name", ""), phone=respondent_phone
                )
            )
        if description and (phone, description) in self.seen_contents:
            issue(
                "description",
                _("Same phone number and content as row %(row)s: check that it is not the same call twice.")
                % {"row": self.seen_contents[(phone, description)]},
                ImportIssueLevel.WARNING,
            )
        elif description:
            self.seen_contents[(phone, description)] = number

        plan.kwargs = {
            "kind": kind,
            "channel": self.batch.channel,
            "title": title,
            "description": description,
            "desired_outcome": values.get("desired_outcome", ""),
            "region": region or self.area,
            "address_text": address,
            "category": category,
            "occurred_on": occurred_on,
            "parties": parties,
            "privacy_consent": True,
            "agent_consent": self.batch.agent_consent,
        }
        # The very checks of matter_receive; a missing place is checked with the county in its stead, so
        # that every other error of the row is listed too.
        fields = {
            "title": "title" if values.get("title") else "description",
            "description": "description",
            "desired_outcome": "desired_outcome",
            "address_text": "address",
            "region": "address",
            "occurred_on": date_field,
            "category": "category",
            "kind": "kind",
            "parties": "respondent_name" if kind == MatterKind.DISPUTE else "applicant_name",
            "parties[0].name": "applicant_name",
            "parties[0].phone": "applicant_phone",
            "parties[0].id_number": "applicant_id_number",
            "parties[1].name": "respondent_name",
            "parties[1].phone": "respondent_phone",
        }
        try:
            services.matter_receive_check(actor=self.actor, **plan.kwargs)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                if key == "title" and not values.get("title") and not description:
                    continue  # the title comes from the content, whose own error says it
                name = fields.get(key, "")
                for message in messages:
                    issue(name, message)
        except Forbidden:
            issue("", _("Your role does not enter matters for citizens."))
        if region is None:
            plan.kwargs = {}
        return plan


def _display(tracking_code: str) -> str:
    from suyuan.matters.codes import display

    return display(tracking_code)


def _open_rows(batch: ImportBatch) -> tuple[RowChecker, list[tuple[int, list[str]]], list[Issue]]:
    with batch.file.open("rb") as handle:
        data = handle.read()
    table = read_table(data)
    mapping, header_issues = map_headers(table.headers, header_row=table.header_row)
    checker = RowChecker(batch, mapping=mapping, headers=table.headers)
    if "work_order" in mapping:
        index = mapping["work_order"]
        checker.load_existing(cells[index].strip() for _n, cells in table.rows if index < len(cells))
    return checker, table.rows, header_issues


def batch_plans(batch: ImportBatch) -> tuple[list[Issue], Iterator[RowPlan]]:
    """Return the file-level issues of a stored batch and its rows' plans, one by one."""
    checker, rows, header_issues = _open_rows(batch)
    return header_issues, (checker.check(number, cells) for number, cells in rows)


# --- Access -----------------------------------------------------------------------------------------------


def may_import(actor: Actor) -> bool:
    """Return whether the actor may import batches: dispatchers, supervisors, platform operators."""
    return scope_for(actor).has_role(*access.INTAKE_ROLES)


def import_organizations_for(actor: Actor) -> QuerySet[Organization]:
    """Return the organisations the actor may import matters for."""
    scope = scope_for(actor)
    if scope.is_platform_operator:
        return Organization.objects.filter(
            is_active=True, type__in=[OrganizationType.COUNTY_CENTRE, OrganizationType.TOWNSHIP_CENTRE]
        ).order_by("region_id", "name")
    ids = {org for role in access.INTAKE_ROLES for org in scope.roles.get(role, ())}
    return Organization.objects.filter(id__in=sorted(ids), is_active=True).order_by("region_id", "name")


def import_batches_visible_to(actor: Actor) -> QuerySet[ImportBatch]:
    """Return the batches of the organisations (and those below them) where the actor imports matters."""
    scope = scope_for(actor, roles=access.INTAKE_ROLES)
    batches = ImportBatch.objects.select_related("organization", "entered_by")
    if scope_for(actor).is_platform_operator:
        return batches.all()
    if not scope.is_staff:
        return batches.none()
    return batches.filter(scope.organization_q("organization__"))


def access_import_batch(actor: Actor, batch_id: Any) -> ImportBatch:
    """Return the batch if the actor may see it, else raise ``NotFound`` (missing and hidden alike)."""
    try:
        return import_batches_visible_to(actor).get(pk=batch_id)
    except (ImportBatch.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def batch_matters(actor: Actor, batch: ImportBatch) -> QuerySet[Matter]:
    """Return the matters a batch created that the actor may see, in the file's order."""
    return (
        access.matters_visible_to(actor)
        .filter(entered_by_id=batch.entered_by_id, idempotency_key__startswith=batch.key_prefix)
        .select_related("region", "category")
        .order_by("id")
    )


def batch_is_stalled(batch: ImportBatch, *, now: dt.datetime | None = None) -> bool:
    """Return whether a batch's work stopped: failed, or no progress for ``STALLED_AFTER``."""
    if batch.status == ImportStatus.FAILED:
        return True
    busy = batch.status in (ImportStatus.UPLOADED, ImportStatus.IMPORTING)
    return busy and batch.updated_at < (now or timezone.now()) - STALLED_AFTER


# --- Services ---------------------------------------------------------------------------------------------


def _check_task() -> Any:
    from suyuan.matters.tasks import check_import_batch

    return check_import_batch


def _run_task() -> Any:
    from suyuan.matters.tasks import run_import_batch

    return run_import_batch


def import_batch_upload(
    *,
    actor: User,
    organization: Organization,
    file_name: str,
    data: bytes,
    channel: str = Channel.HOTLINE,
    kind: str = MatterKind.REQUEST,
    agent_consent: str,
    same_file_confirmed: bool = False,
) -> ImportBatch:
    """Store an uploaded file as a new batch and start its dry run (here, or as a task for a long file).

    Refuse (ValidationError naming ``file`` or the field) a file that cannot be read, is too big, has too
    many rows or lacks a required column, and the very same file uploaded before for the same
    organisation unless ``same_file_confirmed``. Raise ``Forbidden`` if the actor may not import for it.
    """
    if not import_organizations_for(actor).filter(pk=organization.pk).exists():
        raise Forbidden(_("You do not import matters for this organisation."))
    errors: dict[str, Any] = {}
    if channel not in IMPORT_CHANNELS:
        errors["channel"] = _("Choose a valid channel.")
    if kind not in MatterKind.values:
        errors["kind"] = _("Choose a valid kind of matter.")
    agent_consent = (agent_consent or "").strip()
    if not agent_consent:
        errors["agent_consent"] = _("Record how the citizens agreed that their matters are filed for them.")
    elif len(agent_consent) > 200:
        errors["agent_consent"] = _("Enter at most %(max_length)s characters.") % {"max_length": 200}
    if len(data) > settings.IMPORT_MAX_BYTES:
        errors["file"] = _("The file is larger than %(size)s MB: split it into several files.") % {
            "size": settings.IMPORT_MAX_BYTES // (1024 * 1024)
        }
    elif not data:
        errors["file"] = _("The file is empty.")
    table: Table | None = None
    if "file" not in errors:
        try:
            table = read_table(data)
            map_headers(table.headers, header_row=table.header_row)
        except ImportFileError as exc:
            errors["file"] = exc.message
        else:
            if not table.rows:
                errors["file"] = _("The file has a header but no rows.")
    sha256 = hashlib.sha256(data).hexdigest()
    if "file" not in errors and not same_file_confirmed:
        earlier = (
            ImportBatch.objects.filter(organization=organization, sha256=sha256)
            .order_by("-created_at")
            .first()
        )
        if earlier is not None:
            errors["file"] = _(
                "This very file was uploaded on %(date)s (batch %(batch)s). Confirm to upload it again."
            ) % {
                "date": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M"),
                "batch": earlier.pk,
            }
    if errors or table is None:
        raise ValidationError(errors)

    with transaction.atomic():
        batch = ImportBatch(
            organization=organization,
            entered_by=actor,
            channel=channel,
            kind=kind,
            agent_consent=agent_consent,
            original_name=(file_name or "")[-200:],
            sha256=sha256,
            file_format=table.file_format,
            row_count=len(table.rows),
        )
        batch.file.save("upload", ContentFile(data), save=False)
        batch.save()
        if len(table.rows) > settings.IMPORT_SYNC_ROWS:
            enqueue_with_transaction(_check_task(), batch.pk)
    if len(table.rows) <= settings.IMPORT_SYNC_ROWS:
        batch = import_batch_check(batch_id=batch.pk)
    return batch


def import_batch_check(*, batch_id: int) -> ImportBatch:
    """Run the dry run of an uploaded batch: check every row, write the report and the counts, nothing else.

    Safe to run twice: a batch that is no longer ``uploaded`` is returned as it is.
    """
    batch = ImportBatch.objects.select_related("organization", "entered_by").get(pk=batch_id)
    if batch.status != ImportStatus.UPLOADED:
        return batch
    try:
        header_issues, plans = batch_plans(batch)
        report = [issue.as_dict() for issue in header_issues]
        rows = valid = warned = 0
        for plan in plans:
            rows += 1
            valid += plan.is_valid
            warned += plan.has_warnings
            report.extend(issue.as_dict() for issue in plan.issues)
    except ImportFileError as exc:
        return _fail(batch, exc.message)
    batch.report = report
    batch.row_count, batch.valid_count, batch.warning_count = rows, valid, warned
    batch.skipped_count = rows - valid
    batch.status = ImportStatus.CHECKED
    batch.checked_at = timezone.now()
    batch.save()
    return batch


def _fail(batch: ImportBatch, message: str) -> ImportBatch:
    batch.status = ImportStatus.FAILED
    batch.error = message
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "error", "finished_at", "updated_at"])
    return batch


def import_batch_start(*, batch: ImportBatch, actor: User) -> ImportBatch:
    """Hand a checked batch's valid rows to the task worker (checked → importing).

    Raise ``Forbidden`` if the actor may not import for the batch's organisation, ValidationError if the
    batch is not waiting to be imported or has no valid row.
    """
    if not import_organizations_for(actor).filter(pk=batch.organization_id).exists():
        raise Forbidden(_("You do not import matters for this organisation."))
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == ImportStatus.IMPORTING or locked.status == ImportStatus.DONE:
            return locked  # a second click: the import runs or ran already
        if locked.status != ImportStatus.CHECKED:
            raise ValidationError({"status": _("This batch has not been checked yet.")})
        if not locked.valid_count:
            raise ValidationError({"status": _("No row of this batch can be imported.")})
        locked.status = ImportStatus.IMPORTING
        locked.started_at = timezone.now()
        locked.save(update_fields=["status", "started_at", "updated_at"])
        enqueue_with_transaction(_run_task(), locked.pk)
    locked.refresh_from_db()
    return locked


def import_batch_resume(*, batch: ImportBatch, actor: User) -> ImportBatch:
    """Start again a batch whose work stopped (failed, or stalled after a crash); done rows stay done."""
    if not import_organizations_for(actor).filter(pk=batch.organization_id).exists():
        raise Forbidden(_("You do not import matters for this organisation."))
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if not batch_is_stalled(locked):
            raise ValidationError({"status": _("This batch is not stopped.")})
        if locked.status == ImportStatus.UPLOADED or (
            locked.status == ImportStatus.FAILED and not locked.checked_at
        ):
            locked.status, locked.error = ImportStatus.UPLOADED, ""
            locked.save(update_fields=["status", "error", "updated_at"])
            enqueue_with_transaction(_check_task(), locked.pk)
        else:
            locked.status, locked.error = ImportStatus.IMPORTING, ""
            locked.save(update_fields=["status", "error", "updated_at"])
            enqueue_with_transaction(_run_task(), locked.pk)
    locked.refresh_from_db()
    return locked


def import_batch_run(*, batch_id: int) -> ImportBatch:
    """File each valid row of an importing batch as a matter; the body of the import task.

    Rows are filed ``PROGRESS_EVERY`` at a time, each group in one transaction with the progress it makes
    (one commit per group, not per row), so the progress shown is always what is committed. Idempotent
    and resumable: rows already filed (found by their idempotency keys) are not filed again, so a repeat
    after a crash picks up after the last group committed. A row that became invalid since the dry run
    is skipped and added to the report.
    """
    batch = ImportBatch.objects.select_related("organization", "entered_by").get(pk=batch_id)
    if batch.status != ImportStatus.IMPORTING:
        return batch
    if not import_organizations_for(batch.entered_by).filter(pk=batch.organization_id).exists():
        return _fail(batch, _("The person who uploaded this batch may no longer import matters."))
    done_keys = set(
        Matter.objects.filter(
            entered_by_id=batch.entered_by_id, idempotency_key__startswith=batch.key_prefix
        ).values_list("idempotency_key", flat=True)
    )
    dry_run_errors = {entry["row"] for entry in batch.report if entry.get("level") == ImportIssueLevel.ERROR}
    late_issues: list[dict[str, Any]] = []
    imported, processed = len(done_keys), 0

    def file_rows(group: list[RowPlan]) -> None:
        nonlocal imported, processed
        new_keys: list[str] = []
        new_issues: list[dict[str, Any]] = []
        with transaction.atomic():
            for plan in group:
                key = f"{batch.key_prefix}{plan.row}"
                if key in done_keys:
                    continue  # filed by an earlier run of this task: resumed after it
                if plan.is_valid:
                    try:
                        services.matter_receive(
                            actor=batch.entered_by,
                            idempotency_key=key,
                            external_reference=plan.work_order,
                            **plan.kwargs,
                        )
                    except ValidationError as exc:
                        new_issues.extend(
                            Issue(plan.row, "", ImportIssueLevel.ERROR, message).as_dict()
                            for message in exc.messages
                        )
                    else:
                        new_keys.append(key)
                elif plan.row not in dry_run_errors:
                    # Valid in the dry run, not any more (e.g. the work order was imported meanwhile).
                    new_issues.extend(issue.as_dict() for issue in plan.issues)
            ImportBatch.objects.filter(pk=batch.pk).update(
                processed_count=processed + len(group),
                last_row=group[-1].row,
                imported_count=imported + len(new_keys),
                updated_at=timezone.now(),
            )
        # Committed: only now does the group count.
        done_keys.update(new_keys)
        late_issues.extend(new_issues)
        imported += len(new_keys)
        processed += len(group)

    try:
        _header_issues, plans = batch_plans(batch)
        group: list[RowPlan] = []
        for plan in plans:
            group.append(plan)
            if len(group) == PROGRESS_EVERY:
                file_rows(group)
                group = []
        if group:
            file_rows(group)
    except ImportFileError as exc:
        return _fail(batch, exc.message)
    except Exception:
        logger.exception("Import batch %s stopped", batch.pk)
        return _fail(
            ImportBatch.objects.get(pk=batch.pk), _("The import stopped on an unexpected error; resume it.")
        )

    batch.refresh_from_db()
    batch.report = [*batch.report, *late_issues]
    batch.imported_count = imported
    batch.skipped_count = batch.row_count - imported
    batch.processed_count = processed
    batch.status = ImportStatus.DONE
    batch.finished_at = timezone.now()
    batch.save()
    return batch


# --- Templates for staff ----------------------------------------------------------------------------------


def template_rows() -> tuple[list[str], list[str]]:
    """Return the template's header and one example row (invented, not a real citizen's)."""
    return [c.label + ("*" if c.required else "") for c in COLUMNS], [c.example for c in COLUMNS]


def template_csv() -> bytes:
    """Return the CSV template, UTF-8 with a BOM so that Excel opens the Chinese headers correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(template_rows())
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """Return the XLSX template: the columns, an example row, and a second sheet explaining each column."""
    from openpyxl import Workbook

    workbook = Workbook()
    for default in workbook.worksheets:
        workbook.remove(default)
    sheet = workbook.create_sheet("matters")
    header, example = template_rows()
    sheet.append(header)
    sheet.append(example)
    for index in range(len(header)):
        sheet.column_dimensions[chr(ord("A") + index)].width = 18
    notes = workbook.create_sheet("columns")
    notes.append([_("column"), _("also accepted"), _("required"), _("what it holds")])
    for column in COLUMNS:
        notes.append(
            [column.label, "、".join(column.aliases), _("yes") if column.required else "", str(column.help)]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_summary(batch: ImportBatch) -> dict[str, int]:
    """Return how many errors and warnings the batch's report holds."""
    errors = sum(1 for entry in batch.report if entry.get("level") == ImportIssueLevel.ERROR)
    return {"errors": errors, "warnings": len(batch.report) - errors}


def report_filter(batch: ImportBatch, level: str = "") -> list[dict[str, Any]]:
    """Return the batch's report entries, of one level if given, in row order."""
    entries = batch.report if not level else [e for e in batch.report if e.get("level") == level]
    return sorted(entries, key=lambda entry: entry.get("row", 0))
