"""Claims no database can store: a NUL (PostgreSQL's text refuses it) or a lone UTF-16 surrogate (JSON's "\\ud800",
which no UTF-8 encodes, so neither PostgreSQL nor SQLite can take it). A ``sub`` with one is an ID token that did not
verify (400 ``oidc_failed``); an ``email`` or ``name`` with one is as good as none (docs/sso.md). Never a 500, and
nothing half-written. The provider is the real test one (tests/support/oidc_provider.py), signing what it is told."""

import time

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession, User
from backend.oidc.client import id_token_verify
from backend.oidc.config import provider_get
from backend.oidc.errors import OidcFailed
from backend.oidc.models import OidcIdentity
from tests.conftest import signed_in_client
from tests.factories import UserFactory
from tests.support.oidc_provider import OidcUser

from .helpers import EMAIL_UNVERIFIED, OIDC_FAILED, callback, emails_settled, started

pytestmark = pytest.mark.django_db(transaction=True)  # audit rows and emails are written on commit

UNSTORABLE = {"nul": "a\x00b", "lone high surrogate": "\ud800", "lone low surrogate": "a\udfffb"}
SUBJECT = "sub-of-the-claims-test"
ADDRESS = "claims.test@example.com"


def _flow(client, idp, intent: str):
    code, state = started(client, idp, intent=intent)
    return callback(client, code, state)


@pytest.mark.parametrize("intent", ["sign_in", "connect"])
@pytest.mark.parametrize("text", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_a_subject_no_database_can_store_is_a_token_that_did_not_verify(idp, smtp, intent, text):
    # Given an account (whose session connects, for intent connect), and a provider whose sub holds such a character
    owner = UserFactory(email_verified=True)
    client = signed_in_client(owner)[0] if intent == "connect" else APIClient()
    sessions_before = AuthSession.objects.count()
    idp.user = OidcUser(sub=text, email=ADDRESS, email_verified=True, name="Claims Test")

    response = _flow(client, idp, intent)

    # Then the token is refused as one that did not verify, and nothing was written
    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert idp.requests.get("/token") == 1  # refused once the token came back, not before
    assert list(User.objects.all()) == [owner]
    assert not OidcIdentity.objects.exists()
    assert AuthSession.objects.count() == sessions_before


@pytest.mark.parametrize("text", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_signing_in_with_an_address_no_database_can_store_is_signing_in_without_one(api_client, idp, smtp, text):
    # Given a provider that vouches for an address holding a character no database stores
    idp.user = OidcUser(sub=SUBJECT, email=f"x{text}@example.com", email_verified=True, name="Claims Test")

    response = _flow(api_client, idp, "sign_in")

    # Then it is as if it gave none: no account can be made (rule 2 of the linking rules)
    assert (response.status_code, response.json()) == (400, EMAIL_UNVERIFIED)
    assert not User.objects.exists()
    assert not OidcIdentity.objects.exists()
    assert not AuthSession.objects.exists()


@pytest.mark.parametrize("text", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_a_linked_identity_whose_address_no_database_can_store_still_signs_in(api_client, idp, smtp, text):
    owner = UserFactory(email_verified=True)
    OidcIdentity.objects.create(user=owner, provider="testidp", subject=SUBJECT, email=ADDRESS)
    idp.user = OidcUser(sub=SUBJECT, email=f"x{text}@example.com", email_verified=True, name="Claims Test")

    response = _flow(api_client, idp, "sign_in")

    assert response.status_code == 200, response.content
    assert OidcIdentity.objects.get().email == ""  # the address it gave this time: none usable


@pytest.mark.parametrize("text", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_a_name_no_database_can_store_makes_an_account_without_a_name(api_client, idp, smtp, text):
    idp.user = OidcUser(sub=SUBJECT, email=ADDRESS, email_verified=True, name=f"Claims{text}Test")

    response = _flow(api_client, idp, "sign_in")

    assert response.status_code == 201, response.content
    created = User.objects.get()
    assert (created.email, created.name) == (ADDRESS, "")
    assert OidcIdentity.objects.get().user == created


@pytest.mark.parametrize("claim", ["email", "name"])
@pytest.mark.parametrize("text", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_connecting_an_identity_whose_claims_no_database_can_store_connects_it_without_them(idp, smtp, claim, text):
    owner = UserFactory(email_verified=True)
    client, _ = signed_in_client(owner)
    idp.user = OidcUser(sub=SUBJECT, email=ADDRESS, email_verified=True, name="Claims Test")
    setattr(idp.user, claim, f"x{text}@example.com" if claim == "email" else f"Claims{text}Test")

    response = _flow(client, idp, "connect")

    assert response.status_code == 200, response.content
    identity = OidcIdentity.objects.get()
    assert (identity.user, identity.subject) == (owner, SUBJECT)
    assert identity.email == ("" if claim == "email" else ADDRESS)
    emails_settled()


@pytest.mark.parametrize("text", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_a_nonce_no_utf8_encodes_is_a_wrong_nonce(idp, text):
    # Given an ID token, signed by the provider, whose nonce holds what the comparison must not choke on
    provider = provider_get("testidp")
    assert provider is not None
    now = int(time.time())
    token = idp.id_token(
        {"iss": idp.issuer, "sub": SUBJECT, "aud": idp.client_id, "iat": now, "exp": now + 300, "nonce": text}
    )

    with pytest.raises(OidcFailed):
        id_token_verify(provider, token, nonce="the-flow-nonce")
