"""Court configuration in the Django admin: court codes, causes of action and time limits; cases read-only."""

import pytest

from suyuan.accounts.tests.world import sign_in
from suyuan.court.codes import court_codes_load
from suyuan.court.models import CauseOfAction, CourtCode, TimeLimit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    return sign_in(client, world.operator)


def test_a_court_code_is_edited_and_a_malformed_one_refused(admin_client, world):
    court_codes_load(province="33")
    code = CourtCode.objects.get(code="浙0881")
    url = f"/admin/court/courtcode/{code.pk}/change/"
    data = {"region": "330881", "name": "浙江省江山市人民法院", "level": "basic"}
    response = admin_client.post(url, {**data, "code": "ZJ0881"})
    assert response.status_code == 200 and "浙0881" in response.content.decode()
    assert CourtCode.objects.get(pk=code.pk).name == "江山市人民法院"
    response = admin_client.post(url, {**data, "code": "浙0881"})
    assert response.status_code == 302
    assert CourtCode.objects.get(pk=code.pk).name == "浙江省江山市人民法院"


def test_a_cause_may_not_list_the_complaint_among_its_materials(admin_client):
    cause = CauseOfAction.objects.get(code="private_lending")
    url = f"/admin/court/causeofaction/{cause.pk}/change/"
    data = {
        "code": cause.code, "name": cause.name, "name_en": cause.name_en, "materials_hint": "借条",
        "is_property": "on", "sort_order": "10", "is_active": "on",
    }  # fmt: skip
    response = admin_client.post(url, {**data, "required_materials": ["identity", "complaint"]})
    assert response.status_code == 200
    response = admin_client.post(url, {**data, "required_materials": ["identity"]})
    assert response.status_code == 302
    assert CauseOfAction.objects.get(pk=cause.pk).required_materials == ["identity"]


def test_time_limits_are_edited_not_added_or_deleted(admin_client):
    assert admin_client.get("/admin/court/timelimit/").status_code == 200
    assert admin_client.get("/admin/court/timelimit/add/").status_code == 403
    assert TimeLimit.objects.count() == 11


def test_cases_are_read_only(admin_client):
    assert admin_client.get("/admin/court/courtcase/").status_code == 200
    assert admin_client.get("/admin/court/courtcase/add/").status_code == 403
