"""Changing the email address: asked while signed in with the current password, confirmed by the link emailed to the
new address (read from the message received over real SMTP and followed through the API)."""

import time
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from backend.accounts.email_links import LINK_TOKEN_MAX_LENGTH, change_token_make
from backend.accounts.models import AuthSession, User, email_address_normalized
from backend.accounts.services import email_change
from backend.audit.models import AuditEvent
from backend.common.background import wait_for_background_jobs
from tests.backend.accounts.helpers import (
    EMAIL_CHANGE,
    EMAIL_CHANGE_CONFIRM,
    email_change_ask,
    email_change_confirm,
    email_change_link_token,
    login,
)
from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.support.smtp import link_in, text_body

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent, and sessions revoked, on commit

IN_USE_SUBJECT = "Someone tried to use your email address"
CHANGED_SUBJECT = "Your email address was changed"


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@example.com", email_verified=False)


# Failure paths -------------------------------------------------------------------------------------------------------


def test_asking_without_an_access_token_is_401():
    response = email_change_ask(APIClient(), "new@example.com")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["new_email", "current_password"]),
        ({"current_password": DEFAULT_PASSWORD}, ["new_email"]),
        ({"new_email": "not-an-address", "current_password": DEFAULT_PASSWORD}, ["new_email"]),
        ({"new_email": "new@example.com"}, ["current_password"]),
        ({"new_email": "new@example.com", "current_password": 12}, ["current_password"]),
    ],
)
def test_a_malformed_change_body_is_400_naming_the_fields(owner, smtp, body, fields):
    client, _ = signed_in_client(owner)

    response = client.post(EMAIL_CHANGE, body, format="json")

    assert response.status_code == 400
    assert sorted(response.json()) == sorted(fields)
    wait_for_background_jobs()
    assert smtp.messages == []


def test_a_wrong_current_password_is_400_audited_and_sends_nothing(owner, smtp):
    client, _ = signed_in_client(owner)

    response = email_change_ask(client, "new@example.com", password="not-my-password")

    assert response.status_code == 400
    assert response.json() == {"current_password": ["The current password is incorrect."]}
    events = AuditEvent.objects.values_list("event", flat=True)
    assert "password_check_failed" in events
    assert "email_change_requested" not in events
    wait_for_background_jobs()
    assert smtp.messages == []


def test_wrong_current_passwords_count_on_the_sessions_limit_like_a_password_change(owner, rates):
    rates(password_change_session="2/30d")
    client, issued = signed_in_client(owner)

    statuses = [email_change_ask(client, "new@example.com", password="guess").status_code for _ in range(2)]

    assert statuses == [400, 401]
    assert AuthSession.objects.get(pk=issued.session.pk).revoked_at is not None


@pytest.mark.parametrize("same", ["owner@example.com", "  OWNER@Example.com "])
def test_asking_for_the_current_address_is_400_on_new_email(owner, smtp, same):
    client, _ = signed_in_client(owner)

    response = email_change_ask(client, same)

    assert response.status_code == 400
    assert response.json() == {"new_email": ["This is already your email address."]}
    wait_for_background_jobs()
    assert smtp.messages == []


def test_asking_for_an_address_in_use_answers_the_same_and_sends_that_address_a_notice_not_a_link(owner, smtp):
    # Given another account with the address
    UserFactory(email="taken@example.com")
    client, _ = signed_in_client(owner)

    # When the owner asks to move to it, and to a free address
    in_use, free = email_change_ask(client, "Taken@example.com"), email_change_ask(client, "free@example.com")

    # Then both answers are the same 202
    assert [(r.status_code, r.content) for r in (in_use, free)] == [(202, b""), (202, b"")]
    # And the address in use gets a notice with no link and no token; the free one a link
    [notice] = smtp.wait_for(to="taken@example.com")
    assert notice["Subject"] == IN_USE_SUBJECT
    assert "token" not in text_body(notice)
    with pytest.raises(AssertionError):
        link_in(notice, "/confirm-email-change")
    email_change_link_token(smtp, "free@example.com")
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"
    assert list(AuditEvent.objects.filter(event="email_change_requested").values_list("user_id", flat=True)) == [
        owner.pk,
        owner.pk,
    ]


