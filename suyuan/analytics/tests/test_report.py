"""The monthly report as a PDF: its numbers against the hand-computed March of ``test_pages`` (and a
February matter to compare with), its fonts, metadata and language, who may download it, and bad months."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import cast

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from suyuan.accounts.choices import Role
from suyuan.analytics import report, selectors
from suyuan.analytics.models import RegionPopulation
from suyuan.analytics.tests.conftest import MARCH
from suyuan.analytics.tests.test_pages import client_for
from suyuan.matters.tests.conftest import file_dispute
from suyuan.regions.models import Region

pytestmark = pytest.mark.django_db

URL = "/staff/figures/report.pdf"
IN_APRIL = dt.datetime(2026, 4, 2, 2, tzinfo=dt.UTC)  # 10:00 in Beijing: March is complete
# The world and the hand-computed March (fixtures of this package's conftest).
PERSONAL = ("市民甲", "楼上住户", "邻居装修噪音扰民", "13800000001", "晚上八点后停止施工", "江山调解员")


@pytest.fixture
def february(world, django_capture_on_commit_callbacks, time_machine):
    """One more matter, received in February 2026 in 城北社区."""
    time_machine.move_to(dt.datetime(2026, 2, 10, 2, tzinfo=dt.UTC), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        return file_dispute(world)


@pytest.fixture
def months(world, february, march, time_machine):
    """February's and March's matters, seen from the 2nd of April."""
    time_machine.move_to(IN_APRIL, tick=False)
    return march


def filters_for(world, code: str, **extra: str) -> selectors.Filters:
    return selectors.parse_filters(world.operator, {"region": code, **MARCH, **extra})


def pages(content: bytes) -> list[str]:
    # pypdf reads fpdf2's two-byte glyph codes with a NUL before each character: drop them.
    return [page.extract_text().replace("\x00", "") for page in PdfReader(io.BytesIO(content)).pages]


def compact(content: bytes) -> str:
    return "".join("".join(pages(content)).split())


class TestContent:
    def test_the_data_of_a_month_with_last_month_and_a_year_earlier(self, world, months):
        data = report.report_data(filters_for(world, "330881"))
        assert (data.figures.received, data.last_month.received, data.last_year.received) == (3, 1, 0)
        assert data.last_month.filters.start == dt.date(2026, 2, 1)
        assert data.last_year.filters.start == dt.date(2025, 3, 1)
        assert len(data.trend) == 12 and data.trend[0] == (dt.date(2025, 4, 1), 0)
        assert data.trend[-2:] == [(dt.date(2026, 2, 1), 1), (dt.date(2026, 3, 1), 3)]
        assert [(p.code, p.received) for p in data.places][:1] == [("330881001", 3)]

    @pytest.mark.parametrize(("code", "received"), [("330881", 4), ("330881001", 4), ("33", 5)])
    def test_matters_per_month_add_up_to_the_figures_of_the_year(self, world, months, code, received):
        year = selectors.parse_filters(world.operator, {"region": code, "start": "2025-04", "end": "2026-03"})
        by_month = report.received_by_month(year)
        assert sum(n for _month, n in by_month) == selectors.figures(year).received == received

    def test_the_pdf_holds_the_place_the_month_and_the_hand_computed_numbers(self, world, months, english):
        content = report.monthly_report_pdf(
            filters_for(world, "330881"), definitions_url="https://example.org/staff/figures/definitions/"
        )
        assert content.startswith(b"%PDF") and len(content) < 250 * 1024
        found = pages(content)
        assert 2 <= len(found) <= 6
        assert f"Page 1 of {len(found)}" in found[0] and f"Page {len(found)} of {len(found)}" in found[-1]
        text = compact(content)
        assert "浙江省衢州市江山市" in text and "March2026" in text
        assert "https://example.org/staff/figures/definitions/" in text
        assert "Generatedat:2026-04-0210:00(Beijingtime)" in text
        # This month, last month, the same month a year earlier.
        assert "KeyfiguresFigureMarch2026February2026March2025" in text
        assert "Mattersreceived310" in text
        assert "Mattersconcluded300" in text
        assert "Endedat:mediation1(33.3%)0(—)0(—)" in text
        assert "Mediationsuccessrate50.0%(1/2)——" in text
        assert "Daystoconclusion,median7——" in text
        assert "Daystoconclusion,90thpercentile10——" in text
        assert "Overduerate0.0%(0/3)——" in text
        assert "Camebackwithin180days0.0%(0/3)0.0%(0/1)—" in text
        # Every chart's numbers as a table.
        assert "mediation133.3%" in text and "arbitration133.3%" in text
        assert "2025-120" in text and "2026-021" in text and "2026-033" in text
        assert "330881001双塔街道3" in text
        assert "Category:Allcategories" in text and "CategoryMattersShareNeighbours3100.0%" in text

    def test_no_person_is_named(self, world, months):
        text = compact(report.monthly_report_pdf(filters_for(world, "330881")))
        for personal in PERSONAL:
            assert personal not in text

    def test_chinese_first(self, world, months):
        text = compact(report.monthly_report_pdf(filters_for(world, "330881")))
        assert "2026年3月" in text and "接收事项310" in text
        assert "Mattersreceived310" not in text

    def test_a_township_ranks_its_villages(self, world, months, english):
        RegionPopulation.objects.create(
            region=Region.objects.get(code="330881001"), year=2025, residents=30_000, source="测试数据"
        )
        text = compact(report.monthly_report_pdf(filters_for(world, "330881001")))
        assert "双塔街道" in text and "城北社区" in text
        assert "Perresidents:30000residents(2025)." in text.replace("10,000", "")

    def test_fonts_are_embedded_subsets(self, world, months):
        reader = PdfReader(io.BytesIO(report.monthly_report_pdf(filters_for(world, "330881"))))
        seen = 0
        for page in reader.pages:
            resources = cast(DictionaryObject, page["/Resources"])
            for font in cast(DictionaryObject, resources["/Font"]).values():
                font = font.get_object()
                assert font["/Subtype"] == "/Type0"  # no standard (unembedded) font
                for descendant in font["/DescendantFonts"]:
                    descendant = descendant.get_object()
                    assert re.fullmatch(r"/[A-Z]{6}\+.+", descendant["/BaseFont"])  # a subset
                    descriptor = descendant["/FontDescriptor"].get_object()
                    assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
                    seen += 1
        assert seen

    def test_metadata(self, world, months, english):
        reader = PdfReader(io.BytesIO(report.monthly_report_pdf(filters_for(world, "330881"))))
        meta = reader.metadata
        assert meta is not None and meta.title is not None and meta.creation_date is not None
        assert meta.producer == "Suyuan"
        assert "浙江省衢州市江山市" in meta.title and "March 2026" in meta.title
        assert meta.creation_date.astimezone(dt.UTC) == IN_APRIL
        assert cast(DictionaryObject, reader.trailer["/Root"])["/Lang"] == "en"

    def test_a_category_narrows_the_report(self, world, months, english):
        filters = filters_for(world, "330881", category="neighbours")
        assert report.filename(filters) == "figures-report-330881-2026-03-neighbours.pdf"
        assert "Category:Neighbours" in compact(report.monthly_report_pdf(filters))
        data = report.report_data(filters_for(world, "330881", category="labour_wages"))
        assert data.figures.received == 0 and sum(n for _m, n in data.trend) == 0


class TestMonth:
    @pytest.mark.parametrize(
        ("month", "ok"),
        [
            ("2026-03", True),
            ("2021-04", True),  # 60 months back
            ("2021-03", False),  # 61
            ("2026-04", False),  # not over
            ("2026-05", False),  # the future
            ("2026/03", False),
            ("2026-13", False),
            ("March", False),
        ],
    )
    def test_only_a_complete_month_of_the_last_sixty(self, world, month, ok, english):
        today = dt.date(2026, 4, 2)
        if ok:
            filters = report.parse_report_filters(world.operator, {"region": "330881", "month": month}, today)
            assert f"{filters.start:%Y-%m}" == f"{filters.end:%Y-%m}" == month
        else:
            with pytest.raises(ValidationError) as caught:
                report.parse_report_filters(world.operator, {"region": "330881", "month": month}, today)
            assert "month" in caught.value.message_dict

    def test_the_default_month(self):
        today = dt.date(2026, 1, 15)
        assert report.last_complete_month(today) == dt.date(2025, 12, 1)
        assert report.default_month("", today) == "2025-12"
        assert report.default_month("2026-01", today) == "2025-12"  # not over yet
        assert report.default_month("2025-06", today) == "2025-06"
        assert report.default_month("nonsense", today) == "2025-12"


class TestDownload:
    @pytest.mark.parametrize(
        ("who", "region", "status"),
        [
            (Role.SUPERVISOR, "330881", 200),
            (Role.ANALYST, "330881", 200),
            (Role.ADMINISTRATOR, "330881", 200),
            (Role.DISPATCHER, "330881", 200),
            (Role.DISPATCHER, "330802", 422),  # another county
            (Role.DISPATCHER, "33", 422),  # above their county
            ("kecheng", "330802", 200),
            ("kecheng", "330881", 422),
            ("kecheng_admin", "330881", 422),
            ("operator", "33", 200),
            (Role.MEDIATOR, "330881", 403),
            (Role.GRID_WORKER, "330881", 403),
            (Role.COURT_CLERK, "330881", 403),
            (Role.JUDGE, "330881", 403),
            (Role.AGENCY_OFFICER, "330881", 403),
            ("citizen", "330881", 403),
            ("anonymous", "330881", 302),
        ],
    )
    def test_who_may_download_which_report(self, world, months, who, region, status):
        response = client_for(world.actor(who)).get(URL, {"region": region, "month": "2026-03"})
        assert response.status_code == status
        if status == 200:
            assert response["Content-Type"] == "application/pdf"
            assert (
                response["Content-Disposition"]
                == f'attachment; filename="figures-report-{region}-2026-03.pdf"'
            )
            text = compact(response.content)
            for personal in PERSONAL:
                assert personal not in text
        if status == 422:
            assert "region" in response.context["errors"]

    def test_the_analyst_gets_the_numbers_and_no_names(self, world, months):
        response = client_for(world.staff[Role.ANALYST]).get(URL, {"region": "330881", "month": "2026-03"})
        text = compact(response.content)
        assert "浙江省衢州市江山市" in text and "2026年3月" in text and "双塔街道3" in text
        assert world.staff[Role.ANALYST].full_name not in text

    def test_without_a_month_it_is_the_last_complete_one(self, world, months):
        response = client_for(world.staff[Role.SUPERVISOR]).get(URL)
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="figures-report-330881-2026-03.pdf"'

    @pytest.mark.parametrize(
        ("params", "field", "message"),
        [
            ({"month": "2026-04"}, "month", "not complete yet"),
            ({"month": "2027-01"}, "month", "not complete yet"),
            ({"month": "2026/03"}, "month", "YYYY-MM"),
            ({"month": "2020-12"}, "month", "within the last 60 months"),
            ({"month": "2026-03", "category": "nothing"}, "category", "no such category"),
            ({"month": "2026-03", "region": "999999"}, "region", "no such region"),
        ],
    )
    def test_bad_requests_answer_422_with_the_reason(self, world, months, english, params, field, message):
        response = client_for(world.staff[Role.SUPERVISOR]).get(URL, {"region": "330881", **params})
        assert response.status_code == 422
        assert response["Content-Type"].startswith("text/html")
        assert message in response.context["errors"][field][0]
        assert message in response.content.decode()

    def test_queries_are_bounded(self, world, months, django_assert_max_num_queries):
        client = client_for(world.staff[Role.SUPERVISOR])
        client.get(URL, {"region": "330881", "month": "2026-03"})  # warm the caches of the session and scope
        with django_assert_max_num_queries(36):
            assert client.get(URL, {"region": "330881", "month": "2026-03"}).status_code == 200
        with django_assert_max_num_queries(36):
            assert client.get(URL, {"region": "330881001", "month": "2026-03"}).status_code == 200

    def test_the_figures_page_offers_the_report(self, world, months):
        page = client_for(world.staff[Role.SUPERVISOR]).get(
            "/staff/figures/", {"region": "330881", "start": "2026-01", "end": "2026-04"}
        )
        html = page.content.decode()
        form = html[html.index('data-testid="report-form"') :]
        form = form[: form.index("</form>")]
        assert 'name="region" value="330881"' in form
        assert 'name="month" value="2026-03" max="2026-03"' in form  # April is not over
