"""Every number of the figures links to the matters it counts: the lists hold exactly as many matters as
the numbers say, to those who may open them; analysts see numbers only."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from suyuan.accounts.choices import Role
from suyuan.analytics import selectors, tables, views
from suyuan.analytics.tests.conftest import MARCH
from suyuan.analytics.tests.test_pages import client_for, figures_for
from suyuan.matters.models import Matter
from suyuan.matters.tests.conftest import file_dispute

pytestmark = pytest.mark.django_db

URL = "/staff/figures/matters/"


def _counts(cell: object) -> list[tables.Count]:
    if isinstance(cell, tables.Count):
        return [cell]
    if isinstance(cell, tables.Parts):
        return [p for p in cell.parts if isinstance(p, tables.Count)]
    return []


@pytest.mark.parametrize("code", ["330881", "330881001"])  # a county (rollups) and a township (facts)
def test_every_number_counts_the_matters_of_its_list(world, march, code):
    actor = world.staff[Role.SUPERVISOR]
    figures = figures_for(world, code)
    filters = figures.filters
    places = selectors.places(filters)
    seen = 0
    for table in tables.all_tables(figures, places):
        for row in table.rows:
            for cell in row:
                for count in _counts(cell):
                    drill = selectors.parse_drill(actor, {**filters.query(), **count.drill})
                    assert selectors.drill_facts(drill).count() == int(count), (table.key, row, count.drill)
                    seen += 1
    assert seen > 20
    # The hand-computed month: three received, one ended in mediation (an agreement), one failed.
    concluded = selectors.parse_drill(
        actor, {**filters.query(), "measure": "concluded", "stage": "mediation"}
    )
    assert [m.pk for m in selectors.drill_matters(actor, concluded)] == [march["agreed"].pk]


def test_the_list_shows_the_matters_and_links_to_them(world, march):
    response = client_for(world.staff[Role.SUPERVISOR]).get(
        URL, {"region": "330881", **MARCH, "measure": "received"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    for key in ("agreed", "failed", "withdrawn"):
        assert f"/staff/matters/{march[key].display_code}/" in page
    assert march["elsewhere"].display_code not in page  # another county's matter is never counted here
    assert response.context["counted"] == response.context["visible"] == 3


def test_the_figures_link_their_numbers_for_those_who_may_open_matters(world, march):
    supervisor = client_for(world.staff[Role.SUPERVISOR]).get(
        "/staff/figures/", {"region": "330881", **MARCH}
    )
    assert supervisor.content.decode().count('data-testid="drill"') > 10
    analyst = client_for(world.staff[Role.ANALYST]).get("/staff/figures/", {"region": "330881", **MARCH})
    assert analyst.status_code == 200 and 'data-testid="drill"' not in analyst.content.decode()
    assert "/staff/figures/matters/" not in analyst.content.decode()


@pytest.mark.parametrize(
    ("who", "region", "status"),
    [
        (Role.SUPERVISOR, "330881", 200),
        (Role.DISPATCHER, "330881", 200),
        (Role.ADMINISTRATOR, "330881", 200),
        (Role.ANALYST, "330881", 403),  # aggregates only
        (Role.MEDIATOR, "330881", 403),
        (Role.GRID_WORKER, "330881", 403),
        (Role.JUDGE, "330881", 403),
        (Role.COURT_CLERK, "330881", 403),
        ("citizen", "330881", 403),
        ("kecheng", "330881", 422),  # another county's place
        ("kecheng", "330802", 200),
        ("operator", "33", 200),
    ],
)
def test_who_may_open_the_matters_behind_a_number(world, march, who, region, status):
    response = client_for(world.actor(who)).get(URL, {"region": region, **MARCH, "measure": "received"})
    assert response.status_code == status
    if who == "kecheng" and status == 200:
        assert march["elsewhere"].display_code in response.content.decode()
        assert march["agreed"].display_code not in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(world):
    assert client_for(None).get(URL, {"measure": "received"}).status_code == 302


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"measure": "nothing"}, "measure"),
        ({}, "measure"),
        ({"measure": "received", "stage": "mediation"}, "stage"),  # stages narrow conclusions only
        ({"measure": "concluded", "stage": "moon"}, "stage"),
        ({"measure": "concluded", "channel": "hotline"}, "channel"),  # only receipts break down by channel
        ({"measure": "received", "kind": "nothing"}, "kind"),
        ({"measure": "received", "region": "999999"}, "region"),
        ({"measure": "received", "start": "2026-04", "end": "2026-03"}, "end"),
    ],
)
def test_requests_that_make_no_sense_answer_422_by_field(world, english, params, field):
    query = {"region": "330881", **MARCH, **params}
    response = client_for(world.staff[Role.SUPERVISOR]).get(URL, query)
    assert response.status_code == 422
    assert field in response.context["errors"]


def test_the_list_is_exported_as_streamed_csv_within_a_cap(world, march, monkeypatch):
    client = client_for(world.staff[Role.DISPATCHER])
    query = {"region": "330881", **MARCH, "measure": "received", "export": "csv"}
    response = client.get(URL, query)
    assert response.status_code == 200 and response.streaming
    text = response.getvalue().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 4 and {r[0] for r in rows[1:]} == {
        march[k].display_code for k in ("agreed", "failed", "withdrawn")
    }
    monkeypatch.setattr(views, "MAX_EXPORT_ROWS", 2)
    refused = client.get(URL, query)
    assert refused.status_code == 422 and "export" in refused.context["errors"]
    assert client.get(URL, {**query, "export": "xlsx"}).status_code == 422


def test_the_list_costs_the_same_few_queries_however_long(world, march, django_capture_on_commit_callbacks):
    client = client_for(world.staff[Role.SUPERVISOR])
    query = {"region": "330881", **MARCH, "measure": "received"}

    def cost() -> int:
        client.get(URL, query)  # warm the session and scope caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, query).status_code == 200
        return len(queries)

    few = cost()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            file_dispute(world)
    assert Matter.objects.count() == 9
    assert cost() == few <= 14