def test_asking_is_limited_per_user(owner, rates):
    rates(email_change_user="2/1h")
    client, _ = signed_in_client(owner)

    statuses = [email_change_ask(client, f"new{n}@example.com").status_code for n in range(3)]

    assert statuses == [202, 202, 429]
    response = email_change_ask(client, "new9@example.com")
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize("body", [{}, {"token": ""}, {"token": ["x"]}])
def test_a_confirm_body_without_a_token_is_400_naming_the_field(body):
    response = APIClient().post(EMAIL_CHANGE_CONFIRM, body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["token"]


def test_a_tampered_change_link_is_400_link_invalid(owner, smtp):
    client, _ = signed_in_client(owner)
    email_change_ask(client, "new@example.com")
    token = email_change_link_token(smtp, "new@example.com")

    response = email_change_confirm(token[:-2] + ("aa" if not token.endswith("aa") else "bb"))

    assert response.status_code == 400
    assert response.json() == {
        "detail": "This link is not valid: it was changed, already used, replaced or cancelled.",
        "code": "link_invalid",
    }
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"


def test_a_verification_link_is_no_good_for_an_email_change(owner, smtp):
    from backend.accounts.email_links import verify_token_make

    response = email_change_confirm(verify_token_make(owner))

    assert response.status_code == 400
    assert response.json()["code"] == "link_invalid"


def test_an_expired_change_link_is_400_link_expired(owner, smtp):
    # Given a link minted longer ago than EMAIL_LINK_MAX_AGE_SECONDS (the signing clock set back when it was made)
    client, _ = signed_in_client(owner)
    long_ago = time.time() - settings.EMAIL_LINK_MAX_AGE_SECONDS - 60
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        assert email_change_ask(client, "late@example.com").status_code == 202
    token = email_change_link_token(smtp, "late@example.com")

    # When it is followed
    response = email_change_confirm(token)

    # Then it is refused as expired and nothing changed
    assert response.status_code == 400
    assert response.json() == {"detail": "This link has expired. Ask for a new one.", "code": "link_expired"}
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"


def _pending_change(owner, smtp, new_email: str = "new@example.com"):
    """A change to ``new_email`` asked from a new session of ``owner``: that session's client and tokens, and the
    emailed link's token."""
    asker, asked_from = signed_in_client(owner)
    assert email_change_ask(asker, new_email).status_code == 202
    return asker, asked_from, email_change_link_token(smtp, new_email)


def _assert_cancelled(token: str, owner) -> None:
    response = email_change_confirm(token)
    assert response.status_code == 400
    assert response.json()["code"] == "link_invalid"
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"


def test_a_password_reset_after_the_ask_cancels_the_change(owner, smtp):
    # Given someone with the password (another session) asked to move the account to their own address
    _, _, token = _pending_change(owner, smtp, "intruder@example.com")

    # When the owner resets the password from the emailed link, as the notices tell them to
    assert APIClient().post("/api/auth/password-reset/", {"email": owner.email}, format="json").status_code == 202
    message = smtp.wait_for(to=owner.email, subject="Reset your password")[-1]
    query = parse_qs(urlsplit(link_in(message, "/reset-password")).query)
    body = {"uid": query["uid"][0], "token": query["token"][0], "new_password": "a brand new passphrase 42"}
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


def test_of_two_pending_changes_to_one_address_the_second_to_confirm_is_400_email_taken(smtp):
    # Given two accounts that both asked to move to the same free address
    # (each link awaited before the next is asked for: emails go out from a background thread, in any order)
    first, second = UserFactory(email="first@example.com"), UserFactory(email="second@example.com")
    tokens = []
    for count, user in enumerate((first, second), start=1):
        client, _ = signed_in_client(user)
        assert email_change_ask(client, "wanted@example.com").status_code == 202
        tokens.append(email_change_link_token(smtp, "wanted@example.com", count=count))
    first_token, second_token = tokens

    # When both links are followed
    won, lost = email_change_confirm(first_token), email_change_confirm(second_token)

    # Then the first confirmed takes the address and the second is refused
    assert won.status_code == 200
    assert won.json()["user"]["email"] == "wanted@example.com"
    assert lost.status_code == 400
    assert lost.json() == {
        "detail": "Another account now uses this email address, so it cannot be yours. Nothing was changed.",
        "code": "email_taken",
    }
    second.refresh_from_db()
    assert second.email == "second@example.com"


def test_the_unique_constraint_is_the_last_guard_when_the_address_is_taken_between_check_and_write(owner, smtp):
    # Given a pending change, and another account taking the address in the instant after the confirm's check
    client, _ = signed_in_client(owner)
    email_change_ask(client, "race@example.com")
    token = email_change_link_token(smtp, "race@example.com")
    UserFactory(email="RACE@example.com".lower())

    # When the confirm's own check misses it (a concurrent transaction had not committed yet)
    with mock.patch("backend.accounts.services.email_change._in_use", return_value=False):
        response = email_change_confirm(token)

    # Then the database's unique Lower(email) refuses the write: the same 400, nothing changed
    assert response.status_code == 400
    assert response.json()["code"] == "email_taken"
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"
    assert not AuditEvent.objects.filter(event="email_changed").exists()


# The change ----------------------------------------------------------------------------------------------------------


def test_a_confirmed_change_moves_the_account_signs_out_other_sessions_and_tells_the_old_address(owner, smtp):
    # Given the owner signed in on two devices, asking from one of them
    other_device, other = signed_in_client(owner)
    this_device, this = signed_in_client(owner)
    assert other_device.get("/api/auth/me/").status_code == 200  # warm the liveness cache
    asked = email_change_ask(this_device, "  New.Owner@Example.com ")
    assert asked.status_code == 202
    assert list(AuditEvent.objects.filter(event="email_change_requested").values_list("user_id", "session_id")) == [
        (owner.pk, this.session.pk)
    ]

    # When the link emailed to the new address is followed (from any browser)
    token = email_change_link_token(smtp, "new.owner@example.com")
    response = email_change_confirm(token)

    # Then the account has the new address, confirmed
    assert response.status_code == 200
    assert response.json() == {
        "user": {
            "id": str(owner.pk),
            "email": "new.owner@example.com",
            "email_verified": True,
            "name": owner.name,
            "date_joined": response.json()["user"]["date_joined"],
        }
    }
    # And every other session is revoked; the one that asked still works
    revoked = other_device.get("/api/auth/me/")
    assert revoked.status_code == 401
    assert revoked.json()["code"] == "session_revoked"
    me = this_device.get("/api/auth/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "new.owner@example.com"
    assert AuthSession.objects.get(pk=other.session.pk).revoked_at is not None
    assert AuthSession.objects.get(pk=this.session.pk).revoked_at is None
    # And the change is audited once, and the old address told, with no link that acts and no token
    assert list(AuditEvent.objects.filter(event="email_changed").values_list("user_id", "session_id")) == [
        (owner.pk, this.session.pk)
    ]
    [notice] = smtp.wait_for(to="owner@example.com", subject=CHANGED_SUBJECT)
    body = text_body(notice)
    assert "from owner@example.com to new.owner@example.com" in body
    assert token not in body
    assert "token" not in body
    # And sign-in works with the new address only
    assert login(APIClient(), "new.owner@example.com").status_code == 200
    assert login(APIClient(), "owner@example.com").status_code == 401

    # And the link works once
    reused = email_change_confirm(token)
    assert reused.status_code == 400
    assert reused.json()["code"] == "link_invalid"


def test_a_change_to_an_address_of_the_longest_length_works_through_the_emailed_link(owner, smtp):
    # Given the longest address an account can have (254 characters: a 64-character local part, 63-character labels)
    longest = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 57, "com"])
    assert len(longest) == 254
    client, _ = signed_in_client(owner)

    # When the change to it is asked, and the link mailed to it followed
    assert email_change_ask(client, longest).status_code == 202
    token = email_change_link_token(smtp, longest)
    response = email_change_confirm(token)

    # Then its token, which carries the address, is not too long to confirm
    assert response.status_code == 200, response.content
    assert response.json()["user"]["email"] == longest
    owner.refresh_from_db()
    assert owner.email == longest


