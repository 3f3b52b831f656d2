"""The supervision pages: who may open which, the lists and filters, answering and clearing, issuing from the
matter page, and the number of queries the list takes."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import World, sign_in
from suyuan.supervision import services
from suyuan.supervision.choices import OrderStatus
from suyuan.supervision.models import SupervisionOrder
from suyuan.supervision.tests.conftest import assigned_to_village, matter_of

pytestmark = pytest.mark.django_db

LIST = "/staff/supervision/"
# Everyone the pages are tested against: the world's roles, the lower levels, another county, nobody.
EVERYONE = [
    "anonymous",
    "citizen",
    Role.GRID_WORKER,
    Role.MEDIATOR,  # a mediator of the township centre: the order is not addressed to it
    Role.DISPATCHER,
    Role.SUPERVISOR,
    Role.ANALYST,
    Role.ADMINISTRATOR,
    Role.COURT_CLERK,
    "kecheng",
    "township_supervisor",
    "township_dispatcher",
    "village_mediator",
    "operator",
]
NO_PAGES = {"citizen", Role.GRID_WORKER, Role.ANALYST, Role.ADMINISTRATOR}
# For an order from the township to the village committee: who sees it.
SEES_IT = {
    Role.DISPATCHER,
    Role.SUPERVISOR,
    "township_supervisor",
    "township_dispatcher",
    "village_mediator",
    "operator",
}


def client_for(world: World, name: str) -> Client:
    return sign_in(Client(), world.actor(name))


def rows(html: str) -> int:
    return html.count('data-testid="order-row"')


def township_order(world: World) -> SupervisionOrder:
    return services.order_issue(
        matter=assigned_to_village(world), actor=world.staff["township_supervisor"], reason="请尽快联系双方"
    )


def test_the_list_page_for_every_role(world):
    township_order(world)
    for name in EVERYONE:
        response = client_for(world, name).get(LIST, {"box": "all", "status": "all"})
        if name == "anonymous":
            assert response.status_code == 302, name
            assert "/login" in response["Location"] or "login" in response["Location"], name
        elif name in NO_PAGES:
            assert response.status_code == 403, name
        else:
            assert response.status_code == 200, name
            assert rows(response.content.decode()) == (1 if name in SEES_IT else 0), name


def test_the_order_page_for_every_role(world):
    order = township_order(world)
    for name in EVERYONE:
        response = client_for(world, name).get(f"{LIST}{order.pk}/")
        expected = (
            302 if name == "anonymous" else 403 if name in NO_PAGES else 200 if name in SEES_IT else 404
        )
        assert response.status_code == expected, name


def test_answering_for_every_role(world):
    # Only staff of the village committee answer; each refusal changes nothing.
    for name in EVERYONE:
        order = township_order(world)
        response = client_for(world, name).post(f"{LIST}{order.pk}/answer/", {"response": "已约双方下周调解"})
        order.refresh_from_db()
        if name in ("village_mediator", "operator"):
            assert response.status_code == 302, name
            assert order.status == OrderStatus.ANSWERED, name
            continue
        expected = (
            302
            if name == "anonymous"
            else 404
            if name in {Role.MEDIATOR, Role.COURT_CLERK, "kecheng"}
            else 403
        )
        assert response.status_code == expected, name
        assert order.status == OrderStatus.OPEN, name


def test_clearing_for_every_role(world):
    # The township (issuing level) and the county above it clear; nobody else.
    for name in EVERYONE:
        order = township_order(world)
        response = client_for(world, name).post(f"{LIST}{order.pk}/clear/", {"note": "同意"})
        order.refresh_from_db()
        if name in ("township_supervisor", Role.SUPERVISOR, "operator"):
            assert response.status_code == 302, name
            assert order.status == OrderStatus.CLEARED, name
            continue
        expected = (
            302
            if name == "anonymous"
            else 404
            if name in {Role.MEDIATOR, Role.COURT_CLERK, "kecheng"}
            else 403
        )
        assert response.status_code == expected, name
        assert order.status == OrderStatus.OPEN, name


def test_issuing_for_every_role(world):
    matter = assigned_to_village(world)
    url = f"{LIST}matters/{matter.display_code}/issue/"
    for name in EVERYONE:
        client = client_for(world, name)
        response = client.get(url)
        if name == "anonymous":
            assert response.status_code == 302
            continue
        if name in NO_PAGES:
            expected = 403
        elif name in {Role.COURT_CLERK, "kecheng"}:
            expected = 404  # they cannot see the matter
        elif name in {Role.SUPERVISOR, "township_supervisor", "operator"}:
            expected = 200
        else:
            expected = 403
        assert response.status_code == expected, name
        before = SupervisionOrder.objects.count()
        response = client.post(url, {"reason": "请说明进展", "deadline_days": 2})
        assert response.status_code == (302 if expected == 200 else expected), name
        assert SupervisionOrder.objects.count() == before + (1 if expected == 200 else 0), name


def test_an_issue_form_with_errors_is_shown_again(world, english):
    matter = assigned_to_village(world)
    client = client_for(world, Role.SUPERVISOR)
    response = client.post(f"{LIST}matters/{matter.display_code}/issue/", {"reason": "", "deadline_days": 99})
    assert response.status_code == 422
    assert not SupervisionOrder.objects.exists()


def test_answering_a_cleared_order_is_a_conflict(world, english):
    order = township_order(world)
    services.order_clear(order=order, actor=world.staff["township_supervisor"])
    response = client_for(world, "village_mediator").post(
        f"{LIST}{order.pk}/answer/", {"response": "已处理完毕"}
    )
    assert response.status_code == 409
    assert "cannot be answered" in response.content.decode()


def test_an_empty_answer_is_shown_again_with_its_error(world):
    order = township_order(world)
    response = client_for(world, "village_mediator").post(f"{LIST}{order.pk}/answer/", {"response": ""})
    assert response.status_code == 422
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN


def test_answering_from_the_matter_page_goes_back_to_it(world):
    order = township_order(world)
    next_url = f"/staff/matters/{matter_of(order).display_code}/"
    response = client_for(world, "village_mediator").post(
        f"{LIST}{order.pk}/answer/", {"response": "已约双方下周调解", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == next_url
    # A "next" that leads off the site is ignored: back to the order.
    response = client_for(world, "township_supervisor").post(
        f"{LIST}{order.pk}/clear/", {"next": "https://elsewhere.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{order.pk}/"


def test_the_filters_and_lists(world):
    first = township_order(world)
    second = township_order(world)
    services.order_answer(order=second, actor=world.staff["village_mediator"], response="已约双方下周调解")
    client = client_for(world, "township_supervisor")
    page = lambda **params: rows(client.get(LIST, params).content.decode())  # noqa: E731
    assert page(box="issued", status="open") == 1
    assert page(box="issued", status="answered") == 1
    assert page(box="issued", status="cleared") == 0
    assert page(box="to_answer", status="all") == 0
    assert page(box="all", status="overdue") == 0
    mediator = client_for(world, "village_mediator")
    assert rows(mediator.get(LIST).content.decode()) == 1  # default: to answer, open
    assert first.pk != second.pk
    # Bad values fall back to the defaults instead of failing.
    assert client.get(LIST, {"box": "nonsense", "status": "nonsense"}).status_code == 200


def test_the_matter_page_shows_the_orders_and_the_issue_form_for_supervisors(world):
    order = township_order(world)
    url = f"/staff/matters/{matter_of(order).display_code}/"
    html = client_for(world, "township_supervisor").get(url).content.decode()
    assert 'data-testid="supervision-section"' in html
    assert html.count('data-testid="supervision-order"') == 1
    assert 'data-testid="supervision-issue"' in html
    assert f'data-testid="order-clear-{order.pk}"' in html
    html = client_for(world, "village_mediator").get(url).content.decode()
    assert f'data-testid="order-answer-{order.pk}"' in html
    assert 'data-testid="supervision-issue"' not in html
    html = client_for(world, Role.DISPATCHER).get(url).content.decode()
    assert html.count('data-testid="supervision-order"') == 1
    assert 'data-testid="supervision-issue"' not in html
    assert f'data-testid="order-clear-{order.pk}"' not in html


def test_the_matter_page_has_no_section_for_those_without_orders(world):
    matter = assigned_to_village(world)
    html = client_for(world, Role.DISPATCHER).get(f"/staff/matters/{matter.display_code}/").content.decode()
    assert 'data-testid="supervision-section"' not in html


def test_the_badge(world):
    township_order(world)
    response = client_for(world, "village_mediator").get(f"{LIST}badge/")
    assert response.status_code == 200
    assert re.search(r'data-testid="nav-supervision-count">\s*1<', response.content.decode())
    assert client_for(world, "citizen").get(f"{LIST}badge/").status_code == 204
    assert client_for(world, Role.COURT_CLERK).get(f"{LIST}badge/").status_code == 204


def test_the_list_takes_a_constant_number_of_queries(world):
    client = client_for(world, Role.SUPERVISOR)
    township_order(world)
    client.get(LIST, {"box": "all", "status": "all"})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert rows(client.get(LIST, {"box": "all", "status": "all"}).content.decode()) == 1
    for _ in range(4):
        township_order(world)
    with CaptureQueriesContext(connection) as many:
        assert rows(client.get(LIST, {"box": "all", "status": "all"}).content.decode()) == 5
    assert len(many.captured_queries) == len(few.captured_queries)
