"""Sign-in with an OpenID Connect provider (docs/sso.md) in the built SPA in Chromium, served by gunicorn, against a
real provider on a thread of this process (tests/support/oidc_provider.py), which approves its user at once.

From the registration page, "Continue with Test IdP": the browser goes to the provider, which sends it back to
/login/oidc/callback; the account is created (no password) and signed in. Signed out, the sign-in page's button
signs in to the same account. The account page lists the connected account and offers to set a password; the
session says how it was signed in. Once that sign-in is old, setting a password asks "Confirm it's you", which the
account (no password, no second factor) does with the provider: it signs Grace in again and the browser comes back
to the account page, where the password is then set. A sign-in the provider refused says so. Each page is checked
with axe.
"""

import json
import subprocess
import sys

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import PageWatch, chromium_context, e2e_database_url, screenshot, wait_until
from tests.e2e.servers import ROOT, gunicorn_running, local_env
from tests.support.net import free_port
from tests.support.oidc_provider import OidcProvider, OidcUser
from tests.support.smtp import SmtpServer

# Not named test_browser_*: the marker is set here (tests/e2e/conftest.py sets it by name for the others).
pytestmark = pytest.mark.browser

IDP_NAME = "Test IdP"
EMAIL = "grace@example.com"
PASSWORD = "e2e-Grace-Hopper-Cobol-1959"
CONFIRMED = "Confirmed. You can make the change now: it was not made yet, so do it again."


@pytest.fixture(scope="module")
def idp():
    """The provider, signing in Grace whenever it is asked."""
    with OidcProvider() as provider:
        provider.user = OidcUser(sub="grace-1", email=EMAIL, name="Grace Hopper")
        yield provider


@pytest.fixture(scope="module")
def mailbox():
    """The SMTP server the app sends to (a new sign-in may be notified)."""
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def served(tmp_path_factory, idp, mailbox):
    """gunicorn with ``idp`` as its one provider; FRONTEND_URL is its own address (where the provider redirects).
    Its URL and its environment (for manage.py on the same database)."""
    tmp = tmp_path_factory.mktemp("spa-oidc")
    port = free_port()
    with e2e_database_url() as database_url:
        env = local_env(
            tmp,
            port,
            CACHE_KEY_PREFIX=f"e2e-{port}",
            FRONTEND_URL=f"http://127.0.0.1:{port}",
            OIDC_PROVIDERS=json.dumps([idp.provider_config(name=IDP_NAME)]),
            **mailbox.environment(),
        )
        if database_url:
            env["DATABASE_URL"] = database_url
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env, check=True)
        with gunicorn_running(env=env, port=port, stdout=tmp / "gunicorn.log") as url:
            yield url, env


@pytest.fixture(scope="module")
def base_url(served):
    return served[0]


def authentication_aged(env: dict[str, str], email: str) -> None:
    """As if every session of ``email`` last authenticated just longer ago than REAUTH_MAX_AGE_SECONDS, in the
    database of the server with environment ``env`` (each sensitive action reads it there)."""
    code = f"""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from backend.accounts.models import AuthSession

age = timedelta(seconds=settings.REAUTH_MAX_AGE_SECONDS + 1)
assert AuthSession.objects.filter(user__email={email!r}).update(authenticated_at=timezone.now() - age)
"""
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True)


def test_a_refusal_at_the_provider_is_said_and_nothing_is_sent(base_url, tmp_path):
    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        watch.attach(page)
        sent: list[str] = []
        page.on("request", lambda request: sent.append(request.url))

        page.goto(base_url + "/login/oidc/callback?error=access_denied&error_description=The+user+said+no&state=x")

        watch.shows(page, "Sign-in cancelled")
        expect(page.get_by_role("alert").filter(has_text="did not sign you in")).to_contain_text(
            "The provider did not sign you in: the request was cancelled or refused."
        )
        expect(page.get_by_text("It said: “The user said no”")).to_be_visible()
        expect(page).to_have_url(base_url + "/login/oidc/callback")
        page.get_by_role("link", name="Back to sign in").click()
        watch.shows(page, "Sign in")
        assert not [url for url in sent if "/api/auth/oidc/callback/" in url], sent
        watch.assert_clean(page)


