"""Pages of the citizen portal and the staff workbench."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from suyuan.accounts.audit import audit_record
from suyuan.accounts.choices import AuditKind, OrganizationType, Role
from suyuan.accounts.models import AuditEvent
from suyuan.accounts.tests.factories import OrganizationFactory
from suyuan.accounts.tests.world import GRID_WORKER_PHONE, build_world, sign_in
from suyuan.regions.models import Region

pytestmark = pytest.mark.django_db
MAX_QUERIES = 14


@pytest.fixture
def world():
    return build_world()


def english(user=None) -> Client:
    """Return a client (signed in as ``user``) that asks for English, so assertions read the source strings."""
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


def by_testid(html: str, name: str) -> str:
    """Return the text inside the element carrying ``data-testid=name``."""
    match = re.search(rf'data-testid="{re.escape(name)}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no element with data-testid={name}"
    return match.group(1).strip()


def count_queries(client: Client, path: str, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200
    return len(queries)


# --- Portal -----------------------------------------------------------------------------------------------


class TestPortal:
    def test_home_explains_suyuan_and_offers_sign_in_with_a_phone(self):
        html = english().get("/").content.decode()
        assert by_testid(html, "portal-title") == "Resolve a dispute close to home"
        try:
            login_url = reverse("accounts:citizen_login")
        except NoReverseMatch:
            login_url = None
        if login_url:
            assert f'href="{login_url}"' in html
        assert 'data-testid="lang-zh-hans"' in html and 'data-testid="lang-en"' in html

    def test_home_makes_no_links_to_features_that_do_not_exist_yet(self):
        html = english().get("/").content.decode()
        hrefs = set(re.findall(r'href="([^"]+)"', html))
        for href in hrefs:
            if href.startswith("/") and not href.startswith("/static/"):
                assert Client().get(href).status_code in (200, 302), href

    def test_home_is_chinese_by_default(self):
        html = Client().get("/").content.decode()
        assert '<html lang="zh-Hans">' in html

    def test_privacy_notice_covers_data_purposes_retention_rights_and_contact(self):
        html = english().get("/privacy/").content.decode()
        for heading in ("What we collect", "Why we use it", "How long it is kept", "Your rights", "Contact"):
            assert heading in html
        assert "resident ID number" in html and "12345" in html

    def test_privacy_contact_comes_from_settings_when_set(self, settings):
        settings.SUYUAN_PRIVACY_CONTACT = "privacy@example.gov.cn"
        assert "privacy@example.gov.cn" in english().get("/privacy/").content.decode()


# --- Staff home -------------------------------------------------------------------------------------------


class TestStaffHome:
    def test_shows_who_you_are_your_memberships_and_what_you_can_see(self, world):
        mediator = world.staff[Role.MEDIATOR]
        html = english(mediator).get("/staff/").content.decode()
        assert mediator.full_name.startswith("江山")
        assert by_testid(html, "staff-home-name") == mediator.full_name
        orgs = html[html.index('data-testid="staff-home-orgs"') :]
        assert "双塔街道社会矛盾纠纷调处化解中心" in orgs
        assert "mediator" in orgs
        assert "浙江省衢州市江山市双塔街道" in orgs
        assert "浙江省衢州市江山市双塔街道" in html[html.index('data-testid="staff-home-regions"') :]
        assert re.search(r'data-testid="staff-home-org-count"><a [^>]*>2<', html)  # township + village
        assert by_testid(html, "staff-home-people-count") == "2"  # the mediator and the grid worker

    def test_the_audit_log_is_in_the_navigation_of_administrators_only(self, world):
        assert "/staff/audit/" in english(world.staff[Role.ADMINISTRATOR]).get("/staff/").content.decode()
        assert "/staff/audit/" not in english(world.staff[Role.DISPATCHER]).get("/staff/").content.decode()

    def test_citizens_are_refused(self, world):
        response = english(world.citizen).get("/staff/")
        assert response.status_code == 403
        assert "Not allowed" in response.content.decode()


# --- Organisations -----------------------------------------------------------------------------------------


class TestOrganizations:
    def test_the_list_is_scoped_and_filters_by_type(self, world):
        client = english(world.staff[Role.DISPATCHER])
        html = client.get("/staff/organizations/").content.decode()
        assert "江山市人民法院" in html and "柯城区" not in html
        filtered = client.get("/staff/organizations/", {"type": OrganizationType.COURT}).content.decode()
        assert "江山市人民法院" in filtered and "城北社区人民调解委员会" not in filtered

    def test_a_bad_filter_shows_an_error_instead_of_failing(self, world):
        response = english(world.staff[Role.DISPATCHER]).get("/staff/organizations/", {"type": "club"})
        assert response.status_code == 200
        assert 'class="errors"' in response.content.decode()

    def test_the_list_is_paginated_keeping_the_filter(self, world):
        village = Region.objects.get(code="330881001001")
        OrganizationFactory.create_batch(
            55, region=village, parent=world.orgs["village"], type=OrganizationType.VILLAGE_COMMITTEE
        )
        client = english(world.staff[Role.DISPATCHER])
        first = client.get("/staff/organizations/", {"type": "village_committee"}).content.decode()
        assert "Page 1 of 2" in first
        assert 'href="?type=village_committee&amp;page=2"' in first
        second = client.get(
            "/staff/organizations/", {"type": "village_committee", "page": "2"}
        ).content.decode()
        assert (
            len(re.findall(r'href="/staff/organizations/\d+/"', second)) == 6
        )  # 56 committees, 50 on page one

    def test_the_list_takes_the_same_few_queries_however_long_it_is(self, world):
        client = english(world.staff[Role.DISPATCHER])
        village = Region.objects.get(code="330881001001")
        few = count_queries(client, "/staff/organizations/")
        OrganizationFactory.create_batch(40, region=village)
        many = count_queries(client, "/staff/organizations/")
        assert many == few <= MAX_QUERIES

    def test_the_detail_lists_members_with_masked_phones(self, world):
        client = english(world.staff[Role.DISPATCHER])
        html = client.get(f"/staff/organizations/{world.orgs['village'].pk}/").content.decode()
        assert by_testid(html, "organization-name") == "城北社区人民调解委员会"
        assert "139****1234" in html
        assert GRID_WORKER_PHONE not in html


# --- People and reveals --------------------------------------------------------------------------------


class TestPerson:
    def test_the_page_shows_identifiers_masked_with_a_reveal_form(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        html = english(world.staff[Role.DISPATCHER]).get(f"/staff/people/{grid_worker.pk}/").content.decode()
        assert "139****1234" in html and GRID_WORKER_PHONE not in html
        assert f'hx-post="/staff/people/{grid_worker.pk}/reveal/"' in html
        assert 'name="reason"' in html

    def test_analysts_get_no_reveal_form(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        html = english(world.staff[Role.ANALYST]).get(f"/staff/people/{grid_worker.pk}/").content.decode()
        assert "139****1234" in html
        assert 'name="reason"' not in html

    def test_an_htmx_reveal_shows_the_value_once_and_is_audited(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        dispatcher = world.staff[Role.DISPATCHER]
        response = english(dispatcher).post(
            f"/staff/people/{grid_worker.pk}/reveal/",
            {"field": "phone", "reason": "电话通知调解时间"},
            HTTP_HX_REQUEST="true",
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert by_testid(html, "revealed-phone") == GRID_WORKER_PHONE
        assert "<html" not in html  # a fragment, swapped into the page
        event = AuditEvent.objects.get(kind=AuditKind.REVEAL)
        assert (event.actor, event.field, event.reason) == (dispatcher, "phone", "电话通知调解时间")

    def test_an_htmx_reveal_without_a_reason_shows_the_error_and_logs_nothing(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        response = english(world.staff[Role.DISPATCHER]).post(
            f"/staff/people/{grid_worker.pk}/reveal/",
            {"field": "phone", "reason": " "},
            HTTP_HX_REQUEST="true",
        )
        html = response.content.decode()
        assert response.status_code == 200  # htmx swaps only 2xx answers
        assert 'class="errors"' in html
        assert GRID_WORKER_PHONE not in html
        assert not AuditEvent.objects.exists()

    def test_without_javascript_the_reveal_answers_with_the_whole_page(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        client = english(world.staff[Role.DISPATCHER])
        response = client.post(
            f"/staff/people/{grid_worker.pk}/reveal/", {"field": "id_number", "reason": "核实当事人身份"}
        )
        assert response.status_code == 200
        assert "<html" in response.content.decode()
        assert "330881199001011238" in response.content.decode()
        refused = client.post(f"/staff/people/{grid_worker.pk}/reveal/", {"field": "id_number", "reason": ""})
        assert refused.status_code == 422
        assert AuditEvent.objects.count() == 1

    def test_the_reveal_refuses_get(self, world):
        grid_worker = world.staff[Role.GRID_WORKER]
        assert (
            english(world.staff[Role.DISPATCHER]).get(f"/staff/people/{grid_worker.pk}/reveal/").status_code
            == 405
        )


# --- Audit log ------------------------------------------------------------------------------------------


class TestAuditLog:
    def test_administrators_browse_and_filter_the_log(self, world):
        judge = world.staff[Role.JUDGE]
        audit_record(AuditKind.SIGN_IN, actor=judge)
        audit_record(
            AuditKind.REVEAL, actor=judge, target="accounts.user:1", field="phone", reason="联系当事人"
        )
        audit_record(AuditKind.SIGN_IN, actor=world.kecheng)
        client = english(world.staff[Role.ADMINISTRATOR])
        html = client.get("/staff/audit/").content.decode()
        table = html[html.index('data-testid="audit-events"') :]
        assert table.count("<tr class=") == 2
        assert "kc.dispatcher" not in table
        only_reveals = client.get(
            "/staff/audit/", {"kind": "reveal", "person": judge.username}
        ).content.decode()
        assert only_reveals.count("<tr class=") == 1 and "联系当事人" in only_reveals
        today = timezone.localdate().isoformat()
        assert (
            client.get("/staff/audit/", {"date_from": today, "date_to": today})
            .content.decode()
            .count("<tr class=")
            == 2
        )

    def test_bad_dates_show_an_error(self, world):
        html = english(world.operator).get("/staff/audit/", {"date_from": "someday"}).content.decode()
        assert 'class="errors"' in html

    def test_the_log_takes_the_same_few_queries_however_long_it_is(self, world):
        client = english(world.staff[Role.ADMINISTRATOR])
        for user in world.staff.values():
            audit_record(AuditKind.SIGN_IN, actor=user)
        few = count_queries(client, "/staff/audit/")
        for user in world.staff.values():
            for _ in range(6):
                audit_record(AuditKind.SIGN_OUT, actor=user)
        many = count_queries(client, "/staff/audit/")
        assert many == few <= MAX_QUERIES


# --- Static files ---------------------------------------------------------------------------------------


def test_the_stylesheet_defines_the_classes_the_templates_use():
    css = Path(str(finders.find("web/suyuan.css"))).read_text(encoding="utf-8")
    for selector in (".card", ".form", ".field", ".errors", ".btn", ".btn-primary", ".messages", "@media"):
        assert selector in css


def test_htmx_is_vendored_with_its_version_and_licence():
    script = Path(str(finders.find("web/vendor/htmx.min.js")))
    notes = (script.parent / "VENDORED.md").read_text(encoding="utf-8")
    assert script.stat().st_size > 10_000
    assert "htmx.org" in notes and "2.0" in notes and "0BSD" in notes


@pytest.mark.django_db
@pytest.mark.parametrize("role,shown", [("dispatcher", True), ("mediator", True), ("analyst", False)])
def test_the_matters_link_is_shown_only_to_roles_with_matter_pages(role, shown):
    from suyuan.accounts.tests.world import build_world, sign_in

    world = build_world()
    html = sign_in(Client(), world.staff[role]).get("/staff/").content.decode()
    assert ('data-testid="nav-matters"' in html) is shown


class TestWorkbenchNavigation:
    @pytest.mark.parametrize(
        ("role", "shown", "hidden"),
        [
            (Role.GRID_WORKER, {"nav-matters", "nav-tasks"}, {"nav-imports", "nav-supervision"}),
            (Role.DISPATCHER, {"nav-matters", "nav-imports", "nav-supervision"}, {"nav-tasks"}),
            (Role.SUPERVISOR, {"nav-matters", "nav-imports", "nav-supervision"}, {"nav-tasks"}),
            (Role.ANALYST, set(), {"nav-matters", "nav-tasks", "nav-imports", "nav-supervision"}),
        ],
    )
    def test_each_role_sees_the_links_to_its_own_work(self, world, role, shown, hidden):
        html = english(world.staff[role]).get("/staff/").content.decode()
        for testid in shown:
            assert f'data-testid="{testid}"' in html, testid
        for testid in hidden:
            assert f'data-testid="{testid}"' not in html, testid

    def test_the_import_page_marks_import_not_matters_as_current(self, world):
        html = english(world.staff[Role.DISPATCHER]).get("/staff/imports/").content.decode()
        nav = html[html.index("<nav") : html.index("</nav>")]
        current = re.findall(r'aria-current="page"[^>]*data-testid="([a-z-]+)"', nav)
        assert current == ["nav-imports"]
