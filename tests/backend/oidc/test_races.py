"""Callbacks racing other writes: two callbacks creating an account for one new identity at the same moment (one
account, one identity, no 500); a connect whose session is signed out, or whose account gains a second factor, while
its callback runs (nothing connected: identity_connect checks the session again under the account's row lock)."""

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import sessions_revoke_for_user, user_change_password
from backend.accounts.services.reauthentication import SECOND_FACTOR_NEEDED
from backend.audit.models import AuditEvent
from backend.mfa.services.enrolment import mfa_writes_lock
from backend.oidc.models import OidcIdentity
from tests.backend.mfa.helpers import authenticator_app_enabled
from tests.conftest import signed_in_client
from tests.dbvendor import skip_on_mongodb
from tests.factories import UserFactory
from tests.support.concurrency import OtherConnection
from tests.support.oidc_provider import OidcUser

from .helpers import OIDC_FAILED, callback, cookie_cleared, started

NEW_PASSWORD = "the-Owners-new-phrase-31"

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_second_of_two_callbacks_for_one_new_identity_signs_in_to_the_account_the_first_made(idp):
    # Given two browsers of one person, each back from the provider with its own code for one new identity
    idp.user = OidcUser(sub="racer", email="racer@example.com")
    first_browser, second_browser = APIClient(), APIClient()
    first = started(first_browser, idp)
    second = started(second_browser, idp)

    # When the first creates the account in a transaction still open while the second one runs
    with transaction.atomic():
        first_response = callback(first_browser, *first)
        assert first_response.status_code == 201, first_response.content
        other = OtherConnection(lambda: callback(second_browser, *second)).start()
        other.wait_until_finished_or_blocked()  # PostgreSQL: the second waits on the unique address
    other.join()

    # Then the second signs in to the account the first made, and there is one of each
    assert other.error is None, other.error
    assert other.result.status_code == 200, other.result.content
    assert other.result.json()["user"]["email"] == "racer@example.com"
    assert User.objects.filter(email="racer@example.com").count() == 1
    assert OidcIdentity.objects.filter(subject="racer").count() == 1


def _connect_finished_while(change, connecting: APIClient, code: str, state: str) -> OtherConnection:
    """The connect flow's callback, on another connection, while ``change()`` (a change of the account that takes
    its row's lock) has not committed yet; joined once it has."""
    with transaction.atomic():
        change()
        other = OtherConnection(lambda: callback(connecting, code, state)).start()
        other.wait_until_finished_or_blocked()  # PostgreSQL: the connect waits on the account's row
    return other.join()


@skip_on_mongodb("no row locks there: identity_connect documents the window")
@pytest.mark.parametrize("sign_out", ["password_change", "sign_out_everywhere"])
def test_a_connect_whose_session_is_signed_out_before_the_identity_is_written_connects_nothing(idp, smtp, sign_out):
    # Given a session (an intruder's, with a stolen password) back from the provider to connect an identity of its
    # own, and the owner on another device
    user = UserFactory(email="owner@example.com", email_verified=True)
    idp.user = OidcUser(sub="intruders-sub", email="intruder@idp.example")
    intruder, _ = signed_in_client(user)
    _, owners = signed_in_client(user)
    code, state = started(intruder, idp, intent="connect")

    # When the owner changes the password, or signs out everywhere, and that commits while the callback runs
    def owner_signs_the_intruder_out():
        if sign_out == "password_change":
            user_change_password(
                user=User.objects.get(pk=user.pk), new_password=NEW_PASSWORD, keep_session_id=str(owners.session.pk)
            )
        else:
            sessions_revoke_for_user(user=User.objects.get(pk=user.pk))

    other = _connect_finished_while(owner_signs_the_intruder_out, intruder, code, state)

    # Then the callback is refused as a signed-out session's is, and no identity signs in to the account
    assert other.error is None, other.error
    assert other.result.status_code == 400, other.result.content
    assert other.result.json() == OIDC_FAILED
    assert cookie_cleared(other.result)
    assert not OidcIdentity.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.OIDC_CONNECTED).exists()


@skip_on_mongodb("no row locks there: identity_connect documents the window")
def test_a_connect_finished_after_the_owner_added_a_second_factor_must_prove_it_first(idp, smtp):
    # Given a password-only session back from the provider to connect an identity
    user = UserFactory(email="owner@example.com", email_verified=True)
    idp.user = OidcUser(sub="connecting-sub", email="someone@idp.example")
    connecting, _ = signed_in_client(user)
    code, state = started(connecting, idp, intent="connect")

    # When the owner's authenticator app is enabled (under the factor writers' lock) while the callback runs
    def owner_enables_an_app():
        mfa_writes_lock(user=user)
        authenticator_app_enabled(user)

    other = _connect_finished_while(owner_enables_an_app, connecting, code, state)

    # Then the session must re-authenticate with the second factor first, and nothing is connected
    assert other.error is None, other.error
    assert other.result.status_code == 403, other.result.content
    assert other.result.json() == {"detail": SECOND_FACTOR_NEEDED, "code": "reauthentication_required"}
    assert not OidcIdentity.objects.filter(user=user).exists()
