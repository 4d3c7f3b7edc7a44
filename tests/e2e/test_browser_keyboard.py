"""The whole product with the keyboard alone: sign in, create tasks, filter, complete one, delete one
(undo, then delete it for good), revoke a session and sign out, without a single pointer event, by Tab
and Enter and by the single-key shortcuts (`?`, `n`, `/`, `j`, `k`, `x`, `c`, `d`, `u`). Every page and
dialog on the way is checked with axe, each control reached by Tab shows a focus ring, and an open
dialog keeps Tab inside it.
"""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import PASSWORD, PageWatch, api, chromium_context, e2e_database_url
from tests.e2e.servers import served

EMAIL = "kay@example.com"

# Counts pointer input in the page: a keyboard-only journey must end with zero.
POINTER_WATCH = """
window.__pointerEvents = 0;
for (const type of ['pointerdown', 'mousedown', 'touchstart']) {
  addEventListener(type, () => { window.__pointerEvents += 1; }, true);
}
"""

WHERE_IS_FOCUS = """(dialog) => {
  const active = document.activeElement;
  if (active === document.body) return 'body';
  return dialog.contains(active) ? 'dialog' : active.outerHTML.slice(0, 80);
}"""

FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
}"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with e2e_database_url() as database_url:
        overrides = {"DATABASE_URL": database_url} if database_url else {}
        with served(tmp_path_factory.mktemp("spa-keyboard"), WEB_CONCURRENCY="2", **overrides) as url:
            yield url


def is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, locator, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until `locator` has the focus, then check that its focus ring shows."""
    locator.wait_for()
    for _ in range(limit):
        if is_focused(locator):
            assert page.evaluate(FOCUS_RING), f"no visible focus ring on {locator}"
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    pytest.fail(f"Tab never reached {locator}")


def assert_tab_stays_inside(page, dialog, presses: int = 12) -> None:
    """Tab around an open modal dialog: the focus never reaches the page behind it (inert)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        where = page.evaluate(WHERE_IS_FOCUS, dialog.element_handle())
        assert where in ("dialog", "body"), f"Tab left the open dialog for {where}"


def create_task(page, title: str) -> None:
    tab_to(page, page.get_by_role("button", name="New task").first)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="New task")
    expect(dialog.get_by_label("Title")).to_be_focused()
    page.keyboard.type(title)
    page.keyboard.press("Enter")  # submits the form from the title field
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="New task").first).to_be_focused()  # back to the opener
    expect(page.get_by_test_id("task-row").get_by_text(title, exact=True)).to_be_visible()


