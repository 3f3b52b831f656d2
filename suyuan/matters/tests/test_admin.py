"""The matters admin: operators edit categories, routing and deadline rules; matters are read-only there."""

from __future__ import annotations

import pytest

from suyuan.accounts.tests.world import sign_in
from suyuan.matters.choices import MatterKind, MatterStatus
from suyuan.matters.models import Category, DeadlineRule, Matter, MatterEvent, RoutingRule
from suyuan.matters.tests.conftest import APPLICANT_PHONE, RESPONDENT_PHONE

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, world):
    """The platform operator, signed in with the second factor passed."""
    return sign_in(client, world.operator)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/matters/category/",
        "/admin/matters/category/add/",
        "/admin/matters/routingrule/",
        "/admin/matters/routingrule/add/",
        "/admin/matters/deadlinerule/",
        "/admin/matters/deadlinerule/add/",
        "/admin/matters/matter/",
    ],
)
def test_the_pages_load_for_a_platform_operator(operator_client, url):
    assert operator_client.get(url).status_code == 200


def test_a_category_is_edited_in_the_admin(operator_client):
    neighbours = Category.objects.get(code="neighbours")
    page = operator_client.get(f"/admin/matters/category/{neighbours.pk}/change/")
    assert page.status_code == 200 and "邻里纠纷" in page.content.decode()
    response = operator_client.post(
        "/admin/matters/category/add/",
        {"code": "noise", "name": "噪声扰民", "name_en": "Noise", "parent": neighbours.pk, "sort_order": 25},
    )
    assert response.status_code == 302
    assert Category.objects.get(code="noise").parent == neighbours


@pytest.mark.usefixtures("english")
def test_a_routing_rule_needs_a_target(operator_client, world):
    centre = world.orgs["centre"]
    refused = operator_client.post(
        "/admin/matters/routingrule/add/", {"region": "330881", "priority": 100, "is_active": "on"}
    )
    assert refused.status_code == 200
    assert "Name the organisation" in refused.content.decode()
    assert not RoutingRule.objects.exists()
    saved = operator_client.post(
        "/admin/matters/routingrule/add/",
        {
            "region": "330881",
            "category": Category.objects.get(code="traffic").pk,
            "organization": centre.pk,
            "priority": 100,
            "is_active": "on",
        },
    )
    assert saved.status_code == 302
    assert RoutingRule.objects.get().organization == centre


def test_a_deadline_rule_is_added_in_the_admin(operator_client):
    response = operator_client.post(
        "/admin/matters/deadlinerule/add/",
        {"kind": MatterKind.CONSULTATION, "status": MatterStatus.ACCEPTED, "days": 3, "working_days": "on"},
    )
    assert response.status_code == 302
    assert DeadlineRule.objects.get(kind=MatterKind.CONSULTATION).days == 3


def test_matters_are_listed_and_found_by_their_code(operator_client, dispute):
    listing = operator_client.get("/admin/matters/matter/")
    page = listing.content.decode()
    assert dispute.display_code in page and dispute.title in page
    typed = dispute.display_code.lower()  # as someone would type it
    found = operator_client.get("/admin/matters/matter/", {"q": typed})
    assert list(found.context["cl"].result_list) == [dispute]


def test_a_matter_is_shown_read_only_with_party_numbers_masked(operator_client, dispute):
    response = operator_client.get(f"/admin/matters/matter/{dispute.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert dispute.title in page and "139****1111" in page and "139****2222" in page
    assert APPLICANT_PHONE not in page and RESPONDENT_PHONE not in page
    assert 'name="title"' not in page  # no form field: nothing to submit


def test_a_matter_cannot_be_added_changed_or_deleted_in_the_admin(operator_client, dispute):
    events = MatterEvent.objects.filter(matter=dispute).count()
    assert operator_client.get("/admin/matters/matter/add/").status_code == 403
    changed = operator_client.post(
        f"/admin/matters/matter/{dispute.pk}/change/", {"title": "改过的标题", "status": "closed"}
    )
    assert changed.status_code == 403
    assert (
        operator_client.post(f"/admin/matters/matter/{dispute.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    bulk = operator_client.post(
        "/admin/matters/matter/",
        {"action": "delete_selected", "_selected_action": [dispute.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    matter = Matter.objects.get(pk=dispute.pk)
    assert (matter.title, matter.status, matter.version) == (dispute.title, dispute.status, dispute.version)
    assert MatterEvent.objects.filter(matter=dispute).count() == events


def test_staff_without_the_platform_role_do_not_reach_the_admin(client, world):
    sign_in(client, world.staff["dispatcher"])
    response = client.get("/admin/matters/matter/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
