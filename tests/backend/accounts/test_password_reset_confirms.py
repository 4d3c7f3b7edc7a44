"""A confirmed password reset proves who reads the account's mailbox (the link was mailed there), so while verification
is on it confirms an unconfirmed address, as django-allauth does, and removes the second factors added before anyone
proved that: an intruder who registered the address first may have added them (account pre-hijacking), and they would
outlive the reset. Links and notices are read from the email received over SMTP (services/password_reset.py)."""

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.audit.models import AuditEvent
from backend.mfa.models import Passkey, RecoveryCode, TotpAuthenticator
from tests.backend.accounts.helpers import login
from tests.backend.mfa.helpers import MFA, authenticator_app_enabled
from tests.conftest import signed_in_client
from tests.factories import UserFactory
from tests.support.smtp import link_in, link_params, text_body
from tests.support.webauthn import passkey_registered, webauthn_origin

pytestmark = pytest.mark.django_db(transaction=True)  # email goes out when the transaction commits

NEW_PASSWORD = "a-Mailbox-owner-passphrase-5"
AFTER_RESET = ("password_reset", "email_verified", "mfa_reset_by_password_reset")
REMOVED = (
    "Your email address had not been confirmed, so this reset confirmed it and removed the account's second factors"
)


def _factors_from_before(user, settings) -> object:
    """An authenticator app, recovery codes and a passkey on ``user`` as they could be added before a confirmed
    address was needed (verification off for the while): returns the passkey's authenticator."""
    mode = settings.EMAIL_VERIFICATION
    settings.EMAIL_VERIFICATION = "none"
    authenticator = passkey_registered(user)  # the first factor: ten recovery codes come with it
    authenticator_app_enabled(user)
    settings.EMAIL_VERIFICATION = mode
    return authenticator


def _reset(smtp, email: str):
    client = APIClient()
    assert client.post("/api/auth/password-reset/", {"email": email}, format="json").status_code == 202
    link = link_in(smtp.wait_for(to=email, subject="Reset your password")[0], "/reset-password")
    uid, token = link_params(link)["uid"], link_params(link)["token"]
    smtp.clear()
    body = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    return client.post("/api/auth/password-reset/confirm/", body, format="json")


def _events(user) -> list[str]:
    """The events recorded about ``user`` since the reset was confirmed (those of one commit, in any order)."""
    return sorted(AuditEvent.objects.filter(user=user, event__in=AFTER_RESET).values_list("event", flat=True))


def _passwordless(authenticator):
    client = APIClient()
    started = client.post("/api/auth/passkey/options/", {}, format="json").json()
    assertion = authenticator.assertion(started["options"], webauthn_origin())
    body = {"passkey_token": started["passkey_token"], "passkey": assertion}
    return client.post("/api/auth/passkey/login/", body, format="json")


def test_a_reset_confirms_an_unconfirmed_address_and_its_pending_verification_link_stops_working(api_client, smtp):
    registered = api_client.post(
        "/api/auth/register/", {"email": "owner@example.com", "password": "a-First-passphrase-1"}, format="json"
    )
    assert registered.status_code == 201
    verify = link_in(smtp.wait_for(to="owner@example.com", subject="Confirm your email address")[0], "/verify-email")
    user = User.objects.get(email="owner@example.com")

    assert _reset(smtp, "owner@example.com").status_code == 204

    user.refresh_from_db()
    assert user.email_verified is True
    assert _events(user) == ["email_verified", "password_reset"]  # no mfa_reset_by_password_reset: it had none
    [notice] = smtp.wait_for(to="owner@example.com", subject="Your password was changed")
    assert REMOVED not in text_body(notice)
    # the link mailed at registration was for the unconfirmed state: used up now
    used = APIClient().post("/api/auth/email/verify/", {"token": verify.split("token=", 1)[1]}, format="json")
    assert (used.status_code, used.json()["code"]) == (400, "link_invalid")


def test_a_reset_of_an_unconfirmed_account_removes_the_factors_added_before_and_says_so(smtp, settings):
    # Given an account registered (by someone) with the owner's address, given factors before the owner proved it
    user = UserFactory(email="victim@example.com", email_verified=False)
    intruder_passkey = _factors_from_before(user, settings)
    intruder, _ = signed_in_client(user, amr=("pwd", "passkey"))
    assert RecoveryCode.objects.filter(user=user).count() == 10

    # When the mailbox's owner resets the password through the emailed link
    response = _reset(smtp, "victim@example.com")

    # Then every factor is gone, and it is audited and said in the reset's notice
    assert response.status_code == 204
    assert not TotpAuthenticator.objects.filter(user=user).exists()
    assert not Passkey.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert _events(user) == ["email_verified", "mfa_reset_by_password_reset", "password_reset"]
    assert AuditEvent.objects.get(event="mfa_reset_by_password_reset").actor_id is None
    [notice] = smtp.wait_for(to="victim@example.com", subject="Your password was changed")
    body = " ".join(text_body(notice).split())
    assert f"{REMOVED} (authenticator app, recovery codes and passkeys)" in body
    assert "Set up your own at http://testserver/security" in body
    assert [message["Subject"] for message in smtp.messages] == ["Your password was changed"]  # one notice, not two
    # And the password alone signs the owner in; the intruder's session and passkey no longer do
    signed_in = login(APIClient(), "victim@example.com", NEW_PASSWORD)
    assert (signed_in.status_code, signed_in.json()["user"]["email_verified"]) == (200, True)
    assert intruder.get(MFA).status_code == 401
    assert (_passwordless(intruder_passkey).json()["code"]) == "passkey_unknown"


def test_a_reset_of_a_confirmed_account_keeps_its_factors(smtp, settings):
    user = UserFactory(email="kept@example.com", email_verified=True)
    _factors_from_before(user, settings)

    assert _reset(smtp, "kept@example.com").status_code == 204

    assert TotpAuthenticator.objects.filter(user=user).exists()
    assert Passkey.objects.filter(user=user).exists()
    assert RecoveryCode.objects.filter(user=user).count() == 10
    assert _events(user) == ["password_reset"]
    [notice] = smtp.wait_for(to="kept@example.com", subject="Your password was changed")
    assert REMOVED not in text_body(notice)
    assert login(APIClient(), "kept@example.com", NEW_PASSWORD).status_code == 202  # the second step stays


def test_with_verification_off_a_reset_neither_confirms_nor_removes_anything(smtp, settings):
    # With none, no address is ever confirmed: a reset (the mailbox alone) must not take the second factors off
    settings.EMAIL_VERIFICATION = "none"
    user = UserFactory(email="plain@example.com", email_verified=False)
    _factors_from_before(user, settings)

    assert _reset(smtp, "plain@example.com").status_code == 204

    user.refresh_from_db()
    assert user.email_verified is False
    assert TotpAuthenticator.objects.filter(user=user).exists()
    assert Passkey.objects.filter(user=user).exists()
    assert _events(user) == ["password_reset"]
