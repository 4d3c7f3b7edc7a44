"""Signing in to an account with a second factor: the password opens a short-lived, single-use challenge, and only
a second factor turns it into a session that records both methods."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.accounts.tokens import SessionAccessToken
from backend.mfa.models import MfaChallenge
from backend.mfa.sign_in_serializers import MfaChallengeOutputSerializer
from tests.backend.accounts.helpers import bearer, login, refresh
from tests.backend.mfa.helpers import CODE_INVALID, authenticator_app_enabled, code_of_step

pytestmark = pytest.mark.django_db

AUTHENTICATE = "/api/auth/mfa/authenticate/"


def _challenge(client: APIClient, user) -> str:
    response = login(client, user.email)
    assert response.status_code == 202, response.content
    return response.json()["mfa_token"]


def _authenticate(client: APIClient, **body):
    return client.post(AUTHENTICATE, body, format="json")


def _claims(access: str) -> dict:
    return dict(SessionAccessToken(access.encode()).payload)


# -- failure paths ----------------------------------------------------------------------------------------------------
def test_the_right_password_alone_gives_no_session_when_the_account_has_an_authenticator_app(api_client, user):
    # Given an account with an authenticator app
    authenticator_app_enabled(user)

    # When its owner signs in with the right password
    response = login(api_client, user.email)

    # Then the answer is a challenge, not a session: no token, no cookie, no session row
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"mfa_required", "mfa_token", "methods", "expires_at"}
    assert body["mfa_required"] is True
    assert body["methods"] == ["totp"]
    assert "access" not in body
    assert settings.REFRESH_COOKIE_NAME not in response.cookies
    assert not AuthSession.objects.filter(user=user).exists()
    # And the challenge is stored only as a hash, valid for five minutes
    challenge = MfaChallenge.objects.get(user=user)
    assert body["mfa_token"] not in challenge.token_hash
    assert challenge.expires_at - challenge.created_at == timedelta(seconds=300)


def test_the_challenge_is_the_documented_body_and_no_cache_may_keep_it(api_client, user):
    # (the OpenAPI schema documents every sign-in's 202 with MfaChallengeOutputSerializer; its token is a secret)
    # Given an account with an authenticator app
    authenticator_app_enabled(user)

    # When its owner signs in with the right password
    response = login(api_client, user.email)

    # Then the body is the serializer's, field for field and in its order, and says no-store
    assert response.status_code == 202
    body = response.json()
    challenge = MfaChallenge.objects.get(user=user)
    documented = MfaChallengeOutputSerializer(
        {"mfa_required": True, "mfa_token": body["mfa_token"], "methods": ["totp"], "expires_at": challenge.expires_at}
    ).data
    assert list(body) == list(documented)
    assert body == documented
    assert response["Cache-Control"] == "no-store"


def test_a_wrong_password_is_refused_before_any_challenge(api_client, user):
    authenticator_app_enabled(user)

    response = login(api_client, user.email, "not-the-password")

    assert response.status_code == 401
    assert not MfaChallenge.objects.exists()


def test_a_wrong_code_is_a_400_and_signs_nobody_in(api_client, user):
    app = authenticator_app_enabled(user)
    token = _challenge(api_client, user)

    response = _authenticate(api_client, mfa_token=token, code=code_of_step(app, 5))

    assert (response.status_code, response.json()) == (400, CODE_INVALID)
    assert not AuthSession.objects.filter(user=user).exists()
    assert MfaChallenge.objects.get(user=user).failed_attempts == 1


def test_a_code_already_used_is_refused_at_the_next_sign_in(api_client, user):
    # Given a code that finished one sign-in
    app = authenticator_app_enabled(user)
    code = app.now()
    assert _authenticate(api_client, mfa_token=_challenge(api_client, user), code=code).status_code == 200

    # When the same code is replayed in another sign-in within its window
    response = _authenticate(APIClient(), mfa_token=_challenge(APIClient(), user), code=code)

    # Then it is refused
    assert (response.status_code, response.json()) == (400, CODE_INVALID)


def test_an_unknown_challenge_is_refused(api_client, user):
    app = authenticator_app_enabled(user)

    response = _authenticate(api_client, mfa_token="made-up", code=app.now())

    assert response.status_code == 400
    assert response.json()["code"] == "mfa_challenge_invalid"


def test_a_challenge_cannot_be_used_twice(api_client, user):
    app = authenticator_app_enabled(user)
    token = _challenge(api_client, user)
    assert _authenticate(api_client, mfa_token=token, code=app.now()).status_code == 200

    response = _authenticate(APIClient(), mfa_token=token, code=code_of_step(app, 1))

    assert response.status_code == 400
    assert response.json()["code"] == "mfa_challenge_invalid"
    assert AuthSession.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("change", ["password_reset", "sign_out_everywhere"])
def test_a_challenge_opened_before_a_reset_or_a_sign_out_everywhere_cannot_finish(api_client, user, change):
    from backend.accounts.services import sessions_revoke_for_user
    from backend.accounts.services.password_reset import password_reset_confirm
    from tests.backend.accounts.helpers import reset_link_parts

    # Given a sign-in whose password step passed, with its second step pending
    app = authenticator_app_enabled(user)
    token = _challenge(api_client, user)

    # When the owner resets the password, or signs out everywhere, before that step is answered
    if change == "password_reset":
        password_reset_confirm(**reset_link_parts(user), new_password="a-Brand-new-phrase-31")
    else:
        sessions_revoke_for_user(user=user)

    # Then the right code no longer finishes it
    response = _authenticate(api_client, mfa_token=token, code=app.now())
    assert response.status_code == 400
    assert response.json()["code"] == "mfa_challenge_invalid"
    assert not AuthSession.objects.live().filter(user=user).exists()


def test_an_expired_challenge_is_refused_even_with_the_right_code(api_client, user):
    app = authenticator_app_enabled(user)
    token = _challenge(api_client, user)
    MfaChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = _authenticate(api_client, mfa_token=token, code=app.now())

    assert response.status_code == 400
    assert response.json() == {"detail": "This step took too long. Start again.", "code": "mfa_challenge_expired"}


def test_the_challenge_is_spent_after_five_wrong_codes(api_client, user, rates):
    # Given sign-in limits high enough not to interfere
    rates(login_email_ip="100/15m", login_email="100/15m", login_ip="100/5m")
    app = authenticator_app_enabled(user)
    token = _challenge(api_client, user)
    for step in range(5, 10):
        assert _authenticate(api_client, mfa_token=token, code=code_of_step(app, step)).status_code == 400

    # When the right code comes after five wrong ones
    response = _authenticate(api_client, mfa_token=token, code=app.now())

    # Then the challenge is spent: sign in again
    assert response.status_code == 400
    assert response.json()["code"] == "mfa_challenge_invalid"


def test_wrong_codes_lock_the_sign_in_like_wrong_passwords_and_say_the_same(api_client, user, rates):
    # Given an account allowing two failed sign-ins from an unknown device
    rates(login_email_ip="2/15m")
    app = authenticator_app_enabled(user)
    password_locked = APIClient(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        locked_by_passwords = login(password_locked, user.email, "wrong")
    assert locked_by_passwords.status_code == 429

    # When someone with the password guesses codes from another address
    token = _challenge(api_client, user)
    statuses = [_authenticate(api_client, mfa_token=token, code=code_of_step(app, 5 + n)).status_code for n in range(3)]

    # Then the third is locked out, with the very message wrong passwords get: it tells nothing about the password
    locked_by_codes = _authenticate(api_client, mfa_token=token, code=app.now())
    assert statuses == [400, 400, 429]
    assert locked_by_codes.status_code == 429
    assert locked_by_codes.json() == locked_by_passwords.json()
    assert locked_by_codes.json()["code"] == "login_locked"


@pytest.mark.parametrize(
    "body",
    [{}, {"code": "123456", "recovery_code": "abcd-efgh-ijkl-mnop"}, {"code": 123456}, {"passkey": "not-an-object"}],
    ids=["no answer", "two answers", "a number", "passkey not an object"],
)
def test_a_malformed_answer_is_a_400_per_field(api_client, user, body):
    authenticator_app_enabled(user)
    token = _challenge(api_client, user)

    response = _authenticate(api_client, mfa_token=token, **body)

    assert response.status_code == 400
    assert "detail" not in response.json()


# -- success ----------------------------------------------------------------------------------------------------------
def test_the_right_code_signs_in_and_the_session_records_both_factors(api_client, user):
    # Given an account with an authenticator app, past the password step
    app = authenticator_app_enabled(user)
    token = _challenge(api_client, user)

    # When the current code is given (a code one step old is still accepted: clock skew)
    response = _authenticate(api_client, mfa_token=token, code=code_of_step(app, -1))

    # Then it signs in as a login does
    assert response.status_code == 200
    assert response.json()["user"]["email"] == user.email
    assert settings.REFRESH_COOKIE_NAME in response.cookies
    # And the session, its tokens and the sessions list record both methods at level 2
    session = AuthSession.objects.get(user=user)
    assert (session.amr, session.aal) == ("pwd,otp", 2)
    claims = _claims(response.json()["access"])
    assert (claims["amr"], claims["aal"]) == (["pwd", "otp"], 2)
    listed = bearer(APIClient(), response.json()["access"]).get("/api/auth/sessions/").json()
    assert [(row["amr"], row["aal"]) for row in listed] == [(["pwd", "otp"], 2)]
    # And the challenge is spent
    assert MfaChallenge.objects.get(user=user).used_at is not None


def test_a_refresh_keeps_how_the_session_was_authenticated(api_client, user):
    app = authenticator_app_enabled(user)
    assert _authenticate(api_client, mfa_token=_challenge(api_client, user), code=app.now()).status_code == 200

    refreshed = refresh(api_client)

    assert refreshed.status_code == 200
    claims = _claims(refreshed.json()["access"])
    assert (claims["amr"], claims["aal"]) == (["pwd", "otp"], 2)


def test_an_account_without_a_second_factor_signs_in_with_the_password_at_level_one(api_client, user):
    response = login(api_client, user.email)

    assert response.status_code == 200
    claims = _claims(response.json()["access"])
    assert (claims["amr"], claims["aal"]) == (["pwd"], 1)
    assert AuthSession.objects.get(user=user).authenticated_at is not None
