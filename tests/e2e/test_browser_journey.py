"""A new user's whole journey through the built SPA in Chromium, served by gunicorn (PostgreSQL + Redis
under `make test-e2e`): register, manage tasks, watch the dashboard change, revoke a session, sign out
and back in. Screenshots of the dashboard and the tasks page land in var/e2e/ for a person to review.
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import PASSWORD, PageWatch, api, chromium_context, e2e_database_url, screenshot
from tests.e2e.servers import served

EMAIL = "ada@example.com"
DARK_BG = "rgb(15, 23, 42)"  # --bg of the dark theme
TODAY = date.today()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    with e2e_database_url() as database_url:
        overrides = {"DATABASE_URL": database_url} if database_url else {}
        with served(tmp_path_factory.mktemp("spa"), WEB_CONCURRENCY="2", **overrides) as url:
            yield url


def create_task(page, title: str, *, priority: str = "Medium", due: date | None = None, watch=None) -> None:
    page.get_by_role("button", name="New task").first.click()
    dialog = page.get_by_role("dialog", name="New task")
    if watch:
        expect(dialog.get_by_label("Title")).to_be_focused()
        watch.accessible(page, "new task dialog")
    dialog.get_by_label("Title").fill(title)
    dialog.get_by_label("Priority").select_option(label=priority)
    if due:
        dialog.get_by_label("Due date").fill(due.isoformat())
    dialog.get_by_role("button", name="Create task").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("task-row").get_by_text(title, exact=True)).to_be_visible()


def task_titles(page) -> list[str]:
    return page.get_by_test_id("task-row").locator(".task__title").all_inner_texts()


def stat(page, name: str):
    return page.get_by_test_id(f"stat-{name}").locator(".stat__value")


def top_bar_on_one_row(page) -> bool:
    """Whether the top bar's parts (brand, navigation, the user's controls) lie side by side, on one row."""
    return page.evaluate(
        "(() => { const parts = [...document.querySelector('.topbar__inner').children]"
        ".map((part) => part.getBoundingClientRect());"
        " return Math.max(...parts.map((part) => part.top)) < Math.min(...parts.map((part) => part.bottom)); })()"
    )


# The size SVG text is drawn at, in CSS px: its font size scaled as its <svg> is (viewBox to box).
RENDERED_FONT_SIZES = (
    "(texts) => texts.map((text) => parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a)"
)


def overflows_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_register_manage_tasks_watch_stats_revoke_a_session_and_sign_back_in(base_url, tmp_path):
    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        watch.attach(page)

        # 1. Register (a first visit has no session: the app asks to sign in), then create tasks.
        response = page.goto(base_url + "/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        expect(page).to_have_url(base_url + "/login")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        watch.accessible(page)
        screenshot(page, "login")
        page.get_by_role("link", name="Create an account").click()
        expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
        watch.accessible(page)
        page.get_by_label("Name").fill("Ada Lovelace")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
        expect(stat(page, "total-tasks")).to_have_text("0")
        # Nothing done yet: the day chart says so in words, not with an empty box.
        expect(page.get_by_text("No tasks completed in the last 14 days.")).to_be_visible()
        watch.accessible(page, "no tasks yet")
        # The top bar stays one row from 641 px up: from 1024 px with the user's name in it (it wrapped at 1280),
        # below with the user's controls folded behind a Menu button (it wrapped from 641 to 1023 px).
        menu = page.get_by_role("button", name="Menu")
        for width in (1280, 1024, 1023, 768, 641):
            page.set_viewport_size({"width": width, "height": 860})
            assert top_bar_on_one_row(page), f"the top bar wraps at {width} px"
            assert not overflows_sideways(page), f"the page overflows sideways at {width} px"
            if width >= 1024:
                expect(menu).to_be_hidden()
                expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
        # Below 1024 px the folded controls are a Tab and an Enter away, and Escape folds them again.
        page.set_viewport_size({"width": 768, "height": 860})
        sign_out = page.get_by_role("button", name="Sign out", exact=True)
        expect(sign_out).to_be_hidden()
        menu.focus()
        page.keyboard.press("Enter")
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(sign_out).to_be_visible()
        expect(page.get_by_label("Theme")).to_be_visible()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Shortcuts")).to_be_focused()
        watch.accessible(page, "top bar menu open, 768 px wide")
        page.keyboard.press("Escape")
        expect(menu).to_be_focused()
        expect(sign_out).to_be_hidden()
        page.set_viewport_size({"width": 1280, "height": 860})

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
        expect(page.get_by_text("No tasks yet.")).to_be_visible()
        watch.accessible(page, "no tasks yet")
        create_task(page, "Write quarterly report", priority="High", due=TODAY - timedelta(days=1), watch=watch)
        create_task(page, "Review pull request")
        create_task(page, "Book dentist appointment", priority="Low")
        create_task(page, "Plan team offsite", priority="High", due=TODAY + timedelta(days=10))
        create_task(page, "Renew passport", due=TODAY + timedelta(days=30))
        expect(page.get_by_text("Showing 1\u20135 of 5")).to_be_visible()
        expect(
            page.get_by_test_id("task-row").filter(has_text="Write quarterly report").get_by_text("Overdue")
        ).to_be_visible()
        watch.accessible(page, "five tasks")

        # 2. Search, filter and sort; the URL keeps them, so a reload shows the same list.
        page.get_by_label("Search").fill("report")
        expect(page).to_have_url(re.compile(r"/tasks\?search=report$"))
        expect(page.get_by_test_id("task-row")).to_have_count(1)
        page.get_by_label("Search").fill("")
        expect(page).to_have_url(base_url + "/tasks")
        page.get_by_label("Priority").select_option("high")
        page.get_by_label("Sort by").select_option("title")
        expect(page.get_by_test_id("task-row")).to_have_count(2)
        assert task_titles(page) == ["Plan team offsite", "Write quarterly report"]
        # click, not check(): the box follows the URL, which the router updates in a transition, so check()'s
        # immediate state read can still see it unticked on a loaded machine. expect() waits for it instead.
        page.get_by_label("Overdue only").click()
        expect(page.get_by_label("Overdue only")).to_be_checked()
        expect(page).to_have_url(base_url + "/tasks?priority=high&overdue=true&ordering=title")
        expect(page.get_by_test_id("task-row")).to_have_count(1)

        page.reload()
        expect(page.get_by_test_id("task-row")).to_have_count(1)
        assert task_titles(page) == ["Write quarterly report"]
        expect(page.get_by_label("Priority")).to_have_value("high")
        expect(page.get_by_label("Sort by")).to_have_value("title")
        expect(page.get_by_label("Overdue only")).to_be_checked()
        watch.accessible(page, "filtered")
        page.get_by_role("button", name="Clear filters").first.click()
        expect(page.get_by_test_id("task-row")).to_have_count(5)

        # 3. Edit one, complete one with the optimistic toggle, bulk-complete two more.
        page.get_by_role("button", name="Edit “Review pull request”").click()
        dialog = page.get_by_role("dialog", name="Edit “Review pull request”", exact=True)
        dialog.get_by_label("Title").fill("Review pull request #42")
        watch.accessible(page, "edit dialog")
        screenshot(page, "task-dialog", full_page=False)  # the modal covers the viewport
        dialog.get_by_role("button", name="Save changes").click()
        expect(dialog).to_be_hidden()
        expect(page.get_by_test_id("task-row").get_by_text("Review pull request #42", exact=True)).to_be_visible()

        with page.expect_response(lambda r: r.request.method == "PATCH" and r.status == 200):
            page.get_by_role("switch", name="Done: Book dentist appointment").click()
        expect(page.get_by_role("switch", name="Done: Book dentist appointment")).to_have_attribute(
            "aria-checked", "true"
        )

        # Delete one, then Undo: it comes back and no DELETE is ever sent.
        deletes: list[str] = []
        page.on("request", lambda r: r.method == "DELETE" and "/api/tasks/" in r.url and deletes.append(r.url))
        page.get_by_role("button", name="Delete “Book dentist appointment”").click()
        expect(page.get_by_test_id("task-row")).to_have_count(4)
        toasts = page.get_by_role("region", name="Notifications")
        watch.accessible(page, "undo toast")
        toasts.get_by_role("button", name="Undo").click()
        expect(page.get_by_test_id("task-row")).to_have_count(5)
        expect(toasts.get_by_text("Restored “Book dentist appointment”.")).to_be_visible()
        assert deletes == []

        page.get_by_label("Select “Plan team offsite”").check()
        page.get_by_label("Select “Renew passport”").check()
        page.get_by_role("button", name="Complete selected").click()
        expect(page.get_by_text("2 tasks completed.")).to_be_visible()
        expect(page.locator("[role=switch][aria-checked=true]")).to_have_count(3)
        watch.accessible(page, "three done")
        screenshot(page, "tasks")

        # Offline: a banner says so; a save fails at once and says why; nothing is sent once back online.
        writes: list[str] = []
        page.on("request", lambda r: r.method != "GET" and "/api/tasks" in r.url and writes.append(r.method))
        context.set_offline(True)
        banner = page.get_by_text("You are offline. Nothing can be saved until the connection is back")
        expect(banner).to_be_visible()
        watch.accessible(page, "offline")
        page.get_by_role("button", name="New task").first.click()
        dialog = page.get_by_role("dialog", name="New task")
        dialog.get_by_label("Title").fill("Never sent")
        dialog.get_by_role("button", name="Create task").click()
        expect(dialog.get_by_text("You are offline: nothing was sent.")).to_be_visible()
        dialog.get_by_role("button", name="Cancel").click()
        # What was typed is not saved: closing asks first.
        discard = page.get_by_role("alertdialog", name="Discard your changes?")
        watch.accessible(page, "offline, discard changes?")
        discard.get_by_role("button", name="Discard changes").click()
        expect(dialog).to_be_hidden()
        context.set_offline(False)
        expect(banner).to_be_hidden()
        expect(page.get_by_test_id("task-row")).to_have_count(5)

        # 4. The dashboard's cards and charts show the change.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
        expect(stat(page, "total-tasks")).to_have_text("5")  # "Never sent" never was
        assert writes == []
        expect(stat(page, "completed")).to_have_text("3")
        expect(stat(page, "overdue")).to_have_text("1")
        expect(page.get_by_test_id("bar-done")).to_have_attribute("data-value", "3")
        expect(page.get_by_test_id("bar-high")).to_have_attribute("data-value", "2")
        expect(page.get_by_test_id(f"day-{TODAY.isoformat()}")).to_have_attribute("data-value", "3")
        watch.accessible(page, "charts")
        screenshot(page, "dashboard")

        # 5. A second session (another device, through the API) shows up, and revoking it works at once.
        status, phone = api(base_url, "POST", "/api/auth/login/", {"email": EMAIL, "password": PASSWORD}, agent="Phone")
        assert status == 200
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
        rows = page.get_by_test_id("session-row")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text="This device")).to_have_count(1)
        expect(rows.filter(has_text="Headless Chrome on Linux")).to_have_count(1)
        watch.accessible(page, "two sessions")
        page.get_by_role("button", name=re.compile(r"^Revoke Phone")).click()
        confirm = page.get_by_role("alertdialog", name="Revoke this session?")
        watch.accessible(page, "confirm revoke")
        confirm.get_by_role("button", name="Revoke", exact=True).click()
        expect(rows).to_have_count(1)
        # Its Revoke is gone with the row, and this device's row has none: the focus is on the card's heading.
        expect(page.get_by_role("heading", name="Active sessions")).to_be_focused()
        expect(page.get_by_role("region", name="Notifications").get_by_text("Signed out Phone.")).to_be_visible()
        expect(rows.first).to_contain_text("This device")
        assert api(base_url, "GET", "/api/tasks/", access=phone["access"])[0] == 401
        screenshot(page, "account")

        # Dark: from the system's preference, then chosen on this device (remembered across a reload).
        # axe checks the contrast of every page and dialog in it.
        page.emulate_media(color_scheme="dark")
        expect(page.locator("html")).to_have_css("background-color", DARK_BG)
        watch.accessible(page, "dark")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
        expect(page.get_by_test_id("task-row")).to_have_count(5)
        watch.accessible(page, "dark")
        page.get_by_role("button", name="Edit “Renew passport”").click()
        expect(page.get_by_role("dialog", name="Edit “Renew passport”", exact=True)).to_be_visible()
        watch.accessible(page, "dark, edit dialog")
        page.keyboard.press("Escape")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
        expect(page.get_by_test_id("bar-done")).to_have_attribute("data-value", "3")
        watch.accessible(page, "dark")
        screenshot(page, "dashboard-dark")
        page.emulate_media(color_scheme="light")
        expect(page.locator("html")).not_to_have_css("background-color", DARK_BG)
        page.get_by_label("Theme").select_option("dark")
        expect(page.locator("html")).to_have_css("background-color", DARK_BG)
        page.reload()
        expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        expect(page.locator("html")).to_have_css("background-color", DARK_BG)
        expect(page.get_by_label("Theme")).to_have_value("dark")
        watch.accessible(page, "dark, chosen")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
        expect(page.get_by_test_id("session-row")).to_have_count(1)
        watch.accessible(page, "dark, chosen")

        # 6. Sign out (the theme stays: a device preference, not the account's), then back in.
        page.get_by_role("button", name="Sign out", exact=True).click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        watch.accessible(page, "signed out, dark")
        page.get_by_label("Theme").select_option("system")
        expect(page.locator("html")).not_to_have_attribute("data-theme", re.compile(".*"))
        watch.accessible(page, "signed out")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
        expect(stat(page, "completed")).to_have_text("3")

        # Narrow phone screens: nothing overflows sideways (WCAG 1.4.10), the session rows' long user agent included.
        main_nav = page.get_by_role("navigation", name="Main")
        for width in (375, 360):
            page.set_viewport_size({"width": width, "height": 780})
            for link, ready in (
                ("Dashboard", page.get_by_test_id(f"day-{TODAY.isoformat()}")),
                ("Tasks", page.get_by_test_id("task-row").first),
                ("Account", page.get_by_test_id("session-row").first),
                ("Security", page.get_by_role("heading", name="Passkeys")),
            ):
                main_nav.get_by_role("link", name=link, exact=True).click()
                expect(ready).to_be_visible()
                assert not overflows_sideways(page), f"{link} overflows sideways at {width} px"
                watch.accessible(page, f"{width} px wide")
            # The day chart is drawn at its own width there: its day labels stay readable (they were about 5 px).
            main_nav.get_by_role("link", name="Dashboard").click()
            labels = page.locator("[data-testid^=day-] .chart__label")
            expect(labels.first).to_be_visible()
            heights = labels.evaluate_all("(labels) => labels.map((label) => label.getBoundingClientRect().height)")
            assert 3 <= len(heights) < 14, f"{len(heights)} day labels at {width} px: a few, not all 14"
            assert min(heights) >= 11, f"day labels at {width} px are {heights} px tall"
            # So are the category charts: their labels are body text size there too (they were about 11 px).
            sizes = page.locator("[data-testid^=bar-] .chart__label").evaluate_all(RENDERED_FONT_SIZES)
            body = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
            assert len(sizes) == 6, sizes
            assert min(sizes) >= 12, f"category labels at {width} px are {sizes} px"
            assert all(abs(size - body) < 0.5 for size in sizes), f"{sizes} px at {width} px, the body text {body} px"

        # Toasts across a phone's width still let the page's end be scrolled clear of them: three deletions, each
        # with its Undo, then the last row is above them; each Undo then brings its task back.
        main_nav.get_by_role("link", name="Tasks").click()
        for title in ("Review pull request #42", "Plan team offsite", "Renew passport"):
            page.get_by_role("button", name=f"Delete “{title}”").click()
        toasts = page.get_by_role("region", name="Notifications")
        expect(toasts.get_by_role("button", name="Undo")).to_have_count(3)
        toasts.hover()  # their time stands still meanwhile: no deletion is sent while the page is checked
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        last_row = page.get_by_test_id("task-row").last.bounding_box()
        assert last_row["y"] + last_row["height"] <= toasts.bounding_box()["y"], "the toasts cover the last row"
        screenshot(page, "tasks-360px-toasts", full_page=False)
        watch.accessible(page, "three undo toasts, 360 px wide")
        for _ in range(3):
            toasts.get_by_role("button", name="Undo").first.click()
        expect(page.get_by_test_id("task-row")).to_have_count(5)
        screenshot(page, "tasks-360px")

        watch.assert_clean(page)
