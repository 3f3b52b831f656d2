"""The import API: upload with its dry run, the report, the start and the progress; who may call each."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from suyuan.accounts.tests.world import sign_in
from suyuan.matters.choices import ImportStatus
from suyuan.matters.models import ImportBatch, Matter
from suyuan.matters.tests.import_helpers import csv_bytes, good_row, upload, xlsx_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media")]

IMPORTERS = {"dispatcher", "supervisor", "operator"}
EVERYONE = sorted(
    [*IMPORTERS, "grid_worker", "mediator", "administrator", "court_clerk", "judge", "agency_officer", "analyst",
     "citizen", "kecheng", "anonymous"]
)  # fmt: skip


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _upload(client: Client, data: bytes, organization: int, name: str = "export.csv", **fields):
    body = {
        "file": SimpleUploadedFile(name, data),
        "organization": organization,
        "agent_consent": "12345 热线来电录音",
        **fields,
    }
    return client.post("/api/matters/imports/batches", body)


def test_upload_returns_the_checked_batch_and_the_report_lists_the_errors(world):
    client = sign_in(Client(), world.staff["dispatcher"])
    rows = [good_row(1), good_row(2, 联系电话="12"), good_row(3, 诉求类型="噪音")]

    response = _upload(client, xlsx_bytes(rows), world.orgs["centre"].pk, name="export.xlsx")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["file_format"], body["row_count"], body["valid_count"]) == (
        "checked", "xlsx", 3, 2,
    )  # fmt: skip
    report = client.get(f"/api/matters/imports/{body['id']}/report").json()
    assert report["count"] == 2
    assert [(i["row"], i["column"], i["level"]) for i in report["items"]] == [
        (3, "联系电话", "error"),
        (4, "诉求类型", "warning"),
    ]
    errors = client.get(f"/api/matters/imports/{body['id']}/report?level=error").json()
    assert errors["count"] == 1
    assert client.get(f"/api/matters/imports/{body['id']}/report?level=bad").status_code == 422
    assert not Matter.objects.exists()

    started = client.post(f"/api/matters/imports/{body['id']}/start")
    assert started.status_code == 202
    progress = client.get(f"/api/matters/imports/{body['id']}").json()
    assert (progress["status"], progress["imported_count"], progress["progress_percent"]) == ("done", 2, 100)
    assert Matter.objects.count() == 2


def test_bad_files_and_fields_answer_422_naming_the_field(world):
    client = sign_in(Client(), world.staff["dispatcher"])
    centre = world.orgs["centre"].pk
    bad = _upload(client, b"\xd0\xcf\x11\xe0" + b"\x00" * 64, centre, name="old.xls")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["detail"]} == {"file"}
    wrong_org = _upload(client, csv_bytes([good_row(1)]), world.orgs["kecheng_centre"].pk)
    assert wrong_org.status_code == 422
    assert {e["field"] for e in wrong_org.json()["detail"]} == {"organization"}
    no_consent = _upload(client, csv_bytes([good_row(1)]), centre, agent_consent="", channel="portal")
    assert {e["field"] for e in no_consent.json()["detail"]} == {"agent_consent", "channel"}
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("name", EVERYONE)
def test_who_may_call_each_endpoint(world, name):
    batch = upload(world, csv_bytes([good_row(1)]))
    client = sign_in(Client(), world.actor(name))
    if name == "anonymous":
        expected = 401
    elif name in IMPORTERS:
        expected = 200
    elif name == "kecheng":
        expected = 404
    else:
        expected = 403
    assert client.get(f"/api/matters/imports/{batch.pk}").status_code == expected
    assert client.get(f"/api/matters/imports/{batch.pk}/report").status_code == expected
    start = client.post(f"/api/matters/imports/{batch.pk}/start")
    assert start.status_code == (202 if expected == 200 else expected)
    batch.refresh_from_db()
    assert (batch.status == ImportStatus.DONE) == (name in IMPORTERS)
    posted = _upload(client, csv_bytes([good_row(2)]), world.orgs["centre"].pk)
    assert posted.status_code == {200: 201, 404: 422}.get(expected, expected)
