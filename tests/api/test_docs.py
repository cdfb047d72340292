"""The OpenAPI schema and the documentation page, served by PeerLink under its policy."""

import re

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse

from tests.api.endpoints import api_v1_patterns
from tests.test_content_security_policy import assert_strict, policy_of

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_and_lists_the_endpoints(client):
    response = client.get(reverse("api:schema"))
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/me/", "/api/v1/tags/", "/api/v1/languages/"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    # Every operation documents the one error shape.
    me = schema["paths"]["/api/v1/me/"]["patch"]["responses"]
    assert me["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_the_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )


def test_the_docs_page_loads_its_files_from_peerlink_with_no_inline_code(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    assert_strict(policy_of(response))
    html = response.text
    assert "<style" not in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert len(scripts) == 3
    for tag in scripts:
        src = re.search(r'src="([^"]+)"', tag).group(1)
        assert src.startswith("/"), src  # nothing from a CDN
    assert 'src="/api/docs/?script="' in html
    for href in re.findall(r'(?:src|href)="/static/([^"?]+)"', html):
        assert finders.find(href), href


def test_the_docs_start_up_script_is_a_separate_file(client):
    response = client.get(reverse("api:docs") + "?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.text
    assert "/api/schema/" in response.text


def test_the_schema_is_also_served_as_json(client):
    response = client.get(reverse("api:schema") + "?format=json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "PeerLink API"


def _documented_paths() -> set[str]:
    """Every `METHOD /api/v1/…` in docs/api.md, with each `<…>` as `<id>`, no query."""
    text = (settings.BASE_DIR / "docs" / "api.md").read_text()
    paths = re.findall(r"`(?:GET|POST|PATCH|PUT|DELETE) (/api/v1/[^`?\s]*)", text)
    return {re.sub(r"<[^>]+>", "<id>", path) for path in paths}


def test_docs_api_md_lists_every_endpoint():
    """docs/api.md has a row for every endpoint the resolver knows, and none that is gone."""
    served = {
        "/api/v1/" + re.sub(r"<[^>]+>", "<id>", str(pattern.pattern))
        for pattern in api_v1_patterns().values()
    }
    documented = _documented_paths()
    assert not served - documented, f"add to docs/api.md: {sorted(served - documented)}"
    assert not documented - served, f"no longer served: {sorted(documented - served)}"


def test_a_list_that_takes_query_parameters_documents_its_400(client):
    """A missing `?reason=` or a bad filter is 400: the schema says so for each such list."""
    schema = yaml.safe_load(client.get(reverse("api:schema")).content)
    staff_lists = [path for path in schema["paths"] if path.startswith("/api/v1/staff/")]
    asking = [
        path
        for path in staff_lists
        if any(
            p["name"] == "reason"
            for p in schema["paths"][path].get("get", {}).get("parameters", [])
        )
    ]
    assert "/api/v1/staff/members/" in asking
    for path in asking:
        assert "400" in schema["paths"][path]["get"]["responses"], path
