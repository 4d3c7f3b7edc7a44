"""A change of email address and signing out: a password change or reset, signing out everywhere or signing out the
session that asked cancels a pending change; a confirmed one rotates the sessions' revocation key, as signing out
everywhere does (links read from the messages received over real SMTP and followed through the API)."""

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession, User
from backend.accounts.services import email_change
from backend.audit.models import AuditEvent
from tests.backend.accounts.helpers import (
    email_change_ask,
    email_change_confirm,
    email_change_link_token,
    email_change_pending,
    login,
)
from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.support.smtp import link_in, link_params

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent, and sessions revoked, on commit


# What cancels a pending change -------------------------------------------------------------------------------------


def _pending_change(owner, smtp, new_email: str = "new@example.com"):
    """A change to ``new_email`` asked from a new session of ``owner``: that session's client and tokens, and the
    emailed link's token."""
    asker, asked_from = signed_in_client(owner)
    assert email_change_ask(asker, new_email).status_code == 202
    return asker, asked_from, email_change_link_token(smtp, new_email)


def _assert_cancelled(token: str, owner) -> None:
    """The link is refused, and the account page no longer shows the change as pending."""
    response = email_change_confirm(token)
    assert response.status_code == 400
    assert response.json()["code"] == "link_invalid"
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"
    assert email_change_pending(signed_in_client(owner)[0]) is None


def test_a_password_reset_after_the_ask_cancels_the_change(owner, smtp):
    # Given someone with the password (another session) asked to move the account to their own address
    _, _, token = _pending_change(owner, smtp, "intruder@example.com")

    # When the owner resets the password from the emailed link, as the notices tell them to
    assert APIClient().post("/api/auth/password-reset/", {"email": owner.email}, format="json").status_code == 202
    message = smtp.wait_for(to=owner.email, subject="Reset your password")[-1]
    query = link_params(link_in(message, "/reset-password"))
    body = {"uid": query["uid"], "token": query["token"], "new_password": "a brand new passphrase 42"}
    assert APIClient().post("/api/auth/password-reset/confirm/", body, format="json").status_code == 204

    # Then the pending change can no longer be confirmed
    _assert_cancelled(token, owner)


def test_a_password_change_after_the_ask_cancels_the_change(owner, smtp):
    _, _, token = _pending_change(owner, smtp)
    owner_device, _ = signed_in_client(owner)

    body = {"current_password": DEFAULT_PASSWORD, "new_password": "a brand new passphrase 42"}
    assert owner_device.post("/api/auth/password/", body, format="json").status_code == 204

    _assert_cancelled(token, owner)


def test_a_password_set_without_signing_anyone_out_cancels_the_change(owner, smtp):
    # (as `manage.py changepassword` sets one: the link is bound to the password itself, not only to the
    # sessions' revocation key that the API's password change and reset rotate)
    _, _, token = _pending_change(owner, smtp)

    owner.set_password("a brand new passphrase 42")
    owner.save(update_fields=["password"])

    _assert_cancelled(token, owner)


def test_signing_out_everywhere_after_the_ask_cancels_the_change(owner, smtp):
    _, _, token = _pending_change(owner, smtp)
    owner_device, _ = signed_in_client(owner)

    assert owner_device.post("/api/auth/logout-all/").status_code == 204

    _assert_cancelled(token, owner)


def test_a_password_change_committed_while_the_link_is_confirmed_cancels_the_change(owner, smtp, monkeypatch):
    # Given a pending change, and a password change that commits after the confirmation read the account
    # (forced into that window: right after the link's checks, before the address is written)
    _, _, token = _pending_change(owner, smtp)
    checks_the_asking_session = email_change.session_is_live

    def then_the_password_changes(**kwargs):
        live = checks_the_asking_session(**kwargs)
        User.objects.filter(pk=owner.pk).update(password=make_password("a brand new passphrase 42"))
        return live

    monkeypatch.setattr(email_change, "session_is_live", then_the_password_changes)

    # Then the change is cancelled as if the password had changed first
    _assert_cancelled(token, owner)


def test_signing_out_the_session_that_asked_cancels_the_change(owner, smtp):
    # Given a change asked from one session, and the owner on another
    asker, asked_from = signed_in_client(owner)
    assert asker.get("/api/auth/me/").status_code == 200  # its liveness cached: the revocation must reach the cache
    assert email_change_ask(asker, "new@example.com").status_code == 202
    token = email_change_link_token(smtp, "new@example.com")
    owner_device, _ = signed_in_client(owner)

    # When the owner signs that one session out (the sessions page), and no other
    assert owner_device.delete(f"/api/auth/sessions/{asked_from.session.pk}/").status_code == 204

    # Then its change can no longer be confirmed
    _assert_cancelled(token, owner)
    assert owner_device.get("/api/auth/me/").status_code == 200


