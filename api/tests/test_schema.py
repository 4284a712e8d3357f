"""The OpenAPI 3 schema and its interactive docs: public, complete, and served without a CDN."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v1/found-dogs/"),
    ("post", "/api/v1/found-dogs/"),
    ("get", "/api/v1/found-dogs/{id}/"),
    ("get", "/api/v1/found-dogs/{id}/matches/"),
    ("post", "/api/v1/found-dogs/{id}/outcome/"),
    ("post", "/api/v1/search/"),
    ("get", "/api/v1/lost-reports/"),
    ("get", "/api/v1/lost-reports/{id}/"),
}


def test_the_schema_is_served_without_a_key_and_is_valid_openapi_3():
    response = APIClient().get("/api/v1/schema/")

    schema = yaml.safe_load(response.content)
    assert response.status_code == 200 and schema["openapi"].startswith("3.")
    validate_schema(schema)
    operations = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert operations == OPERATIONS
    for method, path in OPERATIONS:
        responses = schema["paths"][path][method]["responses"]
        assert {"400", "401", "429"} <= set(responses), (method, path)
        assert responses["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["securitySchemes"]["ApiKey"]["name"] == "Authorization"


def test_the_docs_load_their_scripts_from_this_server_not_a_cdn(client):
    response = client.get("/api/v1/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/") for source in sources), sources
    assert "cdn" not in html.lower()
    assert not re.search(r"<script>\s*\S", html), (
        "no inline script: the docs work under a strict Content-Security-Policy"
    )
    bundle = next(s for s in sources if s.endswith("swagger-ui-bundle.js"))
    assert finders.find(bundle.removeprefix("/static/")), "shipped in drf-spectacular-sidecar"


def test_an_unknown_api_address_is_a_json_404(db):
    for path in ("/api/v1/nope/", "/api/v1/found-dogs/0.5/", "/api/v1/found-dogs"):
        response = APIClient().post(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", path
