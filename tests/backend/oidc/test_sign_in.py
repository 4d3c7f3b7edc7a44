"""Signing in with a provider (intent sign_in): the linked account, the refusals that never link (an account with the
address, an unverified address), a new account, the second step, the limits; audit rows and emails over real SMTP."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.hashers import is_password_usable
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession, User
from backend.audit.models import AuditEvent
from backend.oidc.models import OidcIdentity
from tests.backend.accounts.helpers import refresh_cookie
from tests.backend.mfa.helpers import AUTHENTICATE, authenticator_app_enabled
from tests.factories import UserFactory
from tests.support.oidc_provider import OidcUser

from .helpers import (
    ACCOUNT_EXISTS,
    COOKIE,
    EMAIL_UNVERIFIED,
    OIDC_FAILED,
    callback,
    emails_settled,
    redirect_uri,
    session_of,
    sign_in,
    start,
    started,
)

pytestmark = pytest.mark.django_db(transaction=True)  # audit rows and emails are written on commit

NEW_DEVICE = "New sign-in to your account"


def _events(**filters) -> list[str]:
    return list(AuditEvent.objects.filter(**filters).order_by("occurred_at").values_list("event", flat=True))


def _linked(user, idp, *, sub: str = "linked-sub") -> OidcIdentity:
    idp.user = OidcUser(sub=sub, email="someone.else@example.com")
    return OidcIdentity.objects.create(user=user, provider="testidp", subject=sub, email="old@example.com")


# -- refusals first ---------------------------------------------------------------------------------------------------
def test_an_account_with_the_address_is_never_linked(api_client, idp, smtp):
    # Given an account (with a password) that has the address the provider vouches for
    owner = UserFactory(email="alice@example.com", email_verified=True)
    idp.user = OidcUser(sub="alice-at-idp", email="Alice@Example.com", email_verified=True)

    response = sign_in(api_client, idp)

    assert (response.status_code, response.json()) == (400, ACCOUNT_EXISTS)
    assert not OidcIdentity.objects.exists()
    assert not AuthSession.objects.exists()
    assert _events(user=owner) == ["login_failed"]
    assert smtp.messages == []


def test_an_unverified_address_makes_no_account(api_client, idp):
    idp.user = OidcUser(sub="bob", email="bob@example.com", email_verified=False)

    response = sign_in(api_client, idp)

    assert (response.status_code, response.json()) == (400, EMAIL_UNVERIFIED)
    assert not User.objects.exists()
    assert not OidcIdentity.objects.exists()


def test_no_address_makes_no_account(api_client, idp):
    idp.user = OidcUser(sub="bob", email=None, email_verified=None)

    response = sign_in(api_client, idp)

    assert (response.status_code, response.json()) == (400, EMAIL_UNVERIFIED)
    assert not User.objects.exists()


def test_an_address_without_email_verified_makes_no_account(api_client, idp):
    idp.user = OidcUser(sub="bob", email="bob@example.com", email_verified=None)

    response = sign_in(api_client, idp)

    assert (response.status_code, response.json()) == (400, EMAIL_UNVERIFIED)


def test_a_deactivated_account_is_refused_as_the_login_refuses_it(api_client, idp):
    user = UserFactory(is_active=False)
    _linked(user, idp)

    response = sign_in(api_client, idp)

    assert (response.status_code, response.json()) == (
        401,
        {"detail": "This account cannot sign in.", "code": "invalid_credentials"},
    )
    assert not AuthSession.objects.exists()
    assert _events(user=user) == ["login_failed"]


def test_a_linked_account_waiting_for_its_address_confirmation_is_refused_while_it_is_mandatory(
    api_client, idp, settings
):
    settings.EMAIL_VERIFICATION = "mandatory"
    user = UserFactory(email_verified=False)
    _linked(user, idp)

    response = sign_in(api_client, idp)

    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"
    assert not AuthSession.objects.exists()


def test_failed_sign_ins_count_on_the_client_address(api_client, idp, rates):
    # Given an address allowed two failed sign-ins
    rates(login_ip="2/1h")
    idp.wrong_nonce = True
    for _ in range(2):
        assert sign_in(api_client, idp).status_code == 400

    # When a third callback comes, with a token that would verify
    idp.wrong_nonce = False
    response = sign_in(api_client, idp)

    # Then it is refused unchecked
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert not User.objects.exists()


def test_successful_sign_ins_are_given_back_to_the_client_address(api_client, idp, rates):
    rates(login_ip="2/1h")
    user = UserFactory()
    _linked(user, idp)

    statuses = [sign_in(APIClient(), idp).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 200]


def test_new_accounts_count_on_register_ip(api_client, idp, rates):
    rates(register_ip="1/1h")
    idp.user = OidcUser(sub="first", email="first@example.com")
    assert sign_in(APIClient(), idp).status_code == 201

    idp.user = OidcUser(sub="second", email="second@example.com")
    response = sign_in(APIClient(), idp)

    assert response.status_code == 429
    assert User.objects.filter(email="second@example.com").exists() is False


# -- the start --------------------------------------------------------------------------------------------------------
def test_an_unknown_provider_is_a_404(api_client, idp):
    response = start(api_client, provider="nope")

    assert (response.status_code, response.json()) == (404, {"detail": "Not found.", "code": "not_found"})


def test_the_start_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(api_client, idp):
    response = start(api_client)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    url = urlsplit(response.json()["authorization_url"])
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{idp.issuer}/authorize"
    assert query["response_type"] == "code"
    assert query["client_id"] == idp.client_id
    assert query["redirect_uri"] == redirect_uri() == "http://testserver/login/oidc/callback"
    assert query["scope"] == "openid email profile"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43
    assert len(query["nonce"]) >= 43
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"]
    assert cookie["secure"]
    # __Host-: no sibling subdomain can plant a flow of its own (the prefix needs Path=/ and no Domain)
    assert (cookie["path"], cookie["domain"], cookie["samesite"], cookie["max-age"]) == ("/", "", "Lax", 600)
    assert query["state"] not in cookie.value  # signed and compressed, not in plain text
    assert "prompt" not in query  # a sign-in takes the provider's session as it is
    assert "max_age" not in query


def test_over_local_http_the_flow_cookie_is_sent_to_the_oidc_api_only(api_client, idp, settings):
    settings.REFRESH_COOKIE_SECURE = False

    cookie = start(api_client).cookies["sad_oidc"]

    assert (cookie["path"], cookie["secure"], cookie["httponly"]) == ("/api/auth/oidc/", "", True)


def test_two_starts_get_different_states_and_nonces(api_client, idp):
    first = parse_qs(urlsplit(start(api_client).json()["authorization_url"]).query)
    second = parse_qs(urlsplit(start(api_client).json()["authorization_url"]).query)

    assert first["state"] != second["state"]
    assert first["nonce"] != second["nonce"]
    assert first["code_challenge"] != second["code_challenge"]


# -- success ----------------------------------------------------------------------------------------------------------
def test_a_new_identity_with_a_verified_address_creates_an_account_without_a_password(api_client, idp, smtp):
    idp.user = OidcUser(sub="carol-sub", email="Carol@Example.COM", email_verified=True, name="  Carol   Jones ")

    response = sign_in(api_client, idp)

    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "carol@example.com"
    assert body["user"]["name"] == "Carol Jones"
    assert refresh_cookie(response)
    user = User.objects.get(email="carol@example.com")
    assert user.email_verified is True
    assert not user.has_usable_password()
    assert not is_password_usable(user.password)
    identity = OidcIdentity.objects.get()
    assert (identity.user_id, identity.provider, identity.subject, identity.email) == (
        user.pk,
        "testidp",
        "carol-sub",
        "carol@example.com",
    )
    assert identity.last_used_at is not None
    session = session_of(response)
    assert (session.user_id, session.amr, session.aal) == (user.pk, "oidc", 1)
    assert session.authenticated_at is not None  # a recent authentication
    assert _events(user=user) == ["register", "login_succeeded"]
    emails_settled()
    assert smtp.messages == []  # no verification link (confirmed by the provider), no new-device notice


def test_a_long_name_is_cut_to_the_fields_limit(api_client, idp):
    idp.user = OidcUser(sub="long", email="long@example.com", name="N" * 400)

    assert sign_in(api_client, idp).status_code == 201

    assert User.objects.get(email="long@example.com").name == "N" * 150


def test_email_verified_written_as_a_string_counts(api_client, idp):
    idp.user = OidcUser(sub="str", email="str@example.com", email_verified="true")

    assert sign_in(api_client, idp).status_code == 201


def test_a_linked_identity_signs_in_to_its_account(api_client, idp, smtp):
    user = UserFactory(email="dave@example.com")
    identity = _linked(user, idp)

    response = sign_in(api_client, idp)

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "dave@example.com"
    assert refresh_cookie(response)
    session = session_of(response)
    assert (session.user_id, session.amr) == (user.pk, "oidc")
    identity.refresh_from_db()
    assert identity.last_used_at is not None
    assert identity.email == "someone.else@example.com"  # the provider's address at this sign-in
    assert _events(user=user) == ["login_succeeded"]
    [notice] = smtp.wait_for(to="dave@example.com", subject=NEW_DEVICE)
    assert notice is not None


def test_a_linked_account_with_a_second_factor_gets_the_second_step(api_client, idp):
    user = UserFactory(email_verified=True)
    app = authenticator_app_enabled(user)
    _linked(user, idp)

    response = sign_in(api_client, idp)

    assert response.status_code == 202
    body = response.json()
    assert body["mfa_required"] is True
    assert body["methods"] == ["totp"]
    assert not AuthSession.objects.exists()
    finished = APIClient().post(AUTHENTICATE, {"mfa_token": body["mfa_token"], "code": app.now()}, format="json")
    assert finished.status_code == 200, finished.content
    session = session_of(finished)
    assert (session.amr, session.aal) == ("oidc,otp", 2)


def test_the_keys_and_discovery_are_cached_and_a_rotated_key_is_fetched_once(api_client, idp):
    user = UserFactory()
    _linked(user, idp)
    assert sign_in(APIClient(), idp).status_code == 200
    assert sign_in(APIClient(), idp).status_code == 200
    assert (idp.requests["/.well-known/openid-configuration"], idp.requests["/jwks"]) == (1, 1)

    idp.rotate_key()
    response = sign_in(APIClient(), idp)

    assert response.status_code == 200
    assert (idp.requests["/.well-known/openid-configuration"], idp.requests["/jwks"]) == (1, 2)


def test_a_provider_taking_client_secret_post_gets_it(api_client, settings):
    from tests.support.oidc_provider import OidcProvider

    with OidcProvider(auth_method="client_secret_post") as idp:
        settings.OIDC_PROVIDERS = [idp.provider_config()]

        response = sign_in(api_client, idp)

        assert response.status_code == 201, idp.token_errors


def test_two_flows_in_one_browser_finish_only_the_last_one(api_client, idp):
    # The cookie holds one flow: a second start in the same browser replaces the first.
    first_code, first_state = started(api_client, idp)
    started(api_client, idp)

    response = callback(api_client, first_code, first_state)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
