"""Sign-in with a one-time code emailed to the account's address (docs/mfa.md, "Sign-in with an emailed code") in
the built SPA in Chromium, served by gunicorn sending its email over real SMTP: from the sign-in page, "Email me a
sign-in code", the address, the code read from the email, and the dashboard; a wrong code is refused on its field.
Each page and step is checked with axe.

Codes go to confirmed addresses only (with EMAIL_VERIFICATION optional, the default here): each account is
registered through the API and confirmed through its emailed link first.
"""

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import (
    PASSWORD,
    PageWatch,
    api,
    chromium_context,
    e2e_database_url,
    screenshot,
    verify_email_through_the_link,
)
from tests.e2e.servers import ROOT, gunicorn_running, local_env
from tests.support.net import free_port
from tests.support.smtp import SmtpServer, text_body

CODE_HINT = "The 8 digits in the email, with or without the space."
# The SPA's words for every refusal (frontend/src/features/auth/components/login-code-page.tsx).
WRONG_CODE = (
    "That code is not right, or it no longer works (it expired, was used, or a newer one was sent). Check the latest"
    " email, or choose “Send a new code”."
)


@pytest.fixture(scope="module")
def mailbox():
    """The SMTP server the app sends to."""
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, mailbox):
    """gunicorn sending its email to ``mailbox``; FRONTEND_URL is its own address, so the emailed links open it."""
    tmp = tmp_path_factory.mktemp("spa-login-code")
    port = free_port()
    with e2e_database_url() as database_url:
        env = local_env(
            tmp, port, CACHE_KEY_PREFIX=f"e2e-{port}", FRONTEND_URL=f"http://127.0.0.1:{port}", **mailbox.environment()
        )
        if database_url:
            env["DATABASE_URL"] = database_url
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True)
        with gunicorn_running(env=env, port=port, stdout=tmp / "gunicorn.log") as url:
            yield url


def confirmed_account(page, watch: PageWatch, base_url: str, mailbox: SmtpServer, name: str, email: str) -> None:
    """An account registered elsewhere (the API), its address confirmed through the emailed link in ``page``."""
    status, _body = api(base_url, "POST", "/api/auth/register/", {"name": name, "email": email, "password": PASSWORD})
    assert status == 201, status
    verify_email_through_the_link(page, watch, mailbox, email)


def ask_for_a_code(page, watch: PageWatch, base_url: str, email: str):
    """From the sign-in page, the address typed there: "Email me a sign-in code", then the code's step. Returns the
    code field."""
    page.goto(base_url + "/login")
    watch.shows(page, "Sign in")
    page.get_by_label("Email").fill(email)
    page.get_by_role("link", name="Email me a sign-in code").click()
    expect(page.get_by_role("heading", name="Sign in with a code")).to_be_focused()
    expect(page.get_by_label("Email")).to_have_value(email)  # carried from the sign-in page
    watch.accessible(page, "the address")
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_focused()
    expect(page.get_by_text(f"If an account has the address {email}, we sent it a sign-in code.")).to_be_visible()
    code = page.get_by_label("Sign-in code")
    expect(code).to_have_attribute("inputmode", "numeric")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    watch.accessible(page, "the code")
    screenshot(page, "login-code-step")
    return code


def emailed_code(mailbox: SmtpServer, email: str) -> str:
    """The code as the email shows it ("1234 5678")."""
    body = text_body(mailbox.wait_for(to=email, subject="Your sign-in code")[0])
    found = re.search(r"^\s+(\d{4} \d{4})$", body, re.MULTILINE)
    assert found, body
    return found.group(1)


def test_a_wrong_code_is_refused_on_its_field(base_url, mailbox, tmp_path):
    email = "bob@example.com"
    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        watch.attach(page)
        confirmed_account(page, watch, base_url, mailbox, "Bob", email)

        field = ask_for_a_code(page, watch, base_url, email)
        right = emailed_code(mailbox, email).replace(" ", "")
        field.fill(f"{(int(right) + 1) % 10**8:08d}")
        page.get_by_role("button", name="Sign in", exact=True).click()

        expect(field).to_have_accessible_description(f"{WRONG_CODE} {CODE_HINT}")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_be_focused()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        watch.accessible(page, "wrong code")
        screenshot(page, "login-code-wrong-code")
        watch.assert_clean(page)


def test_sign_in_with_the_code_from_the_email(base_url, mailbox, tmp_path):
    email = "ada@example.com"
    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        watch.attach(page)
        confirmed_account(page, watch, base_url, mailbox, "Ada", email)

        field = ask_for_a_code(page, watch, base_url, email)
        field.fill(emailed_code(mailbox, email))  # as the email shows it, space and all
        page.get_by_role("button", name="Sign in", exact=True).click()

        watch.shows(page, "Hello, Ada")
        expect(page).to_have_url(base_url + "/")
        # The session says how it was signed in.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Security").click()
        watch.shows(page, "Security")
        expect(page.get_by_role("region", name="This session").get_by_text("Emailed code", exact=True)).to_be_visible()
        watch.assert_clean(page)
