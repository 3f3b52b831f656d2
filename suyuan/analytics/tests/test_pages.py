"""The figures pages: numbers against a hand-computed fixture, both ways of computing them, access by
level and role, bad filters, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership
from suyuan.accounts.tests.world import World, new_user, sign_in
from suyuan.analytics import definitions, selectors
from suyuan.analytics.choices import Stage
from suyuan.analytics.models import RegionPopulation
from suyuan.analytics.tests import conftest
from suyuan.regions.models import Region

pytestmark = pytest.mark.django_db

URL = "/staff/figures/"
MARCH = conftest.MARCH


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


def figures_for(world: World, code: str) -> selectors.Figures:
    return selectors.figures(selectors.parse_filters(world.operator, {"region": code, **MARCH}))


def test_the_figures_of_a_hand_computed_month(world, march):
    f = figures_for(world, "330881")
    assert f.received == 3 and f.concluded == 3
    assert {s.key: s.count for s in f.funnel} == {
        Stage.CONSULTATION: 0, Stage.MEDIATION: 1, Stage.ADMINISTRATIVE: 0, Stage.ARBITRATION: 1,
        Stage.COURT: 0, Stage.OTHER: 1,
    }  # fmt: skip
    assert (f.mediation_succeeded, f.mediation_failed, f.mediation_rate) == (1, 1, 0.5)
    # Days to conclusion leave the withdrawal out: 7 and 10 days; nearest-rank median 7, 90th 10.
    assert (f.days_counted, f.days_median, f.days_p90) == (2, 7, 10)
    assert f.overdue == 0 and f.overdue_rate == 0
    assert [(s.key, s.count) for s in f.by_channel] == [("portal", 3)]
    assert [(s.key, s.count) for s in f.by_category] == [("neighbours", 3)]
    assert f.petitions == 0 and f.court_filed == 0 and f.residents is None
    # One mediator took the steps (start, agreement, failure) and holds the role; one citizen filed the
    # three and withdrew one with their account. A township counts the same; a village keeps no activity.
    assert (f.mediators_active, f.mediators_registered, f.citizens_active) == (1, 1, 1)
    township = figures_for(world, "330881001")
    assert (township.mediators_active, township.citizens_active) == (1, 1)
    assert figures_for(world, "330881001001").mediators_active is None
    assert figures_for(world, "330802").mediators_active == 0  # Kecheng's matter had no mediation
    # The province counts Kecheng's matter too; February counts nothing.
    assert figures_for(world, "33").received == 4
    february = selectors.parse_filters(
        world.operator, {"region": "330881", "start": "2026-02", "end": "2026-02"}
    )
    assert selectors.figures(february).received == 0


def test_a_township_summed_from_facts_equals_the_county_from_rollups(world, march):
    county, township = figures_for(world, "330881"), figures_for(world, "330881001")
    for name in (
        "received",
        "concluded",
        "funnel",
        "mediation_rate",
        "days_median",
        "days_p90",
        "by_channel",
    ):
        assert getattr(county, name) == getattr(township, name), name
    village = figures_for(world, "330881001001")
    assert village.received == 3 and village.days_median == 7


def test_places_rank_the_level_below_with_residents(world, march):
    RegionPopulation.objects.create(
        region=Region.objects.get(code="330881001"), year=2020, residents=60_000, source="测试数据"
    )
    filters = selectors.parse_filters(world.operator, {"region": "330881", **MARCH})
    places = {p.code: p for p in selectors.places(filters)}
    assert places["330881001"].received == 3
    assert places["330881001"].per_10k == pytest.approx(3 * 10_000 / 60_000 * 12)  # a year's rate
    assert places["330881100"].received == 0 and places["330881100"].per_10k is None


def test_the_page_shows_the_figures_and_links_down(world, march):
    response = client_for(world.staff[Role.SUPERVISOR]).get(URL, {"region": "330881", **MARCH})
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        'data-testid="fig-received"><a href="/staff/figures/matters/?' in page
    )  # the number opens its matters
    assert 'measure=received">3</a>' in page
    assert "双塔街道" in page and "?region=330881001&amp;start=2026-03" in page
    published = client_for(world.staff[Role.ANALYST]).get(URL + "definitions/")
    assert published.status_code == 200
    for definition in definitions.DEFINITIONS:  # every figure's definition is on the page
        assert f'id="{definition.key}"' in published.content.decode()


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
        ("operator", "33", 200),
        (Role.MEDIATOR, "330881", 403),
        (Role.GRID_WORKER, "330881", 403),
        (Role.JUDGE, "330881", 403),
        ("citizen", "330881", 403),
    ],
)
def test_who_sees_which_figures(world, march, who, region, status):
    response = client_for(world.actor(who)).get(URL, {"region": region, **MARCH})
    assert response.status_code == status
    if status == 422:
        assert "region" in response.context["errors"]


def test_a_township_centre_sees_its_township_only(world, march):
    township_staff = new_user(username="st.dispatcher")
    Membership.objects.create(user=township_staff, organization=world.orgs["township"], role=Role.DISPATCHER)
    client = client_for(township_staff)
    own = client.get(URL, MARCH)
    assert own.status_code == 200 and own.context["filters"].region.code == "330881001"
    assert client.get(URL, {"region": "330881", **MARCH}).status_code == 422


def test_the_page_without_filters_shows_the_last_twelve_months_of_home(world, march, time_machine):
    time_machine.move_to(dt.datetime(2026, 4, 2, 2, tzinfo=dt.UTC), tick=False)
    response = client_for(world.staff[Role.SUPERVISOR]).get(URL)
    assert response.status_code == 200
    assert response.context["query"] == {"region": "330881", "start": "2025-04", "end": "2026-04"}
    assert response.context["figures"].received == 3


def test_anonymous_visitors_are_sent_to_sign_in(world):
    response = client_for(None).get(URL)
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "330881", "start": "2026-04", "end": "2026-03"}, "end"),
        ({"region": "999999", **MARCH}, "region"),
        ({"region": "330881", "start": "2026/03", "end": "2026-03"}, "start"),
        ({"region": "330881", "start": "2020-01", "end": "2026-03"}, "start"),  # more than 60 months
        ({"region": "330881", "category": "nothing", **MARCH}, "category"),
    ],
)
def test_filters_that_make_no_sense_answer_422_by_field(world, english, params, field):
    response = client_for(world.staff[Role.SUPERVISOR]).get(URL, params)
    assert response.status_code == 422
    assert field in response.context["errors"]


def test_exports_in_csv_and_xlsx(world, march):
    client = client_for(world.staff[Role.ANALYST])
    csv_response = client.get(URL, {"region": "330881", **MARCH, "export": "csv", "table": "funnel"})
    assert csv_response.status_code == 200
    assert csv_response["Content-Disposition"].endswith('.csv"')
    text = csv_response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ["调解", "1", "33.3%"] in rows or ["mediation", "1", "33.3%"] in rows
    xlsx = client.get(URL, {"region": "330881", **MARCH, "export": "xlsx"})
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) == 6
    bad = client.get(URL, {"region": "330881", **MARCH, "export": "pdf"})
    assert bad.status_code == 422
    assert client.get(URL, {"region": "330881", **MARCH, "export": "csv", "table": "x"}).status_code == 422


def test_the_page_reads_rollups_not_matters(
    world, march, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client = client_for(world.staff[Role.SUPERVISOR])
    client.get(URL, {"region": "330881", **MARCH})  # warm the caches of the session and scope
    with django_assert_max_num_queries(22):  # two of them count the mediators and the active people
        assert client.get(URL, {"region": "330881", **MARCH}).status_code == 200