def test_sign_up_sign_out_and_sign_in_again_with_the_provider(served, idp, tmp_path):
    base_url, env = served
    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        watch.attach(page)
        # Each code is posted once (a second post would be refused: the flow's cookie goes with the first answer).
        callbacks: list[str] = []
        page.on("request", lambda r: "/api/auth/oidc/callback/" in r.url and callbacks.append(r.method))

        # Sign up: the registration page's button, the provider, and back, signed in to a new account. The callback's
        # answer is held a moment, to see (and check) its page meanwhile: the code is already out of the address.
        held: list = []
        page.route("**/api/auth/oidc/callback/", lambda route: held.append(route), times=1)
        page.goto(base_url + "/register")
        watch.shows(page, "Create your account")
        page.get_by_role("button", name=f"Continue with {IDP_NAME}").click()
        watch.shows(page, "Signing you in")
        wait_until(page, lambda: len(held) == 1, what="the callback page's POST of the code")
        expect(page).to_have_url(base_url + "/login/oidc/callback")  # the code and state are out of the address
        held[0].continue_()
        watch.shows(page, "Hello, Grace")
        expect(page).to_have_url(base_url + "/")
        expect(page.get_by_text(f"Welcome! Your account was created with {IDP_NAME}.")).to_be_visible()
        screenshot(page, "oidc-signed-up")

        # Sign out, then in again from the sign-in page: the same account, no welcome this time.
        page.get_by_role("button", name="Sign out", exact=True).click()
        watch.shows(page, "Sign in")
        expect(page.get_by_text("or", exact=True)).to_be_visible()
        screenshot(page, "oidc-sign-in-page")
        page.get_by_role("button", name=f"Continue with {IDP_NAME}").click()
        watch.shows(page, "Hello, Grace")
        expect(page).to_have_url(base_url + "/")
        expect(page.get_by_text("Welcome!")).to_have_count(0)
        assert idp.requests.get("/token") == 2, idp.requests
        assert callbacks == ["POST", "POST"], callbacks

        # The account page: the connected account, a password to set (it has none), how this session signed in.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
        watch.shows(page, "Account")
        connected = page.get_by_role("region", name="Connected accounts")
        accounts = connected.get_by_role("list", name="Connected accounts")
        expect(accounts.get_by_role("listitem")).to_have_count(1)
        expect(accounts.get_by_text(IDP_NAME, exact=True)).to_be_visible()
        expect(accounts.get_by_text(EMAIL, exact=True)).to_be_visible()
        expect(accounts.get_by_text("Last used to sign in", exact=False)).to_be_visible()
        expect(connected.get_by_role("button", name=f"Disconnect {IDP_NAME} ({EMAIL})")).to_be_visible()
        expect(connected.get_by_role("button", name=f"Connect {IDP_NAME}", exact=True)).to_have_count(0)
        password = page.get_by_role("region", name="Set a password")
        expect(password.get_by_label("New password", exact=True)).to_be_visible()
        expect(password.get_by_label("Current password")).to_have_count(0)
        sessions = page.get_by_role("region", name="Active sessions")
        expect(sessions.get_by_text("Single sign-on", exact=True)).to_be_visible()
        watch.accessible(page, "connected accounts")
        screenshot(page, "oidc-account-page")

        # The disconnection asks first, and says what signing in becomes for an account with no password.
        connected.get_by_role("button", name=f"Disconnect {IDP_NAME} ({EMAIL})").click()
        dialog = page.get_by_role("alertdialog", name=f"Disconnect {IDP_NAME}?")
        expect(dialog).to_contain_text("Your account has no password")
        watch.accessible(page, "disconnect dialog")
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_have_count(0)

        # Once the sign-in is old, a password to set asks "Confirm it's you": with no password and no second factor,
        # the account confirms with the provider, which is asked to sign Grace in again (prompt=login).
        authentication_aged(env, EMAIL)
        password.get_by_label("New password", exact=True).fill(PASSWORD)
        password.get_by_label("Confirm new password").fill(PASSWORD)
        password.get_by_role("button", name="Set password").click()
        confirm = page.get_by_role("dialog", name="Confirm it's you")
        expect(confirm).to_contain_text("Your account has no password to confirm with.")
        expect(confirm.get_by_text("Sign out, sign in again", exact=False)).to_have_count(0)
        watch.accessible(page, "confirm it's you with the provider")
        screenshot(page, "oidc-confirm-with-provider")
        authorizations = len(idp.authorizations)
        confirm.get_by_role("button", name=f"Confirm with {IDP_NAME}").click()

        # Back on the account page (a new page load: the refused request went with the old one), told to repeat it.
        expect(page.get_by_text(CONFIRMED)).to_be_visible()
        watch.shows(page, "Account")
        expect(page).to_have_url(base_url + "/account")
        assert len(idp.authorizations) == authorizations + 1, idp.authorizations
        assert idp.authorizations[-1].get("prompt") == "login", idp.authorizations[-1]
        assert callbacks == ["POST", "POST", "POST"], callbacks
        password = page.get_by_role("region", name="Set a password")
        password.get_by_label("New password", exact=True).fill(PASSWORD)
        password.get_by_label("Confirm new password").fill(PASSWORD)
        password.get_by_role("button", name="Set password").click()
        expect(page.get_by_text("Password set. You can sign in with it from now on.")).to_be_visible()
        expect(page.get_by_role("dialog", name="Confirm it's you")).to_have_count(0)
        watch.assert_clean(page)
