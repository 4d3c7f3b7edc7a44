"""An account's whole life in the built SPA in Chromium, served by gunicorn with real SMTP (PostgreSQL + Redis under
`make test-e2e`), with EMAIL_VERIFICATION=mandatory: register, be refused until the address is verified, open the
emailed link, change the address through the link mailed to the new one, sign in with it, download the account's
data, read the security activity, and delete the account with the typed confirmation.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import (
    PASSWORD,
    PageWatch,
    chromium_context,
    e2e_database_url,
    screenshot,
    verify_email_through_the_link,
)
from tests.e2e.servers import ROOT, gunicorn_running, local_env
from tests.support.net import free_port
from tests.support.smtp import SmtpServer, link_in

EMAIL = "grace@example.com"
NEW_EMAIL = "grace.hopper@example.org"
TASK = "Teach the compiler to read English"


@pytest.fixture(scope="module")
def mailbox():
    """The SMTP server the app sends to (its own, not the backend tests' per-test ``smtp`` fixture)."""
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, mailbox):
    """gunicorn (two workers) sending its email to ``mailbox``; FRONTEND_URL is its own address, so the emailed links
    open this very server's SPA."""
    tmp = tmp_path_factory.mktemp("spa")
    port = free_port()
    with e2e_database_url() as database_url:
        env = local_env(
            tmp,
            port,
            CACHE_KEY_PREFIX=f"e2e-{port}",
            WEB_CONCURRENCY="2",
            FRONTEND_URL=f"http://127.0.0.1:{port}",
            EMAIL_VERIFICATION="mandatory",
            **mailbox.environment(),
        )
        if database_url:
            env["DATABASE_URL"] = database_url
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True)
        with gunicorn_running(env=env, port=port, stdout=tmp / "gunicorn.log") as url:
            yield url


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_register_verify_change_email_export_and_delete_the_account(base_url, mailbox, tmp_path):
    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path, accept_downloads=True) as context:
        page = context.new_page()
        watch.attach(page)

        # 1. Register: the server wants the address verified first, so there is no session, only "check your inbox".
        page.goto(base_url + "/register")
        expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
        watch.accessible(page)
        page.get_by_label("Name").fill("Grace Hopper")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        heading = page.get_by_role("heading", name="Check your inbox")
        expect(heading).to_be_focused()
        expect(page).to_have_title("Check your inbox · Scalable Auth Dashboard")
        expect(page.get_by_text(f"We sent a link to {EMAIL}")).to_be_visible()
        watch.accessible(page, "check your inbox")
        screenshot(page, "check-inbox")

        # Signing in before opening the link is refused, with the way forward.
        page.get_by_role("link", name="Sign in").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        sign_in(page, EMAIL)
        expect(page.get_by_text("Your email address is not verified yet.")).to_be_visible()
        watch.accessible(page, "email not verified")
        page.get_by_role("button", name="Resend the link").click()
        expect(page.get_by_text(f"A new link is on its way to {EMAIL}.")).to_be_visible()

        # 2. The emailed link (the first; the resent one works as well) verifies the address, once.
        link = verify_email_through_the_link(page, watch, mailbox, EMAIL, count=2)
        page.goto(link)
        expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
        watch.accessible(page, "used link")
        page.get_by_role("link", name="Back to sign in").click()
        # The focus moves to the new page's heading as the page shows, never after a field has it.
        expect(page.get_by_role("heading", name="Sign in")).to_be_focused()
        sign_in(page, EMAIL)
        expect(page.get_by_role("heading", name="Hello, Grace")).to_be_visible()
        watch.accessible(page)

        # A task, to find in the export later.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
        page.get_by_role("button", name="New task").first.click()
        dialog = page.get_by_role("dialog", name="New task")
        dialog.get_by_label("Title").fill(TASK)
        dialog.get_by_role("button", name="Create task").click()
        expect(dialog).to_be_hidden()
        expect(page.get_by_test_id("task-row").get_by_text(TASK, exact=True)).to_be_visible()
        watch.accessible(page, "one task")

        # 3. The account page says the address is verified; change it: the link goes to the new address.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
        email_card = page.get_by_role("region", name="Email address")
        expect(email_card.get_by_text(EMAIL, exact=True)).to_be_visible()
        expect(email_card.get_by_text("Verified", exact=True)).to_be_visible()
        expect(email_card.get_by_role("button", name="Resend verification email")).to_have_count(0)
        watch.accessible(page, "verified")
        email_card.get_by_label("New email").fill(NEW_EMAIL)
        email_card.get_by_label("Current password").fill(PASSWORD)
        email_card.get_by_role("button", name="Send confirmation link").click()
        expect(email_card.get_by_text(f"If {NEW_EMAIL} can be used, a link was sent to it.")).to_be_visible()
        # The change shows as pending, with a way to cancel it, until its link is opened.
        expect(email_card.get_by_text(f"Pending change to {NEW_EMAIL}, asked")).to_be_visible()
        expect(email_card.get_by_role("button", name="Cancel this change")).to_be_visible()
        watch.accessible(page, "email change asked")

        change = mailbox.wait_for(to=NEW_EMAIL, subject="Confirm your new email address")[0]
        page.goto(link_in(change, "/confirm-email-change"))
        expect(page.get_by_role("heading", name="Email changed")).to_be_visible()
        expect(page.get_by_text(f"Your email is now {NEW_EMAIL}.")).to_be_visible()
        watch.accessible(page, "changed")
        # The session that asked for the change keeps working.
        page.get_by_role("link", name="Go to your account").click()
        email_card = page.get_by_role("region", name="Email address")
        expect(email_card.get_by_text(NEW_EMAIL, exact=True)).to_be_visible()
        expect(email_card.get_by_text("Pending change to")).to_have_count(0)

        # Sign out, and back in with the new address (the old one no longer works).
        page.get_by_role("button", name="Sign out", exact=True).click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        sign_in(page, EMAIL)
        expect(page.get_by_text("Invalid email or password.")).to_be_visible()
        sign_in(page, NEW_EMAIL)
        expect(page.get_by_role("heading", name="Hello, Grace")).to_be_visible()

        # 4. Download my data: a JSON attachment, fetched through the API client, holding the task.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
        data_card = page.get_by_role("region", name="Your data")
        with page.expect_download() as download_info:
            data_card.get_by_role("button", name="Download my data").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".json"), download.suggested_filename
        exported = json.loads(Path(download.path()).read_text(encoding="utf-8"))
        assert exported["profile"]["email"] == NEW_EMAIL
        assert [task["title"] for task in exported["tasks"]] == [TASK]
        expect(data_card.get_by_text(f"Downloaded {download.suggested_filename}.")).to_be_visible()

        # 5. The security activity shows this sign-in, marked as this session.
        activity = page.get_by_role("region", name="Security activity")
        rows = activity.get_by_test_id("activity-row")
        expect(rows.filter(has_text="Signed in").filter(has_text="This session").first).to_be_visible()
        expect(rows.filter(has_text="Email address changed")).to_have_count(1)
        watch.accessible(page, "activity")
        screenshot(page, "account-lifecycle")

        # 6. Delete the account, from the keyboard: the button stays unavailable until the address is typed exactly.
        data_card.get_by_role("button", name="Delete account…").click()
        confirm = page.get_by_role("alertdialog", name="Delete your account?")
        expect(confirm.get_by_label("Your email address")).to_be_focused()
        delete_button = confirm.get_by_role("button", name="Delete my account")
        expect(delete_button).to_have_attribute("aria-disabled", "true")
        watch.accessible(page, "delete dialog")
        page.keyboard.type(NEW_EMAIL)
        expect(delete_button).not_to_have_attribute("aria-disabled", "true")
        page.keyboard.press("Tab")
        expect(confirm.get_by_label("Current password")).to_be_focused()
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")

        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        expect(page).to_have_url(base_url + "/login")
        toasts = page.get_by_role("region", name="Notifications")
        expect(toasts.get_by_text("Your account was deleted.")).to_be_visible()
        watch.accessible(page, "account deleted")

        # 7. The account is gone: its address and password are refused like any unknown pair.
        sign_in(page, NEW_EMAIL)
        expect(page.get_by_text("Invalid email or password.")).to_be_visible()

        watch.assert_clean(page)
