"""Request ids round-trip, and every request is logged as one structured line."""

import json
import logging
import re

import pytest
import structlog
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.backend.accounts.helpers import login
from tests.conftest import signed_in_client
from tests.factories import TaskFactory
from tests.support.settings_process import PRODUCTION_ENV, settings_process

from .helpers import sample

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"[0-9a-f]{32}")
# Every key of the request line, and nothing else: log pipelines and dashboards rely on them.
REQUEST_LINE_KEYS = {
    *("event", "logger", "level", "timestamp"),
    *("request_id", "method", "path", "user_id"),  # bound for every line of the request; user_id once known
    *("view", "status", "duration_ms", "bytes", "client_ip", "user_agent"),
}


@pytest.mark.parametrize(
    "bad_id",
    [
        "x" * 129,  # too long
        "has space",
        'quote"injection',
        "new\nline",
        "ünïcode",
        "",
    ],
)
def test_a_malformed_request_id_is_replaced_by_a_generated_one(client, bad_id):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=bad_id)

    assert response.status_code == 200
    assert GENERATED.fullmatch(response["X-Request-ID"])
    assert response["X-Request-ID"] != bad_id


def test_a_missing_request_id_is_generated_and_differs_per_request(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert GENERATED.fullmatch(first)
    assert GENERATED.fullmatch(second)
    assert first != second


def test_a_well_formed_request_id_is_echoed_back(client):
    response = client.get("/api/nothing-here", HTTP_X_REQUEST_ID="edge-1234.abc:7_Z")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "edge-1234.abc:7_Z"


def test_the_request_line_is_json_with_id_method_path_status_and_duration(client, json_logs):
    response = client.get("/api/tasks/?secret=1", HTTP_X_REQUEST_ID="req-line-1", HTTP_USER_AGENT="LineCheck/1.0")

    [line] = [line for line in json_logs() if line["event"] == "request"]
    assert line["request_id"] == "req-line-1"
    assert line["method"] == "GET"
    assert line["path"] == "/api/tasks/"  # never the query string
    assert line["status"] == 401
    assert line["view"] == "task-list"
    assert line["user_id"] is None
    assert line["level"] == "info"
    assert line["logger"] == "backend.request"
    assert line["bytes"] == len(response.content)
    assert (line["client_ip"], line["user_agent"]) == ("127.0.0.1", "LineCheck/1.0")
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", line["timestamp"])


def test_the_request_line_has_exactly_its_keys(auth_client, user, json_logs):
    response = auth_client.get("/api/tasks/", HTTP_X_REQUEST_ID="req-keys-1")

    [line] = [line for line in json_logs() if line["event"] == "request"]
    assert set(line) == REQUEST_LINE_KEYS
    assert (line["request_id"], line["user_id"], line["status"]) == ("req-keys-1", str(user.pk), 200)
    assert line["bytes"] == len(response.content)


EXPORT = "/api/auth/me/export/"  # a StreamingHttpResponse: its body is produced while it is sent
EXPORT_SERIES = {"view": "auth-me-export", "method": "GET", "status": "200"}


def _request_lines(json_logs, request_id: str) -> list[dict]:
    return [line for line in json_logs() if line["event"] == "request" and line.get("request_id") == request_id]


def test_a_streamed_response_is_logged_and_timed_once_when_its_whole_body_has_been_sent(user, json_logs, caplog):
    caplog.set_level(logging.DEBUG, logger="django.db.backends")  # Django's own config keeps "django" at INFO
    client, _ = signed_in_client(user)
    TaskFactory.create_batch(300, owner=user)  # an export of several chunks
    counted = sample("http_request_duration_seconds_count", **EXPORT_SERIES)
    timed = sample("http_request_duration_seconds_sum", **EXPORT_SERIES)

    response = client.get(EXPORT, HTTP_X_REQUEST_ID="req-export-1")
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection):  # the export's queries, run while it streams, are logged (DEBUG)
        first = next(chunks)
        # While the body is still being sent: neither the line nor the metric yet
        assert _request_lines(json_logs, "req-export-1") == []
        assert sample("http_request_duration_seconds_count", **EXPORT_SERIES) == counted
        body = first + b"".join(chunks)

    [line] = _request_lines(json_logs, "req-export-1")
    assert set(line) == REQUEST_LINE_KEYS
    assert (line["view"], line["status"], line["user_id"]) == ("auth-me-export", 200, str(user.pk))
    assert len(body) > len(first)
    assert line["bytes"] == len(body)  # what was sent, not a Content-Length (a stream has none)
    assert sample("http_request_duration_seconds_count", **EXPORT_SERIES) - counted == 1
    assert sample("http_request_duration_seconds_sum", **EXPORT_SERIES) - timed == pytest.approx(
        line["duration_ms"] / 1000, abs=1e-6
    )
    # Lines logged while the body was produced carry the request's context, as during the view
    streamed = [line for line in json_logs() if line["logger"] == "django.db.backends"]
    assert streamed
    assert {(line.get("request_id"), line.get("user_id")) for line in streamed} == {("req-export-1", str(user.pk))}


