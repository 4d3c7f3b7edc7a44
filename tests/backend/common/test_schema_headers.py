"""What the OpenAPI schema promises about headers and ids is what the server sends: a client generated from the schema
(or the SPA's types, generated from it) reads each header where the server puts it, and nowhere else."""

import uuid

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from backend.accounts.cookies import device_cookie_name
from tests.backend.accounts.helpers import bearer, login, reset_link_parts
from tests.backend.tasks.helpers import detail_url, make_task

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-Passw0rd-long"
# WebAuthn's names, not ids of ours: a passkey's credential id (base64url) and the relying party's id (a domain).
NOT_OUR_IDS = {"credential_id", "rp_id"}
# Ids that are not rows of ours: a sign-in provider's id is the slug OIDC_PROVIDERS gives it (docs/sso.md).
NOT_UUID_IDS = {("ProviderOutput", "id")}


def _declared_headers(schema: dict, path: str, method: str, status_code: int) -> set[str]:
    return set(schema["paths"][path][method]["responses"][str(status_code)].get("headers", {}))


def test_every_429_declares_the_retry_after_every_refusal_carries(schema, auth_client, rates):
    # Given the export limit at one an hour, when the second export is refused,
    rates(export_user="1/1h")
    assert auth_client.get("/api/auth/me/export/").status_code == 200
    refused = auth_client.get("/api/auth/me/export/")

    # then it carries Retry-After, and every operation's 429 (its own description or the default one) declares it.
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Retry-After" in _declared_headers(schema, "/api/auth/me/export/", "get", 429)
    missing = [
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "Retry-After" not in operation["responses"]["429"].get("headers", {})
    ]
    assert missing == []


def test_a_task_etag_is_declared_on_exactly_the_responses_that_carry_one(schema, auth_client, user):
    # Given a task, its ETag and one it does not have,
    task = make_task(owner=user)
    fresh = auth_client.get(detail_url(task.id))["ETag"]
    stale = '"0123456789abcdef0123456789abcdef"'
    detail = "/api/tasks/{task_id}/"

    # when each answer a task endpoint gives is asked for,
    answers = [
        ("/api/tasks/", "get", auth_client.get("/api/tasks/")),
        ("/api/tasks/", "get", auth_client.get("/api/tasks/?status=bogus")),
        ("/api/tasks/", "post", auth_client.post("/api/tasks/", {"title": "New"}, format="json")),
        ("/api/tasks/", "post", auth_client.post("/api/tasks/", {"title": ""}, format="json")),
        (detail, "get", auth_client.get(detail_url(task.id))),
        (detail, "get", auth_client.get(detail_url(task.id), HTTP_IF_NONE_MATCH=fresh)),
        (detail, "get", auth_client.get(detail_url(uuid.uuid4()))),
        (detail, "patch", auth_client.patch(detail_url(task.id), {"title": ""}, format="json")),
        (detail, "patch", auth_client.patch(detail_url(task.id), {"title": "X"}, format="json", HTTP_IF_MATCH=stale)),
        (detail, "put", auth_client.put(detail_url(task.id), {"title": "Y"}, format="json", HTTP_IF_MATCH=stale)),
        (detail, "delete", auth_client.delete(detail_url(task.id), HTTP_IF_MATCH=stale)),
        ("/api/tasks/stats/", "get", auth_client.get("/api/tasks/stats/")),
        ("/api/tasks/stats/", "get", auth_client.get("/api/tasks/stats/?tz=Nowhere/Atlantis")),
    ]

    # then the schema declares an ETag on a response exactly when the server sends one.
    seen = {(path, method, response.status_code) for path, method, response in answers}
    assert {(detail, "delete", 412), (detail, "patch", 400), (detail, "get", 304), ("/api/tasks/", "post", 400)} <= seen
    for path, method, response in answers:
        declared = "ETag" in _declared_headers(schema, path, method, response.status_code)
        assert declared == response.has_header("ETag"), (method, path, response.status_code)


