"""Connecting a provider to the signed-in account (intent connect): a Bearer token and a recent authentication to
start, the same session to finish; an identity of another account refused; the owner emailed, the connection audited."""

import pytest
from rest_framework.test import APIClient

from backend.audit.models import AuditEvent
from backend.oidc.models import OidcIdentity
from tests.backend.mfa.helpers import REAUTH_REQUIRED, authentication_aged
from tests.conftest import signed_in_client
from tests.factories import UserFactory
from tests.support.oidc_provider import OidcUser
from tests.support.smtp import text_body

from .helpers import COOKIE, IDENTITY_TAKEN, OIDC_FAILED, UNAVAILABLE, callback, cookie_cleared, sign_in, start, started

pytestmark = pytest.mark.django_db(transaction=True)

CONNECTED = "Test IdP was connected to your account"


@pytest.fixture
def user(db):
    """Connecting needs a confirmed address (test_connecting_needs_a_confirmed_address)."""
    return UserFactory(email_verified=True)


def _connect(client: APIClient, idp):
    code, state = started(client, idp, intent="connect")
    return callback(client, code, state)


# -- refusals first ---------------------------------------------------------------------------------------------------
def test_connecting_needs_an_access_token(api_client, idp):
    response = start(api_client, intent="connect")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert COOKIE not in response.cookies


def test_connecting_needs_a_recent_authentication(idp, user):
    client, issued = signed_in_client(user)
    authentication_aged(issued.session.pk)

    response = start(client, intent="connect")

    assert (response.status_code, response.json()) == (403, REAUTH_REQUIRED)
    assert COOKIE not in response.cookies


def test_connecting_needs_a_confirmed_address(idp, smtp):
    # Given an account whose address nobody proved (anyone can register someone else's): a provider connected now
    # would sign its connector in after the owner's password reset, as a second factor of theirs would
    unconfirmed = UserFactory(email_verified=False)
    client, _ = signed_in_client(unconfirmed)

    response = start(client, intent="connect")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Confirm your email address before connecting a sign-in provider: follow the link we emailed you, "
        "or ask for a new one.",
        "code": "email_not_verified",
    }
    assert COOKIE not in response.cookies
    assert idp.authorizations == []


def test_an_unknown_intent_is_a_validation_error(api_client, idp):
    response = start(api_client, intent="steal")

    assert response.status_code == 400
    assert list(response.json()) == ["intent"]


def test_the_callback_without_the_access_token_is_refused(idp, user, smtp):
    client, _ = signed_in_client(user)
    code, state = started(client, idp, intent="connect")
    client.credentials()  # the token is gone (another tab signed out, a reload lost it)

    response = callback(client, code, state)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert cookie_cleared(response)
    assert not OidcIdentity.objects.exists()
    assert idp.requests.get("/token") is None  # the code was not spent


