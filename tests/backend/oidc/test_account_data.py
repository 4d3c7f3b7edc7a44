"""Connected identities as part of the account: the data export lists them, the admin shows them read-only under the
user, deleting the account deletes them, and a password reset that confirms the address disconnects them; a second
step failed after a provider sign-in says so."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import user_delete
from backend.audit.models import AuditEvent
from backend.oidc.models import OidcIdentity
from tests.backend.accounts.helpers import reset_link_parts
from tests.conftest import signed_in_client
from tests.factories import UserFactory
from tests.support.oidc_provider import OidcUser
from tests.support.smtp import text_body

from .helpers import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_data_export_lists_the_identities_without_any_token(idp, user):
    identity = OidcIdentity.objects.create(user=user, provider="testidp", subject="exported", email="x@idp.example")
    client, _ = signed_in_client(user)

    response = client.get("/api/auth/me/export/")

    document = json.loads(b"".join(response.streaming_content))
    assert document["sign_in_providers"] == [
        {
            "id": str(identity.pk),
            "provider": "testidp",
            "provider_name": "Test IdP",
            "email": "x@idp.example",
            "created_at": identity.created_at.isoformat().replace("+00:00", "Z"),
            "last_used_at": None,
        }
    ]


def test_deleting_the_account_deletes_its_identities(idp, user, other_user):
    OidcIdentity.objects.create(user=user, provider="testidp", subject="mine")
    OidcIdentity.objects.create(user=other_user, provider="testidp", subject="theirs")

    user_delete(user=user)

    assert list(OidcIdentity.objects.values_list("subject", flat=True)) == ["theirs"]


def test_the_admin_shows_the_identities_read_only_under_the_user(admin_client, idp, user):
    OidcIdentity.objects.create(user=user, provider="testidp", subject="admin-visible-sub", email="a@idp.example")

    page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Sign-in providers" in html
    assert "admin-visible-sub" in html
    assert "Test IdP" in html
    assert "a@idp.example" in html
    assert "oidc_identities" not in html  # no form of them: read-only


def test_a_failed_second_step_after_a_provider_sign_in_names_the_provider_not_the_password(smtp):
    from backend.accounts.assurance import OIDC
    from backend.accounts.emails.notices import notify_second_step_failed
    from tests.support.smtp import text_body

    user = UserFactory()

    notify_second_step_failed(
        user=user, user_agent="ua", ip_address="1.2.3.4", what="gave wrong codes.", first_factor=OIDC
    )

    [message] = smtp.wait_for(to=user.email)
    assert message["Subject"] == (
        "Someone signed in with a connected provider but did not complete two-step verification"
    )
    assert "password" not in text_body(message).split("IP address")[0]
    assert User.objects.count() == 1


def _reset_confirmed(user, api_client) -> None:
    body = {**reset_link_parts(user), "new_password": "an-Owners-new-passphrase-3"}
    assert api_client.post("/api/auth/password-reset/confirm/", body, format="json").status_code == 204


def test_a_reset_that_confirms_the_address_disconnects_the_providers_connected_before(idp, api_client, smtp):
    # Given an account registered (by someone) with the owner's address, and a provider identity connected to it
    # before anyone proved they read that mailbox (account pre-hijacking)
    user = UserFactory(email="victim@example.com", email_verified=False)
    OidcIdentity.objects.create(user=user, provider="testidp", subject="intruder-sub", email="intruder@example.com")
    idp.user = OidcUser(sub="intruder-sub", email="intruder@example.com")

    # When the mailbox's owner resets the password through the emailed link
    _reset_confirmed(user, api_client)

    # Then the identity is gone, audited, and the reset's notice says so
    assert not OidcIdentity.objects.exists()
    assert AuditEvent.objects.filter(user=user, event="oidc_disconnected").count() == 1
    [notice] = smtp.wait_for(to="victim@example.com", subject="Your password was changed")
    body = " ".join(text_body(notice).split())
    assert "this reset disconnected the sign-in providers connected to the account (Test IdP)" in body
    assert "Connect your own at http://testserver/account" in body
    assert "can still sign in" not in body
    # And the intruder's provider sign-in no longer opens the owner's account
    intruder = sign_in(APIClient(), idp)
    assert intruder.json()["user"]["email"] == "intruder@example.com"


def test_a_reset_of_a_confirmed_account_keeps_its_providers(idp, api_client, smtp):
    user = UserFactory(email="kept@example.com", email_verified=True)
    OidcIdentity.objects.create(user=user, provider="testidp", subject="owner-sub")

    _reset_confirmed(user, api_client)

    assert OidcIdentity.objects.filter(user=user).count() == 1
    # and the notice names it: a reset is often its owner taking the account back from someone
    [notice] = smtp.wait_for(to="kept@example.com", subject="Your password was changed")
    body = " ".join(text_body(notice).split())
    assert "disconnected the sign-in providers" not in body
    assert "These sign-in providers can still sign in to your account, without the password: Test IdP." in body
