"""Browser end-to-end support: Debian's Chromium under Python Playwright, against the built SPA.

A missing Chromium or an unbuilt SPA fails the test with the fix in the message; it never skips.
"""

import json
import os
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.a11y import axe_violations, describe, failing
from tests.support.smtp import SmtpServer, link_in

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "e2e"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# No sandbox (root in CI), nothing that phones home: docs/architecture.md, "Conventions".
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "e2e-Strong-pass-1"

# Collects CSP violations in the page (they also show as console errors, but this names them).
CSP_WATCH = """
document.addEventListener('securitypolicyviolation', (event) => {
  (window.__cspViolations = window.__cspViolations || []).push(
    `${event.violatedDirective} blocked ${event.blockedURI || 'inline'}` +
    ` at ${event.sourceFile}:${event.lineNumber}:${event.columnNumber}`);
});
"""


def require_chromium_and_build() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM=/path)")
    if not (ROOT / "frontend" / "dist" / "index.html").is_file():
        pytest.fail("The SPA is not built: run `make frontend-build` (make test-e2e does it first)")


@contextmanager
def e2e_database_url() -> Iterator[str | None]:
    """On the PostgreSQL leg, a fresh database on that server (dropped afterwards); else None (SQLite)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        yield None
        return
    import psycopg

    parts = urlsplit(url.replace("pgsql://", "postgresql://", 1))
    name = f"e2e_browser_{secrets.token_hex(4)}"
    admin_url = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class PageWatch:
    """What went wrong in the page: uncaught errors, console errors other than expected HTTP errors, and
    accessibility: `accessible(page)` runs axe on the page as it is, and `assert_clean` fails if a route
    the pages showed was never checked."""

    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    routes_shown: set[str] = field(default_factory=set)
    routes_checked: set[str] = field(default_factory=set)

    def attach(self, page) -> None:
        page.add_init_script(CSP_WATCH)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", self._console)
        # Every URL the page shows, history API navigations included.
        page.on("framenavigated", lambda frame: self._shown(page, frame))

    def _shown(self, page, frame) -> None:
        url = urlsplit(frame.url)
        if frame == page.main_frame and url.scheme in ("http", "https"):
            self.routes_shown.add(url.path)

    def accessible(self, page, what: str = "") -> None:
        """No serious or critical axe violation on the page as it is now (a dialog open, a theme, …)."""
        problems = failing(axe_violations(page))
        where = f"{urlsplit(page.url).path}{f' ({what})' if what else ''}"
        assert problems == [], f"axe found serious or critical problems on {where}:\n{describe(problems)}"
        self.routes_checked.add(urlsplit(page.url).path)

    def open(self, context, url: str, heading: str):
        """A new tab of ``context`` at ``url``, watched, and checked with axe once ``heading`` shows."""
        page = context.new_page()
        self.attach(page)
        page.goto(url)
        self.shows(page, heading)
        return page

    def shows(self, page, heading: str) -> None:
        """``heading`` is on screen (waiting for it), and the page as it is passes axe."""
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        self.accessible(page)

    def _console(self, message) -> None:
        # A refused refresh on first load or a 401 before a refresh are expected HTTP answers.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.console_errors.append(message.text)

    def assert_clean(self, *pages) -> None:
        violations = [v for page in pages for v in (page.evaluate("window.__cspViolations || []"))]
        assert violations == [], f"CSP violations: {violations}"
        assert self.page_errors == [], f"uncaught errors: {self.page_errors}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        unchecked = sorted(self.routes_shown - self.routes_checked)
        assert unchecked == [], f"pages shown but never checked with axe (watch.accessible): {unchecked}"


@contextmanager
def chromium_context(playwright, tmp: Path, **options) -> Iterator:
    """A fresh profile (user-data dir) per test; the context is the browser's one window set."""
    require_chromium_and_build()
    context = playwright.chromium.launch_persistent_context(
        str(tmp / "chromium-profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1280, "height": 860},
        **options,
    )
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def wait_until(page, condition, *, what: str, attempts: int = 250) -> None:
    """Let the page's events arrive (Playwright dispatches them while it waits) until `condition()` holds."""
    for _ in range(attempts):
        if condition():
            return
        page.wait_for_timeout(20)
    pytest.fail(f"never happened: {what}")


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def api(base_url: str, method: str, path: str, body: dict | None = None, *, access: str = "", agent: str = "e2e"):
    """One JSON request to the served API outside the browser (another device): (status, body)."""
    headers = {"Content-Type": "application/json", "User-Agent": agent}
    if access:
        headers["Authorization"] = f"Bearer {access}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def verify_email_through_the_link(page, watch: PageWatch, mailbox: SmtpServer, email: str, *, count: int = 1) -> str:
    """Open in ``page`` the verification link emailed to ``email`` (the first, once ``count`` such emails arrived at
    ``mailbox``, the served app's SMTP server), as the mailbox's owner does: the address is then confirmed. Returns
    the link (it works once)."""
    message = mailbox.wait_for(to=email, subject="Confirm your email address", count=count)[0]
    link = link_in(message, "/verify-email")
    page.goto(link)
    watch.shows(page, "Email verified")
    expect(page.get_by_text(f"{email} is verified.")).to_be_visible()
    return link


def register_through_the_form(page, watch: PageWatch, base_url: str, email: str) -> None:
    """Create an account in ``page`` as a user does; the dashboard then greets the address' local part."""
    page.goto(base_url + "/register")
    watch.shows(page, "Create your account")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    watch.shows(page, f"Hello, {email.split('@')[0]}")
