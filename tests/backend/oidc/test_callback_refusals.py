"""Every refusal of a callback (failure paths first): a missing, tampered or expired flow, the wrong state, a code the
provider refuses, an ID token that does not verify, a provider that fails. Never a 500, never an account or session,
and the flow cookie always cleared."""

import time

import pytest
from django.core import signing
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession, User
from backend.oidc.models import OidcIdentity

from .helpers import COOKIE, OIDC_FAILED, UNAVAILABLE, callback, cookie_cleared, sign_in, start, started

pytestmark = pytest.mark.django_db(transaction=True)


def _nothing_made() -> None:
    assert not User.objects.exists()
    assert not OidcIdentity.objects.exists()
    assert not AuthSession.objects.exists()


def test_a_callback_without_the_flow_cookie_is_refused(api_client, idp):
    code, state = started(APIClient(), idp)  # another browser started it

    response = callback(api_client, code, state)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert cookie_cleared(response)
    _nothing_made()


def test_a_tampered_flow_cookie_is_refused(api_client, idp):
    code, state = started(api_client, idp)
    value = api_client.cookies[COOKIE].value
    api_client.cookies[COOKIE] = value[:-2] + ("AA" if not value.endswith("AA") else "BB")

    response = callback(api_client, code, state)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    _nothing_made()


def test_a_flow_cookie_signed_for_something_else_is_refused(api_client, idp):
    code, state = started(api_client, idp)
    flow = signing.loads(api_client.cookies[COOKIE].value, salt="backend.oidc.flow")
    api_client.cookies[COOKIE] = signing.dumps(flow, salt="another.salt", compress=True)

    response = callback(api_client, code, state)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    _nothing_made()


def _started_seconds_ago(client: APIClient, idp, monkeypatch, seconds: int) -> tuple[str, str]:
    """A flow whose cookie the start signed ``seconds`` ago: Django's signer, whose date is all the callback reads
    the flow's age from, has its clock set back while the real start runs; nothing else does."""
    signed_at = int(time.time()) - seconds
    with monkeypatch.context() as patch:
        patch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(signed_at))
        return started(client, idp)


def test_an_expired_flow_is_refused(api_client, idp, settings, monkeypatch):
    # Given a flow started a minute longer ago than a flow may take
    code, state = _started_seconds_ago(api_client, idp, monkeypatch, settings.OIDC_FLOW_MAX_AGE_SECONDS + 60)

    response = callback(api_client, code, state)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert idp.requests.get("/token") is None  # refused before the code was spent
    assert cookie_cleared(response)
    _nothing_made()


def test_a_flow_within_its_age_is_finished(api_client, idp, settings, monkeypatch):
    # Given a flow started a minute before it would expire (the same backdating as above, which alone refuses)
    code, state = _started_seconds_ago(api_client, idp, monkeypatch, settings.OIDC_FLOW_MAX_AGE_SECONDS - 60)

    response = callback(api_client, code, state)

    assert response.status_code == 201, response.content


def test_the_wrong_state_is_refused_before_the_code_is_spent(api_client, idp):
    code, _ = started(api_client, idp)

    response = callback(api_client, code, "not-the-state")

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert idp.requests.get("/token") is None
    _nothing_made()


def test_the_flow_cookie_is_good_for_one_callback(api_client, idp):
    code, state = started(api_client, idp)
    assert callback(api_client, code, state).status_code == 201

    again = callback(api_client, code, state)

    assert (again.status_code, again.json()) == (400, OIDC_FAILED)
    assert User.objects.count() == 1


def test_a_code_the_provider_refuses_is_refused(api_client, idp):
    _, state = started(api_client, idp)

    response = callback(api_client, "a-code-the-provider-never-gave", state)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert idp.token_errors == ["unknown, used or missing code"]
    _nothing_made()


def test_a_code_already_spent_is_refused(api_client, idp):
    # Given a code exchanged once (the provider keeps none)
    code, state = started(api_client, idp)
    assert callback(api_client, code, state).status_code == 201
    User.objects.all().delete()

    # When it comes back with a new flow's state
    _, new_state = started(api_client, idp)
    response = callback(api_client, code, new_state)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    _nothing_made()


