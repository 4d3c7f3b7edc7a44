"""The toasts in the built SPA, in Chromium: while they show (fixed at the bottom right of a desktop window), a control
the focus moves to with Tab is scrolled clear of them, never left under them (WCAG 2.2, 2.4.11 focus not obscured).

Layout is measured, not timed: each assertion waits for what it measures to be on screen first, and the toasts stay
because the pointer is on them (their time stands still then: components/toaster.tsx), not because the test is quick.
"""

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import PASSWORD, api, chromium_context, screenshot
from tests.e2e.test_browser_mfa import served_on_localhost
from tests.e2e.test_browser_small_screens import sign_in

EMAIL = "toast.reader@example.com"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# The focused element and the toasts' region, in the window; whether their boxes cross.
FOCUS_AND_TOASTS = """() => {
  const focused = document.activeElement;
  const box = focused.getBoundingClientRect();
  const toasts = document.querySelector('.toaster').getBoundingClientRect();
  const beside = box.right > toasts.left && box.left < toasts.right;
  const crosses = beside && box.bottom > toasts.top && box.top < toasts.bottom;
  return { name: focused.getAttribute('aria-label') || focused.textContent.trim().slice(0, 60),
           inToasts: Boolean(focused.closest('.toaster')), onPage: focused !== document.body,
           crosses, beside, top: box.top, bottom: box.bottom, toastsTop: toasts.top };
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served_on_localhost(tmp_path_factory.mktemp("toasts")) as served:
        status, body = api(served.url, "POST", "/api/auth/register/", {"email": EMAIL, "password": PASSWORD})
        assert status == 201, body
        for number in range(15):
            task = {"title": f"Task number {number}", "description": "A row a little taller.", "priority": "high"}
            status, created = api(served.url, "POST", "/api/tasks/", task, access=body["access"])
            assert status == 201, created
        yield served


def test_a_control_tabbed_to_while_undo_toasts_show_is_never_under_them(server, tmp_path):
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        page.set_viewport_size(DESKTOP)
        sign_in(page, server.url, EMAIL)
        page.goto(server.url + "/tasks")
        rows = page.get_by_test_id("task-row")
        expect(rows).to_have_count(10)
        toasts = page.get_by_role("region", name="Notifications")
        undo = toasts.get_by_role("button", name="Undo")
        # Three deletions, three Undo toasts (the most that show). The pointer rests on them from the first on, so
        # none goes while the test runs; the others are deleted from the keyboard, which leaves the pointer there.
        first = rows.first.get_by_role("button", name="Delete", exact=False)
        first.focus()
        page.keyboard.press("Enter")
        expect(undo).to_have_count(1)
        toasts.hover()
        for count in (2, 3):
            rows.first.get_by_role("button", name="Delete", exact=False).focus()
            page.keyboard.press("Enter")
            expect(undo).to_have_count(count)
        expect(rows).to_have_count(7)  # hidden until sent; the page still scrolls
        # From the top of the page, forward through every control up to the toasts' own buttons.
        page.locator("#main").focus()
        page.evaluate("window.scrollTo(0, 0)")
        hidden, beside, reached = [], [], 0
        for _ in range(120):
            page.keyboard.press("Tab")
            where = page.evaluate(FOCUS_AND_TOASTS)
            if where["inToasts"] or not where["onPage"]:
                break
            reached += 1
            if where["beside"]:
                beside.append(where["name"])
            if where["crosses"]:
                hidden.append(where)
        screenshot(page, "toasts-tabbed-past", full_page=False)
        expect(undo).to_have_count(3)
        # The walk went down the whole list, through controls in the toasts' columns (the rows' Edit and Delete
        # buttons), which a page without room for the toasts leaves under them.
        assert reached > 30, f"Tab reached only {reached} controls before the toasts"
        assert len(beside) > 10, f"few focused controls in the toasts' columns: {beside}"
        assert hidden == [], f"focused controls under the toasts: {hidden}"


def test_on_a_phone_tabbing_among_the_toasts_buttons_leaves_the_page_where_it_is(server, tmp_path):
    # On a phone the toasts are sticky, in the page (responsive.css): the room kept for them must not send the page
    # after their own buttons, which are always in it.
    phone = {"is_mobile": True, "has_touch": True}
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path, **phone) as context:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        sign_in(page, server.url, EMAIL)
        page.goto(server.url + "/tasks")
        rows = page.get_by_test_id("task-row")
        expect(rows).to_have_count(10)
        rows.nth(3).get_by_role("button", name="Delete", exact=False).focus()
        page.keyboard.press("Enter")
        undo = page.get_by_role("region", name="Notifications").get_by_role("button", name="Undo")
        undo.focus()  # its time stands still from now on
        page.evaluate("window.scrollTo(0, 300)")
        expect(undo).to_be_in_viewport()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Dismiss")).to_be_focused()
        page.keyboard.press("Shift+Tab")
        expect(undo).to_be_focused()
        assert page.evaluate("window.scrollY") == 300


# The room the page keeps for the toasts (toaster.tsx), and what it should be: their height, the 16 px gap below them
# and 8 px for a focus ring.
TOASTS_ROOM = """() => ({ room: document.documentElement.style.getPropertyValue('--toasts-room'),
           height: document.querySelector('.toaster').offsetHeight })"""
HEAR_THE_NEXT_RESIZE = """() => {
  window.__resized = false;
  addEventListener('resize', () => (window.__resized = true), { once: true });
}"""


def test_the_room_kept_for_the_toasts_follows_them_when_a_narrower_window_wraps_them(server, tmp_path):
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        page.set_viewport_size(DESKTOP)
        sign_in(page, server.url, EMAIL)
        page.goto(server.url + "/tasks")
        rows = page.get_by_test_id("task-row")
        expect(rows).to_have_count(10)
        rows.first.get_by_role("button", name="Delete", exact=False).focus()
        page.keyboard.press("Enter")
        undo = page.get_by_role("region", name="Notifications").get_by_role("button", name="Undo")
        undo.focus()  # its time stands still from now on, wherever the pointer is
        wide = page.evaluate(TOASTS_ROOM)
        assert wide["room"] == f"{wide['height'] + 24}px", wide

        # The window's resize event, heard here after the page's own listeners: once it is, they have run.
        page.evaluate(HEAR_THE_NEXT_RESIZE)
        page.set_viewport_size({"width": 320, "height": 800})
        page.wait_for_function("() => window.__resized")
        narrow = page.evaluate(TOASTS_ROOM)
        screenshot(page, "toasts-narrow-window", full_page=False)
        expect(undo).to_be_focused()
        # Its message now on more lines: the toast is taller, and the room kept for it with it.
        assert narrow["height"] > wide["height"], (wide, narrow)
        assert narrow["room"] == f"{narrow['height'] + 24}px", (wide, narrow)
