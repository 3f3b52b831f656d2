"""Every role, a citizen, another county's staff, a platform operator and nobody, against every endpoint and page.

Each actor gets one test that requests everything and compares the whole table of statuses, so a failure
shows every cell that differs. The rules, in short:

* anonymous: 401 from the API, a redirect to sign-in from staff pages;
* out of scope (another county, a citizen looking at someone else): 404, exactly like a missing object;
* visible but the wrong role (analysts revealing, non-administrators browsing the audit log): 403;
* lists and pages of the staff workbench refuse non-staff with 403.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from suyuan.accounts.choices import Role
from suyuan.accounts.models import AuditEvent
from suyuan.accounts.tests.world import World, build_world, sign_in

pytestmark = pytest.mark.django_db

JIANGSHAN = [str(role) for role in Role]
ACTORS = [*JIANGSHAN, "citizen", "kecheng", "operator", "anonymous"]
MISSING = 999_999


def requests(world: World) -> dict[str, tuple[str, str, dict | None]]:
    """Return ``{cell: (method, path, json body or form data)}`` for every endpoint and page."""
    village = world.orgs["village"].pk
    kecheng_centre = world.orgs["kecheng_centre"].pk
    grid_worker = world.staff[Role.GRID_WORKER].pk
    citizen = world.citizen.pk
    reveal = {"field": "phone", "reason": "联系当事人安排调解"}
    return {
        # API
        "api me": ("GET", "/api/me", None),
        "api organizations": ("GET", "/api/organizations", None),
        "api organization jiangshan village": ("GET", f"/api/organizations/{village}", None),
        "api organization kecheng centre": ("GET", f"/api/organizations/{kecheng_centre}", None),
        "api organization missing": ("GET", f"/api/organizations/{MISSING}", None),
        "api user grid worker": ("GET", f"/api/users/{grid_worker}", None),
        "api user citizen": ("GET", f"/api/users/{citizen}", None),
        "api user missing": ("GET", f"/api/users/{MISSING}", None),
        "api reveal grid worker": ("POST", f"/api/users/{grid_worker}/reveal", reveal),
        "api reveal missing": ("POST", f"/api/users/{MISSING}/reveal", reveal),
        "api audit events": ("GET", "/api/audit-events", None),
        # pages
        "page portal": ("GET", "/", None),
        "page privacy": ("GET", "/privacy/", None),
        "page staff home": ("GET", "/staff/", None),
        "page organizations": ("GET", "/staff/organizations/", None),
        "page organization jiangshan village": ("GET", f"/staff/organizations/{village}/", None),
        "page organization kecheng centre": ("GET", f"/staff/organizations/{kecheng_centre}/", None),
        "page organization missing": ("GET", f"/staff/organizations/{MISSING}/", None),
        "page person grid worker": ("GET", f"/staff/people/{grid_worker}/", None),
        "page person citizen": ("GET", f"/staff/people/{citizen}/", None),
        "page reveal grid worker": ("POST", f"/staff/people/{grid_worker}/reveal/", reveal),
        "page audit log": ("GET", "/staff/audit/", None),
    }


def expected(actor: str) -> dict[str, int]:
    jiangshan = actor in JIANGSHAN
    staff = jiangshan or actor in ("kecheng", "operator")
    sees_jiangshan = jiangshan or actor == "operator"
    sees_kecheng = actor in ("kecheng", "operator")
    sees_citizen = actor in ("citizen", "operator")
    may_reveal = sees_jiangshan and actor != Role.ANALYST
    audits = actor in (Role.ADMINISTRATOR, "operator")

    def seen(visible: bool) -> int:
        return 200 if visible else 404

    table = {
        "api me": 200,
        "api organizations": 200 if staff else 403,
        "api organization jiangshan village": seen(sees_jiangshan),
        "api organization kecheng centre": seen(sees_kecheng),
        "api organization missing": 404,
        "api user grid worker": seen(sees_jiangshan),
        "api user citizen": seen(sees_citizen),
        "api user missing": 404,
        "api reveal grid worker": 200 if may_reveal else (403 if sees_jiangshan else 404),
        "api reveal missing": 404,
        "api audit events": 200 if audits else 403,
        "page portal": 200,
        "page privacy": 200,
        "page staff home": 200 if staff else 403,
        "page organizations": 200 if staff else 403,
        "page organization jiangshan village": seen(sees_jiangshan),
        "page organization kecheng centre": seen(sees_kecheng),
        "page organization missing": 404,
        "page person grid worker": seen(sees_jiangshan),
        "page person citizen": seen(sees_citizen),
        "page reveal grid worker": 200 if may_reveal else (403 if sees_jiangshan else 404),
        "page audit log": 200 if audits else 403,
    }
    if actor == "anonymous":
        table = {
            cell: (200 if cell in ("page portal", "page privacy") else 401 if cell.startswith("api") else 302)
            for cell in table
        }
    return table


def fetch(client: Client, method: str, path: str, data: dict | None) -> int:
    if method == "GET":
        return client.get(path).status_code
    if path.startswith("/api/"):
        return client.post(path, data, content_type="application/json").status_code
    return client.post(path, data).status_code


@pytest.mark.parametrize("actor", ACTORS)
def test_every_endpoint_and_page_answers_each_actor_as_the_rules_say(actor):
    world = build_world()
    client = sign_in(Client(), world.actor(actor))
    got = {cell: fetch(client, *request) for cell, request in requests(world).items()}
    assert got == expected(actor)


@pytest.mark.parametrize("actor", ["kecheng", "citizen", Role.ANALYST, "anonymous"])
def test_refused_reveals_write_nothing_to_the_audit_log(actor):
    world = build_world()
    client = sign_in(Client(), world.actor(actor))
    grid_worker = world.staff[Role.GRID_WORKER].pk
    body = {"field": "phone", "reason": "联系当事人安排调解"}
    client.post(f"/api/users/{grid_worker}/reveal", body, content_type="application/json")
    client.post(f"/staff/people/{grid_worker}/reveal/", body)
    assert not AuditEvent.objects.filter(kind="reveal").exists()


def test_anonymous_staff_pages_redirect_to_the_staff_sign_in():
    world = build_world()
    response = Client().get(f"/staff/people/{world.staff[Role.GRID_WORKER].pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_missing_and_a_hidden_object_look_exactly_the_same():
    world = build_world()
    client = sign_in(Client(), world.kecheng)
    hidden = client.get(f"/api/users/{world.staff[Role.GRID_WORKER].pk}")
    missing = client.get(f"/api/users/{MISSING}")
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())
    pages = {}
    for person in (world.staff[Role.GRID_WORKER].pk, MISSING):
        path = f"/staff/people/{person}/"
        response = client.get(path)
        assert response.status_code == 404
        pages[person] = comparable(response.content, path)
    assert pages[world.staff[Role.GRID_WORKER].pk] == pages[MISSING]


def comparable(html: bytes, path: str) -> bytes:
    """Drop what differs between any two responses: the masked CSRF token and the page's own address."""
    html = html.replace(path.encode(), b"PATH")
    return re.sub(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', rb"\1", html)
