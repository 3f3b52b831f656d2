"""Staff pages of the batch import: upload, report, start, progress; who may open each; query counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suyuan.accounts.tests.world import sign_in
from suyuan.matters import imports
from suyuan.matters.choices import ImportStatus
from suyuan.matters.models import ImportBatch, Matter
from suyuan.matters.tests.import_helpers import csv_bytes, good_row, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media")]

IMPORTERS = {"dispatcher", "supervisor", "operator"}
OTHERS_WITH_PAGES = {"grid_worker", "mediator", "administrator", "court_clerk", "judge", "agency_officer"}
EVERYONE = sorted([*IMPORTERS, *OTHERS_WITH_PAGES, "analyst", "citizen", "kecheng", "anonymous"])
# session, user, second factor device, memberships, organisation tree, the batch, context processors
MAX_REPORT_QUERIES = 12


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def client_for(world, name: str) -> Client:
    return sign_in(Client(), world.actor(name))


def _post_file(client: Client, data: bytes, name: str = "export.csv", **fields):
    values = {
        "file": SimpleUploadedFile(name, data),
        "organization": fields.pop("organization", None),
        "channel": "hotline",
        "kind": "request",
        "agent_consent": "12345 热线来电录音",
        **fields,
    }
    return client.post(reverse("matters:import_list"), {k: v for k, v in values.items() if v is not None})


def test_upload_runs_the_dry_run_and_shows_the_report_with_nothing_written(world):
    client = client_for(world, "dispatcher")
    page = client.get(reverse("matters:import_list"))
    assert page.status_code == 200
    assert "工单编号" in page.content.decode()

    response = _post_file(
        client, csv_bytes([good_row(1), good_row(2, 联系电话="12")]), organization=world.orgs["centre"].pk
    )

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matters:import_report", kwargs={"pk": batch.pk})
    report = client.get(response["Location"])
    html = report.content.decode()
    assert report.status_code == 200
    assert "Import 1 valid row" in html
    assert 'data-testid="import-report"' in html
    assert "联系电话" in html
    assert not Matter.objects.exists()


def test_an_unreadable_file_is_refused_on_the_form(world):
    client = client_for(world, "dispatcher")
    response = _post_file(client, b"%PDF-1.4 ...", name="x.csv", organization=world.orgs["centre"].pk)
    assert response.status_code == 422
    assert "not a CSV or Excel file" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_same_file_again_needs_the_confirmation_box(world):
    client = client_for(world, "dispatcher")
    data = csv_bytes([good_row(1)])
    _post_file(client, data, organization=world.orgs["centre"].pk)
    again = _post_file(client, data, organization=world.orgs["centre"].pk)
    assert again.status_code == 422
    assert "This very file was uploaded" in again.content.decode()
    confirmed = _post_file(client, data, organization=world.orgs["centre"].pk, same_file_confirmed="on")
    assert confirmed.status_code == 302
    assert ImportBatch.objects.count() == 2


def test_start_imports_and_the_progress_page_shows_the_result_and_the_matters(world):
    batch = upload(world, csv_bytes([good_row(1), good_row(2), good_row(3, 事发地址="火星")]))
    client = client_for(world, "dispatcher")

    response = client.post(reverse("matters:import_start", kwargs={"pk": batch.pk}))

    assert response.status_code == 302
    assert response["Location"] == reverse("matters:import_progress", kwargs={"pk": batch.pk})
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'data-testid="import-result"' in html
    assert '<progress max="100" value="100"' in html
    assert html.count("GD20250000") == 2  # the two matters, with their work orders
    for matter in imports.batch_matters(world.staff["dispatcher"], batch):
        assert reverse("matters:staff_detail", kwargs={"code": matter.display_code}) in html
    assert "every 2s" not in html  # done: nothing to poll


def test_the_progress_fragment_polls_while_importing_and_offers_resume_when_stalled(world):
    batch = upload(world, csv_bytes([good_row(1)]))
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.IMPORTING, processed_count=0)
    client = client_for(world, "dispatcher")
    url = reverse("matters:import_progress", kwargs={"pk": batch.pk})

    fragment = client.get(url, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert html.startswith('<div id="import-progress"')
    assert 'hx-trigger="every 2s"' in html
    assert '<progress max="100" value="0"' in html
    assert "Resume" not in html
    full = client.get(url).content.decode()
    assert f'href="{url}"' in full  # a plain reload link without JavaScript

    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + imports.STALLED_AFTER + dt.timedelta(minutes=1)):
        stalled = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert "Resume" in stalled and "every 2s" not in stalled
        resumed = client.post(reverse("matters:import_resume", kwargs={"pk": batch.pk}))
    assert resumed.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.imported_count) == (ImportStatus.DONE, 1)


def test_the_polled_fragment_loads_the_whole_page_once_the_import_is_done(world):
    # The result and the links to the matters are outside the polled fragment: swapping in only the
    # fragment would leave the page at "done" without them.
    batch = upload(world, csv_bytes([good_row(1)]))
    client = client_for(world, "dispatcher")
    client.post(reverse("matters:import_start", kwargs={"pk": batch.pk}))
    url = reverse("matters:import_progress", kwargs={"pk": batch.pk})

    fragment = client.get(url, HTTP_HX_REQUEST="true")

    assert fragment.status_code == 200
    assert fragment["HX-Redirect"] == url


def test_templates_download(world):
    client = client_for(world, "supervisor")
    csv_response = client.get(reverse("matters:import_template", kwargs={"file_format": "csv"}))
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "工单编号" in csv_response.content.decode("utf-8-sig")
    xlsx_response = client.get(reverse("matters:import_template", kwargs={"file_format": "xlsx"}))
    assert xlsx_response.content.startswith(b"PK")
    missing = client.get(reverse("matters:import_template", kwargs={"file_format": "exe"}))
    assert missing.status_code == 404


def test_report_page_query_count_does_not_grow_with_the_report(world):
    client = client_for(world, "dispatcher")
    small = upload(world, csv_bytes([good_row(1, 联系电话="1")]))
    big = upload(world, csv_bytes([good_row(n, 联系电话="1") for n in range(2, 300)]))
    counts = []
    for batch in (small, big):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("matters:import_report", kwargs={"pk": batch.pk})).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= MAX_REPORT_QUERIES, [q["sql"] for q in queries.captured_queries]


# --- Who may open what ------------------------------------------------------------------------------------


def _expected(name: str, *, own_county_page: bool) -> int:
    if name == "anonymous":
        return 302
    if name in IMPORTERS:
        return 200
    if name == "kecheng":
        return 200 if not own_county_page else 404
    return 403


@pytest.mark.parametrize("name", EVERYONE)
def test_who_may_open_each_page(world, name):
    batch = upload(world, csv_bytes([good_row(1)]))
    client = client_for(world, name)
    pages = {
        reverse("matters:import_list"): False,
        reverse("matters:import_template", kwargs={"file_format": "csv"}): False,
        reverse("matters:import_report", kwargs={"pk": batch.pk}): True,
        reverse("matters:import_progress", kwargs={"pk": batch.pk}): True,
    }
    for url, batch_page in pages.items():
        assert client.get(url).status_code == _expected(name, own_county_page=batch_page), url


@pytest.mark.parametrize("name", EVERYONE)
def test_who_may_upload_and_start(world, name):
    batch = upload(world, csv_bytes([good_row(1)]))
    client = client_for(world, name)
    start = client.post(reverse("matters:import_start", kwargs={"pk": batch.pk}))
    expected = _expected(name, own_county_page=True)
    assert start.status_code == (302 if expected == 200 else expected)
    batch.refresh_from_db()
    assert (batch.status == ImportStatus.DONE) == (name in IMPORTERS)

    organization = world.orgs["centre"].pk
    response = _post_file(client, csv_bytes([good_row(5)]), organization=organization)
    if name in IMPORTERS:
        assert response.status_code == 302
    elif name == "kecheng":
        assert response.status_code == 422  # Jiangshan's centre is not among their choices
    else:
        assert response.status_code == _expected(name, own_county_page=False)
    assert ImportBatch.objects.count() == (2 if name in IMPORTERS else 1)


def test_kecheng_staff_do_not_see_jiangshans_batches_in_their_list(world):
    upload(world, csv_bytes([good_row(1)]))
    html = client_for(world, "kecheng").get(reverse("matters:import_list")).content.decode()
    assert "12345导出" not in html
    html = client_for(world, "supervisor").get(reverse("matters:import_list")).content.decode()
    assert "12345导出" in html
