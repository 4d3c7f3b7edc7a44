"""Every error under /api/ is JSON in DRF's shapes; no input, however malformed, gives a 500."""

import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from backend.common.errors import ErrorCode

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/", "/api/nope", "/api/nope/", "/api/auth/nope/", "/api/tasks/x/y/z/"])
def test_unknown_api_paths_are_json_404(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize("path", ["/api/does-not-exist", "/api", "/api/tasks/stats%2F/"])
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_unknown_api_path_is_json_404_for_every_method(method, path):
    # A client as a browser or curl is: Django's CSRF check on (the test client skips it by default)
    response = getattr(APIClient(enforce_csrf_checks=True), method)(path, {}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/login/"])
def test_paths_work_with_and_without_trailing_slash_without_redirect(api_client, user, path):
    response = api_client.post(path, {"email": user.email, "password": "wrong"}, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "path", ["/api/auth/login/", "/api/auth/register/", "/api/auth/password-reset/", "/api/auth/refresh/"]
)
@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        '{"email": ',
        "[1, 2",
        "\x00\x01",
        '"just a string',
        "[" * 5000 + "]" * 5000,
        '{"a":' * 3000 + "1" + "}" * 3000,
    ],
    ids=["broken", "truncated", "unclosed-list", "control-bytes", "unclosed-string", "deep-list", "deep-object"],
)
def test_malformed_json_is_400_parse_error(api_client, path, body):
    response = api_client.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("body", ["[]", '"text"', "123", "null"])
def test_json_that_is_not_an_object_is_400(api_client, body):
    response = api_client.post("/api/auth/login/", body, content_type="application/json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/auth/register/", {"email": "a@example.com", "password": 12345678901234}),
        ("/api/auth/login/", {"email": 5, "password": "x"}),
        ("/api/auth/password-reset/", {"email": ["a@example.com"]}),
        ("/api/auth/refresh/", {"refresh": 5}),
    ],
)
def test_numbers_or_lists_where_text_belongs_are_400_not_coerced(api_client, path, body):
    response = api_client.post(path, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) <= {"email", "password", "refresh"}


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [("hi", "text/plain", (415, "unsupported_media_type")), ("{", "application/json", (400, "parse_error"))],
    ids=["not json", "malformed json"],
)
@pytest.mark.parametrize("path", ["/api/auth/passkey/options/", "/api/auth/logout-all/"])
def test_an_endpoint_that_takes_no_body_still_refuses_one_that_is_not_json(
    auth_client, user, path, body, content_type, expected
):
    # Given a signed-in client and a body its endpoint would never read
    response = auth_client.post(path, body, content_type=content_type)

    # Then the body is refused as on any endpoint, and nothing is done (the session is still signed in)
    assert (response.status_code, response.json()["code"]) == expected
    assert auth_client.get("/api/auth/me/").status_code == 200


def test_a_body_sent_with_a_get_is_ignored(auth_client):
    response = auth_client.generic("GET", "/api/tasks/", "not json", content_type="text/plain")

    assert response.status_code == 200


@pytest.mark.parametrize("body", ["{bad", "not json"])
@pytest.mark.parametrize("path", ["/api/auth/sessions/{}/", "/api/auth/mfa/passkeys/{}/", "/api/tasks/{}/"])
@pytest.mark.parametrize("method", ["delete", "patch"])
def test_another_users_object_is_404_whatever_the_body_holds(auth_client, path, method, body):
    # (the id is looked up before the body is read: a 400 or 415 would answer differently for ids that exist)
    content_type = "application/json" if body.startswith("{") else "text/plain"

    response = getattr(auth_client, method)(path.format(uuid.uuid4()), body, content_type=content_type)

    assert response.status_code in (404, 405), response.content
    if response.status_code == 405:
        assert (path, method) == ("/api/auth/sessions/{}/", "patch")  # sessions are only ever revoked
    else:
        assert response.json()["code"] == "not_found"


def test_every_view_whose_url_names_an_object_looks_it_up_before_the_body():
    from django.urls import get_resolver

    from backend.common.views import ApiView

    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            elif getattr(pattern.callback, "cls", None) is not None:
                yield pattern.pattern.regex.groupindex, pattern.callback.cls

    naming_an_object = {
        cls for groups, cls in views(get_resolver().url_patterns) if groups and issubclass(cls, ApiView)
    }

    assert naming_an_object  # the tasks, sessions and passkeys detail views
    assert [cls.__name__ for cls in naming_an_object if not cls.body_after_lookup] == []


def test_non_json_content_type_is_415(api_client):
    response = api_client.post(
        "/api/auth/login/", "email=a&password=b", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize("content_type", ["*/*", "application/*", "*/*; charset=utf-8"])
def test_a_wildcard_content_type_names_no_format_and_is_415(api_client, content_type):
    body = '{"email": "a@example.com", "password": "x"}'

    response = api_client.post("/api/auth/login/", body, content_type=content_type)

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_json_with_parameters_is_still_json(api_client):
    body = '{"email": "a@example.com", "password": "x"}'

    response = api_client.post("/api/auth/login/", body, content_type="application/json; charset=utf-8")

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/tasks/", {"title": "x", "status": "\ud800"}),
        ("/api/tasks/", {"title": "x", "priority": "\udfff"}),
        ("/api/tasks/bulk/", {"ids": ["00000000-0000-0000-0000-000000000000"], "action": "\ud800"}),
    ],
    ids=["status", "priority", "bulk-action"],
)
def test_a_lone_surrogate_in_a_choice_is_a_400_with_the_replacement_character(auth_client, path, body):
    # (JSON's "\ud800" decodes to a lone surrogate, which no UTF-8 encodes: DRF repeats it in its message)
    raw = json.dumps(body)  # ASCII, with the \u escapes as JSON sends them

    response = auth_client.post(path, raw, content_type="application/json")

    assert response.status_code == 400
    [field] = response.json()
    assert response.json()[field] == ['"\ufffd" is not a valid choice.']


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversized_body_is_413_before_parsing(api_client):
    response = api_client.post("/api/auth/login/", {"email": "a@example.com", "password": "x" * 2000}, format="json")
    assert response.status_code == 413
    assert response.json() == {
        "detail": "Request body too large; the limit is 1024 bytes.",
        "code": "request_too_large",
    }


