"""`make run`'s server for real: gunicorn with config/gunicorn.conf.py and the local settings.

A new user's whole journey over HTTP — register, manage tasks, list and revoke sessions, sign
out everywhere — plus the docs, the admin and whitenoise's static files.
"""

import json
import os
import re
import threading
import urllib.error
import urllib.request
from http.cookiejar import CookieJar

import pytest

from tests.e2e.servers import served

REFRESH_COOKIE = "sad_refresh"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    # On the Redis leg: several workers sharing the liveness cache, as in production.
    workers = {"WEB_CONCURRENCY": "3"} if os.environ.get("REDIS_URL") else {}
    with served(tmp_path_factory.mktemp("served"), **workers) as url:
        yield url


class Browser:
    """Just enough of a browser: a cookie jar, JSON bodies, and an optional bearer token."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.access: str | None = None

    def call(self, method: str, path: str, body: dict | None = None, *, access: str | None = None):
        headers = {"Content-Type": "application/json", "User-Agent": "e2e-browser/1.0"}
        token = access or self.access
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, self._body(response.read(), response.headers), response.headers
        except urllib.error.HTTPError as error:
            return error.code, self._body(error.read(), error.headers), error.headers

    @staticmethod
    def _body(raw: bytes, headers) -> object:
        if raw and headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(raw)
        return raw.decode(errors="replace")


def test_docs_admin_and_static_files_are_served(base_url):
    browser = Browser(base_url)
    status, html, _ = browser.call("GET", "/api/docs/")
    assert status == 200
    # Local assets (no CDN), with whitenoise's hashed, immutable names.
    bundle = re.search(r'src="(/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.\w+\.js)"', html)
    assert bundle, html
    status, _, headers = browser.call("GET", bundle.group(1))
    assert status == 200
    assert "javascript" in headers["Content-Type"]
    assert "immutable" in headers["Cache-Control"]
    status, schema, _ = browser.call("GET", "/api/schema/")
    assert status == 200
    assert "/api/tasks/{task_id}/:" in schema
    status, login_page, _ = browser.call("GET", "/admin/login/")
    assert status == 200
    assert "Django administration" in login_page
    status, body, _ = browser.call("GET", "/readyz")
    assert (status, body["status"]) == (200, "ok")


def test_a_new_user_registers_manages_tasks_and_signs_out_everywhere(base_url):
    laptop, phone = Browser(base_url), Browser(base_url)

    status, body, headers = laptop.call(
        "POST", "/api/auth/register", {"email": "new@example.com", "password": "e2e-Strong-pass-1", "name": "New"}
    )
    assert status == 201
    assert "HttpOnly" in headers["Set-Cookie"]
    assert "Path=/api/auth/" in headers["Set-Cookie"]
    laptop.access = body["access"]

    status, task, _ = laptop.call("POST", "/api/tasks/", {"title": "Ship it", "priority": "high"})
    assert status == 201
    status, _, _ = laptop.call("PATCH", f"/api/tasks/{task['id']}/", {"status": "done"})
    assert status == 200
    status, page, _ = laptop.call("GET", "/api/tasks/?status=done")
    assert (status, page["count"], page["results"][0]["title"]) == (200, 1, "Ship it")

    # The refresh cookie rotates and yields a working access token.
    status, body, _ = laptop.call("POST", "/api/auth/refresh/", {})
    assert status == 200
    laptop.access = body["access"]

    status, body, _ = phone.call(
        "POST", "/api/auth/login/", {"email": "new@example.com", "password": "e2e-Strong-pass-1"}
    )
    assert status == 200
    phone.access = body["access"]
    status, sessions, _ = laptop.call("GET", "/api/auth/sessions/")
    assert status == 200
    assert len(sessions) == 2
    assert sorted(row["current"] for row in sessions) == [False, True]

    # Revoking the phone's session refuses its access token from the very next request on,
    # whichever worker answers (each request is a new connection, spread across workers).
    assert all(phone.call("GET", "/api/tasks/")[0] == 200 for _ in range(10))  # cached as live
    phone_session = next(row["id"] for row in sessions if not row["current"])
    assert laptop.call("DELETE", f"/api/auth/sessions/{phone_session}/")[0] == 204
    refusals = [phone.call("GET", "/api/tasks/") for _ in range(10)]
    assert [(status, body["code"]) for status, body, _ in refusals] == [(401, "session_revoked")] * 10

    # Sign out everywhere: the laptop's access token and refresh cookie stop working at once.
    assert laptop.call("POST", "/api/auth/logout-all/")[0] == 204
    assert laptop.call("GET", "/api/auth/me/")[0] == 401
    assert laptop.call("POST", "/api/auth/refresh/", {}, access=None)[0] == 401


def _refresh_with_cookie(base_url: str, raw_refresh: str) -> tuple[int, str, str]:
    """One refresh as a tab holding ``raw_refresh`` sends it: (status, code, the new refresh cookie)."""
    request = urllib.request.Request(  # noqa: S310
        base_url + "/api/auth/refresh/",
        data=b"{}",
        headers={"Content-Type": "application/json", "Cookie": f"{REFRESH_COOKIE}={raw_refresh}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            cookie = re.search(rf"{REFRESH_COOKIE}=([^;]*)", response.headers.get("Set-Cookie", ""))
            return response.status, "", cookie.group(1) if cookie else ""
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()).get("code", ""), ""


def test_three_tabs_refreshing_at_the_same_instant_all_get_the_same_new_cookie_and_stay_signed_in(base_url):
    # Given a signed-in browser whose three tabs hold the same refresh cookie
    tab = Browser(base_url)
    status, _, headers = tab.call(
        "POST", "/api/auth/register/", {"email": "tabs@example.com", "password": "e2e-Strong-pass-1"}
    )
    assert status == 201
    cookie = re.search(rf"{REFRESH_COOKIE}=([^;]*)", headers["Set-Cookie"]).group(1)
    barrier = threading.Barrier(3)
    outcomes: list[tuple[int, str, str]] = []

    def refresh() -> None:
        barrier.wait()
        outcomes.append(_refresh_with_cookie(base_url, cookie))

    # When they all refresh at once (separate connections, so separate workers where there are several)
    threads = [threading.Thread(target=refresh) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then all three succeed with one and the same new refresh token, and the family goes on from it
    assert [status for status, _, _ in outcomes] == [200, 200, 200], outcomes
    assert len({new for _, _, new in outcomes}) == 1
    assert outcomes[0][2] not in ("", cookie)
    assert _refresh_with_cookie(base_url, outcomes[0][2])[0] == 200