def test_the_callback_from_another_session_is_refused(idp, user):
    client, _ = signed_in_client(user)
    code, state = started(client, idp, intent="connect")
    _, other_session = signed_in_client(user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {other_session.tokens.access}")

    response = callback(client, code, state)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert not OidcIdentity.objects.exists()


def test_the_callback_with_a_revoked_session_is_refused(idp, user):
    client, issued = signed_in_client(user)
    code, state = started(client, idp, intent="connect")
    from backend.accounts.services import session_revoke

    session_revoke(session=issued.session)

    response = callback(client, code, state)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert not OidcIdentity.objects.exists()


def test_the_callback_after_the_sessions_authentication_stopped_being_recent_is_refused(idp, user, smtp):
    # Given a flow started while the session was recent (by a script in the page, say), finished at the provider
    # after the re-authentication window: an identity connected then would sign in without the password
    client, issued = signed_in_client(user)
    code, state = started(client, idp, intent="connect")
    authentication_aged(issued.session.pk)

    response = callback(client, code, state)

    assert (response.status_code, response.json()) == (403, REAUTH_REQUIRED)
    assert cookie_cleared(response)
    assert not OidcIdentity.objects.exists()
    assert idp.requests.get("/token") is None  # the code was not spent
    assert smtp.messages == []


def test_the_callback_after_the_address_stopped_being_confirmed_is_refused(idp, user, smtp):
    client, _ = signed_in_client(user)
    code, state = started(client, idp, intent="connect")
    type(user).objects.filter(pk=user.pk).update(email_verified=False)  # e.g. an email change confirmed meanwhile

    response = callback(client, code, state)

    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"
    assert not OidcIdentity.objects.exists()
    assert idp.requests.get("/token") is None


def test_an_identity_of_another_account_is_refused(idp, user, smtp):
    other = UserFactory()
    OidcIdentity.objects.create(user=other, provider="testidp", subject="shared-sub")
    idp.user = OidcUser(sub="shared-sub")
    client, _ = signed_in_client(user)

    response = _connect(client, idp)

    assert (response.status_code, response.json()) == (400, IDENTITY_TAKEN)
    assert list(OidcIdentity.objects.values_list("user_id", flat=True)) == [other.pk]
    assert smtp.messages == []


# -- success ----------------------------------------------------------------------------------------------------------
def test_a_provider_is_connected_to_the_account_and_the_owner_told(idp, user, smtp):
    idp.user = OidcUser(sub="erin-sub", email="erin@idp.example", email_verified=False)  # not needed to connect
    client, issued = signed_in_client(user)

    response = _connect(client, idp)

    assert response.status_code == 200
    identity = OidcIdentity.objects.get()
    assert response.json() == {
        "identity": {
            "id": str(identity.pk),
            "provider": "testidp",
            "provider_name": "Test IdP",
            "email": "erin@idp.example",
            "created_at": identity.created_at.isoformat().replace("+00:00", "Z"),
            "last_used_at": None,
        }
    }
    assert (identity.user_id, identity.subject) == (user.pk, "erin-sub")
    assert cookie_cleared(response)
    [notice] = smtp.wait_for(to=user.email, subject=CONNECTED)
    assert "your Test IdP account as erin@idp.example was connected to your account" in text_body(notice)
    row = AuditEvent.objects.get(event="oidc_connected")
    assert (row.user_id, row.session_id) == (user.pk, issued.session.pk)


def test_connecting_an_identity_already_connected_to_the_account_changes_nothing(idp, user, smtp):
    identity = OidcIdentity.objects.create(user=user, provider="testidp", subject="same-sub")
    idp.user = OidcUser(sub="same-sub")
    client, _ = signed_in_client(user)

    response = _connect(client, idp)

    assert response.status_code == 200
    assert response.json()["identity"]["id"] == str(identity.pk)
    assert OidcIdentity.objects.count() == 1
    assert not AuditEvent.objects.filter(event="oidc_connected").exists()
    assert smtp.messages == []


def test_the_connected_identity_then_signs_in(idp, user):
    idp.user = OidcUser(sub="then-sign-in", email=user.email)
    client, _ = signed_in_client(user)
    assert _connect(client, idp).status_code == 200

    browser = APIClient()
    code, state = started(browser, idp)
    response = callback(browser, code, state)

    assert response.status_code == 200
    assert response.json()["user"]["email"] == user.email


@pytest.mark.parametrize("intent", ["connect", "reauthenticate"])
def test_a_session_flow_failed_by_its_provider_gives_back_only_its_own_failed_sign_in_count(idp, user, rates, intent):
    # Given an address allowed two failed sign-ins (login_ip), one of them spent on a bad provider token
    rates(login_ip="2/1h")
    idp.wrong_nonce = True
    assert sign_in(APIClient(), idp).status_code == 400

    # When a session signed in from that address connects (or re-authenticates with) the provider, and the
    # provider fails at its token endpoint: neither a sign-in nor the client's failure
    client, _ = signed_in_client(user)
    code, state = started(client, idp, intent=intent)
    idp.token_fail_with = 500
    failed = callback(client, code, state)
    assert (failed.status_code, failed.json()) == (503, UNAVAILABLE)

    # Then the earlier failure still counts: one more failed sign-in is allowed, and the next one is refused
    idp.token_fail_with = None
    second = sign_in(APIClient(), idp)
    third = sign_in(APIClient(), idp)
    assert (second.status_code, second["X-RateLimit-Remaining"]) == (400, "0")
    assert (third.status_code, third.json()["code"]) == (429, "throttled")
