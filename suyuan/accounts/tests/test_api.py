"""The accounts API: what each endpoint returns, its filters, its errors and its number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from suyuan.accounts.audit import audit_record
from suyuan.accounts.choices import AuditKind, OrganizationType, Role
from suyuan.accounts.models import AuditEvent
from suyuan.accounts.tests.factories import OrganizationFactory, staff
from suyuan.accounts.tests.world import GRID_WORKER_PHONE, build_world, sign_in
from suyuan.regions.models import Region

pytestmark = pytest.mark.django_db


# session, user, second factor, memberships, a few levels of the organisation tree, count, page
MAX_QUERIES = 12


def count_queries(client: Client, path: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def world():
    return build_world()


def client_for(user) -> Client:
    return sign_in(Client(), user)


class TestMe:
    def test_staff_see_their_memberships_roles_and_regions(self, world):
        data = client_for(world.staff[Role.MEDIATOR]).get("/api/me").json()
        assert data["username"] == "js.mediator"
        assert data["is_staff"] is True and data["is_platform_operator"] is False
        assert data["roles"] == ["mediator"]
        [membership] = data["memberships"]
        assert membership["role"] == "mediator"
        assert membership["organization"]["name"] == "双塔街道社会矛盾纠纷调处化解中心"
        assert membership["organization"]["region"] == {
            "code": "330881001",
            "name": "双塔街道",
            "full_name": "浙江省衢州市江山市双塔街道",
        }
        assert data["scope"]["region_codes"] == ["330881001"]
        assert data["scope"]["regions"][0]["name"] == "双塔街道"
        assert data["scope"]["all_regions"] is False

    def test_citizens_see_themselves_with_a_masked_phone_and_no_scope(self, world):
        data = client_for(world.citizen).get("/api/me").json()
        assert data["phone_masked"] == "138****0001"
        assert "13800000001" not in str(data)
        assert (data["is_staff"], data["memberships"], data["scope"]["region_codes"]) == (False, [], [])

    def test_platform_operators_see_all_regions(self, world):
        assert client_for(world.operator).get("/api/me").json()["scope"]["all_regions"] is True

    def test_an_administrator_without_the_second_factor_is_held_back(self, world):
        client = Client()
        client.force_login(
            world.staff[Role.ADMINISTRATOR], backend="suyuan.accounts.backends.StaffPasswordBackend"
        )
        assert client.get("/api/me").status_code in (401, 403)


class TestOrganizations:
    def test_the_list_is_scoped_and_paginated(self, world):
        response = client_for(world.staff[Role.DISPATCHER]).get("/api/organizations", {"page_size": 2})
        data = response.json()
        assert data["count"] == 5
        assert len(data["items"]) == 2
        assert all(item["region"]["code"].startswith("330881") for item in data["items"])

    def test_filters_by_type_and_region(self, world):
        client = client_for(world.staff[Role.DISPATCHER])
        by_type = client.get("/api/organizations", {"type": OrganizationType.VILLAGE_COMMITTEE}).json()
        assert [o["code"] for o in by_type["items"]] == ["W-330881001001-VC"]
        by_region = client.get("/api/organizations", {"region": "330881001"}).json()
        assert {o["code"] for o in by_region["items"]} == {"W-330881001-TC", "W-330881001001-VC"}
        # Filtering on another county's region finds nothing rather than leaking it.
        assert client.get("/api/organizations", {"region": "330802"}).json()["count"] == 0

    def test_bad_filters_answer_422_with_field_and_message(self, world):
        response = client_for(world.staff[Role.DISPATCHER]).get(
            "/api/organizations", {"type": "club", "region": "33088"}
        )
        assert response.status_code == 422
        errors = {e["field"]: e["message"] for e in response.json()["detail"]}
        assert set(errors) == {"type", "region"}
        assert all(errors.values())

    def test_messages_follow_the_requested_language(self, world):
        client = client_for(world.staff[Role.DISPATCHER])
        english = client.get("/api/organizations", {"type": "club"}, HTTP_ACCEPT_LANGUAGE="en").json()
        assert english["detail"][0]["message"] == "Choose a valid type of organisation."

    def test_detail(self, world):
        village = world.orgs["village"]
        data = client_for(world.staff[Role.GRID_WORKER]).get(f"/api/organizations/{village.pk}").json()
        assert data["code"] == village.code
        assert data["parent_id"] == world.orgs["township"].pk
        assert data["type"] == "village_committee" and data["type_label"]

    def test_the_list_takes_the_same_few_queries_however_long_it_is(self, world):
        client = client_for(world.staff[Role.DISPATCHER])
        client.get("/api/me")  # warm the session
        village = Region.objects.get(code="330881001001")
        OrganizationFactory.create_batch(5, region=village, parent=world.orgs["village"])
        client.get("/api/organizations", {"page_size": 100})  # warm per-process caches (content types)
        few = count_queries(client, "/api/organizations", {"page_size": 100})
        OrganizationFactory.create_batch(60, region=village, parent=world.orgs["village"])
        many = count_queries(client, "/api/organizations", {"page_size": 100})
        assert many == few <= MAX_QUERIES


class TestUsers:
    def test_a_person_is_shown_masked_with_their_memberships(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        data = client_for(world.staff[Role.JUDGE]).get(f"/api/users/{grid_worker.pk}").json()
        assert data["phone_masked"] == "139****1234"
        assert data["id_number_masked"].startswith("330881") and "*" in data["id_number_masked"]
        assert GRID_WORKER_PHONE not in str(data)
        assert [m["organization"]["code"] for m in data["memberships"]] == ["W-330881001001-VC"]

    def test_memberships_outside_the_readers_scope_are_left_out(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        staff(Role.MEDIATOR, world.orgs["kecheng_centre"])  # someone else in Kecheng
        from suyuan.accounts.models import Membership

        Membership.objects.create(
            user=grid_worker, organization=world.orgs["kecheng_centre"], role=Role.MEDIATOR
        )
        data = client_for(world.staff[Role.JUDGE]).get(f"/api/users/{grid_worker.pk}").json()
        assert [m["organization"]["code"] for m in data["memberships"]] == ["W-330881001001-VC"]


class TestReveal:
    def test_reveal_returns_the_clear_value_and_writes_the_audit_event(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        supervisor = world.staff[Role.SUPERVISOR]
        response = client_for(supervisor).post(
            f"/api/users/{grid_worker.pk}/reveal",
            {"field": "phone", "reason": "电话通知调解时间"},
            content_type="application/json",
            REMOTE_ADDR="10.1.2.3",
        )
        assert response.status_code == 200
        assert response.json() == {"field": "phone", "value": GRID_WORKER_PHONE}
        event = AuditEvent.objects.get(kind=AuditKind.REVEAL)
        assert (event.actor, event.field, event.reason) == (supervisor, "phone", "电话通知调解时间")
        assert event.target == f"accounts.user:{grid_worker.pk}"
        assert event.ip_address == "10.1.2.3"
        assert event.request_id

    @pytest.mark.parametrize(
        "body, field",
        [
            ({"field": "phone", "reason": ""}, "reason"),
            ({"field": "salary", "reason": "工资核对需要"}, "field"),
        ],
    )
    def test_bad_input_is_refused_with_422_and_nothing_is_logged(self, world, body, field):
        response = client_for(world.staff[Role.DISPATCHER]).post(
            f"/api/users/{world.staff[Role.GRID_WORKER].pk}/reveal", body, content_type="application/json"
        )
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["detail"]] == [field]
        assert not AuditEvent.objects.exists()

    def test_a_missing_reason_key_is_refused_too(self, world):
        response = client_for(world.staff[Role.DISPATCHER]).post(
            f"/api/users/{world.staff[Role.GRID_WORKER].pk}/reveal",
            {"field": "phone"},
            content_type="application/json",
        )
        assert response.status_code == 422
        assert not AuditEvent.objects.exists()


class TestAuditEvents:
    def test_administrators_list_events_in_scope_filtered_and_paginated(self, world):
        admin = world.staff[Role.ADMINISTRATOR]
        judge = world.staff[Role.JUDGE]
        audit_record(AuditKind.SIGN_IN, actor=judge)
        audit_record(AuditKind.SIGN_OUT, actor=judge)
        audit_record(AuditKind.SIGN_IN, actor=world.kecheng)
        client = client_for(admin)
        data = client.get("/api/audit-events").json()
        assert data["count"] == 2
        assert {e["actor_username"] for e in data["items"]} == {judge.username}
        only_in = client.get("/api/audit-events", {"kind": "sign_in", "actor": judge.pk}).json()
        assert [e["kind"] for e in only_in["items"]] == ["sign_in"]
        today = timezone.localdate()
        tomorrow = today + dt.timedelta(days=1)
        assert client.get("/api/audit-events", {"date_from": tomorrow.isoformat()}).json()["count"] == 0
        assert client.get("/api/audit-events", {"date_to": today.isoformat()}).json()["count"] == 2

    def test_bad_filters_answer_422_by_field(self, world):
        response = client_for(world.operator).get(
            "/api/audit-events", {"kind": "x", "date_from": "2026-99-01"}
        )
        assert response.status_code == 422
        assert {e["field"] for e in response.json()["detail"]} == {"kind", "date_from"}

    def test_the_list_takes_the_same_few_queries_however_long_it_is(self, world):
        client = client_for(world.staff[Role.ADMINISTRATOR])
        client.get("/api/me")
        for user in world.staff.values():
            audit_record(AuditKind.SIGN_IN, actor=user)
        client.get("/api/audit-events", {"page_size": 100})  # warm per-process caches (content types)
        few = count_queries(client, "/api/audit-events", {"page_size": 100})
        for user in world.staff.values():
            for _ in range(5):
                audit_record(AuditKind.SIGN_IN, actor=user)
        many = count_queries(client, "/api/audit-events", {"page_size": 100})
        assert many == few <= MAX_QUERIES