def test_only_a_stored_success_is_declared_as_possibly_replayed(schema, auth_client, user):
    # Given a create and a bulk action each sent twice with their key, then the key reused with another body,
    task = make_task(owner=user)
    bulk = {"ids": [str(task.id)], "action": "complete"}
    for _ in range(2):
        created = auth_client.post("/api/tasks/", {"title": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="create-1")
        applied = auth_client.post("/api/tasks/bulk/", bulk, format="json", HTTP_IDEMPOTENCY_KEY="bulk-1")
    reused = auth_client.post("/api/tasks/", {"title": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="create-1")

    # then the replays say so on the statuses the schema declares the header on, and the 422 neither says nor is
    # declared to.
    assert (created.status_code, created["Idempotent-Replayed"]) == (201, "true")
    assert (applied.status_code, applied["Idempotent-Replayed"]) == (200, "true")
    assert reused.status_code == 422
    assert not reused.has_header("Idempotent-Replayed")
    for path, success in (("/api/tasks/", 201), ("/api/tasks/bulk/", 200)):
        responses = schema["paths"][path]["post"]["responses"]
        declaring = {
            code for code, response in responses.items() if "Idempotent-Replayed" in response.get("headers", {})
        }
        assert declaring == {str(success)}, path


def test_a_confirmed_password_reset_declares_the_device_cookie_it_sets(schema, user):
    # Given a valid reset link, when it is confirmed,
    response = APIClient().post(
        "/api/auth/password-reset/confirm/", {**reset_link_parts(user), "new_password": NEW_PASSWORD}, format="json"
    )

    # then the 204 sets the device cookie, and the schema says so.
    assert response.status_code == 204
    assert device_cookie_name() in response.cookies
    assert "Set-Cookie" in _declared_headers(schema, "/api/auth/password-reset/confirm/", "post", 204)


def test_the_sign_in_cookies_tell_a_client_that_is_not_a_browser_where_its_refresh_token_is(schema):
    # Every response that sets the refresh cookie names it, and the refresh body field says where its value comes from.
    setting_it = [
        ("/api/auth/register/", 201),
        ("/api/auth/login/", 200),
        ("/api/auth/mfa/authenticate/", 200),
        ("/api/auth/passkey/login/", 200),
        ("/api/auth/refresh/", 200),
    ]
    for path, status_code in setting_it:
        description = schema["paths"][path]["post"]["responses"][str(status_code)]["headers"]["Set-Cookie"][
            "description"
        ]
        assert f"`{settings.REFRESH_COOKIE_NAME}`" in description, path
        assert "`{refresh}`" in description, path
    body_field = schema["components"]["schemas"]["RefreshInputRequest"]["properties"]["refresh"]
    assert "Set-Cookie" in body_field["description"]


def test_every_id_the_api_returns_is_documented_as_the_uuid_it_is(schema, user, django_capture_on_commit_callbacks):
    # Given a user signed in with the password (an event of its activity), their profile, sessions and activity,
    with django_capture_on_commit_callbacks(execute=True):
        client = bearer(APIClient(), login(APIClient(), user.email).json()["access"])
    profile = client.get("/api/auth/me/").json()
    session = client.get("/api/auth/sessions/").json()[0]
    event = client.get("/api/auth/activity/").json()["results"][0]

    # then each id is a hyphenated UUID,
    for value in (profile["id"], session["id"], event["id"], event["session_id"]):
        assert str(uuid.UUID(value)) == value
    # and every id of every response body, and every id in a path, is documented with format uuid.
    components = schema["components"]["schemas"]
    undocumented = [
        (name, field)
        for name, component in components.items()
        if not name.endswith("Request")
        for field, property_schema in component.get("properties", {}).items()
        if (field == "id" or (field.endswith("_id") and field not in NOT_OUR_IDS))
        and property_schema.get("format") != "uuid"
        and (name, field) not in NOT_UUID_IDS
    ]
    assert undocumented == []
    path_ids = {
        parameter["name"]: parameter["schema"].get("format")
        for operations in schema["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    }
    # (a sign-in provider's id is the slug OIDC_PROVIDERS gives it)
    assert path_ids == {
        "task_id": "uuid",
        "session_id": "uuid",
        "passkey_id": "uuid",
        "identity_id": "uuid",
        "provider": None,
    }
