"""Every error under /api/ has one shape: {"error": {"code", "message", "fields"?}}."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db

ERROR_URLS = pytest.mark.urls("tests.api.error_urls")


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_invalid_input_is_400_with_each_field_and_its_message(newcomer_client):
    error = error_of(
        newcomer_client.patch(
            reverse("api:v1:me"),
            {"birth_year": "soon", "availability": ["someday"]},
            content_type="application/json",
        ),
        400,
        "invalid",
    )
    assert set(error["fields"]) == {"birth_year", "availability"}
    assert error["fields"]["birth_year"] == ["A valid integer is required."]


def test_malformed_json_is_400(newcomer_client):
    error_of(
        newcomer_client.patch(reverse("api:v1:me"), "{not json", content_type="application/json"),
        400,
        "parse_error",
    )


def test_no_credentials_is_401_and_asks_for_a_token(client):
    response = client.get(reverse("api:v1:me"))
    error_of(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_unknown_token_is_401(client):
    response = client.get(reverse("api:v1:me"), **bearer("plp_abcdef12_guess"))
    error_of(response, 401, "authentication_failed")


def test_a_session_write_without_the_csrf_token_is_403(newcomer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(newcomer.user)
    response = client.patch(
        reverse("api:v1:me"), {"display_name": "Changed"}, content_type="application/json"
    )
    assert "CSRF" in error_of(response, 403, "permission_denied")["message"]
    newcomer.refresh_from_db()
    assert newcomer.display_name == "Alice"


def test_an_address_under_api_that_names_nothing_is_a_json_404(newcomer_client):
    error_of(newcomer_client.get("/api/v1/no-such-thing/"), 404, "not_found")
    error_of(newcomer_client.get("/api/v2/me/"), 404, "not_found")


def test_a_page_past_the_end_is_404(newcomer_client):
    error_of(newcomer_client.get(reverse("api:v1:tags") + "?page=999"), 404, "not_found")


def test_a_method_an_endpoint_does_not_take_is_405(newcomer_client):
    error_of(newcomer_client.delete(reverse("api:v1:me")), 405, "method_not_allowed")
    error_of(newcomer_client.post(reverse("api:v1:tags")), 405, "method_not_allowed")


@ERROR_URLS
def test_a_domain_error_is_409_with_its_message_for_people(client):
    error = error_of(client.get("/raise/match/"), 409, "conflict")
    assert error["message"] == "That mentor is not available now."
    error = error_of(client.get("/raise/not-writable/"), 409, "conflict")
    assert error["message"] == "This conversation is closed."


@ERROR_URLS
def test_the_message_rate_limit_is_429(client):
    error = error_of(client.get("/raise/rate/"), 429, "throttled")
    assert error["message"] == "Slow down a little."


@ERROR_URLS
def test_an_object_that_does_not_exist_is_404_without_detail(client):
    error = error_of(client.get("/raise/missing/"), 404, "not_found")
    assert error["message"] == "Not found."


@ERROR_URLS
def test_an_unexpected_error_is_500_and_says_nothing_about_it(client, caplog):
    response = client.get("/raise/bug/")
    error = error_of(response, 500, "server_error")
    assert "secret" not in response.content.decode()
    assert "alice" not in response.content.decode()
    assert error["message"].startswith("Something went wrong")


def test_options_and_head_answer_without_error(newcomer_client):
    assert newcomer_client.options(reverse("api:v1:me")).status_code == 200
    assert newcomer_client.head(reverse("api:v1:tags")).status_code == 200


def test_a_write_to_an_address_that_names_nothing_is_a_json_404_not_a_csrf_page(newcomer_token):
    """Id 0 matches no endpoint; without a session there is no CSRF check to fail."""
    client = Client(enforce_csrf_checks=True, **bearer(newcomer_token))
    error_of(client.post("/api/v1/matches/0/accept/"), 404, "not_found")
    error_of(client.delete("/api/v1/no-such-thing/"), 404, "not_found")


def test_an_invalid_item_of_a_list_gets_its_messages_under_the_lists_name(newcomer_client):
    """`fields` is always {name: [messages]}, as documented, also for one item of a list."""
    response = newcomer_client.patch(
        reverse("api:v1:me"), {"pathways": [0]}, content_type="application/json"
    )
    fields = error_of(response, 400, "invalid")["fields"]
    assert fields == {"pathways": ["Ensure this value is greater than or equal to 1."]}


def test_an_address_with_a_line_break_is_a_json_404_too(newcomer_client):
    error_of(newcomer_client.get("/api/v1/matches/%0A/decline/"), 404, "not_found")
    error_of(newcomer_client.get("/api/v1/x%0Ay/"), 404, "not_found")


def test_a_body_over_the_size_limit_is_413_in_the_error_shape(newcomer_client, newcomer, caplog):
    body = json.dumps({"bio": "x" * 2_600_000})
    response = newcomer_client.patch(reverse("api:v1:me"), body, content_type="application/json")
    assert "at most 1,024 KB" in error_of(response, 413, "too_large")["message"]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_a_thousand_deep_is_400_in_the_error_shape(newcomer_client, opening, caplog):
    closing = "]" if opening == "[" else "}"
    body = '{"pathways": ' + opening * 1000 + "1" + closing * 1000 + "}"
    assert len(body) < 8000
    response = newcomer_client.patch(reverse("api:v1:me"), body, content_type="application/json")
    assert "nest at most" in error_of(response, 400, "parse_error")["message"]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_brackets_inside_strings_do_not_count_as_nesting(newcomer_client, newcomer):
    response = newcomer_client.patch(
        reverse("api:v1:me"), {"bio": "[[[{{{" * 40 + '\\"]'}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    newcomer.refresh_from_db()
    assert newcomer.bio.startswith("[[[{{{")


@ERROR_URLS
def test_a_server_error_outside_a_rest_framework_view_under_api_is_json(newcomer):
    client = Client(raise_request_exception=False)
    response = client.get("/api/plain-bug/")
    error_of(response, 500, "server_error")
    assert "alice" not in response.content.decode()


def test_a_request_django_refuses_before_any_view_is_a_json_400_under_api():
    """A Host header PeerLink does not serve is refused before routing (handler400)."""
    response = Client().get("/api/v1/me/", HTTP_HOST="attacker.example")
    error_of(response, 400, "bad_request")
    # The pages keep their HTML page with the crisis resources.
    page = Client().get("/", HTTP_HOST="attacker.example")
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")