def test_a_streamed_response_the_client_abandons_is_logged_once_with_the_bytes_sent(auth_client, user, json_logs):
    TaskFactory.create_batch(300, owner=user)
    counted = sample("http_request_duration_seconds_count", **EXPORT_SERIES)
    response = auth_client.get(EXPORT, HTTP_X_REQUEST_ID="req-export-2")
    first = next(iter(response.streaming_content))

    # The WSGI server closes the response when the client goes away (PEP 3333); closing it again changes nothing
    response.close()
    response.close()

    [line] = _request_lines(json_logs, "req-export-2")
    assert (line["status"], line["bytes"]) == (200, len(first))
    assert sample("http_request_duration_seconds_count", **EXPORT_SERIES) - counted == 1


# In a fresh process on the production settings: what reaches stdout, as gunicorn's workers print it.
STDOUT_PROBE = """
import logging, django, structlog
from django.test import Client
from django.test.utils import setup_test_environment
django.setup()
setup_test_environment()  # the test client's host allowed
Client().get("/healthz", secure=True, HTTP_X_REQUEST_ID="req-stdout-1", HTTP_USER_AGENT="Probe/1")
structlog.get_logger("backend.check").info("structlog info")
structlog.get_logger("backend.check").warning("structlog warning")
logging.getLogger("backend.check").info("stdlib info")
logging.getLogger("backend.check").warning("stdlib warning")
"""


