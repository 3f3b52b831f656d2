"""The supervision API: list, read, issue, answer, clear; who may do what; 409 for the wrong state."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from suyuan.accounts.choices import Role
from suyuan.accounts.tests.world import World, sign_in
from suyuan.supervision import services
from suyuan.supervision.choices import OrderStatus
from suyuan.supervision.models import SupervisionOrder
from suyuan.supervision.tests.conftest import assigned_to_village, matter_of
from suyuan.supervision.tests.test_views import EVERYONE, NO_PAGES, SEES_IT

pytestmark = pytest.mark.django_db

API = "/api/supervision"


def client_for(world: World, name: str) -> Client:
    return sign_in(Client(), world.actor(name))


def post(client: Client, path: str, body: dict[str, Any]):
    return client.post(path, body, content_type="application/json")


def township_order(world: World) -> SupervisionOrder:
    return services.order_issue(
        matter=assigned_to_village(world), actor=world.staff["township_supervisor"], reason="请尽快联系双方"
    )


def test_the_list_for_every_role(world):
    order = township_order(world)
    for name in EVERYONE:
        response = client_for(world, name).get(f"{API}/orders", {"status": "all"})
        if name == "anonymous":
            assert response.status_code == 401, name
        elif name in NO_PAGES:
            assert response.status_code == 403, name
        else:
            assert response.status_code == 200, name
            ids = [item["id"] for item in response.json()["items"]]
            assert ids == ([order.pk] if name in SEES_IT else []), name


def test_one_order_for_every_role(world):
    order = township_order(world)
    for name in EVERYONE:
        response = client_for(world, name).get(f"{API}/orders/{order.pk}")
        expected = (
            401 if name == "anonymous" else 403 if name in NO_PAGES else 200 if name in SEES_IT else 404
        )
        assert response.status_code == expected, name
    body = client_for(world, "village_mediator").get(f"{API}/orders/{order.pk}").json()
    assert body["matter_code"] == matter_of(order).display_code
    assert body["origin"] == "issued"
    assert body["issuing_organization"] == {
        "id": world.orgs["township"].pk,
        "name": world.orgs["township"].name,
    }
    assert body["responding_organization"]["id"] == world.orgs["village"].pk
    assert (body["status"], body["overdue"], body["level"]) == ("open", False, 1)


def test_issuing_for_every_role(world):
    matter = assigned_to_village(world)
    for name in EVERYONE:
        before = SupervisionOrder.objects.count()
        response = post(
            client_for(world, name),
            f"{API}/orders",
            {"matter_code": matter.display_code, "reason": "请说明进展", "deadline_days": 3},
        )
        if name == "anonymous":
            expected = 401
        elif name in NO_PAGES:
            expected = 403
        elif name in {Role.COURT_CLERK, "kecheng"}:
            expected = 422  # no such matter in their area
        elif name in {Role.SUPERVISOR, "township_supervisor", "operator"}:
            expected = 201
        else:
            expected = 403
        assert response.status_code == expected, name
        assert SupervisionOrder.objects.count() == before + (1 if expected == 201 else 0), name


def test_bad_input_names_the_field(world, english):
    matter = assigned_to_village(world)
    client = client_for(world, Role.SUPERVISOR)
    response = post(
        client, f"{API}/orders", {"matter_code": matter.display_code, "reason": "x", "deadline_days": 0}
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["detail"]}
    assert fields == {"reason"} or fields == {"deadline_days"} or fields == {"reason", "deadline_days"}
    response = post(client, f"{API}/orders", {"matter_code": "nonsense", "reason": "请说明进展"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "matter_code"
    response = post(client, f"{API}/orders", {"reason": "请说明进展"})
    assert response.status_code == 422
    assert not SupervisionOrder.objects.exists()


def test_answer_then_clear_and_the_wrong_state_is_409(world, english):
    order = township_order(world)
    mediator = client_for(world, "village_mediator")
    response = post(mediator, f"{API}/orders/{order.pk}/answer", {"response": "已约双方下周调解"})
    assert response.status_code == 200
    assert response.json()["status"] == OrderStatus.ANSWERED
    response = post(mediator, f"{API}/orders/{order.pk}/answer", {"response": "再答复一次"})
    assert response.status_code == 409
    assert response.json()["code"] == "order_state"
    # The village committee's staff do not clear; the township's supervisor does.
    assert post(mediator, f"{API}/orders/{order.pk}/clear", {}).status_code == 403
    supervisor = client_for(world, "township_supervisor")
    response = post(supervisor, f"{API}/orders/{order.pk}/clear", {"note": "同意"})
    assert response.status_code == 200
    assert response.json()["status"] == OrderStatus.CLEARED
    assert post(supervisor, f"{API}/orders/{order.pk}/clear", {}).status_code == 409
    response = post(mediator, f"{API}/orders/{order.pk}/answer", {"response": "已经结束了"})
    assert response.status_code == 409
    assert "cannot be answered" in response.json()["detail"]


def test_answering_and_clearing_for_every_role(world):
    for name in EVERYONE:
        order = township_order(world)
        client = client_for(world, name)
        answered = post(client, f"{API}/orders/{order.pk}/answer", {"response": "已约双方下周调解"})
        cleared = post(client, f"{API}/orders/{order.pk}/clear", {"note": ""})
        if name == "anonymous":
            assert (answered.status_code, cleared.status_code) == (401, 401)
            continue
        if name in NO_PAGES:
            assert (answered.status_code, cleared.status_code) == (403, 403), name
            continue
        if name not in SEES_IT:
            assert (answered.status_code, cleared.status_code) == (404, 404), name
            continue
        may_answer = name in ("village_mediator", "operator")
        may_clear = name in ("township_supervisor", Role.SUPERVISOR, "operator")
        assert answered.status_code == (200 if may_answer else 403), name
        assert cleared.status_code == (200 if may_clear else 403), name


def test_counts(world):
    township_order(world)
    response = client_for(world, "village_mediator").get(f"{API}/counts")
    assert response.status_code == 200
    assert response.json() == {"to_answer": 1, "to_answer_overdue": 0, "to_clear": 0, "open": 1, "overdue": 0}
    response = client_for(world, "township_supervisor").get(f"{API}/counts")
    assert response.json()["to_answer"] == 0
    assert client_for(world, "citizen").get(f"{API}/counts").status_code == 403


def test_a_bad_filter_is_422(world):
    response = client_for(world, Role.SUPERVISOR).get(f"{API}/orders", {"status": "nonsense"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "status"
