"""Bad input to the API gets one shape of error, naming the field, in the user's language."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_wrongly_typed_query_value_names_the_field_in_chinese_by_default(client):
    response = client.get("/api/regions", {"q": "江山", "limit": "abc"})

    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"field": "limit", "location": "query", "code": "int_parsing", "message": "请输入整数。"}]
    }


def test_the_same_error_in_english(client):
    response = client.get("/api/regions", {"q": "江山", "limit": "abc"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["detail"][0]["message"] == "Enter a whole number."


def test_a_missing_body_field_is_named_without_the_schema_parameter(client):
    response = client.post("/api/regions/resolve", {"txt": "江山"}, content_type="application/json")

    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["field"], error["location"], error["code"]) == ("text", "body", "missing")
    assert error["message"] == "此项为必填项。"


def test_limits_are_reported_with_their_value(client):
    response = client.post(
        "/api/regions/resolve",
        {"text": "江" * 501},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["field"], error["code"]) == ("text", "string_too_long")
    assert error["message"] == "Enter at most 500 characters."


def test_a_body_that_is_not_json_is_refused_clearly(client):
    response = client.post(
        "/api/regions/resolve", "{not json", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code in {400, 422}
    assert "JSON" in str(response.json()["detail"])


def test_no_credentials_get_a_translated_401(client):
    response = client.get("/api/me")

    assert response.status_code == 401
    assert response.json() == {"detail": "请先登录，或提供有效的API令牌。"}


def test_a_message_chosen_by_a_router_is_kept(client):
    response = client.get("/api/regions/330881999", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no region with the code 330881999."}