def _production_stdout(*, log_level: str, log_format: str) -> list[str]:
    result = settings_process(
        "config.settings.production",
        STDOUT_PROBE,
        unset={"DJANGO_SETTINGS_MODULE", "LOG_LEVEL", "LOG_FORMAT"},
        **PRODUCTION_ENV,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL="postgres://postgres@127.0.0.1:9/never-connected",  # /healthz does no I/O
        REDIS_URL="redis://127.0.0.1:9/0",
        LOG_LEVEL=log_level,
        LOG_FORMAT=log_format,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_on_stdout_the_request_line_is_one_json_line_with_exactly_its_keys_among_the_others():
    lines = [json.loads(line) for line in _production_stdout(log_level="INFO", log_format="json")]

    assert [(line["event"], line["logger"], line["level"]) for line in lines] == [
        ("request", "backend.request", "info"),
        ("structlog info", "backend.check", "info"),
        ("structlog warning", "backend.check", "warning"),
        ("stdlib info", "backend.check", "info"),
        ("stdlib warning", "backend.check", "warning"),
    ]
    assert set(lines[0]) == REQUEST_LINE_KEYS
    assert (lines[0]["request_id"], lines[0]["view"], lines[0]["status"]) == ("req-stdout-1", "healthz", 200)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", lines[0]["timestamp"])


def test_log_level_warning_drops_the_request_line_and_every_other_info_line():
    lines = [json.loads(line) for line in _production_stdout(log_level="WARNING", log_format="json")]

    assert [(line["event"], line["level"]) for line in lines] == [
        ("structlog warning", "warning"),
        ("stdlib warning", "warning"),
    ]


def test_log_format_console_prints_the_request_line_readably():
    request_line, *others = _production_stdout(log_level="INFO", log_format="console")

    assert not request_line.startswith("{")
    assert re.search(r"\[info\s*\] request\s+\[backend\.request\]", request_line)
    assert all(f" {field}" in request_line for field in ("request_id=req-stdout-1", "view=healthz", "status=200"))
    assert len(others) == 4


@pytest.mark.django_db(transaction=True)  # on_commit runs inside the request, as in production
def test_every_line_of_a_request_carries_its_id_and_the_user_once_known(user, api_client, json_logs):
    response = login(api_client, user.email, HTTP_X_REQUEST_ID="req-login-1")
    assert response.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")

    api_client.get("/api/auth/me/", HTTP_X_REQUEST_ID="req-me-1")

    login_lines = [line for line in json_logs() if line.get("request_id") == "req-login-1"]
    assert [line["event"] for line in login_lines] == ["audit", "request"]
    assert login_lines[0]["audit_event"] == "login_succeeded"
    assert [(line["method"], line["path"]) for line in login_lines] == [("POST", "/api/auth/login/")] * 2
    assert "status" not in login_lines[0]
    assert "duration_ms" not in login_lines[0]
    assert login_lines[0]["subject_user_id"] == str(user.pk)
    me_lines = [line for line in json_logs() if line.get("request_id") == "req-me-1"]
    assert [line["event"] for line in me_lines] == ["request"]
    assert me_lines[0]["user_id"] == str(user.pk)
    assert me_lines[0]["status"] == 200


def test_a_line_logged_after_a_request_carries_none_of_its_context(client, json_logs):
    # The middleware binds the request's id, method and path and clears them when the request ends: that clear is
    # the only one, so without it the thread's next lines (and its next request's) would name this request.
    client.get("/healthz", HTTP_X_REQUEST_ID="req-ended-1")

    structlog.get_logger("backend.test").info("after_the_request")

    [after] = [line for line in json_logs() if line["event"] == "after_the_request"]
    assert {"request_id", "method", "path"}.isdisjoint(after)


def test_a_server_error_is_logged_at_error_level_with_its_request_id(client, json_logs, monkeypatch):
    from backend.common import health

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "_database_ok", broken)
    client.raise_request_exception = False

    response = client.get("/readyz", HTTP_X_REQUEST_ID="req-boom")

    assert response.status_code == 500
    lines = [line for line in json_logs() if line.get("request_id") == "req-boom"]
    request_line = next(line for line in lines if line["event"] == "request")
    assert (request_line["level"], request_line["status"]) == ("error", 500)
    traceback_line = next(line for line in lines if line["logger"] == "django.request")
    assert "RuntimeError: boom" in traceback_line["exception"]
    assert (traceback_line["method"], traceback_line["path"]) == ("GET", "/readyz")
    assert response["X-Request-ID"] == "req-boom"


def test_a_request_line_that_cannot_be_written_never_fails_the_request(client, monkeypatch, capsys):
    from backend.observability import middleware

    class BrokenStdout:
        def info(self, *args, **kwargs):
            raise BrokenPipeError("stdout is gone")

    monkeypatch.setattr(middleware, "logger", BrokenStdout())

    response = client.get("/healthz")

    assert response.status_code == 200
    assert "BrokenPipeError: stdout is gone" in capsys.readouterr().err  # told on stderr, as logging's handlers do


def test_the_console_format_renders_readable_lines():
    from backend.observability.logging import formatter_config, logging_config

    assert "ConsoleRenderer" in repr(formatter_config("console")["processors"][-1])
    assert logging_config(log_format="console", level="INFO")["root"]["handlers"] == ["stdout"]
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of json, console"):
        formatter_config("xml")


def test_django_loggers_print_once_through_the_root_handler(settings):
    # Django's own config gives "django" a console handler (DEBUG) and runserver's "django.server"
    # its own: emptied here, so `make dev` prints each of their lines once, in our format.
    loggers = settings.LOGGING["loggers"]

    assert loggers["django"] == loggers["django.server"] == {"handlers": [], "propagate": True}
    assert settings.LOGGING["root"]["handlers"] == ["stdout"]


def test_json_lines_render_what_orjson_refuses_through_the_stdlib(json_logs):
    import logging

    logging.getLogger("backend.check").info("odd values %s", "x", extra={"status_code": 10**30})
    logging.getLogger("backend.check").info("plain")

    assert [(line["event"], line.get("status_code")) for line in json_logs()] == [
        ("odd values x", 10**30),
        ("plain", None),
    ]
