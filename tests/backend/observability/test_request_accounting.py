"""What the observability middleware records of each request besides its line's fields: one line per response
(never Django's own second line), the requests in progress, and a response that stands when a metric cannot be
written."""

import pytest

from backend.common.signals import cache_lookup
from tests.factories import TaskFactory

from .helpers import sample

pytestmark = pytest.mark.django_db


def _lines_of(json_logs, request_id: str) -> list[dict]:
    return [line for line in json_logs() if line.get("request_id") == request_id]


# One line per response --------------------------------------------------------------------------------------------
def test_a_4xx_response_is_logged_once_by_its_request_line_with_its_request_id(client, json_logs):
    response = client.get("/api/auth/me/", HTTP_X_REQUEST_ID="req-401")

    assert response.status_code == 401
    # Not also Django's "Unauthorized: /api/auth/me/" (django.request), logged after the context was cleared
    [line] = json_logs()
    assert (line["event"], line["request_id"], line["status"], line["level"]) == ("request", "req-401", 401, "info")


def test_a_5xx_answered_without_an_exception_is_logged_once_at_error_with_its_request_id(
    client, json_logs, settings, tmp_path
):
    settings.SPA_DIST_DIR = str(tmp_path)  # no build there: the SPA's pages are a 503 saying so

    response = client.get("/tasks", HTTP_X_REQUEST_ID="req-503")

    assert response.status_code == 503
    [line] = json_logs()
    assert (line["event"], line["request_id"], line["status"], line["level"]) == ("request", "req-503", 503, "error")


def test_a_500_from_an_exception_still_logs_its_traceback_with_its_request_id_and_nothing_without(
    client, json_logs, monkeypatch
):
    from backend.common import health

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "_database_ok", broken)
    client.raise_request_exception = False

    response = client.get("/readyz", HTTP_X_REQUEST_ID="req-500")

    assert response.status_code == 500
    lines = json_logs()
    assert all(line.get("request_id") == "req-500" for line in lines), lines
    [traceback_line] = [line for line in lines if line["logger"] == "django.request"]
    assert "RuntimeError: boom" in traceback_line["exception"]
    assert [line["status"] for line in lines if line["event"] == "request"] == [500]


# Requests in progress ---------------------------------------------------------------------------------------------
def test_a_request_is_in_progress_while_its_view_runs_and_not_after(auth_client, user):
    before = sample("http_requests_in_progress")
    seen: list[float] = []

    def during_the_view(sender, **kwargs):
        seen.append(sample("http_requests_in_progress"))

    cache_lookup.connect(during_the_view)  # sent by the task list's cached read, inside the view
    try:
        response = auth_client.get("/api/tasks/")
    finally:
        cache_lookup.disconnect(during_the_view)

    assert response.status_code == 200
    assert seen
    assert set(seen) == {before + 1}
    assert sample("http_requests_in_progress") == before


def test_a_streamed_response_is_in_progress_until_its_stream_ends(auth_client, user):
    TaskFactory.create_batch(300, owner=user)  # an export of several chunks
    before = sample("http_requests_in_progress")

    response = auth_client.get("/api/auth/me/export/")
    chunks = iter(response.streaming_content)
    next(chunks)

    assert sample("http_requests_in_progress") == before + 1  # the middleware returned; the body is still being sent
    b"".join(chunks)  # the test client closes the response after the last chunk, as a WSGI server does
    assert sample("http_requests_in_progress") == before


def test_a_request_that_ends_in_an_exception_is_in_progress_until_it_ends(client, monkeypatch):
    from backend.common import health

    seen: list[float] = []

    def broken():
        seen.append(sample("http_requests_in_progress"))
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "_database_ok", broken)
    client.raise_request_exception = False
    before = sample("http_requests_in_progress")

    assert client.get("/readyz").status_code == 500
    assert seen == [before + 1]
    assert sample("http_requests_in_progress") == before


# A metric that cannot be written ----------------------------------------------------------------------------------
def test_a_request_metric_that_cannot_be_written_never_fails_the_response(client, json_logs, monkeypatch, capsys):
    # (metrics are not what is under test here: the middleware is; the write fails as a full disk under
    # PROMETHEUS_MULTIPROC_DIR makes a new series' value file fail to grow)
    from backend.observability import metrics

    def full_disk(**kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(metrics, "request_observe", full_disk)

    response = client.get("/healthz", HTTP_X_REQUEST_ID="req-nospace")

    assert response.status_code == 200
    assert [line["event"] for line in _lines_of(json_logs, "req-nospace")] == ["request"]  # still logged
    assert "No space left on device" in capsys.readouterr().err  # told on stderr, as a line that cannot be written
