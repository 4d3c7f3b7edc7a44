"""Short-lived access tokens (6 s here) are refreshed behind the user's back: nothing shows, nobody is
sent to the login page, and two tabs refreshing at once do not trip the server's reuse detection."""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import PageWatch, chromium_context, e2e_database_url, register_through_the_form, wait_until
from tests.e2e.servers import served

# Long enough that what follows a refresh (both tabs reloading and booting on a busy 2-core CI machine) ends before
# the new token expires, which would add a refresh the assertions do not expect; short enough to wait out twice.
ACCESS_LIFETIME_SECONDS = 6
EXPIRED_MS = ACCESS_LIFETIME_SECONDS * 1000 + 500  # just past the token's expiry (no leeway)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with e2e_database_url() as database_url:
        overrides = {"DATABASE_URL": database_url} if database_url else {}
        with served(
            tmp_path_factory.mktemp("spa-refresh"),
            WEB_CONCURRENCY="2",
            ACCESS_TOKEN_LIFETIME_SECONDS=str(ACCESS_LIFETIME_SECONDS),
            **overrides,
        ) as url:
            yield url


def test_expired_access_token_is_refreshed_silently_in_every_tab(base_url, tmp_path):
    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        watch.attach(page)
        answers: list[tuple[str, int]] = []
        context.on("response", lambda r: answers.append((r.request.method + " " + r.url[len(base_url) :], r.status)))

        register_through_the_form(page, watch, base_url, "grace@example.com")

        # The access token expires; the next request gets a 401, refreshes once, retries, and succeeds.
        page.wait_for_timeout(EXPIRED_MS)
        answers.clear()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
        expect(page.get_by_text("No tasks yet.")).to_be_visible()
        watch.accessible(page)
        tasks_answers = [status for call, status in answers if call.startswith("GET /api/tasks/?")]
        assert tasks_answers == [401, 200]
        assert [status for call, status in answers if call == "POST /api/auth/refresh/"] == [200]

        page.get_by_role("button", name="New task").first.click()
        page.get_by_role("dialog", name="New task").get_by_label("Title").fill("Made after a silent refresh")
        page.get_by_role("button", name="Create task").click()
        expect(page.get_by_test_id("task-row").get_by_text("Made after a silent refresh", exact=True)).to_be_visible()
        expect(page).to_have_url(base_url + "/tasks")

        # A second tab restores its own session from the shared cookie; after both tokens expire,
        # both tabs reload at once: the refreshes take turns (Web Locks), so neither is reuse.
        other = watch.open(context, base_url + "/account", "Account")
        page.wait_for_timeout(EXPIRED_MS)
        answers.clear()
        page.evaluate("location.reload()")
        other.evaluate("location.reload()")
        expect(page.get_by_text("Made after a silent refresh", exact=True)).to_be_visible()
        expect(other.get_by_test_id("session-row")).to_have_count(1)
        assert [status for call, status in answers if call == "POST /api/auth/refresh/"] == [200, 200]
        expect(page).to_have_url(base_url + "/tasks")
        expect(other).to_have_url(base_url + "/account")

        # Signing out in one tab signs out the other at once (BroadcastChannel, no token in it).
        other.get_by_role("button", name="Sign out", exact=True).click()
        expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/login$"))
        watch.accessible(page)
        watch.accessible(other)

        watch.assert_clean(page, other)


def test_the_page_loads_while_the_session_is_restored_not_after(base_url, tmp_path):
    """The route's chunk is fetched at boot, in parallel with the refresh, not once the guard lets it render."""
    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        watch.attach(page)
        register_through_the_form(page, watch, base_url, "boot@example.com")

        # Every refresh is held until the test lets it through.
        held: list = []
        page.route("**/api/auth/refresh/", lambda route: held.append(route))
        with page.expect_request(lambda r: "/assets/tasks-page-" in r.url):
            page.goto(base_url + "/tasks", wait_until="commit")
        wait_until(page, lambda: len(held) == 1, what="the session restore's refresh")
        # The tasks page's chunk was asked for while the refresh had no answer yet.
        expect(page.get_by_role("status")).to_contain_text("Restoring your session")
        held[0].continue_()

        expect(page.get_by_role("heading", name="Tasks")).to_be_visible()
        watch.accessible(page)
        watch.assert_clean(page)


REFRESH_LOCKS = """() => navigator.locks.query().then((state) => ({
  held: state.held.filter((lock) => lock.name === 'sad-refresh').length,
  pending: state.pending.filter((lock) => lock.name === 'sad-refresh').length,
}))"""


def test_two_tabs_refresh_one_after_the_other_while_the_first_refresh_is_held(base_url, tmp_path):
    """The cross-tab refresh lock, shown: with the first tab's refresh held on the wire, the second tab
    queues on the Web Lock and sends nothing; once the first is answered (and the cookie rotated), the
    second refreshes with the new cookie, so the server sees no reuse and both tabs stay signed in."""
    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        watch.attach(page)
        register_through_the_form(page, watch, base_url, "locks@example.com")
        other = watch.open(context, base_url + "/account", "Account")

        held: list = []
        answers: list[int] = []
        context.route("**/api/auth/refresh/", lambda route: held.append(route))
        context.on("response", lambda r: r.url.endswith("/api/auth/refresh/") and answers.append(r.status))

        # The first tab reloads: its refresh leaves under the lock and is held on the wire.
        page.evaluate("location.reload()")
        wait_until(page, lambda: len(held) == 1, what="the first tab's refresh")
        # The second tab reloads: its refresh waits for the lock, and nothing more reaches the network.
        other.evaluate("location.reload()")
        # (Asked in the first tab, whose page has loaded: the origin's locks are shared by its tabs.)
        wait_until(page, lambda: page.evaluate(REFRESH_LOCKS) == {"held": 1, "pending": 1}, what="a refresh queued")
        assert len(held) == 1

        held[0].continue_()
        wait_until(page, lambda: len(held) == 2, what="the second tab's refresh, once the first was answered")
        assert answers == [200]  # the first was answered before the second was sent
        held[1].continue_()

        expect(page.get_by_role("heading", name="Hello, locks")).to_be_visible()
        expect(other.get_by_role("heading", name="Account", exact=True)).to_be_visible()
        expect(other.get_by_test_id("session-row")).to_have_count(1)
        assert answers == [200, 200]  # the second used the rotated cookie: no reuse, no 401
        watch.accessible(page)
        watch.accessible(other)
        watch.assert_clean(page, other)