def test_the_whole_journey_with_the_keyboard_alone(base_url, tmp_path):
    assert api(base_url, "POST", "/api/auth/register/", {"email": EMAIL, "name": "Kay", "password": PASSWORD})[0] == 201
    status, _phone = api(base_url, "POST", "/api/auth/login/", {"email": EMAIL, "password": PASSWORD}, agent="Phone")
    assert status == 200

    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        watch.attach(page)
        page.add_init_script(POINTER_WATCH)
        nav = page.get_by_role("navigation", name="Main")

        # Sign in.
        page.goto(base_url + "/login")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page).to_have_title("Sign in · Scalable Auth Dashboard")
        watch.accessible(page)
        tab_to(page, page.get_by_label("Email"))
        page.keyboard.type(EMAIL)
        page.keyboard.press("Tab")
        page.keyboard.type("not the password")
        page.keyboard.press("Enter")
        expect(page.get_by_role("alert").filter(has_text="Invalid email or password")).to_be_visible()
        watch.accessible(page, "failed sign-in")
        tab_to(page, page.get_by_label("Password"), backwards=True)
        page.keyboard.press("Control+A")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        heading = page.get_by_role("heading", name="Hello, Kay")
        expect(heading).to_be_focused()  # the focus follows the navigation to the new page
        expect(page).to_have_title("Dashboard · Scalable Auth Dashboard")
        watch.accessible(page)

        # Create three tasks; the dialog keeps Tab inside while it is open.
        tab_to(page, nav.get_by_role("link", name="Tasks"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Tasks")).to_be_focused()
        expect(page).to_have_title("Tasks · Scalable Auth Dashboard")
        expect(page.get_by_text("No tasks yet.")).to_be_visible()
        watch.accessible(page, "no tasks yet")
        tab_to(page, page.get_by_role("button", name="New task").first)
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog", name="New task")
        expect(dialog.get_by_label("Title")).to_be_focused()
        watch.accessible(page, "new task dialog")
        assert_tab_stays_inside(page, dialog)
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        for title in ("Draft the budget", "Call the plumber"):
            create_task(page, title)
        # The same with the n shortcut.
        page.keyboard.press("n")
        dialog = page.get_by_role("dialog", name="New task")
        expect(dialog.get_by_label("Title")).to_be_focused()
        page.keyboard.type("Write the report")
        page.keyboard.press("Enter")
        expect(dialog).to_be_hidden()
        expect(page.get_by_test_id("task-row")).to_have_count(3)
        watch.accessible(page, "three tasks")

        # The shortcuts' help.
        page.keyboard.press("?")
        help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
        expect(help_dialog).to_be_visible()
        watch.accessible(page, "shortcuts help")
        page.keyboard.press("Escape")
        expect(help_dialog).to_be_hidden()

        # Filter by search (the / shortcut), then clear it.
        page.keyboard.press("/")
        expect(page.get_by_label("Search")).to_be_focused()
        page.keyboard.type("report")
        expect(page).to_have_url(re.compile(r"/tasks\?search=report$"))
        expect(page.get_by_test_id("task-row")).to_have_count(1)
        watch.accessible(page, "filtered")
        page.keyboard.press("Control+A")
        page.keyboard.press("Backspace")
        expect(page).to_have_url(base_url + "/tasks")
        expect(page.get_by_test_id("task-row")).to_have_count(3)

        # Complete one with its switch, and reopen it with the shortcuts (j to its row, c).
        switch = page.get_by_role("switch", name="Done: Call the plumber")
        tab_to(page, switch)
        with page.expect_response(lambda r: r.request.method == "PATCH" and r.status == 200):
            page.keyboard.press("Space")
        expect(switch).to_have_attribute("aria-checked", "true")
        expect(switch).to_be_focused()
        rows = page.get_by_test_id("task-row")
        # Newest first: Write the report, Call the plumber (the focus is in its row), Draft the budget.
        page.keyboard.press("j")
        expect(rows.nth(2)).to_be_focused()
        page.keyboard.press("k")
        expect(rows.nth(1)).to_be_focused()
        with page.expect_response(lambda r: r.request.method == "PATCH" and r.status == 200):
            page.keyboard.press("c")
        expect(switch).to_have_attribute("aria-checked", "false")
        page.keyboard.press("x")
        expect(page.get_by_label("Select “Call the plumber”")).to_be_checked()
        page.keyboard.press("x")
        expect(page.get_by_label("Select “Call the plumber”")).not_to_be_checked()

        # Delete one (j to its row, d): it goes at once with an Undo toast; u undoes it, nothing is sent.
        deletes: list[str] = []
        page.on("request", lambda r: r.method == "DELETE" and "/api/tasks/" in r.url and deletes.append(r.url))
        page.keyboard.press("j")
        expect(rows.nth(2)).to_be_focused()
        expect(rows.nth(2)).to_contain_text("Draft the budget")
        page.keyboard.press("d")
        toasts = page.get_by_role("region", name="Notifications")
        expect(toasts.get_by_text("Deleted “Draft the budget”.")).to_be_visible()
        expect(rows).to_have_count(2)
        expect(rows.nth(1)).to_be_focused()  # the focus moved on to a neighbouring row
        watch.accessible(page, "undo toast")
        page.keyboard.press("u")
        expect(rows).to_have_count(3)
        expect(rows.nth(2)).to_be_focused()  # back on the restored row
        expect(toasts.get_by_text("Restored “Draft the budget”.")).to_be_visible()
        # Deleted again, for good this time: the DELETE goes when the toast does (here: at sign-out).
        page.keyboard.press("d")
        expect(toasts.get_by_text("Deleted “Draft the budget”.")).to_be_visible()
        expect(rows).to_have_count(2)
        expect(rows.get_by_text("Draft the budget", exact=True)).to_have_count(0)
        assert deletes == []

        # Revoke the phone's session (the others: this browser, and the API client that registered).
        tab_to(page, nav.get_by_role("link", name="Account"))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Account", exact=True)).to_be_focused()
        sessions = page.get_by_test_id("session-row")
        expect(sessions).to_have_count(3)
        watch.accessible(page, "three sessions")
        tab_to(page, page.get_by_role("button", name=re.compile(r"^Revoke Phone")))
        page.keyboard.press("Enter")
        confirm = page.get_by_role("alertdialog", name="Revoke this session?")
        expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()  # the safe choice first
        watch.accessible(page, "confirm revoke")
        assert_tab_stays_inside(page, confirm)
        tab_to(page, confirm.get_by_role("button", name="Revoke", exact=True))
        page.keyboard.press("Enter")
        expect(confirm).to_be_hidden()
        expect(sessions).to_have_count(2)
        expect(sessions.filter(has_text="Phone")).to_have_count(0)
        expect(toasts.get_by_text("Signed out Phone.")).to_be_visible()

        # Sign out: the delete still waiting goes first, while the session exists.
        tab_to(page, page.get_by_role("button", name="Sign out", exact=True), backwards=True)
        with page.expect_request(lambda r: r.url.endswith("/api/auth/logout/")):
            page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Sign in")).to_be_focused()
        watch.accessible(page, "signed out")
        assert len(deletes) == 1
        status, kay = api(base_url, "POST", "/api/auth/login/", {"email": EMAIL, "password": PASSWORD})
        titles = [task["title"] for task in api(base_url, "GET", "/api/tasks/", access=kay["access"])[1]["results"]]
        assert sorted(titles) == ["Call the plumber", "Write the report"]

        assert page.evaluate("window.__pointerEvents") == 0
        watch.assert_clean(page)
