"""Real gunicorn, two workers: /metrics totals add up across workers, and every line is JSON.

The metrics directory starts with a stale file from an "earlier run", which the
on_starting hook must clear, or the totals (and the scrape) would be wrong.
"""

import itertools
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.servers import ROOT, free_port, gunicorn_running, local_env
from tests.e2e.test_served_by_gunicorn import Browser

COUNTED_PATH = "/api/e2e-counted"  # a JSON 404 from api_not_found: a view only this test calls
COUNTED_VIEW = "backend.common.exceptions.api_not_found"
BATCH = 20
HANG_SECONDS = 30  # how long a log line may take to appear: bounds a hang, measures nothing


@pytest.fixture(scope="module")
def server(tmp_path_factory, smtp_server):
    tmp = tmp_path_factory.mktemp("observed")
    metrics_dir = tmp / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale values of a previous run")
    port = free_port()
    env = local_env(
        tmp,
        port,
        LOG_FORMAT="json",
        GUNICORN_ACCESS_LOG="true",  # off by default; on here to see which worker served what
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        CACHE_KEY_PREFIX=f"e2e-obs-{port}",
        **smtp_server.environment(),  # not the local console backend: it would print every link into stdout
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    stdout, stderr = tmp / "stdout.log", tmp / "stderr.log"
    with gunicorn_running(env=env, port=port, stdout=stdout, stderr=stderr, args=("--workers", "2")) as url:
        yield url, stdout, stderr, metrics_dir


def _json_lines(path) -> list[dict]:
    """Every line written so far, each parsed (raises if one is not JSON); a last line still being written (no
    newline yet) is left for the next read."""
    complete = path.read_text().split("\n")[:-1]
    return [json.loads(line) for line in complete if line.strip()]


def _json_lines_once(path, condition: Callable[[list[dict]], bool], what: str) -> list[dict]:
    """The lines of ``path`` as soon as ``condition`` holds for them. gunicorn writes a request's access line after
    its response, so the client may read the log before it is there."""
    deadline = time.monotonic() + HANG_SECONDS
    while not condition(lines := _json_lines(path)):
        if time.monotonic() > deadline:
            pytest.fail(f"not in {path.name} within {HANG_SECONDS}s: {what}")
        time.sleep(0.05)
    return lines


def _access_logged(*request_ids: str) -> Callable[[list[dict]], bool]:
    def logged(lines: list[dict]) -> bool:
        seen = {line.get("request_id") for line in lines if line.get("event") == "http_access"}
        return seen.issuperset(request_ids)

    return logged


def _get(url: str, request_id: str) -> int:
    request = urllib.request.Request(url, headers={"X-Request-ID": request_id})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _samples(text: str, name: str, **labels: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def test_totals_in_metrics_equal_the_requests_made_across_two_workers(server):
    url, stdout, _, metrics_dir = server
    assert not (metrics_dir / "counter_999999.db").exists()  # cleared at start
    sent = 0
    pids: set[int] = set()
    # Concurrent batches until both workers have served some: bounded by time, not by a number of batches, since a
    # worker may still be booting on a loaded machine while the first batches all go to the other.
    deadline = time.monotonic() + HANG_SECONDS
    with ThreadPoolExecutor(max_workers=8) as pool:
        for batch in itertools.count():
            if time.monotonic() > deadline:
                break
            ids = [f"count-{batch}-{i}" for i in range(BATCH)]
            statuses = list(pool.map(lambda rid: _get(url + COUNTED_PATH, rid), ids))
            assert statuses == [404] * BATCH
            sent += BATCH
            lines = _json_lines_once(stdout, _access_logged(*ids), f"the access lines of batch {batch}")
            pids = {
                line["pid"] for line in lines if line.get("event") == "http_access" and line.get("path") == COUNTED_PATH
            }
            if len(pids) >= 2:
                break
    assert len(pids) == 2, "both workers served requests"

    scrape = _scrape(url)

    labels = {"view": COUNTED_VIEW, "method": "GET", "status": "404"}
    assert _samples(scrape, "http_requests_total", **labels) == sent
    assert _samples(scrape, "http_request_duration_seconds_count", **labels) == sent
    assert _samples(scrape, "http_request_duration_seconds_bucket", le="+Inf", **labels) == sent


def test_database_queries_of_every_worker_are_counted(server):
    url, _, _, _ = server
    before = _samples(_scrape(url), "db_queries_total", alias="default", vendor="sqlite")

    # A failed sign-in reads the user table and writes an audit row, whichever worker serves it.
    browser = Browser(url)
    assert browser.call("POST", "/api/auth/login/", {"email": "nobody@example.com", "password": "wrong"})[0] == 401

    assert _samples(_scrape(url), "db_queries_total", alias="default", vendor="sqlite") > before


def _scrape(url: str) -> str:
    return urllib.request.urlopen(url + "/metrics", timeout=10).read().decode()  # noqa: S310


def test_app_and_gunicorn_lines_are_all_json_with_the_request_id(server):
    url, stdout, _, _ = server

    assert _get(url + "/healthz", "json-line-check-1") == 200

    # Raises if any stdout line is not JSON.
    lines = _json_lines_once(stdout, _access_logged("json-line-check-1"), "the access line of json-line-check-1")
    mine = [line for line in lines if line.get("request_id") == "json-line-check-1"]
    assert sorted(line["event"] for line in mine) == ["http_access", "request"]
    request = next(line for line in mine if line["event"] == "request")
    assert (request["method"], request["path"], request["view"], request["status"]) == (
        "GET",
        "/healthz",
        "healthz",
        200,
    )
    assert request["bytes"] == len(b'{"status": "ok"}')
    access = next(line for line in mine if line["event"] == "http_access")
    assert (access["logger"], access["method"], access["path"], access["status"]) == (
        "gunicorn.access",
        "GET",
        "/healthz",
        200,
    )
    assert any(line.get("logger") == "gunicorn.error" and "Booting worker" in line["event"] for line in lines)


def test_no_secret_reaches_gunicorns_output(server):
    url, stdout, stderr, _ = server
    browser = Browser(url)
    password = "E2e-Secret-Passphrase-42"

    status, body, _ = browser.call("POST", "/api/auth/register", {"email": "obs@example.com", "password": password})
    assert status == 201
    browser.access = first_access = body["access"]
    status, body, _ = browser.call("POST", "/api/auth/refresh/", {})
    assert status == 200
    refreshed_access = body["access"]
    [jar] = [h.cookiejar for h in browser.opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor)]
    # The rotated refresh token and the known-device cookie: neither may reach the logs.
    cookies = [c.value for c in jar]
    assert len(cookies) == 2
    assert browser.call("GET", "/api/auth/me/")[0] == 200
    status, _, headers = browser.call("POST", "/api/auth/login/", {"email": "obs@example.com", "password": "wrong"})
    assert status == 401
    # Everything these requests log is out once the last one's access line is (gunicorn writes it last).
    lines = _json_lines_once(stdout, _access_logged(headers["X-Request-ID"]), "the failed sign-in's access line")

    output = stdout.read_text() + stderr.read_text()
    assert any(line.get("audit_event") == "register" for line in lines)
    for secret in (password, first_access, refreshed_access, *cookies):
        assert secret not in output