def test_a_provider_that_refuses_the_client_credentials_is_refused(api_client, idp, settings):
    settings.OIDC_PROVIDERS = [idp.provider_config(client_secret="not-the-secret")]

    response = sign_in(api_client, idp)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert idp.token_errors == ["wrong client credentials"]
    _nothing_made()


@pytest.mark.parametrize(
    "knob",
    ["wrong_nonce", "wrong_audience", "wrong_issuer", "expired", "bad_signature"],
)
def test_an_id_token_that_does_not_verify_is_refused(api_client, idp, knob):
    setattr(idp, knob, True)

    response = sign_in(api_client, idp)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert cookie_cleared(response)
    _nothing_made()


def test_a_token_signed_with_a_key_the_provider_does_not_publish_is_refused_after_one_more_fetch(api_client, idp):
    # Given the provider's keys cached by an earlier sign-in
    assert sign_in(APIClient(), idp).status_code == 201
    assert idp.requests["/jwks"] == 1
    User.objects.all().delete()

    # When its next ID token is signed with a key its JWKS does not list
    idp.unpublished_key = True
    response = sign_in(api_client, idp)

    # Then the keys are fetched again exactly once (it may have rotated them), and the token is refused
    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    assert idp.requests["/jwks"] == 2
    assert cookie_cleared(response)
    _nothing_made()


def test_several_audiences_without_this_client_as_azp_are_refused(api_client, idp):
    idp.audiences = [idp.client_id, "another-client"]

    response = sign_in(api_client, idp)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    _nothing_made()


def test_several_audiences_with_this_client_as_azp_are_accepted(api_client, idp):
    idp.audiences, idp.azp = [idp.client_id, "another-client"], idp.client_id

    assert sign_in(api_client, idp).status_code == 201


def test_a_provider_removed_from_the_configuration_meanwhile_is_refused(api_client, idp, settings):
    code, state = started(api_client, idp)
    settings.OIDC_PROVIDERS = []

    response = callback(api_client, code, state)

    assert (response.status_code, response.json()) == (400, OIDC_FAILED)
    _nothing_made()


def test_a_provider_failing_at_the_token_endpoint_is_a_503_with_retry_after(api_client, idp):
    code, state = started(api_client, idp)
    idp.token_fail_with = 500

    response = callback(api_client, code, state)

    assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    assert response["Retry-After"] == "30"
    assert cookie_cleared(response)
    _nothing_made()


def test_a_provider_slower_than_the_timeout_is_a_503(api_client, idp, settings):
    code, state = started(api_client, idp)
    settings.OIDC_HTTP_TIMEOUT_SECONDS = 0.3
    idp.delay_seconds = 1.5

    response = callback(api_client, code, state)

    assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    _nothing_made()


def test_a_provider_that_cannot_be_reached_is_a_503_at_the_start(api_client, idp):
    idp.stop()

    response = start(api_client)

    assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    assert response["Retry-After"] == "30"
    assert COOKIE not in response.cookies


def test_a_provider_failing_its_discovery_is_a_503_at_the_start(api_client, idp):
    idp.fail_with = 500

    response = start(api_client)

    assert (response.status_code, response.json()) == (503, UNAVAILABLE)


def test_a_provider_failing_mid_flow_is_a_503(api_client, idp):
    code, state = started(api_client, idp)  # the discovery document is cached now: the token endpoint fails
    idp.fail_with = 502

    response = callback(api_client, code, state)

    assert (response.status_code, response.json()) == (503, UNAVAILABLE)
    _nothing_made()


def test_a_callback_without_code_or_state_is_a_validation_error_and_clears_the_cookie(api_client, idp):
    started(api_client, idp)

    response = api_client.post("/api/auth/oidc/callback/", {"state": "x"}, format="json")

    assert (response.status_code, response.json()) == (400, {"code": ["This field is required."]})
    assert cookie_cleared(response)
