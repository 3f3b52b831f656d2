"""Write regions: load the packaged division codes into the database."""

from __future__ import annotations

import csv
import gzip
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from suyuan.regions import address
from suyuan.regions.choices import LEVEL_BY_CODE_LENGTH, PLACEHOLDER_NAMES, RegionLevel
from suyuan.regions.models import Region
from suyuan.regions.validators import is_region_code

DATA_PACKAGE = "suyuan.regions.data"
# One file per level, parents before children.
LEVEL_FILES = (
    ("provinces.csv", RegionLevel.PROVINCE),
    ("cities.csv", RegionLevel.CITY),
    ("areas.csv", RegionLevel.COUNTY),
    ("streets.csv.gz", RegionLevel.TOWNSHIP),
)
VILLAGE_FILE = "villages_zhejiang.csv.gz"
# The packaged village file covers these provinces only.
VILLAGE_PROVINCES = frozenset({"33"})
# Large enough to keep round trips few, small enough for PostgreSQL's parameter limit; Django lowers it
# further on SQLite, which allows fewer parameters per statement.
BATCH_SIZE = 2000
FIELDS = ("name", "level", "parent", "full_name")
_LENGTHS_LONGEST_FIRST = sorted(LEVEL_BY_CODE_LENGTH, reverse=True)


@dataclass(frozen=True, slots=True)
class LoadReport:
    inserted: int
    updated: int
    unchanged: int
    seconds: float
    # rows read from the data files, by level
    rows_by_level: dict[int, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated)


def read_data_file(name: str) -> Iterator[tuple[str, str]]:
    """Yield ``(code, name)`` from one packaged data file, gzipped or not."""
    with (resources.files(DATA_PACKAGE) / name).open("rb") as raw:
        binary = gzip.GzipFile(fileobj=raw) if name.endswith(".gz") else raw
        reader = csv.reader(io.TextIOWrapper(binary, encoding="utf-8-sig", newline=""))
        header = next(reader)
        code_at, name_at = header.index("code"), header.index("name")
        for row in reader:
            yield row[code_at].strip(), row[name_at].strip()


def _read_rows(*, province: str | None, villages: bool) -> dict[str, str]:
    """Return ``{code: name}`` for the rows to load, parents before children."""
    rows: dict[str, str] = {}
    files = [*LEVEL_FILES, (VILLAGE_FILE, RegionLevel.VILLAGE)] if villages else LEVEL_FILES
    for name, level in files:
        scoped = level >= RegionLevel.TOWNSHIP and province is not None
        for code, region_name in read_data_file(name):
            if not is_region_code(code) or LEVEL_BY_CODE_LENGTH[len(code)] != level or not region_name:
                raise ValueError(f"{name}: malformed row {code!r}, {region_name!r}")
            if scoped and not code.startswith(province):  # type: ignore[arg-type]
                continue
            rows[code] = region_name
    return rows


def _parent_code(code: str, known: dict[str, str], existing: dict[str, tuple]) -> str | None:
    # The nearest shorter prefix that is a region: normally the level just above, but the tree stays
    # whole even if a data edition leaves a level out.
    for length in _LENGTHS_LONGEST_FIRST:
        if length < len(code) and (code[:length] in known or code[:length] in existing):
            return code[:length]
    return None


def _validate_province(province: str | None) -> None:
    if province is None:
        return
    if not (len(province) == 2 and is_region_code(province)) or province not in dict(
        read_data_file("provinces.csv")
    ):
        raise ValidationError(
            _("“%(value)s” is not a province code (two digits, e.g. 33 for Zhejiang)."),
            code="invalid_province",
            params={"value": province},
        )


def regions_load(*, province: str | None = None, villages: bool = False) -> LoadReport:
    """Load the packaged division codes: insert new regions, update changed ones, delete none.

    Provinces, cities and counties are always loaded in full. Townships are loaded for ``province`` only
    when it is given (a two-digit code), else for the whole country; villages, when ``villages`` is set,
    for the same scope as far as the packaged data has them (Zhejiang). Regions whose code is no longer
    in the data stay: organisations and matters may point at them.
    """
    started = time.perf_counter()
    _validate_province(province)
    rows = _read_rows(province=province, villages=villages)
    existing: dict[str, tuple] = {
        code: (name, level, parent_id, full_name)
        for code, name, level, parent_id, full_name in Region.objects.values_list(
            "code", "name", "level", "parent_id", "full_name"
        ).iterator(chunk_size=BATCH_SIZE)
    }

    full_names: dict[str, str] = {}
    to_create: list[Region] = []
    to_update: list[Region] = []
    rows_by_level: dict[int, int] = {}
    # Rows that left the data are kept and revisited too, so that a renamed ancestor reaches their full
    # names; sorting by code length puts every parent before its children.
    codes = sorted(rows.keys() | existing.keys(), key=lambda code: (len(code), code))
    for code in codes:
        level = LEVEL_BY_CODE_LENGTH[len(code)]
        name = rows[code] if code in rows else existing[code][0]
        parent = _parent_code(code, rows, existing)
        parent_full_name = full_names[parent] if parent else ""
        full_name = parent_full_name if name in PLACEHOLDER_NAMES else parent_full_name + name
        full_names[code] = full_name
        wanted = (name, level, parent, full_name)
        if code in rows:
            rows_by_level[level] = rows_by_level.get(level, 0) + 1
        current = existing.get(code)
        if current == wanted:
            continue
        region = Region(code=code, name=name, level=level, parent_id=parent, full_name=full_name)
        (to_create if current is None else to_update).append(region)

    with transaction.atomic():
        Region.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        Region.objects.bulk_update(to_update, FIELDS, batch_size=BATCH_SIZE)
    if to_create or to_update:
        address.invalidate_index()

    return LoadReport(
        inserted=len(to_create),
        updated=len(to_update),
        unchanged=len(codes) - len(to_create) - len(to_update),
        seconds=time.perf_counter() - started,
        rows_by_level=rows_by_level,
    )
