"""A provider's sign-in counts as a recent authentication only when its user signed in at the provider during the
flow (the ID token's auth_time), not when the provider's own session approved it silently; and a signed-in session
re-authenticates with a connected provider (intent reauthenticate: prompt=login, max_age=0), which is how an account
without a password confirms a sensitive action (docs/sso.md, "Re-authentication")."""

import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession, User
from backend.audit.models import AuditEvent
from backend.oidc.models import OidcIdentity
from tests.backend.mfa.helpers import (
    REAUTH_REQUIRED,
    SECOND_FACTOR_NEEDED,
    authentication_aged,
    authenticator_app_enabled,
)
from tests.conftest import signed_in_client
from tests.factories import UserFactory
from tests.support.oidc_provider import OidcUser

from .helpers import OIDC_FAILED, callback, sign_in, start, started

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a-Password-set-after-sso-8"
A_DAY = 24 * 60 * 60


def _first_password(client: APIClient):
    return client.post("/api/auth/password/", {"new_password": NEW_PASSWORD}, format="json")


def _signed_in_by_provider(idp) -> tuple[APIClient, User]:
    """A new account made by the provider, and a client signed in to it with the 201's access token."""
    client = APIClient()
    response = sign_in(client, idp)
    assert response.status_code == 201, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client, User.objects.get(email=idp.user.email)


def session_of_client(client: APIClient) -> AuthSession:
    """The session whose access token ``client`` sends."""
    token = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    return AuthSession.objects.get(pk=jwt.decode(token, options={"verify_signature": False})["sid"])


def _reauthenticate(client: APIClient, idp):
    code, state = started(client, idp, intent="reauthenticate")
    return callback(client, code, state)


# -- what a sign-in proves ---------------------------------------------------------------------------------------------
def test_a_sign_in_at_the_provider_during_the_flow_is_a_recent_authentication(idp):
    client, _ = _signed_in_by_provider(idp)  # the provider had no session: its user signed in now

    assert _first_password(client).status_code == 204


def test_a_sign_in_approved_by_the_providers_earlier_session_is_not_a_recent_authentication(idp):
    # Given a provider whose user signed in there a day ago: it approves the flow without asking anything, which is
    # all a script injected into the page would need to get a fresh authentication at will
    idp.session_started_at = time.time() - A_DAY

    client, user = _signed_in_by_provider(idp)

    # Then the session is signed in, but not recently authenticated: the password-less account's first password waits
    assert session_of_client(client).authenticated_at is None
    refused = _first_password(client)
    assert (refused.status_code, refused.json()) == (403, REAUTH_REQUIRED)
    assert not User.objects.get(pk=user.pk).has_usable_password()


def test_a_sign_in_without_auth_time_is_not_a_recent_authentication(idp):
    idp.sends_auth_time = False

    client, _ = _signed_in_by_provider(idp)

    assert session_of_client(client).authenticated_at is None
    assert _first_password(client).status_code == 403


# -- re-authenticating with a connected provider -----------------------------------------------------------------------
def test_re_authenticating_asks_the_provider_to_sign_its_user_in_again(idp):
    client, _ = _signed_in_by_provider(idp)

    response = start(client, intent="reauthenticate")

    assert response.status_code == 200
    query = parse_qs(urlsplit(response.json()["authorization_url"]).query)
    assert (query["prompt"], query["max_age"]) == (["login"], ["0"])


def test_re_authenticating_needs_an_access_token(api_client, idp):
    response = start(api_client, intent="reauthenticate")

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_a_session_re_authenticates_with_its_connected_provider(idp):
    # Given a password-less account whose session's authentication is old, and a provider session from yesterday
    idp.session_started_at = time.time() - A_DAY
    client, user = _signed_in_by_provider(idp)
    assert _first_password(client).status_code == 403

    # When the session re-authenticates with the provider (which signs its user in again: prompt=login)
    response = _reauthenticate(client, idp)

    # Then it is recently authenticated at one factor, audited, and the first password can be set
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    session = session_of_client(client)
    assert response.json()["authenticated_at"] is not None
    assert (session.authenticated_at is not None, session.aal) == (True, 1)
    assert AuditEvent.objects.filter(user=user, event="reauthenticated", session_id=session.pk).count() == 1
    assert _first_password(client).status_code == 204


def test_a_provider_that_does_not_sign_its_user_in_again_does_not_re_authenticate(idp):
    # Given a provider that ignores prompt=login and max_age=0: its ID token's auth_time is its sign-in of yesterday
    idp.session_started_at = time.time() - A_DAY
    idp.honours_prompt = False
    client, _ = _signed_in_by_provider(idp)
    authentication_aged(session_of_client(client).pk)

    response = _reauthenticate(client, idp)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert _first_password(client).status_code == 403


def test_a_provider_that_does_not_say_when_its_user_signed_in_does_not_re_authenticate(idp):
    client, _ = _signed_in_by_provider(idp)
    authentication_aged(session_of_client(client).pk)
    idp.sends_auth_time = False

    response = _reauthenticate(client, idp)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert _first_password(client).status_code == 403


def test_an_identity_not_connected_to_the_account_does_not_re_authenticate_it(idp):
    # Given an account with a password, whose owner tries another provider account (or someone else's)
    user = UserFactory(email_verified=True)
    client, issued = signed_in_client(user)
    authentication_aged(issued.session.pk)
    idp.user = OidcUser(sub="somebody-else", email="else@example.com")

    response = _reauthenticate(client, idp)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert AuthSession.objects.get(pk=issued.session.pk).authenticated_at < issued.session.created_at
    assert not OidcIdentity.objects.exists()  # nor connected by the way


def test_the_callback_from_another_session_does_not_re_authenticate(idp):
    client, user = _signed_in_by_provider(idp)
    code, state = started(client, idp, intent="reauthenticate")
    other, issued = signed_in_client(user)
    other.cookies = client.cookies  # the flow's cookie, with another session's token
    for session_id in (session_of_client(client).pk, issued.session.pk):
        authentication_aged(session_id)
    tokens_asked = idp.requests.get("/token", 0)

    response = callback(other, code, state)

    # Refused before the code is spent; neither session re-authenticated
    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert idp.requests.get("/token", 0) == tokens_asked
    for session in (session_of_client(client), AuthSession.objects.get(pk=issued.session.pk)):
        assert session.authenticated_at < session.created_at


def test_an_account_with_a_second_factor_re_authenticates_with_it_not_with_the_provider(idp):
    client, user = _signed_in_by_provider(idp)
    authenticator_app_enabled(user)

    response = start(client, intent="reauthenticate")

    assert (response.status_code, response.json()) == (403, SECOND_FACTOR_NEEDED)
    assert len(idp.authorizations) == 1  # the sign-up's: the browser is not sent to the provider for nothing


def test_a_second_factor_added_during_the_flow_refuses_its_callback(idp):
    client, user = _signed_in_by_provider(idp)
    authentication_aged(session_of_client(client).pk)
    code, state = started(client, idp, intent="reauthenticate")
    authenticator_app_enabled(user)  # from another device, meanwhile

    response = callback(client, code, state)

    assert (response.status_code, response.json()) == (403, SECOND_FACTOR_NEEDED)
    assert session_of_client(client).authenticated_at < session_of_client(client).created_at


def test_an_auth_time_in_the_future_is_no_sign_in_during_the_flow(idp):
    # (a provider's clock, or a bug, far ahead: nothing the flow can have seen)
    idp.session_started_at = time.time() + A_DAY
    client, _ = _signed_in_by_provider(idp)

    assert session_of_client(client).authenticated_at is None
