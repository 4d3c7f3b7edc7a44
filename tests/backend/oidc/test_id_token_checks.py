"""What the client checks in the provider's answers before it trusts them (backend/oidc/client.py): an ID token
forged with the client secret, unsigned, dated in the future or signed with another algorithm than its key's is
refused; a discovery document for another issuer, or with endpoints that are not https, stops the flow at its
start. The provider is the real test one (tests/support/oidc_provider.py), told to misbehave."""

import pytest

from backend.accounts.models import AuthSession, User
from backend.oidc.models import OidcIdentity

from .helpers import COOKIE, OIDC_FAILED, UNAVAILABLE, cookie_cleared, sign_in, start

pytestmark = pytest.mark.django_db(transaction=True)

# Well past the client's tolerated clock difference (CLOCK_SKEW_SECONDS, a minute), as a guess at it would not be.
FAR_FUTURE_SECONDS = 10 * 60


def _refused(response, idp) -> None:
    """Refused once the provider had answered its ID token, with nothing made and the flow cookie cleared."""
    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert idp.requests.get("/token") == 1  # the exchange happened: it is the token that was refused
    assert cookie_cleared(response)
    assert not User.objects.exists()
    assert not OidcIdentity.objects.exists()
    assert not AuthSession.objects.exists()


def test_an_id_token_signed_with_the_client_secret_is_refused(api_client, idp):
    # Given a token anyone holding the client secret could make: HS256, the secret as the HMAC key, the kid of the
    # provider's real key
    idp.signing_alg = "HS256"

    response = sign_in(api_client, idp)

    _refused(response, idp)


def test_an_unsigned_id_token_is_refused(api_client, idp):
    idp.signing_alg = "none"

    response = sign_in(api_client, idp)

    _refused(response, idp)


def test_an_id_token_signed_with_another_algorithm_than_its_key_declares_is_refused(api_client, idp):
    # Given the JWK says RS256, and the token is signed with that very key but as PS256 (a valid signature: only
    # the key's declared algorithm tells it apart)
    idp.signing_alg = "PS256"

    response = sign_in(api_client, idp)

    _refused(response, idp)


def test_an_id_token_issued_in_the_future_beyond_the_clock_skew_is_refused(api_client, idp):
    # Given iat (and exp with it, so that only iat is wrong) ten minutes ahead of this server's clock
    idp.iat_offset_seconds = FAR_FUTURE_SECONDS

    response = sign_in(api_client, idp)

    _refused(response, idp)


def test_an_id_token_issued_slightly_in_the_future_is_accepted(api_client, idp):
    # Given a provider whose clock is a little ahead, within the tolerated skew
    idp.iat_offset_seconds = 20

    response = sign_in(api_client, idp)

    assert response.status_code == 201, response.content


def test_an_id_token_without_kid_is_verified_with_the_only_key_of_its_algorithm(api_client, idp):
    # Given a JWKS of two keys, only one of them declared for RS256, and a token that names none
    idp.publish_extra_key(alg="PS256")
    idp.omit_kid = True

    response = sign_in(api_client, idp)

    assert response.status_code == 201, response.content
    assert OidcIdentity.objects.filter(subject=idp.user.sub).exists()


def test_an_id_token_without_kid_is_refused_when_several_keys_of_its_algorithm_could_have_signed_it(api_client, idp):
    # Given a JWKS of two RS256 keys, and a token that does not say which one signed it
    idp.publish_extra_key(alg="RS256")
    idp.omit_kid = True

    response = sign_in(api_client, idp)

    _refused(response, idp)


def test_a_discovery_document_for_another_issuer_is_a_503_at_the_start(api_client, idp):
    # Given a document at the configured issuer's address that claims another issuer (a misconfiguration, or a
    # provider answering for someone else)
    idp.discovery_overrides = {"issuer": "https://sso.elsewhere.example"}

    response = start(api_client)

    assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    assert COOKIE not in response.cookies


@pytest.mark.parametrize("endpoint", ["authorization_endpoint", "token_endpoint", "jwks_uri"])
def test_a_discovery_document_with_an_endpoint_that_is_not_https_is_a_503_at_the_start(api_client, idp, endpoint):
    # Given the endpoint in clear text on a host that is not this one's loopback
    idp.discovery_overrides = {endpoint: "http://sso.example.com/oidc"}

    response = start(api_client)

    assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    assert COOKIE not in response.cookies


def test_a_refused_discovery_document_is_not_cached(api_client, idp):
    # Given a start refused for the document's issuer
    idp.discovery_overrides = {"issuer": "https://sso.elsewhere.example"}
    assert start(api_client).status_code == 503

    # When the provider fixes its document
    idp.discovery_overrides = {}
    response = start(api_client)

    # Then the next start reads it again, and goes ahead
    assert response.status_code == 200, response.content
    assert idp.requests["/.well-known/openid-configuration"] == 2
