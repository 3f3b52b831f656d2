from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

URL = "/api/regions"


@pytest.fixture
def client() -> Client:
    # English, so that labels and messages do not depend on the state of the zh-Hans catalogue.
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def signed_in_client(db) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.create_user(username="citizen1"))
    return client


def test_a_region_comes_with_its_ancestors(regions, client):
    response = client.get(f"{URL}/330881001")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "双塔街道"
    assert body["full_name"] == "浙江省衢州市江山市双塔街道"
    assert (body["level"], body["level_label"]) == (4, "township")
    assert body["parent_code"] == "330881"
    assert body["has_children"] is True
    assert body["is_placeholder"] is False
    assert [a["code"] for a in body["ancestors"]] == ["33", "3308", "330881"]


def test_a_province_has_no_ancestors(regions, client):
    body = client.get(f"{URL}/33").json()

    assert (body["name"], body["parent_code"], body["ancestors"]) == ("浙江省", None, [])


def test_an_unknown_code_is_404_with_a_clear_message(regions, client):
    response = client.get(f"{URL}/330881999")

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no region with the code 330881999."}


@pytest.mark.parametrize("code", ["3", "33088", "3308810011", "33x8", "３３"])
def test_a_malformed_code_is_422(regions, client, code):
    for url in (f"{URL}/{code}", f"{URL}/{code}/children"):
        response = client.get(url)

        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["field"] == "code"
        assert error["code"] == "invalid_region_code"
        assert (
            error["message"] == f"“{code}” is not a region code: a region code has 2, 4, 6, 9 or 12 digits."
        )


def test_children_for_a_cascading_picker(regions, client):
    response = client.get(f"{URL}/330881001/children")

    assert response.status_code == 200
    children = response.json()
    assert [c["code"] for c in children][:3] == ["330881001001", "330881001002", "330881001003"]
    assert children[2]["name"] == "城北社区"
    assert {c["has_children"] for c in children} == {False}
    assert {c["level"] for c in children} == {5}


def test_children_show_placeholders_as_such(regions, client):
    (child,) = client.get(f"{URL}/11/children").json()

    assert (child["code"], child["name"], child["is_placeholder"], child["has_children"]) == (
        "1101",
        "市辖区",
        True,
        True,
    )


def test_children_of_an_unknown_code_are_404(regions, client):
    assert client.get(f"{URL}/330881999/children").status_code == 404


def test_search_puts_exact_and_leading_matches_first(regions, client):
    results = client.get(URL, {"q": "江山"}).json()

    assert results[0]["code"] == "330881"  # 江山市 starts with the text; villages only contain it
    assert len(results) <= 20


def test_search_within_a_region_and_level(regions, client):
    results = client.get(URL, {"q": "城北社区", "under": "3308"}).json()
    assert [r["code"] for r in results] == ["330824115004", "330881001003"]

    results = client.get(URL, {"q": "双塔", "level": 4}).json()
    assert [r["code"] for r in results] == ["330881001"]


def test_search_without_a_query_lists_provinces_or_a_level(regions, client):
    assert len(client.get(URL).json()) == 20
    assert len(client.get(URL, {"limit": 50}).json()) == 31
    counties = client.get(URL, {"under": "3308", "level": 3}).json()
    assert [r["name"] for r in counties] == ["柯城区", "衢江区", "常山县", "开化县", "龙游县", "江山市"]


@pytest.mark.parametrize(
    ("params", "field"), [({"under": "33x"}, "under"), ({"limit": 500}, None), ({"level": 9}, None)]
)
def test_search_rejects_bad_filters(regions, client, params, field):
    response = client.get(URL, params)

    assert response.status_code == 422
    if field:
        assert response.json()["detail"][0]["field"] == field


def test_resolve_an_address(regions, client):
    response = client.post(
        f"{URL}/resolve", {"text": "浙江省衢州市江山市双塔街道城北社区12号"}, content_type="application/json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "resolved"
    assert body["region"]["code"] == "330881001003"
    assert body["region"]["full_name"] == "浙江省衢州市江山市双塔街道城北社区"
    assert body["span"] == {"start": 0, "end": 17}
    assert body["matched_text"] == "浙江省衢州市江山市双塔街道城北社区"
    assert [r["code"] for r in body["chain"]] == ["33", "3308", "330881", "330881001", "330881001003"]
    assert (body["candidates"], body["candidate_count"]) == ([], 0)


def test_resolve_an_ambiguous_address(regions, client):
    body = client.post(f"{URL}/resolve", {"text": "龙游县坑头村"}, content_type="application/json").json()

    assert body["status"] == "ambiguous"
    assert body["region"]["code"] == "330825"
    assert [r["code"] for r in body["candidates"]] == ["330825106233", "330825212229"]
    assert body["candidate_count"] == 2
    assert body["chain"] == []


def test_resolve_unknown(regions, client):
    body = client.post(f"{URL}/resolve", {"text": "邻居噪音"}, content_type="application/json").json()

    assert body == {
        "status": "unknown",
        "region": None,
        "span": None,
        "matched_text": "",
        "chain": [],
        "candidates": [],
        "candidate_count": 0,
    }


@pytest.mark.parametrize("payload", [{}, {"text": ""}, {"text": "浙" * 501}])
def test_resolve_rejects_missing_or_oversized_text(regions, client, payload):
    assert client.post(f"{URL}/resolve", payload, content_type="application/json").status_code == 422


def test_signed_in_users_and_token_holders_may_use_it_too(regions, signed_in_client):
    assert signed_in_client.get(f"{URL}/3308").status_code == 200
    assert signed_in_client.get(f"{URL}/3308/children").status_code == 200
    assert signed_in_client.get(URL, {"q": "衢州"}).status_code == 200
    # Resolving writes nothing, so a browser session needs no CSRF token for it.
    response = signed_in_client.post(f"{URL}/resolve", {"text": "江山市"}, content_type="application/json")
    assert response.status_code == 200
    # A bad token does not turn a public endpoint into a 401.
    assert Client().get(f"{URL}/33", HTTP_AUTHORIZATION="Bearer sy_nonsense").status_code == 200
