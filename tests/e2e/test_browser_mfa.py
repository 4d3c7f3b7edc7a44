"""Multi-factor authentication in the built SPA in Chromium, served by gunicorn, with Chromium's virtual authenticator
(DevTools protocol, WebAuthn domain) standing in for a platform passkey (docs/mfa.md).

1. Register; the security page asks to confirm the address before any factor (the add buttons are disabled); open
   the emailed link (real SMTP); turn on the authenticator app with a real code (pyotp, from the key the page shows),
   save the recovery codes, add a passkey; sign out; sign in with the password and a recovery code; sign out; sign in
   with the passkey alone.
2. With the session's last authentication made older than REAUTH_MAX_AGE_SECONDS before each sensitive action (in
   the server's database, not by waiting), it asks "Confirm it's you" and then completes: adding a passkey (a
   one-step session: the password), then changing the password (a two-step session: the passkey, no password
   offered). The confirmation counts for REAUTH_MAX_AGE_SECONDS (a minute here), which bounds how long the
   interrupted action may take to go on, however slow the machine.

WebAuthn refuses an IP address as relying party id: the server is opened at http://localhost:<port> and told so
(WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS, FRONTEND_URL).
"""

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pyotp
import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import (
    PASSWORD,
    PageWatch,
    chromium_context,
    e2e_database_url,
    register_through_the_form,
    screenshot,
    verify_email_through_the_link,
)
from tests.e2e.servers import ROOT, gunicorn_running, local_env
from tests.support.net import free_port
from tests.support.smtp import SmtpServer

EMAIL = "grace@example.com"
NEW_PASSWORD = "e2e-Even-stronger-2"
PASSKEY_NAME = "Chromium test key"

VIRTUAL_AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


class Served(NamedTuple):
    url: str  # http://localhost:<port>
    env: dict[str, str]  # the server's environment, for manage.py on the same database
    mailbox: SmtpServer  # where it sends its email (the verification links)


@contextmanager
def served_on_localhost(tmp: Path, **extra: str) -> Iterator[Served]:
    """gunicorn on a fresh database, answering at http://localhost:<port>, the WebAuthn relying party ``localhost``,
    sending its email over SMTP to a server of its own (an account confirms its address there before it may add a
    factor: verify_email_through_the_link).

    gunicorn binds 127.0.0.1 (servers.local_env), which ``localhost`` reaches; the browser must use the name.
    """
    port = free_port()
    origin = f"http://localhost:{port}"
    with SmtpServer() as mailbox, e2e_database_url() as database_url:
        env = local_env(
            tmp,
            port,
            CACHE_KEY_PREFIX=f"e2e-{port}",
            FRONTEND_URL=origin,
            WEBAUTHN_RP_ID="localhost",
            WEBAUTHN_ORIGINS=origin,
            **mailbox.environment(),
            **extra,
        )
        if database_url:
            env["DATABASE_URL"] = database_url
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True)
        with gunicorn_running(env=env, port=port, stdout=tmp / "gunicorn.log") as url:
            yield Served(url.replace("http://127.0.0.1:", "http://localhost:"), env, mailbox)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served_on_localhost(tmp_path_factory.mktemp("mfa")) as served:
        yield served


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    """A confirmation counts for a minute: long enough for the action it interrupted to go on, on any machine. The
    test makes the session older than that before each sensitive action (authentication_aged)."""
    with served_on_localhost(tmp_path_factory.mktemp("mfa-reauth"), REAUTH_MAX_AGE_SECONDS="60") as served:
        yield served


def wrong_code(secret: str) -> str:
    """A 6-digit code the app does not show now (nor in the steps either side that the server also accepts)."""
    totp = pyotp.TOTP(secret)
    accepted = {totp.at(time.time(), counter_offset=step) for step in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def authentication_aged(env: dict[str, str], email: str) -> None:
    """As if every session of ``email`` last authenticated just longer ago than REAUTH_MAX_AGE_SECONDS: in the
    database of the server with environment ``env``, which each sensitive action reads (no cache in between)."""
    code = f"""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from backend.accounts.models import AuthSession

age = timedelta(seconds=settings.REAUTH_MAX_AGE_SECONDS + 1)
assert AuthSession.objects.filter(user__email={email!r}).update(authenticated_at=timezone.now() - age)
"""
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True)


