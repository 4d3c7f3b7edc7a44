"""The browser forgets the passkeys the server no longer has (WebAuthn's signal methods), in the built SPA in Chromium
with its virtual authenticator (DevTools protocol, WebAuthn domain), whose stored credentials the test reads:

1. A passkey created on the device but never saved (the server refused the save, or the tab closed first) is
   dropped the next time the security page lists the account's passkeys (signalAllAcceptedCredentials).
2. A passkey deleted on the security page is dropped from the device at once.
(A platform authenticator keeps one passkey per account and site, so each step starts from a device holding one.)
3. A passkey the server no longer knows (deleted elsewhere, or its account deleted), offered to the passwordless
   sign-in, is refused as ``passkey_unknown`` and dropped (signalUnknownCredential).
"""

import base64
import subprocess
import sys
import time
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect, sync_playwright

from tests.e2e.browser import PageWatch, chromium_context
from tests.e2e.servers import ROOT
from tests.e2e.test_browser_mfa import (
    PASSKEY_NAME,
    VIRTUAL_AUTHENTICATOR,
    go_to_security,
    register_and_confirm,
    served_on_localhost,
    sign_out,
)

EMAIL = "hedy@example.com"
# Every list the page tells the browser (signalAllAcceptedCredentials), kept in window.__acceptedSignals.
RECORD_ACCEPTED_SIGNALS = """
(() => {
  const signal = PublicKeyCredential.signalAllAcceptedCredentials;
  window.__acceptedSignals = [];
  PublicKeyCredential.signalAllAcceptedCredentials = function (options) {
    window.__acceptedSignals.push(options.allAcceptedCredentialIds);
    return signal.call(this, options);
  };
})();
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with served_on_localhost(tmp_path_factory.mktemp("passkey-signals")) as served:
        yield served


class Device:
    """Chromium's virtual authenticator in one page: a platform authenticator holding discoverable passkeys."""

    def __init__(self, context, page) -> None:
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("WebAuthn.enable")
        options = {"options": VIRTUAL_AUTHENTICATOR}
        self.id = self.cdp.send("WebAuthn.addVirtualAuthenticator", options)["authenticatorId"]

    def credential_ids(self) -> set[str]:
        """The credential ids it holds, in base64url (DevTools gives standard base64)."""
        credentials = self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.id})["credentials"]
        return {_base64url(base64.b64decode(credential["credentialId"])) for credential in credentials}

    def add_unsaved_passkey(self, user_handle: bytes) -> str:
        """A passkey of this site and account that the server never saved, as a refused save leaves behind."""
        credential_id = uuid.uuid4().bytes
        key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        credential = {
            "credentialId": base64.b64encode(credential_id).decode(),
            "isResidentCredential": True,
            "rpId": "localhost",
            "privateKey": base64.b64encode(key).decode(),
            "userHandle": base64.b64encode(user_handle).decode(),
            "signCount": 0,
        }
        self.cdp.send("WebAuthn.addCredential", {"authenticatorId": self.id, "credential": credential})
        return _base64url(credential_id)


def _base64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def user_handle_of(env: dict[str, str], email: str) -> bytes:
    """The account's WebAuthn user handle (its UUID's 16 bytes), read from the server's database."""
    code = f"from backend.accounts.models import User; print(User.objects.get(email={email!r}).pk.hex)"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return bytes.fromhex(done.stdout.decode().strip().splitlines()[-1])  # after any log lines the shell printed


def test_the_browser_forgets_the_passkeys_the_server_no_longer_has(server, tmp_path):
    env = server.env
    watch = PageWatch()
    with sync_playwright() as playwright, chromium_context(playwright, tmp_path) as context:
        page = context.new_page()
        watch.attach(page)
        device = Device(context, page)
        page.add_init_script(RECORD_ACCEPTED_SIGNALS)
        register_and_confirm(page, watch, server, EMAIL)  # a passkey needs a confirmed address
        handle = user_handle_of(env, EMAIL)

        # 1. A passkey the device made for this account and the server never saved (a refused save leaves one):
        # the security page's list of the account's passkeys (none) makes the device drop it
        device.add_unsaved_passkey(handle)
        assert len(device.credential_ids()) == 1
        go_to_security(page, watch)
        passkeys = page.get_by_role("region", name="Passkeys")
        expect(passkeys.get_by_text("No passkeys yet.")).to_be_visible()
        _wait_for(device, set())

        # 2. A passkey added on the page (the account's first factor: its recovery codes come too), then deleted
        # there: the device holds it, then drops it
        passkeys.get_by_role("button", name="Add a passkey").click()
        naming = page.get_by_role("dialog", name="Name your passkey")
        naming.get_by_label("Name").fill(PASSKEY_NAME)
        naming.get_by_role("button", name="Save passkey").click()
        page.get_by_role("dialog", name="Save your recovery codes").get_by_role("button", name="I saved them").click()
        expect(passkeys.get_by_test_id("passkey-row").filter(has_text=PASSKEY_NAME)).to_be_visible()
        [saved] = device.credential_ids()
        # Once the page has told the browser the list with the new one (never a list without it), the device holds it
        page.wait_for_function("id => (window.__acceptedSignals || []).some(ids => ids.includes(id))", arg=saved)
        assert page.evaluate("window.__acceptedSignals").count([]) == 1  # the first load's, before the save
        assert device.credential_ids() == {saved}
        passkeys.get_by_role("button", name=f"Delete {PASSKEY_NAME}").click()
        deleting = page.get_by_role("alertdialog", name="Delete this passkey?")
        deleting.get_by_role("button", name="Delete passkey").click()
        expect(passkeys.get_by_text("No passkeys yet.")).to_be_visible()
        _wait_for(device, set())

        # 3. A passkey the server does not know, offered to the passwordless sign-in: refused, and dropped
        device.add_unsaved_passkey(handle)
        sign_out(page)
        page.get_by_role("button", name="Continue with a passkey").click()
        expect(page.get_by_text("This passkey is no longer registered here", exact=False)).to_be_visible()
        watch.accessible(page, "an unknown passkey refused")
        _wait_for(device, set())
        expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()

        watch.assert_clean(page)


def _wait_for(device: Device, expected: set[str], attempts: int = 100) -> None:
    """Until the device holds exactly ``expected`` (a signal is handled after the page's promise settles); bounded
    only so that a signal never sent fails the test rather than hanging it."""
    held: set[str] = set()
    for _ in range(attempts):
        held = device.credential_ids()
        if held == expected:
            return
        time.sleep(0.1)
    raise AssertionError(f"the device still holds {held}, expected {expected}")
