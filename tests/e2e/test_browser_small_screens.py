"""The built SPA on small screens, in Chromium: a 320 px wide window (a phone, or a laptop at 400% zoom: WCAG 1.4.10,
reflow) shows every page without scrolling sideways, and focus moved by the keyboard is never under the sticky top
bar (WCAG 2.4.11), on a phone-sized window or a desktop one.

Layout is measured, not timed: each assertion waits for what it measures to be on screen first.
"""

import pyotp
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import PASSWORD, api, chromium_context, screenshot
from tests.e2e.test_browser_mfa import served_on_localhost
from tests.support.smtp import link_in

# Long enough to be wider than a 320 px screen when it does not wrap; a real address (64 characters at most before @).
LONG_EMAIL = "maximiliana.wolfeschlegelsteinhausen@very-long-subdomain.example.com"
TWO_STEP_EMAIL = "bartholomew.featherstonehaugh-cholmondeley@example.com"
PHONE = {"width": 320, "height": 640}

# What sticks out past the right edge of the window: the page's scroll width and the elements beyond it, named.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const beyond = [...document.querySelectorAll('body *')]
    .filter((element) => !element.parentElement.closest('.visually-hidden'))  // clipped by it
    .filter((element) => element.getBoundingClientRect().right > width + 0.5)
    .slice(0, 8)
    .map((element) => {
      const right = Math.round(element.getBoundingClientRect().right);
      const text = (element.textContent || '').trim().slice(0, 40);
      const name = `<${element.tagName.toLowerCase()} class="${element.getAttribute('class') || ''}">`;
      return `${name} right=${right}: ${text}`;
    });
  return { scrollWidth: document.documentElement.scrollWidth, width, beyond };
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served_on_localhost(tmp_path_factory.mktemp("small-screens")) as served:
        status, body = api(served.url, "POST", "/api/auth/register/", {"email": LONG_EMAIL, "password": PASSWORD})
        assert status == 201, body
        for number in range(12):
            task = {"title": f"Task number {number} with a title long enough to wrap on a phone", "priority": "high"}
            status, created = api(served.url, "POST", "/api/tasks/", task, access=body["access"])
            assert status == 201, created
        yield served


def assert_fits(page, where: str) -> None:
    measured = page.evaluate(OVERFLOW)
    screenshot(page, f"small-screen-{where}")
    width = measured["width"]
    assert measured["scrollWidth"] <= width, f"{where} scrolls sideways at {width} px: {measured}"


def sign_in(page, base_url: str, email: str = LONG_EMAIL) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name=f"Hello, {email.split('@')[0]}")).to_be_visible()


def test_the_top_bar_and_every_signed_in_page_fit_a_320_px_screen(server, tmp_path):
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        sign_in(page, server.url)
        # The dashboard's charts are on screen (and their tables for screen readers, hidden, with 14 rows of dates).
        expect(page.get_by_role("table", name="Tasks completed per day: 0 in 14 days")).to_be_attached()
        links = page.get_by_role("navigation", name="Main").get_by_role("link")
        expect(links).to_have_count(4)
        # The four links on one row, under the brand and the user's controls (not a fifth row-high strip of the
        # screen for one link on a line of its own).
        tops = {round(box["y"]) for box in (link.bounding_box() for link in links.all()) if box}
        assert len(tops) == 1, f"the navigation's links are on {len(tops)} rows: {tops}"
        assert_fits(page, "dashboard")
        for path, heading in (("/tasks", "Tasks"), ("/account", "Account"), ("/security", "Security")):
            page.goto(server.url + path)
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            assert_fits(page, path.strip("/"))


def test_with_a_larger_text_size_the_links_take_a_second_row_rather_than_widen_the_page(server, tmp_path):
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        sign_in(page, server.url)
        # The browser's text size at 125% (its default font size 20 px): the rem-sized text grows with it.
        page.evaluate("document.documentElement.style.fontSize = '20px'")
        links = page.get_by_role("navigation", name="Main").get_by_role("link")
        expect(links).to_have_count(4)
        assert_fits(page, "dashboard-larger-text")


# WCAG 1.4.12's text spacing, as a user's style sheet sets it; a constructed sheet (the page's CSP does not refuse it).
TEXT_SPACING = """() => {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
                         word-spacing: 0.16em !important; }`);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}"""

# Each bar chart row: where its label ends and where its bar starts, in the chart's units (CSS px).
BAR_LABELS = """() => [...document.querySelectorAll('g[data-testid^="bar-"]')].map((row) => {
  const label = row.querySelector('.chart__label').getBBox();
  return { label: row.querySelector('.chart__label').textContent, right: label.x + label.width,
           bar: Number(row.querySelector('.chart__track').getAttribute('x')) };
})"""


def test_with_text_spacing_every_bar_label_ends_before_its_bar(server, tmp_path):
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        sign_in(page, server.url)
        expect(page.get_by_test_id("bar-in_progress")).to_be_visible()
        page.evaluate(TEXT_SPACING)
        rows = page.evaluate(BAR_LABELS)
        assert {row["label"] for row in rows} >= {"In progress"}, rows
        screenshot(page, "dashboard-text-spacing")
        # A little room (4 px) between the label and its bar, not merely no overlap.
        overlapping = [row for row in rows if row["right"] + 4 > row["bar"]]
        assert not overlapping, f"labels running into their bars with WCAG text spacing: {overlapping}"


