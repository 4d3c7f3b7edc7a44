"""Confirming a change of email address by the link emailed to the new address (read from the message received over
real SMTP and followed through the API): links malformed, tampered with, of another kind, expired or beaten to the
address, and the change itself."""

import time
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from backend.accounts.link_tokens import LINK_TOKEN_MAX_LENGTH, change_token_make
from backend.accounts.models import AuthSession
from backend.accounts.normalization import email_address_normalized
from backend.audit.models import AuditEvent
from backend.common.background import wait_for_background_jobs
from tests.backend.accounts.helpers import (
    EMAIL_CHANGE_CONFIRM,
    email_change_ask,
    email_change_confirm,
    email_change_link_token,
    login,
)
from tests.conftest import signed_in_client
from tests.factories import UserFactory
from tests.support.smtp import text_body

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent, and sessions revoked, on commit

CHANGED_SUBJECT = "Your email address was changed"


# Failure paths -------------------------------------------------------------------------------------------------------


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


def test_asking_again_cancels_the_earlier_link_so_a_mistyped_address_gets_no_way_in(owner, smtp):
    # Given a change asked for a mistyped address, then asked again for the right one
    client, _ = signed_in_client(owner)
    email_change_ask(client, "owner@gmial.com")
    typo_token = email_change_link_token(smtp, "owner@gmial.com")
    email_change_ask(client, "owner@gmail.com")
    right_token = email_change_link_token(smtp, "owner@gmail.com")

    # When whoever reads the mistyped mailbox follows its link, then the owner follows theirs
    typo = email_change_confirm(typo_token)
    right = email_change_confirm(right_token)

    # Then only the latest request's link works
    assert typo.status_code == 400
    assert typo.json()["code"] == "link_invalid"
    assert right.status_code == 200
    owner.refresh_from_db()
    assert owner.email == "owner@gmail.com"


def test_a_request_for_an_address_in_use_also_cancels_the_earlier_link(owner, smtp):
    UserFactory(email="taken@example.com")
    client, _ = signed_in_client(owner)
    email_change_ask(client, "first@example.com")
    first_token = email_change_link_token(smtp, "first@example.com")

    email_change_ask(client, "taken@example.com")  # its owner is told; no link is sent

    assert email_change_confirm(first_token).json()["code"] == "link_invalid"


def test_a_verification_link_is_no_good_for_an_email_change(owner, smtp):
    from backend.accounts.link_tokens import verify_token_make

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


def test_a_link_mailed_by_the_release_before_the_email_change_key_still_works(owner):
    # Given a link made as that release made it: bound to the address, password and revocation key only
    from django.core import signing

    from backend.accounts.link_tokens import CHANGE_SALT, _state

    state = _state(["change", str(owner.pk), owner.email, owner.password, owner.sessions_revocation_key])
    token = signing.dumps({"u": str(owner.pk), "n": "moved@example.com", "s": None, "h": state}, salt=CHANGE_SALT)

    response = email_change_confirm(token)

    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.email == "moved@example.com"
