"""Accounts made by a provider have no password: the password sign-in fails for them as a wrong password does; a
recently authenticated session sets one, changes the address or deletes the account without the current password
(which accounts with a password still need); the password reset works for them."""

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import user_authenticate
from backend.accounts.services.users import InvalidCredentials
from backend.oidc.models import OidcIdentity
from tests.backend.accounts.helpers import login
from tests.backend.mfa.helpers import REAUTH_REQUIRED, authentication_aged
from tests.conftest import signed_in_client
from tests.factories import UserFactory
from tests.support.oidc_provider import OidcUser
from tests.support.smtp import link_in, link_params

from .helpers import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a-Chosen-passphrase-after-sso-7"
INVALID = {"detail": "Invalid email or password.", "code": "invalid_credentials"}
BLANK = {"password": ["This field may not be blank."]}
REQUIRED = {"current_password": ["This field is required."]}


@pytest.fixture
def made_by_provider(idp):
    """An account the provider created (through the API), and the client signed in to it."""
    idp.user = OidcUser(sub="pl-sub", email="pl@example.com")
    client = APIClient()
    response = sign_in(client, idp)
    assert response.status_code == 201
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    user = User.objects.get(email="pl@example.com")
    return user, client


def _session_id(client: APIClient) -> str:
    import jwt

    token = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    return jwt.decode(token, options={"verify_signature": False})["sid"]


def test_the_password_sign_in_fails_as_a_wrong_password_does(made_by_provider):
    user, _ = made_by_provider
    with_password = UserFactory()

    response = login(APIClient(), user.email, "anything-at-all-1")
    wrong = login(APIClient(), with_password.email, "anything-at-all-1")
    unknown = login(APIClient(), "nobody@example.com", "anything-at-all-1")

    assert (response.status_code, response.json()) == (401, INVALID)
    assert (wrong.status_code, wrong.json()) == (401, INVALID)
    assert (unknown.status_code, unknown.json()) == (401, INVALID)


def test_an_empty_password_signs_in_no_account_without_one(made_by_provider):
    user, _ = made_by_provider
    with_password = UserFactory()

    # When an empty password is sent for it, and for an account with a password
    response = login(APIClient(), user.email, "")
    other = login(APIClient(), with_password.email, "")

    # Then both get the same refusal, which says nothing of either account
    assert (response.status_code, response.json()) == (400, BLANK)
    assert (other.status_code, other.json()) == (400, BLANK)
    # and the check the API does not reach with it does not take "" for the password of an account that has none
    with pytest.raises(InvalidCredentials):
        user_authenticate(email=user.email, password="")


def test_setting_a_password_needs_a_recent_authentication(made_by_provider):
    _, client = made_by_provider
    authentication_aged(_session_id(client))

    response = client.post("/api/auth/password/", {"new_password": NEW_PASSWORD}, format="json")

    assert (response.status_code, response.json()) == (403, REAUTH_REQUIRED)


def test_a_recently_signed_in_account_sets_its_first_password_without_a_current_one(made_by_provider, smtp):
    user, client = made_by_provider

    response = client.post("/api/auth/password/", {"new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 204, response.content
    user.refresh_from_db()
    assert user.has_usable_password()
    assert login(APIClient(), user.email, NEW_PASSWORD).status_code == 200
    assert client.get("/api/auth/oidc/identities/").json()["has_password"] is True


def test_an_empty_current_password_is_taken_as_none_given(made_by_provider):
    _, client = made_by_provider

    response = client.post("/api/auth/password/", {"current_password": "", "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 204


def test_an_account_with_a_password_still_needs_it(idp):
    user = UserFactory()
    client, _ = signed_in_client(user)

    missing = client.post("/api/auth/password/", {"new_password": NEW_PASSWORD}, format="json")
    blank = client.post("/api/auth/password/", {"current_password": "", "new_password": NEW_PASSWORD}, format="json")
    no_email_change = client.post("/api/auth/email/change/", {"new_email": "new@example.com"}, format="json")
    no_deletion = client.delete("/api/auth/me/", {}, format="json")

    assert (missing.status_code, missing.json()) == (400, REQUIRED)
    assert (blank.status_code, blank.json()) == (400, {"current_password": ["This field may not be blank."]})
    assert (no_email_change.status_code, no_email_change.json()) == (400, REQUIRED)
    assert (no_deletion.status_code, no_deletion.json()) == (400, REQUIRED)
    assert User.objects.filter(pk=user.pk).exists()


def test_an_account_without_a_password_changes_its_address_without_one(made_by_provider, smtp):
    _, client = made_by_provider

    response = client.post("/api/auth/email/change/", {"new_email": "pl.new@example.com"}, format="json")

    assert response.status_code == 202, response.content
    smtp.wait_for(to="pl.new@example.com", subject="Confirm your new email address")


def test_an_account_without_a_password_changes_its_address_only_recently_authenticated(made_by_provider, smtp):
    _, client = made_by_provider
    authentication_aged(_session_id(client))

    response = client.post("/api/auth/email/change/", {"new_email": "pl.new@example.com"}, format="json")

    assert (response.status_code, response.json()) == (403, REAUTH_REQUIRED)


def test_an_account_without_a_password_is_deleted_without_one_and_its_identities_with_it(made_by_provider, smtp):
    user, client = made_by_provider
    assert OidcIdentity.objects.filter(user=user).exists()

    response = client.delete("/api/auth/me/", {}, format="json")

    assert response.status_code == 204, response.content
    assert not User.objects.filter(pk=user.pk).exists()
    assert not OidcIdentity.objects.exists()


def test_deleting_an_account_without_a_password_needs_a_recent_authentication(made_by_provider):
    user, client = made_by_provider
    authentication_aged(_session_id(client))

    response = client.delete("/api/auth/me/", {}, format="json")

    assert (response.status_code, response.json()) == (403, REAUTH_REQUIRED)
    assert User.objects.filter(pk=user.pk).exists()


def test_the_password_reset_works_for_an_account_without_a_password(made_by_provider, smtp):
    user, _ = made_by_provider
    client = APIClient()
    assert client.post("/api/auth/password-reset/", {"email": user.email}, format="json").status_code == 202
    params = link_params(link_in(smtp.wait_for(to=user.email, subject="Reset your password")[0], "/reset-password"))

    response = client.post(
        "/api/auth/password-reset/confirm/",
        {"uid": params["uid"], "token": params["token"], "new_password": NEW_PASSWORD},
        format="json",
    )

    assert response.status_code == 204
    assert login(APIClient(), user.email, NEW_PASSWORD).status_code == 200