def test_a_long_email_address_wraps_in_the_security_notice_and_on_the_signed_out_pages(server, tmp_path):
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        page.goto(server.url + "/forgot-password")
        page.get_by_label("Email").fill(LONG_EMAIL)
        page.get_by_role("button", name="Send reset link").click()
        expect(page.get_by_text(f"If an account exists for {LONG_EMAIL}")).to_be_visible()
        assert_fits(page, "forgot-password-sent")

        sign_in(page, server.url)
        page.goto(server.url + "/security")
        notice = page.get_by_text(f"Open the link we emailed to {LONG_EMAIL}, then come back here.")
        expect(notice).to_be_visible()
        assert_fits(page, "security-unconfirmed")


def test_a_button_label_wider_than_its_card_wraps_inside_the_card(server, tmp_path):
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        sign_in(page, server.url)
        page.goto(server.url + "/security")
        card = page.get_by_role("region", name="Authenticator app")
        button = card.get_by_role("button", name="Set up an authenticator app")
        expect(button).to_be_visible()
        card_box, button_box = card.bounding_box(), button.bounding_box()
        assert card_box
        assert button_box
        assert button_box["x"] + button_box["width"] <= card_box["x"] + card_box["width"], (card_box, button_box)


# Each group of four characters of the key, and how many lines it is drawn on.
KEY_GROUPS = """(element) => {
  const text = element.firstChild;
  const groups = [];
  for (const match of text.data.matchAll(/\\S+/g)) {
    const range = document.createRange();
    range.setStart(text, match.index);
    range.setEnd(text, match.index + match[0].length);
    groups.push([match[0], new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size]);
  }
  return groups;
}"""


def test_the_authenticator_key_and_the_recovery_codes_dialog_fit_a_320_px_screen(server, tmp_path):
    status, body = api(server.url, "POST", "/api/auth/register/", {"email": TWO_STEP_EMAIL, "password": PASSWORD})
    assert status == 201, body
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path, accept_downloads=True) as context:
        page = context.new_page()
        page.set_viewport_size(PHONE)
        message = server.mailbox.wait_for(to=TWO_STEP_EMAIL, subject="Confirm your email address")[0]
        page.goto(link_in(message, "/verify-email"))
        expect(page.get_by_text(f"{TWO_STEP_EMAIL} is verified.")).to_be_visible()
        assert_fits(page, "email-verified")
        sign_in(page, server.url, TWO_STEP_EMAIL)
        page.goto(server.url + "/security")
        totp = page.get_by_role("region", name="Authenticator app")
        totp.get_by_role("button", name="Set up an authenticator app").click()
        key = totp.get_by_test_id("totp-secret")
        expect(key).to_be_visible()
        # Typed by hand from a phone: a group split over two lines reads as two groups.
        groups = key.evaluate(KEY_GROUPS)
        assert len(groups) == 8, groups
        assert [group for group, lines in groups if lines != 1] == [], groups
        assert_fits(page, "authenticator-setup")

        secret = key.inner_text().replace(" ", "").replace("\n", "")
        totp.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
        totp.get_by_role("button", name="Turn on").click()
        saving = page.get_by_role("dialog", name="Save your recovery codes")
        download = saving.get_by_role("button", name="Download as .txt")
        expect(download).to_be_attached()
        screenshot(page, "small-screen-recovery-codes", full_page=False)
        # Its buttons inside it: none reached only by scrolling the dialog sideways.
        widths = saving.evaluate("(dialog) => [dialog.scrollWidth, dialog.clientWidth]")
        assert widths[0] <= widths[1], f"the dialog scrolls sideways: {widths}"
        dialog_box, button_box = saving.bounding_box(), download.bounding_box()
        assert dialog_box
        assert button_box
        assert button_box["x"] + button_box["width"] <= dialog_box["x"] + dialog_box["width"], (dialog_box, button_box)


# The focused element's top and the top bar's bottom, in the window.
FOCUS_AND_BAR = """() => {
  const focused = document.activeElement.getBoundingClientRect();
  const bar = document.querySelector('.topbar').getBoundingClientRect();
  return { name: document.activeElement.getAttribute('aria-label') || document.activeElement.textContent.trim(),
           top: focused.top, bottom: focused.bottom, bar: bar.bottom };
}"""


@pytest.mark.parametrize(
    ("viewport", "options"),
    [
        pytest.param({"width": 390, "height": 844}, {"is_mobile": True, "has_touch": True}, id="phone"),
        pytest.param({"width": 1280, "height": 800}, {}, id="desktop"),
    ],
)
def test_focus_moved_back_with_shift_tab_is_never_under_the_sticky_top_bar(server, tmp_path, viewport, options):
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path, **options) as context:
        page = context.new_page()
        page.set_viewport_size(viewport)
        sign_in(page, server.url)
        page.goto(server.url + "/tasks")
        rows = page.get_by_test_id("task-row")
        expect(rows).to_have_count(10)
        # From the last row's last button, back up the list: each control the focus reaches is scrolled into view.
        last = rows.last.get_by_role("button", name="Delete", exact=False)
        last.scroll_into_view_if_needed()
        last.focus()
        hidden = []
        for _ in range(30):
            page.keyboard.press("Shift+Tab")
            where = page.evaluate(FOCUS_AND_BAR)
            if where["top"] < where["bar"] and page.evaluate("!document.activeElement.closest('.topbar')"):
                hidden.append(where)
        assert hidden == [], f"focused controls under the top bar: {hidden}"
