"""The live board: its counts, who sees which place, the partial that refreshes it, the wall screen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from suyuan.accounts.choices import Role
from suyuan.accounts.models import Membership
from suyuan.accounts.tests.world import World, build_world, new_user, sign_in
from suyuan.command import selectors
from suyuan.matters import services as matter_services
from suyuan.matters.models import Matter
from suyuan.matters.tests.conftest import file_dispute
from suyuan.regions.models import Region

pytestmark = pytest.mark.django_db
URL = "/staff/board/"


@pytest.fixture
def world(db) -> World:
    return build_world()


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        sign_in(client, user)
    return client


@pytest.fixture
def matters(world, django_capture_on_commit_callbacks) -> list[Matter]:
    """Four open matters in 城北社区 (one accepted, one urgent, one overdue) and one in Kecheng."""
    with django_capture_on_commit_callbacks(execute=True):
        found = [file_dispute(world) for _ in range(4)]
        matter_services.matter_accept(matter=found[0], actor=world.staff[Role.DISPATCHER])
        file_dispute(world, region=Region.objects.get(code="330802001"))
    Matter.objects.filter(pk=found[1].pk).update(priority=2)
    Matter.objects.filter(pk=found[2].pk).update(due_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    return found


def test_the_counts_of_a_county(world, matters):
    board = selectors.board(world.staff[Role.SUPERVISOR], Region.objects.get(code="330881"))
    assert (board.new, board.in_progress, board.overdue) == (3, 1, 1)
    # Priority: the one set by hand, and those triage raised (the same applicant came four times).
    raised = Matter.objects.filter(pk__in=[m.pk for m in matters], priority__gt=0).count()
    assert board.urgent == raised >= 1
    assert board.received_today == 4 and board.concluded_today == 0
    places = {place.code: (n_open, n_overdue) for place, n_open, n_overdue in board.children}
    assert places["330881001"] == (4, 1) and places["330881100"] == (0, 0)


def test_the_page_the_partial_and_the_wall(world, matters):
    client = client_for(world.staff[Role.SUPERVISOR])
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'hx-trigger="every 30s"' in html and 'data-testid="tile-overdue"' in html
    assert "双塔街道" in html
    partial = client.get(URL, {"region": "330881001"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b"<html" not in partial.content
    assert b'data-testid="board"' in partial.content
    wall = client.get(URL, {"wall": "1"})
    assert b'class="staff matters-wide wall"' in wall.content


@pytest.mark.parametrize(
    ("who", "region", "status"),
    [
        (Role.SUPERVISOR, "330881", 200),
        (Role.DISPATCHER, "330881001", 200),
        (Role.ANALYST, "330881", 200),
        (Role.DISPATCHER, "330802", 422),
        ("kecheng", "330802", 200),
        ("kecheng", "330881", 422),
        ("operator", "33", 200),
        (Role.MEDIATOR, "330881", 403),
        (Role.JUDGE, "330881", 403),
        ("citizen", "330881", 403),
    ],
)
def test_who_sees_which_board(world, matters, who, region, status):
    assert client_for(world.actor(who)).get(URL, {"region": region}).status_code == status


def test_a_township_room_sees_its_township(world, matters):
    user = new_user(username="st.supervisor")
    Membership.objects.create(user=user, organization=world.orgs["township"], role=Role.DISPATCHER)
    response = client_for(user).get(URL)
    assert response.status_code == 200 and response.context["board"].region.code == "330881001"
    assert client_for(user).get(URL, {"region": "330881"}).status_code == 422


def test_analysts_see_numbers_without_links_to_matters(world, matters):
    html = client_for(world.staff[Role.ANALYST]).get(URL).content.decode()
    assert "/staff/matters/?queue=overdue" not in html
    html = client_for(world.staff[Role.SUPERVISOR]).get(URL).content.decode()
    assert "/staff/matters/?queue=overdue&amp;region=330881" in html


def test_the_board_takes_the_same_few_queries_however_many_matters(
    world, matters, django_assert_max_num_queries
):
    client = client_for(world.staff[Role.SUPERVISOR])
    client.get(URL)
    with django_assert_max_num_queries(20):
        client.get(URL, HTTP_HX_REQUEST="true")
    for _ in range(10):
        file_dispute(world)
    with django_assert_max_num_queries(20):
        client.get(URL, HTTP_HX_REQUEST="true")
