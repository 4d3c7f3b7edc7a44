"""The OpenAPI document describes every task endpoint, its parameters and its errors."""

import pytest
import yaml

pytestmark = pytest.mark.django_db

# Operations with a body also document 413/415 (common.schema.document_transport_errors); every one is rate limited.
BODY_ERRORS = {"413", "415"}
EXPECTED_RESPONSES = {
    ("/api/tasks/", "get"): {"200", "304", "400", "401", "404", "429"},
    ("/api/tasks/", "post"): {"201", "400", "401", "429"} | BODY_ERRORS,
    ("/api/tasks/{task_id}/", "get"): {"200", "304", "401", "404", "429"},
    ("/api/tasks/{task_id}/", "put"): {"200", "400", "401", "404", "412", "429"} | BODY_ERRORS,
    ("/api/tasks/{task_id}/", "patch"): {"200", "400", "401", "404", "412", "429"} | BODY_ERRORS,
    ("/api/tasks/{task_id}/", "delete"): {"204", "401", "404", "429"},
    ("/api/tasks/stats/", "get"): {"200", "304", "401", "429"},
    ("/api/tasks/bulk/", "post"): {"200", "400", "401", "429"} | BODY_ERRORS,
}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


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
        "ordering",
        "page",
        "page_size",
    }
    assert sorted(parameters["ordering"]["schema"]["enum"]) == sorted(
        f"{sign}{name}" for name in ("created_at", "updated_at", "due_date", "priority", "title") for sign in ("", "-")
    )
    assert parameters["status"]["schema"]["type"] == "array"
    assert parameters["status"]["explode"] is False
    assert parameters["due_before"]["schema"]["format"] == "date"


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


def test_bulk_request_documents_ids_action_and_value(schema):
    body = schema["components"]["schemas"]["TaskBulkInputRequest"]

    assert body["required"] == ["action", "ids"]
    assert body["properties"]["ids"]["maxItems"] == 100
    assert body["properties"]["ids"]["items"] == {"type": "string", "format": "uuid"}
    assert set(body["properties"]) == {"ids", "action", "value"}


def test_stats_response_names_every_count(schema):
    stats = schema["components"]["schemas"]["TaskStats"]

    assert set(stats["properties"]) == {"total", "by_status", "by_priority", "overdue", "completed_per_day"}