# What the change retires: it rotates the sessions' revocation key, as signing out everywhere does -------------------


def test_device_cookies_handed_out_before_a_confirmed_change_are_unknown_devices_for_the_new_address(
    owner, smtp, rates
):
    # Given browsers that signed in to the account, each holding a device cookie of its own, one of which is the
    # account's known device (its failed sign-ins count on its own bucket, not on the per-address one)
    rates(login_email_ip="1/15m")
    stocked = [APIClient(REMOTE_ADDR=f"198.51.100.{120 + n}") for n in range(3)]
    for browser in stocked:
        assert login(browser, "owner@example.com").status_code == 200
    assert [login(stocked[0], "owner@example.com", "wrong").status_code for _ in range(2)] == [401, 401]

    # When the owner changes the address (asked from a session of their own, confirmed from another browser)
    asker, _ = signed_in_client(owner)
    assert email_change_ask(asker, "moved@example.com").status_code == 202
    assert email_change_confirm(email_change_link_token(smtp, "moved@example.com")).status_code == 200

    # Then none of those cookies counts as a known device of the account at its new address: each is limited per
    # address, as a device the account does not know (one failure here), and told so
    for browser in stocked:
        assert login(browser, "moved@example.com", "wrong").status_code == 401
        refused = login(browser, "moved@example.com")
        assert refused.status_code == 429
        assert refused.json()["code"] == "login_locked"
        assert "to this account from devices it has not signed in from" in refused.json()["detail"]
    assert AuditEvent.objects.filter(event="login_failed", user=owner).count() == 2 + 3


def test_a_sign_in_whose_second_step_is_pending_cannot_finish_after_a_confirmed_change(owner, smtp):
    from backend.mfa.models import MfaChallenge
    from tests.backend.mfa.helpers import CHALLENGE_INVALID, authenticator_app_enabled

    # Given an account with an authenticator app, and a sign-in whose password step passed (second step pending)
    app = authenticator_app_enabled(owner)
    pending = APIClient()
    started = login(pending, "owner@example.com")
    assert started.status_code == 202
    mfa_token = started.json()["mfa_token"]

    # When the owner changes the address from a session signed in with both factors
    asker, asked_from = signed_in_client(owner, amr=("pwd", "otp"))
    assert email_change_ask(asker, "moved@example.com").status_code == 202
    assert email_change_confirm(email_change_link_token(smtp, "moved@example.com")).status_code == 200

    # Then the pending sign-in was cancelled: the right code no longer finishes it, and no session starts
    response = pending.post("/api/auth/mfa/authenticate/", {"mfa_token": mfa_token, "code": app.now()}, format="json")
    assert (response.status_code, response.json()) == (400, CHALLENGE_INVALID)
    assert settings.REFRESH_COOKIE_NAME not in response.cookies
    assert not MfaChallenge.objects.filter(user=owner, purpose=MfaChallenge.Purpose.SIGN_IN).exists()
    assert list(AuthSession.objects.live().filter(user=owner).values_list("pk", flat=True)) == [asked_from.session.pk]


def test_a_confirmed_change_also_signs_the_account_out_of_the_admin(owner, smtp):
    from django.test import Client
    from django.urls import reverse

    # Given a staff member signed in to the admin, and a colleague signed in to it too
    owner.is_staff = owner.is_superuser = True
    owner.save()
    admin_browser, colleague_browser = Client(), Client()
    admin_browser.force_login(owner)
    colleague_browser.force_login(UserFactory(is_staff=True, is_superuser=True))
    for browser in (admin_browser, colleague_browser):
        assert browser.get(reverse("admin:index")).status_code == 200

    # When they change their address through the API
    asker, _ = signed_in_client(owner)
    assert email_change_ask(asker, "moved@example.com").status_code == 202
    assert email_change_confirm(email_change_link_token(smtp, "moved@example.com")).status_code == 200

    # Then their admin session is over (its session hash includes the revocation key), and only theirs
    signed_out = admin_browser.get(reverse("admin:index"))
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(reverse("admin:login"))
    assert colleague_browser.get(reverse("admin:index")).status_code == 200
    # And the API session that asked goes on
    assert asker.get("/api/auth/me/").status_code == 200