def test_invalid_content_length_is_400(api_client):
    response = api_client.post("/api/auth/login/", "{}", content_type="application/json", CONTENT_LENGTH="abc")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_wrong_method_is_405_json(api_client):
    response = api_client.get("/api/auth/login/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "GET" not allowed.', "code": "method_not_allowed"}


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer not.a.jwt", "Bearer " + "x" * 5000])
def test_malformed_authorization_headers_are_401_json(api_client, header):
    response = api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}


def test_unexpected_errors_under_api_render_json_500():
    from django.test import RequestFactory

    from backend.common.exceptions import handler500

    response = handler500(RequestFactory().get("/api/tasks/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"


def test_api_without_trailing_slash_is_json_404_not_a_redirect(api_client):
    response = api_client.get("/api")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_mongodb_write_conflict_is_a_409_the_client_can_retry():
    from pymongo.errors import OperationFailure
    from rest_framework.test import APIRequestFactory

    from backend.common.exceptions import api_exception_handler

    conflict = OperationFailure("WriteConflict", code=112, details={"errorLabels": ["TransientTransactionError"]})
    request = APIRequestFactory().get("/api/tasks/")

    response = api_exception_handler(conflict, {"request": request, "view": None})

    assert response is not None
    assert response.status_code == 409
    assert response.data == {
        "detail": "This is being changed by someone else right now; try again.",
        "code": "conflict",
    }


@pytest.mark.django_db(transaction=True)  # the INSERT commits by itself, as in production
def test_a_write_racing_the_deletion_of_what_it_refers_to_is_a_409_not_a_500(user, monkeypatch, caplog):
    # Given a task being created, and its owner's account deleted in the instant after the request was checked
    # (forced into that window: right before the INSERT)
    from backend.accounts.models import User
    from backend.tasks.models import Task
    from tests.conftest import signed_in_client

    client, _ = signed_in_client(user)
    validate = Task.full_clean

    def account_deleted_meanwhile(task, *args, **kwargs):
        User.objects.filter(pk=user.pk).delete()
        return validate(task, *args, **kwargs)

    monkeypatch.setattr(Task, "full_clean", account_deleted_meanwhile)

    # When the database refuses the INSERT (the owner's row is gone)
    response = client.post("/api/tasks/", {"title": "Written as the account goes"}, format="json")

    # Then the client gets a 409 it can act on, nothing was written, and the refusal is logged for operators
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert not Task.objects.exists()
    assert "write refused by a database constraint; answered 409" in caplog.text


def test_an_integrity_error_that_is_no_race_is_still_a_500_reported_as_one():
    # (a NOT NULL or CHECK violation, or a unique value the code never checks, is a bug: a 409 would hide it)
    from django.db import IntegrityError

    from backend.common.exceptions import api_exception_handler

    bug = IntegrityError('null value in column "title" of relation "tasks_task" violates not-null constraint')

    assert api_exception_handler(bug, {"request": None, "view": None}) is None


def test_other_unexpected_errors_are_still_left_to_the_500_handler():
    from backend.common.exceptions import api_exception_handler

    assert api_exception_handler(RuntimeError("boom"), {"request": None, "view": None}) is None


def test_an_accept_header_without_json_is_406_not_acceptable(api_client):
    response = api_client.get("/api/auth/me/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert response.json()["code"] == ErrorCode.NOT_ACCEPTABLE


def test_a_bearer_header_with_two_values_is_authentication_failed(api_client):
    response = api_client.get("/api/auth/me/", HTTP_AUTHORIZATION="Bearer a b")
    assert (response.status_code, response.json()["code"]) == (401, ErrorCode.AUTHENTICATION_FAILED)


def test_the_schema_documents_the_error_body_with_exactly_the_declared_codes():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    assert components["Error"]["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCodeEnum"}
    assert set(components["ErrorCodeEnum"]["enum"]) == {code.value for code in ErrorCode}


def _documented_error_codes() -> dict[str, tuple[str, str]]:
    """docs/api.md's "## Error codes" table: code -> its Status and Meaning cells."""
    text = (Path(settings.BASE_DIR) / "docs" / "api.md").read_text()
    section = text.split("\n## Error codes\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    cells = [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]
    return {code.strip("`"): (status, "|".join(meaning).strip()) for code, status, *meaning in cells}


def test_the_docs_table_lists_every_error_code_with_its_statuses_and_meaning():
    # The meaning is the one the OpenAPI schema carries (ErrorCode's description): the two must not drift apart.
    documented = _documented_error_codes()

    assert set(documented) == {code.value for code in ErrorCode}
    for code in ErrorCode:
        assert documented[code] == (", ".join(map(str, code.statuses)), code.description), code