def with_virtual_authenticator(context, page) -> None:
    """A platform authenticator that keeps discoverable passkeys and says yes at once (user verified)."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": VIRTUAL_AUTHENTICATOR})


def go_to_security(page, watch: PageWatch) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Security").click()
    watch.shows(page, "Security")


def register_and_confirm(page, watch: PageWatch, served: Served, email: str) -> None:
    """Register through the form, then open the emailed verification link: a second factor needs a confirmed
    address (docs/mfa.md). Ends on the dashboard, signed in."""
    register_through_the_form(page, watch, served.url, email)
    verify_email_through_the_link(page, watch, served.mailbox, email)
    page.goto(served.url + "/")
    watch.shows(page, f"Hello, {email.split('@')[0]}")


def add_passkey(page, watch: PageWatch) -> None:
    """Passkeys panel → named → the browser creates it (virtual authenticator) → saved and listed."""
    passkeys = page.get_by_role("region", name="Passkeys")
    passkeys.get_by_role("button", name="Add a passkey").click()
    naming = page.get_by_role("dialog", name="Name your passkey")
    expect(naming.get_by_label("Name")).to_have_value("Passkey")
    watch.accessible(page, "naming a passkey")
    naming.get_by_label("Name").fill(PASSKEY_NAME)
    naming.get_by_role("button", name="Save passkey").click()
    expect(naming).to_be_hidden()
    expect(passkeys.get_by_test_id("passkey-row").filter(has_text=PASSKEY_NAME)).to_be_visible()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()


def test_totp_recovery_codes_passkey_and_passwordless_sign_in(server, tmp_path):
    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path, accept_downloads=True) as context:
        page = context.new_page()
        watch.attach(page)
        with_virtual_authenticator(context, page)
        register_through_the_form(page, watch, server.url, EMAIL)

        # 0. Before the address is confirmed, no factor can be added: the page says why, and how.
        go_to_security(page, watch)
        why = "Confirm your email address to turn on two-step verification or add a passkey."
        notice = page.get_by_text(why)
        expect(notice).to_be_visible()
        for button in ("Set up an authenticator app", "Add a passkey"):
            expect(page.get_by_role("button", name=button)).to_be_disabled()
            expect(page.get_by_role("button", name=button)).to_have_accessible_description(
                f"{why} Open the link we emailed to {EMAIL}, then come back here."
            )
        watch.accessible(page, "address not confirmed")
        verify_email_through_the_link(page, watch, server.mailbox, EMAIL)
        page.goto(server.url + "/security")
        watch.shows(page, "Security")
        expect(notice).to_have_count(0)

        # 1. The authenticator app: the QR code and the key, then a real code computed from that key.
        session_card = page.get_by_role("region", name="This session")
        expect(session_card.get_by_text("Password", exact=True)).to_be_visible()
        totp = page.get_by_role("region", name="Authenticator app")
        totp.get_by_role("button", name="Set up an authenticator app").click()
        expect(totp.get_by_role("heading", name="Set up your authenticator app")).to_be_focused()
        expect(totp.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
        watch.accessible(page, "authenticator setup")
        screenshot(page, "mfa-authenticator-setup")
        secret = totp.get_by_test_id("totp-secret").inner_text().replace(" ", "")
        totp.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
        totp.get_by_role("button", name="Turn on").click()

        # 2. The ten recovery codes, shown once: downloaded, then "I saved them".
        saving = page.get_by_role("dialog", name="Save your recovery codes")
        codes = saving.get_by_test_id("recovery-codes").locator("li")
        expect(codes).to_have_count(10)
        recovery_codes = [code.strip() for code in codes.all_inner_texts()]
        watch.accessible(page, "recovery codes")
        with page.expect_download() as download_info:
            saving.get_by_role("button", name="Download as .txt").click()
        download = download_info.value
        assert download.suggested_filename == "recovery-codes.txt"
        saved_text = Path(download.path()).read_text(encoding="utf-8")
        assert all(code in saved_text for code in recovery_codes)
        saving.get_by_role("button", name="I saved them").click()
        expect(saving).to_be_hidden()
        expect(totp.get_by_text("On", exact=True)).to_be_visible()
        expect(page.get_by_text("10 of 10 codes left.")).to_be_visible()

        # 3. A passkey (not the first factor: no new recovery codes).
        add_passkey(page, watch)
        expect(page.get_by_role("dialog", name="Save your recovery codes")).to_have_count(0)
        watch.accessible(page, "factors set up")
        screenshot(page, "mfa-security-page")

        # 4. Sign in again: the password is right, then the second step; a recovery code finishes it.
        sign_out(page)
        watch.accessible(page)
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        step = page.get_by_role("heading", name="Two-step verification")
        expect(step).to_be_focused()
        # The step names the account it verifies, and no longer offers to create one.
        expect(page.get_by_text(f"Signing in as {EMAIL}.")).to_be_visible()
        expect(page.get_by_role("link", name="Create an account")).to_have_count(0)
        expect(page.get_by_label("Authenticator code")).to_have_attribute("autocomplete", "one-time-code")
        expect(page.get_by_role("button", name="Use a passkey")).to_be_visible()
        watch.accessible(page, "second step")
        screenshot(page, "mfa-second-step")
        # A wrong code: said for this 6-digit field, pointing to the recovery-code button (not "a recovery code" here).
        page.get_by_label("Authenticator code").fill(wrong_code(secret))
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_label("Authenticator code")).to_have_accessible_description(
            "That code didn't work. Codes change every 30 seconds: enter the one your app shows now, or choose"
            " “Use a recovery code”. The 6-digit code your authenticator app shows now."
        )
        watch.accessible(page, "second step, wrong code")
        page.get_by_role("button", name="Use a recovery code").click()
        page.get_by_label("Recovery code").fill(recovery_codes[0])
        watch.accessible(page, "recovery code step")
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("heading", name="Hello, grace")).to_be_visible()
        go_to_security(page, watch)
        expect(page.get_by_text("9 of 10 codes left.")).to_be_visible()
        expect(page.get_by_role("region", name="This session").get_by_text("Password + recovery code")).to_be_visible()

        # 5. Passwordless: the virtual authenticator's discoverable passkey, no email, no password.
        sign_out(page)
        page.get_by_role("button", name="Continue with a passkey").click()
        expect(page.get_by_role("heading", name="Hello, grace")).to_be_visible()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
        current = page.get_by_test_id("session-row").filter(has_text="This device")
        expect(current.get_by_text("Passkey", exact=True)).to_be_visible()
        watch.accessible(page)

        # 6. The security page's other dialogs, each checked with axe: turning the app off and renaming (both
        # cancelled), and new recovery codes (the old ones stop working; a fresh passkey sign-in needs no re-check).
        go_to_security(page, watch)
        page.get_by_role("region", name="Authenticator app").get_by_role("button", name="Turn off…").click()
        turn_off = page.get_by_role("alertdialog", name="Turn off the authenticator app?")
        expect(turn_off.get_by_label("Authenticator code")).to_be_focused()
        watch.accessible(page, "turn off the authenticator app")
        turn_off.get_by_role("button", name="Cancel").click()
        page.get_by_role("button", name=f"Rename {PASSKEY_NAME}").click()
        renaming = page.get_by_role("dialog", name="Rename passkey")
        expect(renaming.get_by_label("Name")).to_have_value(PASSKEY_NAME)
        watch.accessible(page, "rename a passkey")
        renaming.get_by_role("button", name="Cancel").click()
        page.get_by_role("region", name="Recovery codes").get_by_role("button", name="Make new codes…").click()
        regenerate = page.get_by_role("alertdialog", name="Make new recovery codes?")
        watch.accessible(page, "make new recovery codes")
        regenerate.get_by_role("button", name="Make new codes").click()
        saving = page.get_by_role("dialog", name="Save your recovery codes")
        expect(saving.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
        assert recovery_codes[1] not in saving.inner_text()
        saving.get_by_role("button", name="I saved them").click()
        expect(page.get_by_text("10 of 10 codes left.")).to_be_visible()

        # 7. Deleting the passkey: its row goes, and with it the button that had the focus; the focus lands on the
        # card's heading (no other row), not on <body>.
        page.get_by_role("button", name=f"Delete {PASSKEY_NAME}, added").click()
        deleting = page.get_by_role("alertdialog", name="Delete this passkey?")
        deleting.get_by_role("button", name="Delete passkey").click()
        expect(page.get_by_text("No passkeys yet.")).to_be_visible()
        expect(page.get_by_role("heading", name="Passkeys", exact=True)).to_be_focused()

        watch.assert_clean(page)


def test_a_sensitive_action_asks_to_confirm_it_is_you_then_completes(strict_server, tmp_path):
    server_env = strict_server.env
    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        watch.attach(page)
        with_virtual_authenticator(context, page)
        register_and_confirm(page, watch, strict_server, EMAIL)
        authentication_aged(server_env, EMAIL)

        # A one-step session confirms with its password; the passkey registration it interrupted then goes on.
        go_to_security(page, watch)
        page.get_by_role("region", name="Passkeys").get_by_role("button", name="Add a passkey").click()
        naming = page.get_by_role("dialog", name="Name your passkey")
        naming.get_by_label("Name").fill(PASSKEY_NAME)
        naming.get_by_role("button", name="Save passkey").click()
        confirm = page.get_by_role("dialog", name="Confirm it's you")
        expect(confirm.get_by_label("Password")).to_be_focused()
        watch.accessible(page, "confirm it's you, one step")
        confirm.get_by_label("Password").fill(PASSWORD)
        confirm.get_by_role("button", name="Confirm").click()
        expect(confirm).to_be_hidden()
        # The account's first factor: its recovery codes.
        saving = page.get_by_role("dialog", name="Save your recovery codes")
        expect(saving.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
        saving.get_by_role("button", name="I saved them").click()
        expect(page.get_by_test_id("passkey-row").filter(has_text=PASSKEY_NAME)).to_be_visible()

        # A two-step session (the passkey raised it) is not offered the password: the passkey confirms, and the
        # password change it interrupted completes.
        authentication_aged(server_env, EMAIL)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
        watch.shows(page, "Account")
        form = page.get_by_role("region", name="Change password")
        form.get_by_label("Current password").fill(PASSWORD)
        form.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        form.get_by_label("Confirm new password").fill(NEW_PASSWORD)
        form.get_by_role("button", name="Change password").click()
        confirm = page.get_by_role("dialog", name="Confirm it's you")
        expect(confirm.get_by_role("button", name="Use a passkey")).to_be_visible()
        expect(confirm.get_by_label("Password")).to_have_count(0)
        watch.accessible(page, "confirm it's you, two steps")
        screenshot(page, "mfa-confirm-its-you", full_page=False)
        confirm.get_by_role("button", name="Use a passkey").click()
        expect(confirm).to_be_hidden()
        expect(form.get_by_text("Password changed. Your other devices have been signed out.")).to_be_visible()

        # The new password works (and the passkey still makes it a two-step sign-in).
        sign_out(page)
        watch.accessible(page)
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("heading", name="Two-step verification")).to_be_focused()
        page.get_by_role("button", name="Use a passkey").click()
        expect(page.get_by_role("heading", name="Hello, grace")).to_be_visible()

        watch.assert_clean(page)
