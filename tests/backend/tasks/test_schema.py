"""The OpenAPI document describes every task endpoint, its parameters and its errors."""

import pytest

pytestmark = pytest.mark.django_db

# Operations with a body also document 413/415 (common.schema.document_transport_errors); every one is rate limited
# (429), may find the database unreachable (503) or too slow (504), and refuses an Accept without JSON (406); every
# write may lose to a concurrent one (409).
BODY_ERRORS = {"413", "415"}
EVERY = {"406", "429", "503", "504"}
WRITE = {"409"}
EXPECTED_RESPONSES = {
    # A query string longer than gunicorn's request line limit is its 414, before the API (common.schema).
    ("/api/tasks/", "get"): {"200", "304", "400", "401", "404", "414"} | EVERY,
    ("/api/tasks/", "post"): {"201", "400", "401", "422"} | EVERY | BODY_ERRORS | WRITE,
    ("/api/tasks/{task_id}/", "get"): {"200", "304", "401", "404"} | EVERY,
    ("/api/tasks/{task_id}/", "put"): {"200", "400", "401", "404", "412"} | EVERY | BODY_ERRORS | WRITE,
    ("/api/tasks/{task_id}/", "patch"): {"200", "400", "401", "404", "412"} | EVERY | BODY_ERRORS | WRITE,
    ("/api/tasks/{task_id}/", "delete"): {"204", "400", "401", "404", "412"} | EVERY | BODY_ERRORS | WRITE,
    ("/api/tasks/stats/", "get"): {"200", "304", "400", "401", "414"} | EVERY,
    ("/api/tasks/bulk/", "post"): {"200", "400", "401", "422"} | EVERY | BODY_ERRORS | WRITE,
}


@pytest.mark.parametrize(("path", "method"), list(EXPECTED_RESPONSES))
def test_every_task_operation_documents_its_responses_and_errors(schema, path, method):
    operation = schema["paths"][path][method]

    assert set(operation["responses"]) == EXPECTED_RESPONSES[(path, method)]
    assert operation["security"] == [{"jwtAuth": []}]
    assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert set(operation["responses"]["429"]["headers"]) >= {
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
    }
    unavailable = operation["responses"]["503"]
    assert "Retry-After" in unavailable["headers"]
    assert unavailable["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_list_documents_every_query_parameter(schema):
    parameters = {
        param["name"]: param for param in schema["paths"]["/api/tasks/"]["get"]["parameters"] if param["in"] == "query"
    }

    assert set(parameters) == {
        "status",
        "priority",
        "search",
        "due_before",
        "due_after",
        "overdue",
        "tz",
        "ordering",
        "page",
        "page_size",
    }
    fields = ("created_at", "updated_at", "due_date", "priority", "title")
    # Empty is the default order, as leaving the parameter out.
    expected_orderings = ["", *(f"{sign}{name}" for name in fields for sign in ("", "-"))]
    assert sorted(parameters["ordering"]["schema"]["enum"]) == sorted(expected_orderings)
    assert parameters["status"]["schema"]["type"] == "array"
    assert parameters["status"]["explode"] is False
    # A date, or empty (no filter).
    assert parameters["due_before"]["schema"]["oneOf"] == [
        {"type": "string", "format": "date"},
        {"type": "string", "maxLength": 0},
    ]


def test_task_id_is_a_uuid_path_parameter(schema):
    parameters = [
        param for param in schema["paths"]["/api/tasks/{task_id}/"]["get"]["parameters"] if param["in"] == "path"
    ]

    assert parameters == [
        {
            "in": "path",
            "name": "task_id",
            "schema": {"type": "string", "format": "uuid"},
            "description": "The task's id.",
            "required": True,
        }
    ]


def test_bulk_request_documents_which_actions_take_which_value(schema):
    components = schema["components"]["schemas"]
    body = components["TaskBulkInputRequest"]

    assert body["discriminator"]["propertyName"] == "action"
    variants = {action: components[ref.rsplit("/", 1)[1]] for action, ref in body["discriminator"]["mapping"].items()}
    assert set(variants) == {"complete", "delete", "set_status", "set_priority"}
    for action, variant in variants.items():
        assert variant["properties"]["ids"]["maxItems"] == 100
        assert variant["properties"]["ids"]["items"] == {"type": "string", "format": "uuid"}
        assert set(variant["properties"]) == {"ids", "action", "value"}
        takes_value = action.startswith("set_")
        assert ("value" in variant["required"]) is takes_value
        assert components[variant["properties"]["action"]["$ref"].rsplit("/", 1)[1]]["enum"] == [action]
    # The no-value actions accept only an absent or null value.
    assert variants["complete"]["properties"]["value"] == {
        "nullable": True,
        "not": {},
        "description": "Must be absent or null: the action takes no value.",
    }
    assert components[variants["set_status"]["properties"]["value"]["$ref"].rsplit("/", 1)[1]]["enum"] == [
        "todo",
        "in_progress",
        "done",
    ]


def test_stats_response_names_every_count(schema):
    stats = schema["components"]["schemas"]["TaskStats"]

    assert set(stats["properties"]) == {"total", "by_status", "by_priority", "overdue", "completed_per_day"}


@pytest.mark.parametrize("path", ["/api/tasks/", "/api/tasks/bulk/"])
def test_creates_and_bulk_actions_document_the_idempotency_key_and_the_replay_header(schema, path):
    operation = schema["paths"][path]["post"]
    [key] = [param for param in operation["parameters"] if param["name"] == "Idempotency-Key"]

    assert key["in"] == "header"
    assert key["schema"] == {"type": "string", "maxLength": 255, "pattern": "^[!-~]*$"}
    success = operation["responses"]["201" if path == "/api/tasks/" else "200"]
    assert success["headers"]["Idempotent-Replayed"]["schema"] == {"type": "string", "enum": ["true"]}
