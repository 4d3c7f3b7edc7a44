"""OpenAPI schema and Swagger UI, served without any CDN."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


def _schema(client) -> dict:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


@pytest.mark.parametrize(
    ("method", "query", "headers", "expected"),
    [
        ("post", "", {}, (405, "method_not_allowed")),
        ("get", "?format=xml", {}, (404, "not_found")),
        ("get", "", {"HTTP_ACCEPT": "text/html"}, (406, "not_acceptable")),
    ],
    ids=["wrong method", "unknown format", "unacceptable Accept"],
)
def test_the_schemas_errors_are_json_like_every_api_error(client, method, query, headers, expected):
    response = getattr(client, method)(f"/api/schema/{query}", **headers)

    assert response["Content-Type"] == "application/json"
    assert (response.status_code, response.json()["code"]) == expected


@pytest.mark.parametrize(
    ("method", "query", "headers", "expected"),
    [
        ("post", "", {}, (405, "method_not_allowed")),
        ("delete", "", {}, (405, "method_not_allowed")),
        ("get", "?format=json", {}, (404, "not_found")),
        ("get", "", {"HTTP_ACCEPT": "application/json"}, (406, "not_acceptable")),
    ],
    ids=["wrong method", "delete", "unknown format", "unacceptable Accept"],
)
def test_the_docs_pages_errors_are_json_like_every_api_error(client, method, query, headers, expected):
    response = getattr(client, method)(f"/api/docs/{query}", **headers)

    assert response["Content-Type"] == "application/json"
    assert (response.status_code, response.json()["code"]) == expected


@pytest.mark.parametrize("path", ["/api/docs/", "/api/docs", "/api/schema/"])
def test_options_on_the_docs_and_the_schema_describes_them_in_json(client, path):
    # (the docs page rendered OPTIONS' description through its HTML template, which has none: a 500)
    response = client.options(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["renders"]


def test_the_schema_documents_a_bodys_errors_on_writes_that_take_no_body(client):
    # A body sent anyway is parsed as on any endpoint (ApiView.initial), so its errors are documented there too
    operation = _schema(client)["paths"]["/api/auth/logout-all/"]["post"]

    assert "requestBody" not in operation
    assert {"400", "413", "415"} <= set(operation["responses"])


def test_schema_documents_every_auth_endpoint_and_the_refresh_cookie(client):
    schema = _schema(client)
    paths = schema["paths"]
    for path in [
        "/api/auth/register/",
        "/api/auth/login/",
        "/api/auth/refresh/",
        "/api/auth/logout/",
        "/api/auth/logout-all/",
        "/api/auth/me/",
        "/api/auth/password/",
        "/api/auth/password-reset/",
        "/api/auth/password-reset/confirm/",
        "/api/auth/sessions/",
        "/api/auth/sessions/{session_id}/",
    ]:
        assert path in paths, path
    refresh = paths["/api/auth/refresh/"]["post"]
    assert {"in": "cookie", "name": "sad_refresh"}.items() <= refresh["parameters"][0].items()
    assert "Set-Cookie" in refresh["responses"]["200"]["headers"]
    assert set(refresh["responses"]) >= {"200", "401", "415"}
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"


def test_swagger_ui_loads_its_assets_locally(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_every_operation_with_a_body_documents_the_transport_errors(client):
    schema = _schema(client)
    with_body = [
        (method, path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]
    assert len(with_body) >= 12
    for method, path, operation in with_body:
        assert {"400", "413", "415"} <= set(operation["responses"]), (method, path)
