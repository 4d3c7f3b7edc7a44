"""Two tabs of one browser share one refresh cookie: what one tab does to it, the other must follow.

Ada's session is revoked from another device and Grace signs in in a second tab. The cookie is Grace's
now; the first tab, still showing Ada, must become Grace (or sign out), never show Ada's name over
Grace's data.
"""

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import PASSWORD, PageWatch, api, chromium_context, e2e_database_url
from tests.e2e.servers import served

ADA = {"email": "ada@example.com", "name": "Ada Lovelace"}
GRACE = {"email": "grace@example.com", "name": "Grace Hopper"}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with e2e_database_url() as database_url:
        overrides = {"DATABASE_URL": database_url} if database_url else {}
        with served(tmp_path_factory.mktemp("spa-tabs"), WEB_CONCURRENCY="2", **overrides) as url:
            yield url


def sign_in(page, account: dict) -> None:
    page.get_by_label("Email").fill(account["email"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_tab_never_shows_one_account_while_acting_as_another(base_url, tmp_path):
    for account in (ADA, GRACE):
        assert api(base_url, "POST", "/api/auth/register/", {**account, "password": PASSWORD})[0] == 201
    status, grace = api(base_url, "POST", "/api/auth/login/", {"email": GRACE["email"], "password": PASSWORD})
    assert status == 200
    assert api(base_url, "POST", "/api/tasks/", {"title": "Grace's compiler notes"}, access=grace["access"])[0] == 201

    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        first = watch.open(context, base_url + "/login", "Sign in")
        sign_in(first, ADA)
        expect(first.get_by_role("heading", name="Hello, Ada")).to_be_visible()
        watch.accessible(first)

        # Ada's browser session is revoked from her phone.
        status, phone = api(base_url, "POST", "/api/auth/login/", {"email": ADA["email"], "password": PASSWORD})
        assert status == 200
        status, sessions = api(base_url, "GET", "/api/auth/sessions/", access=phone["access"])
        browser_session = next(s for s in sessions if not s["current"])
        assert api(base_url, "DELETE", f"/api/auth/sessions/{browser_session['id']}/", access=phone["access"])[0] == 204

        # A second tab finds no session (the cookie was Ada's) and Grace signs in there.
        second = watch.open(context, base_url + "/login", "Sign in")
        sign_in(second, GRACE)
        expect(second.get_by_role("heading", name="Hello, Grace")).to_be_visible()
        watch.accessible(second)

        # The first tab follows the cookie: it is Grace's now, with Grace's name over Grace's tasks.
        expect(first.get_by_role("heading", name="Hello, Grace")).to_be_visible()
        expect(first.get_by_role("banner")).to_contain_text(GRACE["name"])
        expect(first.get_by_role("banner")).not_to_contain_text(ADA["name"])
        first.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
        expect(first.get_by_text("Grace's compiler notes", exact=True)).to_be_visible()
        expect(first.get_by_role("banner")).to_contain_text(GRACE["name"])
        watch.accessible(first)

        watch.assert_clean(first, second)
