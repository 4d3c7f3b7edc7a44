"""The providers the SPA offers, and the account's connected identities: listing and disconnecting them."""

import pytest

from backend.audit.models import AuditEvent
from backend.oidc.models import OidcIdentity
from tests.backend.mfa.helpers import REAUTH_REQUIRED, authentication_aged
from tests.conftest import signed_in_client
from tests.factories import UserFactory
from tests.support.smtp import text_body

from .helpers import IDENTITIES, PROVIDERS

pytestmark = pytest.mark.django_db(transaction=True)

NOT_FOUND = {"detail": "Not found.", "code": "not_found"}


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def test_no_provider_is_offered_when_none_is_configured(api_client, settings):
    settings.OIDC_PROVIDERS = []

    response = api_client.get(PROVIDERS)

    assert (response.status_code, response.json()) == (200, {"providers": []})


def test_the_configured_providers_are_offered_in_order_without_their_secrets(api_client, settings):
    settings.OIDC_PROVIDERS = [
        {
            "id": "google",
            "name": "Google",
            "issuer": "https://accounts.google.com",
            "client_id": "a",
            "client_secret": "google-secret",
        },
        {
            "id": "entra",
            "name": "Microsoft",
            "issuer": "https://login.microsoftonline.com/t/v2.0",
            "client_id": "b",
            "client_secret": "entra-secret",
        },
    ]

    response = api_client.get(PROVIDERS, HTTP_AUTHORIZATION="Bearer stale")  # a stale token does not matter

    assert (response.status_code, response.json()) == (
        200,
        {"providers": [{"id": "google", "name": "Google"}, {"id": "entra", "name": "Microsoft"}]},
    )
    assert b"secret" not in response.content


def test_listing_needs_an_access_token(api_client, idp):
    assert api_client.get(IDENTITIES).status_code == 401


def test_the_account_lists_its_identities_and_whether_it_has_a_password(idp, user, other_user):
    mine = OidcIdentity.objects.create(user=user, provider="testidp", subject="s1", email="me@idp.example")
    gone = OidcIdentity.objects.create(user=user, provider="removed-idp", subject="s2")
    OidcIdentity.objects.create(user=other_user, provider="testidp", subject="s3")
    client, _ = signed_in_client(user)

    response = client.get(IDENTITIES)

    assert response.status_code == 200
    assert response.json() == {
        "has_password": True,
        "identities": [
            {
                "id": str(mine.pk),
                "provider": "testidp",
                "provider_name": "Test IdP",
                "email": "me@idp.example",
                "created_at": _iso(mine.created_at),
                "last_used_at": None,
            },
            {
                "id": str(gone.pk),
                "provider": "removed-idp",
                "provider_name": "removed-idp",
                "email": "",
                "created_at": _iso(gone.created_at),
                "last_used_at": None,
            },
        ],
    }


def test_an_account_without_a_password_says_so(idp):
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    client, _ = signed_in_client(user)

    assert client.get(IDENTITIES).json() == {"has_password": False, "identities": []}


def test_another_accounts_identity_is_a_404_and_stays(idp, user, other_user):
    theirs = OidcIdentity.objects.create(user=other_user, provider="testidp", subject="theirs")
    client, _ = signed_in_client(user)

    response = client.delete(f"{IDENTITIES}{theirs.pk}/")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert OidcIdentity.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("identity_id", ["not-a-uuid", "9d249342-8961-49e4-afc9-49d03908b239"])
def test_a_malformed_or_unknown_id_is_a_404(idp, user, identity_id):
    client, _ = signed_in_client(user)

    response = client.delete(f"{IDENTITIES}{identity_id}/")

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_disconnecting_needs_a_recent_authentication(idp, user, smtp):
    identity = OidcIdentity.objects.create(user=user, provider="testidp", subject="s")
    client, issued = signed_in_client(user)
    authentication_aged(issued.session.pk)

    response = client.delete(f"{IDENTITIES}{identity.pk}/")

    assert (response.status_code, response.json()) == (403, REAUTH_REQUIRED)
    assert OidcIdentity.objects.filter(pk=identity.pk).exists()


def test_disconnecting_removes_the_identity_and_tells_the_owner(idp, user, smtp):
    identity = OidcIdentity.objects.create(user=user, provider="testidp", subject="s", email="me@idp.example")
    client, issued = signed_in_client(user)

    response = client.delete(f"{IDENTITIES}{identity.pk}/")

    assert response.status_code == 204
    assert not OidcIdentity.objects.exists()
    [notice] = smtp.wait_for(to=user.email, subject="Test IdP was disconnected from your account")
    assert "your Test IdP account (me@idp.example) was disconnected" in text_body(notice)
    row = AuditEvent.objects.get(event="oidc_disconnected")
    assert (row.user_id, row.session_id) == (user.pk, issued.session.pk)


def test_the_last_way_in_may_be_disconnected(idp, smtp):
    # Given an account made by the provider: no password, one identity
    user = UserFactory()
    user.set_unusable_password()
    user.save()
    identity = OidcIdentity.objects.create(user=user, provider="testidp", subject="only")
    client, _ = signed_in_client(user, amr=("oidc",))

    response = client.delete(f"{IDENTITIES}{identity.pk}/")

    # Then it goes: the emailed code and the password reset still sign in (test_passwordless.py)
    assert response.status_code == 204
    assert not OidcIdentity.objects.exists()
