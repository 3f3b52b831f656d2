"""Batch import: reading files, the dry run (every kind of row error, nothing written), the import and its
repeats and resumption after a crash."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zipfile

import pytest
import time_machine
from django.core.exceptions import ValidationError

from suyuan.matters import imports, services
from suyuan.matters.choices import Channel, ImportFormat, ImportStatus, MatterKind
from suyuan.matters.models import ImportBatch, Matter
from suyuan.matters.tests.import_helpers import HEADER, csv_bytes, good_row, upload, xlsx_bytes
from suyuan.notifications.models import OutboundMessage
from suyuan.regions.tests.factories import make_region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media")]

NOW = dt.datetime(2025, 6, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


# --- Reading files ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_is_read_in_every_encoding_exports_use(encoding):
    table = imports.read_table(csv_bytes([good_row(1)], encoding=encoding))

    assert table.file_format == ImportFormat.CSV
    assert table.headers == HEADER
    assert table.rows == [(2, good_row(1))]


def test_csv_with_tabs_or_semicolons_is_read():
    text = "\n".join(["\t".join(HEADER), "\t".join(good_row(1))])
    assert imports.read_table(text.encode()).rows[0][1] == good_row(1)
    text = "\n".join([";".join(HEADER), ";".join(good_row(1))])
    assert imports.read_table(text.encode()).rows[0][1] == good_row(1)


def test_xlsx_cells_become_text_and_a_title_line_above_the_header_is_skipped():
    row: list[object] = list(good_row(1))
    row[1] = dt.datetime(2025, 5, 1, 9, 30)  # noqa: DTZ001 - a spreadsheet date cell has no zone
    row[3] = 13900000001  # a phone typed as a number
    table = imports.read_table(xlsx_bytes([row], title_row="江山市12345工单导出"))

    assert table.file_format == ImportFormat.XLSX
    assert table.header_row == 2
    assert table.rows[0][0] == 3
    assert table.rows[0][1][1] == "2025-05-01 09:30:00"
    assert table.rows[0][1][3] == "13900000001"


def test_empty_rows_are_left_out_and_row_numbers_are_the_files():
    table = imports.read_table(csv_bytes([good_row(1), ["", "", ""], good_row(2)]))
    assert [number for number, _cells in table.rows] == [2, 4]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel file"),
        (b"%PDF-1.7\n...", "not a CSV or Excel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV or Excel"),
        (b"PK\x03\x04garbage", "damaged"),
        ("来电人,电话\n".encode() + b"\xff\xff\x80\n", "encoding"),
        (b"just,some,text\n1,2,3\n", "No header row"),
    ],
)
def test_files_that_are_not_imports_are_refused_by_content(data, message):
    with pytest.raises(imports.ImportFileError, match=message):
        imports.read_table(data)


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_workbooks_with_macros_and_other_zip_files_are_refused():
    with pytest.raises(imports.ImportFileError, match="macros"):
        imports.detect_format(_zip({"xl/workbook.xml": b"", "xl/vbaProject.bin": b""}))
    with pytest.raises(imports.ImportFileError, match="ZIP archive"):
        imports.detect_format(_zip({"word/document.xml": b""}))


def test_headers_are_matched_through_aliases_in_chinese_and_english():
    mapping, issues = imports.map_headers(
        ["编号", "受理时间", "诉求人", "电话 ", "类别", "地址", "内容*", "被反映人"]
    )
    assert set(mapping) == {
        "work_order", "received_at", "applicant_name", "applicant_phone", "category", "address",
        "description", "respondent_name",
    }  # fmt: skip
    assert issues == []
    mapping, issues = imports.map_headers(["Name", "Phone", "Address", "Content", "Work order", "remark"])
    assert mapping == {
        "applicant_name": 0,
        "applicant_phone": 1,
        "address": 2,
        "description": 3,
        "work_order": 4,
    }
    assert [(issue.column, issue.level) for issue in issues] == [("remark", "warning")]


def test_missing_required_columns_are_named():
    with pytest.raises(imports.ImportFileError, match=r"事发地址.*联系电话"):
        imports.map_headers(["来电人", "诉求内容"])


def test_too_many_rows_are_refused(settings):
    with pytest.raises(imports.ImportFileError, match="more than 3 rows"):
        imports.read_table(csv_bytes([good_row(n) for n in range(4)]), max_rows=3)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2025-05-01", dt.date(2025, 5, 1)),
        ("2025/5/1 9:30", dt.date(2025, 5, 1)),
        ("2025.05.01 09:30:15", dt.date(2025, 5, 1)),
        ("2025年5月1日", dt.date(2025, 5, 1)),
        ("2025年5月1日 9时30分", dt.date(2025, 5, 1)),
        ("20250501", dt.date(2025, 5, 1)),
        ("2025-05-01T09:30:00", dt.date(2025, 5, 1)),
        ("", None),
    ],
)
def test_dates_are_read_in_common_formats(text, day):
    assert imports.parse_date(text) == day


@pytest.mark.parametrize("text", ["昨天", "2025-13-01", "2025-02-30", "2025-05-01 25:00", "05/01/2025"])
def test_other_dates_are_refused(text):
    with pytest.raises(ValueError):
        imports.parse_date(text)


# --- The dry run ------------------------------------------------------------------------------------------


def _issues(batch: ImportBatch) -> dict[int, list[tuple[str, str, str]]]:
    found: dict[int, list[tuple[str, str, str]]] = {}
    for entry in batch.report:
        found.setdefault(entry["row"], []).append((entry["column"], entry["level"], entry["message"]))
    return found


def test_the_dry_run_lists_every_kind_of_row_error_and_writes_nothing(world):
    make_region("330881100001", "城北社区")  # a second 城北社区 in Jiangshan: "城北社区" alone is ambiguous
    services.matter_receive(  # a work order imported before
        **{**_receive_kwargs(world), "external_reference": "GD-OLD"}
    )
    matters_before = Matter.objects.count()
    outbox_before = OutboundMessage.objects.count()
    rows = [
        good_row(1),  # row 2: valid
        good_row(2, 联系电话="0570-1234567"),  # 3: a landline
        good_row(3, 联系电话=""),  # 4: no phone
        good_row(4, 事发地址="柯城区信安街道某路1号"),  # 5: another county
        good_row(5, 事发地址="火星基地"),  # 6: no place
        good_row(6, 事发地址="城北社区5号"),  # 7: two places
        good_row(7, 事发地址=""),  # 8: no address
        good_row(8, 来电时间="上周三"),  # 9: not a date
        good_row(9, 来电时间="2025-07-01"),  # 10: in the future
        good_row(10, 诉求内容=""),  # 11: no content
        good_row(11, 诉求内容="很长" * 2600),  # 12: too long
        good_row(12, 来电人=""),  # 13: no name
        good_row(1, 联系电话="13900000099"),  # 14: the work order of row 2 again
        good_row(14, 工单编号="GD-OLD"),  # 15: imported before
        good_row(15, 诉求类型="噪音扰民"),  # 16: unknown type: a warning only
        good_row(16, 联系电话="13900000016/13900000017"),  # 17: two numbers: a warning only
    ]
    batch = upload(world, csv_bytes(rows))

    assert batch.status == ImportStatus.CHECKED
    assert (batch.row_count, batch.valid_count, batch.skipped_count) == (16, 3, 13)
    assert batch.warning_count == 2
    issues = _issues(batch)
    assert 2 not in issues
    assert [(c, lvl) for c, lvl, _m in issues[3]] == [("联系电话", "error")]
    assert "assigned mobile" in issues[3][0][2] or "mobile" in issues[3][0][2]
    assert issues[4] == [
        ("联系电话", "error", "The applicant's mobile number is needed to follow the matter.")
    ]
    assert issues[5][0][:2] == ("事发地址", "error") and "outside 江山市" in issues[5][0][2]
    assert issues[6][0][:2] == ("事发地址", "error") and "No township or village" in issues[6][0][2]
    assert issues[7][0][:2] == ("事发地址", "error") and "双塔街道城北社区" in issues[7][0][2]
    assert "上余镇城北社区" in issues[7][0][2]
    assert issues[8] == [("事发地址", "error", "Enter the address where it happened.")]
    assert issues[9][0][:2] == ("来电时间", "error") and "Not a date" in issues[9][0][2]
    assert issues[10] == [("来电时间", "error", "This date is in the future.")]
    assert issues[11] == [("诉求内容", "error", "This field is required.")]
    assert issues[12] == [("诉求内容", "error", "Enter at most 5000 characters.")]
    assert issues[13] == [("来电人", "error", "This field is required.")]
    assert issues[14][0][:2] == ("工单编号", "error") and "row 2" in issues[14][0][2]
    assert issues[15][0][:2] == ("工单编号", "error") and "Already imported as matter" in issues[15][0][2]
    assert issues[16] == [
        ("诉求类型", "warning", "“噪音扰民” is not a type of the taxonomy: filed under 其他.")
    ]
    assert issues[17][0][:2] == ("联系电话", "warning")
    assert Matter.objects.count() == matters_before
    assert OutboundMessage.objects.count() == outbox_before


def test_a_row_with_several_errors_lists_them_all(world):
    batch = upload(world, csv_bytes([good_row(1, 联系电话="123", 事发地址="火星", 诉求内容="", 来电人="")]))
    columns = sorted(column for column, _level, _message in _issues(batch)[2])
    assert columns == ["事发地址", "来电人", "联系电话", "诉求内容"]


def test_a_dispute_without_the_other_side_is_an_error(world):
    batch = upload(world, csv_bytes([good_row(1, 对方="")]), kind=MatterKind.DISPUTE)
    assert _issues(batch)[2] == [
        ("对方", "error", "A dispute needs the other side: name at least one respondent.")
    ]
    batch = upload(world, csv_bytes([good_row(1, 对方="")]), same_file_confirmed=True)  # a request
    assert batch.valid_count == 1


def test_the_same_file_twice_is_refused_unless_confirmed(world):
    data = csv_bytes([good_row(1)])
    first = upload(world, data)
    with pytest.raises(ValidationError) as refused:
        upload(world, data)
    assert f"batch {first.pk}" in refused.value.message_dict["file"][0]
    assert upload(world, data, same_file_confirmed=True).pk != first.pk


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (csv_bytes([]), "no rows"),
        (csv_bytes([["x"]], header=["来电人", "诉求内容"]), "Required columns are missing"),
        (b"%PDF-1.4", "not a CSV"),
    ],
)
def test_unreadable_files_are_refused_at_upload_and_no_batch_is_made(world, data, message):
    with pytest.raises(ValidationError, match=message):
        upload(world, data)
    assert not ImportBatch.objects.exists()


def test_files_over_the_size_or_row_limit_are_refused(world, settings):
    settings.IMPORT_MAX_BYTES = 200
    with pytest.raises(ValidationError, match="larger than"):
        upload(world, csv_bytes([good_row(n) for n in range(5)]))
    settings.IMPORT_MAX_BYTES = 10_000_000
    settings.IMPORT_MAX_ROWS = 2
    with pytest.raises(ValidationError, match="more than 2 rows"):
        upload(world, csv_bytes([good_row(n) for n in range(3)]))


def test_a_long_file_is_checked_by_the_task(world, settings):
    settings.IMPORT_SYNC_ROWS = 1
    batch = upload(world, csv_bytes([good_row(1), good_row(2)]))
    # The immediate backend of the tests runs the task at once.
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKED
    assert batch.valid_count == 2


def test_places_without_the_county_are_read_within_it_and_types_are_matched(world):
    rows = [
        good_row(1, 事发地址="上余镇某村", 诉求类型="物业"),
        good_row(2, 事发地址="浙江省衢州市江山市双塔街道", 诉求类型="劳动争议-欠薪"),
        good_row(3, 诉求类型=""),
    ]
    batch = upload(world, csv_bytes(rows))
    assert batch.valid_count == 3
    assert batch.report == []
    imports.import_batch_start(batch=batch, actor=world.staff["dispatcher"])
    matters = list(imports.batch_matters(world.staff["dispatcher"], batch))
    assert [m.region_id for m in matters] == ["330881100", "330881001", "330881001001"]
    assert [m.category.code if m.category else None for m in matters] == [
        "property_management",
        "labour_wages",
        None,
    ]


# --- The import -------------------------------------------------------------------------------------------


def _receive_kwargs(world):
    from suyuan.matters.choices import PartyRole
    from suyuan.matters.services import PartyInput
    from suyuan.regions.models import Region

    return {
        "kind": MatterKind.REQUEST,
        "channel": Channel.HOTLINE,
        "title": "旧工单",
        "description": "以前导入的工单。",
        "region": Region.objects.get(code="330881001001"),
        "parties": [PartyInput(role=PartyRole.APPLICANT, name="李女士", phone="13900009999")],
        "actor": world.staff["dispatcher"],
        "privacy_consent": True,
        "agent_consent": "12345 热线来电录音",
    }


def test_the_import_creates_exactly_the_valid_rows_as_the_dry_run_said(world, sms_outbox):
    rows = [good_row(1), good_row(2, 联系电话="123"), good_row(3, 诉求类型="噪音"), good_row(4)]
    batch = upload(world, csv_bytes(rows), channel=Channel.HOTLINE)
    report = list(batch.report)
    assert batch.valid_count == 3

    batch = imports.import_batch_start(batch=batch, actor=world.staff["dispatcher"])

    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert (batch.imported_count, batch.skipped_count, batch.processed_count) == (3, 1, 4)
    assert batch.progress_percent == 100
    assert batch.report == report  # nothing new was found during the import
    matters = list(imports.batch_matters(world.staff["dispatcher"], batch))
    assert [m.external_reference for m in matters] == ["GD202500001", "GD202500003", "GD202500004"]
    assert [m.idempotency_key for m in matters] == [f"import-{batch.pk}-{n}" for n in (2, 4, 5)]
    assert {m.channel for m in matters} == {Channel.HOTLINE}
    assert matters[1].category is not None and matters[1].category.code == "other"
    assert matters[0].occurred_on == dt.date(2025, 5, 1)  # the call's day stands for it
    assert matters[0].title.startswith("楼上住户夜间装修噪音扰民")
    assert matters[0].agent_consent == "12345 热线来电录音"
    assert len(sms_outbox) == 3  # each citizen gets their tracking code


def test_running_the_task_twice_creates_nothing_more(world):
    from suyuan.matters import tasks

    batch = upload(world, csv_bytes([good_row(1), good_row(2)]))
    imports.import_batch_start(batch=batch, actor=world.staff["dispatcher"])
    count = Matter.objects.count()

    tasks.run_import_batch.call(batch.pk)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.IMPORTING)  # as if enqueued twice
    tasks.run_import_batch.call(batch.pk)

    assert Matter.objects.count() == count
    batch.refresh_from_db()
    assert (batch.status, batch.imported_count) == (ImportStatus.DONE, 2)
    # A second click on "import" does nothing either.
    assert (
        imports.import_batch_start(batch=batch, actor=world.staff["dispatcher"]).status == ImportStatus.DONE
    )
    assert Matter.objects.count() == count


class Killed(BaseException):
    """Stands for the worker process dying: nothing catches it."""


def test_a_crash_midway_then_a_resume_completes_without_duplicates(world, monkeypatch, settings):
    from suyuan.matters import tasks

    batch = upload(world, csv_bytes([good_row(n) for n in range(1, 46)]))
    real = services.matter_receive
    calls = {"n": 0}

    def dying(**kwargs):
        calls["n"] += 1
        if calls["n"] == 30:
            raise Killed
        return real(**kwargs)

    monkeypatch.setattr(services, "matter_receive", dying)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.IMPORTING)  # as the start does
    with pytest.raises(Killed):
        imports.import_batch_run(batch_id=batch.pk)  # the task's body, in the worker that dies
    batch.refresh_from_db()
    assert batch.status == ImportStatus.IMPORTING
    # The first group of rows committed with its progress; the second died with the worker.
    assert (batch.processed_count, batch.imported_count, batch.last_row) == (20, 20, 21)
    assert Matter.objects.filter(idempotency_key__startswith=batch.key_prefix).count() == 20

    monkeypatch.setattr(services, "matter_receive", real)
    assert not imports.batch_is_stalled(batch)
    with time_machine.travel(NOW + imports.STALLED_AFTER + dt.timedelta(seconds=1), tick=False):
        batch.refresh_from_db()
        assert imports.batch_is_stalled(batch)
        imports.import_batch_resume(batch=batch, actor=world.staff["dispatcher"])

    batch.refresh_from_db()
    assert (batch.status, batch.imported_count, batch.skipped_count) == (ImportStatus.DONE, 45, 0)
    keys = list(
        Matter.objects.filter(idempotency_key__startswith=batch.key_prefix).values_list(
            "idempotency_key", flat=True
        )
    )
    assert len(keys) == len(set(keys)) == 45
    assert tasks.run_import_batch.call(batch.pk) == ImportStatus.DONE


def test_an_unexpected_error_fails_the_batch_and_resume_finishes_it(world, monkeypatch):
    batch = upload(world, csv_bytes([good_row(n) for n in range(1, 6)]))
    real = services.matter_receive
    calls = {"n": 0}

    def failing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "matter_receive", failing)
    imports.import_batch_start(batch=batch, actor=world.staff["dispatcher"])
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert "unexpected error" in batch.error
    assert Matter.objects.filter(idempotency_key__startswith=batch.key_prefix).count() == 0  # group undone

    imports.import_batch_resume(batch=batch, actor=world.staff["dispatcher"])
    batch.refresh_from_db()
    assert (batch.status, batch.imported_count) == (ImportStatus.DONE, 5)


def test_a_work_order_imported_meanwhile_is_skipped_and_reported(world):
    first = upload(world, csv_bytes([good_row(1), good_row(2)]))
    second = upload(world, csv_bytes([good_row(2), good_row(3)]))
    assert second.valid_count == 2
    imports.import_batch_start(batch=first, actor=world.staff["dispatcher"])

    imports.import_batch_start(batch=second, actor=world.staff["dispatcher"])

    second.refresh_from_db()
    assert (second.imported_count, second.skipped_count) == (1, 1)
    assert [(e["row"], e["column"]) for e in second.report] == [(2, "工单编号")]
    # And a third upload of the same work orders says so in its dry run.
    third = upload(world, csv_bytes([good_row(3), good_row(1)]))
    assert third.valid_count == 0


def test_the_same_work_order_in_another_county_is_not_a_duplicate(world):
    from suyuan.accounts.models import Membership

    Membership.objects.create(
        user=world.kecheng, organization=world.orgs["kecheng_centre"], role="supervisor"
    )
    upload(world, csv_bytes([good_row(1)]))
    ImportBatch.objects.update(status=ImportStatus.CHECKED)
    batch = upload(
        world,
        csv_bytes([good_row(1, 事发地址="信安街道某路")]),
        actor="kecheng",
        organization=world.orgs["kecheng_centre"],
    )
    assert batch.valid_count == 1


def test_only_importers_of_the_organisation_may_upload_or_start(world):
    from suyuan.core.exceptions import Forbidden

    data = csv_bytes([good_row(1)])
    for name in ("mediator", "grid_worker", "analyst", "court_clerk", "administrator"):
        with pytest.raises(Forbidden):
            upload(world, data, actor=name, same_file_confirmed=True)
    with pytest.raises(Forbidden):
        upload(world, data, actor="kecheng")  # Kecheng's dispatcher, for Jiangshan's centre
    batch = upload(world, data, actor="supervisor")
    with pytest.raises(Forbidden):
        imports.import_batch_start(batch=batch, actor=world.kecheng)
    assert upload(world, data, actor="operator", same_file_confirmed=True).status == ImportStatus.CHECKED


def test_templates_are_read_back_by_the_import(world):
    csv_table = imports.read_table(imports.template_csv())
    xlsx_table = imports.read_table(imports.template_xlsx())
    assert csv_table.rows == xlsx_table.rows
    assert csv_table.headers[0] == "工单编号"
    assert imports.template_csv().startswith(codecs.BOM_UTF8)
    mapping, issues = imports.map_headers(csv_table.headers)
    assert set(mapping) == {column.field for column in imports.COLUMNS}
    assert issues == []
    batch = upload(world, imports.template_xlsx(), file_name="template.xlsx")
    assert (batch.file_format, batch.valid_count, batch.report) == (ImportFormat.XLSX, 1, [])
