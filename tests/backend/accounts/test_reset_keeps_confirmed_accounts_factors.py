"""A password reset removes the second factors and sign-in providers only of an account that never had a confirmed
address (User.email_verified_once; services/password_reset.py). An address can be unconfirmed again after its owner
confirmed it and added them: an operator changes it in the admin, or verification was off for a while. Whoever reads
that mailbox then resets the password, and must still meet the owner's second factor: a reset is mailbox access
alone. The pre-hijacking defence (factors added before anyone proved the mailbox go) stays for the accounts it is
for. Links and notices are read from the email received over SMTP; factors are added through the real ceremonies."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.audit.models import AuditEvent
from backend.mfa.models import Passkey, RecoveryCode, TotpAuthenticator
from backend.oidc.models import OidcIdentity
from tests.backend.accounts.helpers import email_change_ask, email_change_confirm, email_change_link_token, login
from tests.backend.mfa.helpers import authenticator_app_enabled, enable_totp
from tests.backend.oidc.helpers import sign_in
from tests.conftest import signed_in_client
from tests.dbvendor import skip_on_mongodb
from tests.factories import UserFactory
from tests.support.oidc_provider import OidcProvider, OidcUser
from tests.support.smtp import link_in, link_params, text_body
from tests.support.webauthn import passkey_registered

pytestmark = pytest.mark.django_db(transaction=True)  # email goes out, and audit rows are written, on commit

NEW_PASSWORD = "a-New-mailbox-passphrase-31"
NEW_ADDRESS = "moved@example.com"
FACTORS_REMOVED = "so this reset confirmed it and removed the account's second factors"
PROVIDERS_REMOVED = "so this reset disconnected the sign-in providers"
MIGRATION = "backend.accounts.migrations.0011_email_verified_once_backfill"
BEFORE_BACKFILL = ("accounts", "0010_user_email_verified_once")


@pytest.fixture
def idp(settings):
    with OidcProvider() as provider:
        settings.OIDC_PROVIDERS = [provider.provider_config()]
        yield provider


def _admin_moves(admin_client, user, email: str, *, verified_box: str) -> None:
    """An operator changes ``user``'s address on the admin's change form, the "Email verified" box as ``verified_box``
    ("on": left ticked as shown; "": unticked)."""
    form = {"email": email, "name": user.name, "is_active": "on", "email_verified": verified_box}
    form.update({"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    response = admin_client.post(reverse("admin:accounts_user_change", args=[user.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]


def _reset(smtp, email: str):
    """A password reset asked for ``email`` and confirmed through the link mailed there."""
    client = APIClient()
    assert client.post("/api/auth/password-reset/", {"email": email}, format="json").status_code == 202
    link = link_params(link_in(smtp.wait_for(to=email, subject="Reset your password")[0], "/reset-password"))
    smtp.clear()
    body = {"uid": link["uid"], "token": link["token"], "new_password": NEW_PASSWORD}
    return client.post("/api/auth/password-reset/confirm/", body, format="json")


def _events(user, *events: str) -> list[str]:
    return sorted(AuditEvent.objects.filter(user=user, event__in=events).values_list("event", flat=True))


def _notice(smtp, email: str) -> str:
    [notice] = smtp.wait_for(to=email, subject="Your password was changed")
    return " ".join(text_body(notice).split())


# The defect: the new mailbox's reader stripped the owner's factors ----------------------------------------------------


@pytest.mark.parametrize("verified_box", ["on", ""], ids=["box-left-as-shown", "box-unticked"])
def test_after_an_operator_moves_a_confirmed_account_a_reset_from_the_new_address_keeps_its_factors(
    admin_client, smtp, settings, verified_box
):
    # Given a confirmed account with an authenticator app (real codes), its recovery codes and a passkey
    settings.EMAIL_VERIFICATION = "optional"
    owner = UserFactory(email="owner@example.com", email_verified=True)
    client, _ = signed_in_client(owner)
    enable_totp(client)
    passkey_registered(owner)
    assert login(APIClient(), "owner@example.com").status_code == 202

    # And an operator who moves it to another address, which nobody has confirmed
    _admin_moves(admin_client, owner, NEW_ADDRESS, verified_box=verified_box)
    owner.refresh_from_db()
    assert (owner.email, owner.email_verified, owner.email_verified_once) == (NEW_ADDRESS, False, True)

    # When whoever reads the new mailbox resets the password
    response = _reset(smtp, NEW_ADDRESS)

    # Then the reset works as documented and confirms the address, but every factor stays
    assert response.status_code == 204
    owner.refresh_from_db()
    assert (owner.email_verified, owner.email_verified_once) == (True, True)
    assert TotpAuthenticator.objects.filter(user=owner, confirmed_at__isnull=False).count() == 1
    assert RecoveryCode.objects.filter(user=owner).count() == 10
    assert Passkey.objects.filter(user=owner).count() == 1
    assert _events(owner, "password_reset", "email_verified", "mfa_reset_by_password_reset") == [
        "email_verified",
        "password_reset",
    ]
    assert FACTORS_REMOVED not in _notice(smtp, NEW_ADDRESS)
    # And the new password alone does not sign in: the second step is still asked
    signed_in = login(APIClient(), NEW_ADDRESS, NEW_PASSWORD)
    assert signed_in.status_code == 202, signed_in.content
    assert "access" not in signed_in.json()
    assert signed_in.json()["mfa_token"]


def test_after_an_operator_moves_a_confirmed_account_a_reset_from_the_new_address_keeps_its_providers(
    admin_client, smtp, settings, idp
):
    # Given a confirmed account with a provider connected, moved by an operator to an unconfirmed address
    settings.EMAIL_VERIFICATION = "optional"
    owner = UserFactory(email="owner@example.com", email_verified=True)
    identity = OidcIdentity.objects.create(user=owner, provider="testidp", subject="owner-sub")
    _admin_moves(admin_client, owner, NEW_ADDRESS, verified_box="on")

    # When whoever reads the new mailbox resets the password
    assert _reset(smtp, NEW_ADDRESS).status_code == 204

    # Then the provider stays connected, and the notice names it as still signing in
    assert list(OidcIdentity.objects.filter(user=owner).values_list("pk", flat=True)) == [identity.pk]
    assert _events(owner, "oidc_disconnected") == []
    notice = _notice(smtp, NEW_ADDRESS)
    assert PROVIDERS_REMOVED not in notice
    assert "These sign-in providers can still sign in to your account, without the password: Test IdP." in notice


# What stays: the account that never had a confirmed address (account pre-hijacking) --------------------------------


def test_an_account_that_never_had_a_confirmed_address_loses_its_factors_and_providers_to_the_first_reset(
    smtp, settings, idp
):
    # Given an account given factors and a provider while verification was off, its address never confirmed
    settings.EMAIL_VERIFICATION = "none"
    user = UserFactory(email="registered@example.com")
    authenticator_app_enabled(user)
    passkey_registered(user)
    OidcIdentity.objects.create(user=user, provider="testidp", subject="whose-sub")
    assert (user.email_verified, user.email_verified_once) == (False, False)
    # And verification switched on since
    settings.EMAIL_VERIFICATION = "optional"

    # When the mailbox's reader resets the password
    assert _reset(smtp, "registered@example.com").status_code == 204

    # Then everything added before anyone proved the mailbox is gone, and the password alone signs in
    user.refresh_from_db()
    assert (user.email_verified, user.email_verified_once) == (True, True)
    assert not TotpAuthenticator.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert not Passkey.objects.filter(user=user).exists()
    assert not OidcIdentity.objects.filter(user=user).exists()
    assert _events(user, "mfa_reset_by_password_reset", "oidc_disconnected") == [
        "mfa_reset_by_password_reset",
        "oidc_disconnected",
    ]
    notice = _notice(smtp, "registered@example.com")
    assert FACTORS_REMOVED in notice
    assert PROVIDERS_REMOVED in notice
    assert login(APIClient(), "registered@example.com", NEW_PASSWORD).status_code == 200


def test_an_operator_moving_a_never_confirmed_account_leaves_the_first_reset_removing_its_factors(
    admin_client, smtp, settings
):
    settings.EMAIL_VERIFICATION = "none"
    user = UserFactory(email="registered@example.com")
    authenticator_app_enabled(user)
    settings.EMAIL_VERIFICATION = "optional"
    _admin_moves(admin_client, user, NEW_ADDRESS, verified_box="")
    user.refresh_from_db()
    assert (user.email_verified, user.email_verified_once) == (False, False)

    assert _reset(smtp, NEW_ADDRESS).status_code == 204

    assert not TotpAuthenticator.objects.filter(user=user).exists()
    assert login(APIClient(), NEW_ADDRESS, NEW_PASSWORD).status_code == 200


# The invariant: every confirmation records that the account had a confirmed address ---------------------------------


def _once(email: str) -> tuple[bool, bool]:
    return tuple(User.objects.filter(email=email).values_list("email_verified", "email_verified_once").get())


def test_following_the_verification_link_records_it(api_client, smtp, settings):
    settings.EMAIL_VERIFICATION = "optional"
    body = {"email": "new@example.com", "password": "a-First-passphrase-13"}
    assert api_client.post("/api/auth/register/", body, format="json").status_code == 201
    assert _once("new@example.com") == (False, False)
    link = link_in(smtp.wait_for(to="new@example.com", subject="Confirm your email address")[0], "/verify-email")

    verified = APIClient().post("/api/auth/email/verify/", {"token": link_params(link)["token"]}, format="json")

    assert verified.status_code == 200, verified.content
    assert _once("new@example.com") == (True, True)


def test_confirming_an_email_change_records_it(owner, smtp):
    client, _ = signed_in_client(owner)
    assert email_change_ask(client, "changed@example.com").status_code == 202

    assert email_change_confirm(email_change_link_token(smtp, "changed@example.com")).status_code == 200

    assert _once("changed@example.com") == (True, True)


def test_the_operator_ticking_the_box_records_it(admin_client):
    user = UserFactory(email="ticked@example.com", email_verified=False)
    form = {"email": user.email, "name": user.name, "is_active": "on", "email_verified": "on"}
    form.update({"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})

    response = admin_client.post(reverse("admin:accounts_user_change", args=[user.pk]), form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _once("ticked@example.com") == (True, True)


def test_an_account_a_provider_creates_has_it(api_client, idp):
    idp.user = OidcUser(sub="new-sub", email="vouched@example.com", email_verified=True)

    assert sign_in(api_client, idp).status_code == 201

    assert _once("vouched@example.com") == (True, True)


def test_a_save_naming_only_email_verified_writes_it_too():
    user = UserFactory(email="saved@example.com")
    user.email_verified = True

    user.save(update_fields=["email_verified"])

    assert _once("saved@example.com") == (True, True)


def test_an_operator_moving_an_account_an_older_release_confirmed_records_it(admin_client):
    # A row confirmed by the release before the field (during the rollout) has email_verified alone
    user = UserFactory(email="older@example.com", email_verified=True)
    User.objects.filter(pk=user.pk).update(email_verified_once=False)

    _admin_moves(admin_client, user, NEW_ADDRESS, verified_box="on")

    assert _once(NEW_ADDRESS) == (False, True)


# The migration's backfill --------------------------------------------------------------------------------------------


def _accounts_from_before_the_field() -> dict[str, User]:
    """Accounts as the release before the field left them: the flag false everywhere."""
    users = {
        "confirmed": UserFactory(email="confirmed@example.com", email_verified=True),
        "verified_then_moved": UserFactory(email="verified-then-moved@example.com"),
        "changed_then_moved": UserFactory(email="changed-then-moved@example.com"),
        "moved_by_operator": UserFactory(email="moved-by-operator@example.com"),
        "never": UserFactory(email="never@example.com"),
    }
    AuditEvent.objects.create(event=AuditEvent.Event.EMAIL_VERIFIED, user=users["verified_then_moved"])
    AuditEvent.objects.create(
        event=AuditEvent.Event.EMAIL_CHANGED, user=users["changed_then_moved"], session_id=users["never"].pk
    )
    AuditEvent.objects.create(event=AuditEvent.Event.EMAIL_CHANGED, user=users["moved_by_operator"])  # the admin's
    AuditEvent.objects.create(event=AuditEvent.Event.LOGIN_SUCCEEDED, user=users["never"])
    User.objects.update(email_verified_once=False)
    return users


def _flags(users: dict[str, User]) -> dict[str, bool]:
    return {name: User.objects.get(pk=user.pk).email_verified_once for name, user in users.items()}


EXPECTED = {
    "confirmed": True,
    "verified_then_moved": True,
    "changed_then_moved": True,
    "moved_by_operator": False,
    "never": False,
}


def test_the_backfill_flags_confirmed_accounts_and_those_the_audit_trail_shows_confirmed(monkeypatch):
    # Batches of two, over more accounts than that: every batch is written, none twice or skipped
    migration = importlib.import_module(MIGRATION)
    monkeypatch.setattr(migration, "BATCH", 2)
    users = _accounts_from_before_the_field()
    more = [UserFactory(email=f"confirmed-{n}@example.com", email_verified=True) for n in range(4)]
    User.objects.update(email_verified_once=False)

    migration.email_verified_once_backfill(apps, None)

    assert _flags(users) == EXPECTED
    assert all(User.objects.get(pk=user.pk).email_verified_once for user in more)
    migration.email_verified_once_backfill(apps, None)  # run again (after a try that gave up): the same
    assert _flags(users) == EXPECTED


@skip_on_mongodb("the migration executor on the test database: PostgreSQL and SQLite, as the other migration tests")
def test_the_migration_backfills_when_migrate_runs_it():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_BACKFILL])
    try:
        users = _accounts_from_before_the_field()

        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        assert _flags(users) == EXPECTED
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