def test_a_link_to_the_longest_address_escaped_most_in_the_token_fits_the_confirmations_limit(owner):
    # Given a valid 254-character address whose every character but the "@", the dots and the quotes the token's
    # JSON escapes as \uXXXX (control characters in a quoted local part, "e" with an accent in the domain)
    domain = ".".join(["\u00e9" * 63, "\u00e9" * 63, "\u00e9" * 40])
    worst = '"' + "\x01" * (254 - len(domain) - 3) + '"@' + domain
    assert (len(worst), email_address_normalized(worst)) == (254, worst)
    _, issued = signed_in_client(owner)
    token = change_token_make(user=owner, new_email=worst, session_id=str(issued.session.pk))

    # When its link is followed
    response = email_change_confirm(token)

    # Then the token fits the limit, which is computed for it (and validate_email admits no character beyond
    # U+FFFF, which the JSON would escape in twice as many characters)
    assert len(token) <= LINK_TOKEN_MAX_LENGTH
    assert response.status_code == 200, response.content
    with pytest.raises(ValidationError):
        email_address_normalized("owner@\U0001f600.example")


def test_a_newer_change_link_supersedes_an_older_one_once_confirmed(owner, smtp):
    # Given two pending changes asked by the same account
    client, _ = signed_in_client(owner)
    email_change_ask(client, "one@example.com")
    email_change_ask(client, "two@example.com")
    one, two = email_change_link_token(smtp, "one@example.com"), email_change_link_token(smtp, "two@example.com")

    # When one is confirmed, the other no longer applies (it was asked from the old address)
    assert email_change_confirm(two).status_code == 200
    response = email_change_confirm(one)

    assert response.status_code == 400
    assert response.json()["code"] == "link_invalid"
    owner.refresh_from_db()
    assert owner.email == "two@example.com"


def test_the_browser_that_confirms_becomes_a_known_device_of_the_new_address(owner, smtp):
    # Given a change asked for and its link
    this_device, _ = signed_in_client(owner)
    assert email_change_ask(this_device, "moved@example.com").status_code == 202
    token = email_change_link_token(smtp, "moved@example.com")
    browser = APIClient()

    # When this browser follows it, then signs in with the new address
    assert browser.post(EMAIL_CHANGE_CONFIRM, {"token": token}, format="json").status_code == 200
    smtp.clear()
    assert login(browser, "moved@example.com").status_code == 200
    assert login(APIClient(), "moved@example.com").status_code == 200  # and another browser does too

    # Then only the other browser's sign-in is news to the owner
    wait_for_background_jobs()
    new_device = [message for message in smtp.messages if message["Subject"] == "New sign-in to your account"]
    assert len(new_device) == 1


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
