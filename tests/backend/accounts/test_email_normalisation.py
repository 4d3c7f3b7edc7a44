"""One reading of an email address across the accounts app: NFKC, trimmed, lowercased
(normalization.normalize_email), as Django's login form and the login limits read it, and as SMTP delivers it
(IDNA). A lookalike spelled with a fullwidth letter is the address it looks like everywhere: in use when that one
is, mailed there, never stored."""

import importlib

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from backend.accounts.link_tokens import change_token_make
from backend.accounts.login_limits import login_email_identity
from backend.accounts.models import User
from backend.accounts.normalization import normalize_email
from backend.audit.models import AuditEvent
from backend.common.background import wait_for_background_jobs
from tests.backend.accounts.helpers import (
    email_change_ask,
    email_change_confirm,
    email_change_link_token,
)
from tests.conftest import signed_in_client
from tests.dbvendor import skip_on_mongodb
from tests.factories import UserFactory
from tests.support.smtp import link_in

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent on commit

VICTIM = "victim@example.com"
LOOKALIKE = "victim@ex\uff41mple.com"  # a FULLWIDTH LATIN SMALL LETTER A in the domain
IN_USE_SUBJECT = "Someone tried to use your email address"


@pytest.fixture
def attacker(db):
    return UserFactory(email="attacker@example.org")


def test_normalize_email_reads_lookalikes_as_the_address_they_look_like_as_login_limits_do():
    spellings = [
        VICTIM,
        "  Victim@Ex\uff41mple.COM ",
        "\uff36ictim@example.com",  # a fullwidth capital "V": NFKC, then lowercased
        "victim@example.com\u3000",  # an ideographic space, trimmed
    ]

    normalised = [normalize_email(spelling) for spelling in spellings]

    assert normalised == [VICTIM] * len(spellings)
    assert [normalize_email(email) for email in normalised] == normalised  # idempotent
    assert [login_email_identity(spelling) for spelling in spellings] == normalised


def test_email_change_to_a_lookalike_of_an_existing_account_is_treated_as_in_use(smtp, attacker):
    # Given an account with an address, and another account signed in
    UserFactory(email=VICTIM)
    client, _ = signed_in_client(attacker)

    # When the other account asks to move to a lookalike of that address
    response = email_change_ask(client, LOOKALIKE)

    # Then the answer is the usual 202, and the owner of the address gets the "someone tried" notice, no link
    assert response.status_code == 202
    assert response.content == b""
    [message] = smtp.wait_for(to=VICTIM)
    assert message["Subject"] == IN_USE_SUBJECT
    with pytest.raises(AssertionError):
        link_in(message, "/confirm-email-change")
    attacker.refresh_from_db()
    assert attacker.email == "attacker@example.org"


def test_a_confirmed_change_to_a_lookalike_stores_the_normalised_address(smtp, attacker):
    # Given a change asked to a free address spelled with a fullwidth letter
    client, _ = signed_in_client(attacker)
    assert email_change_ask(client, "Moved@Ex\uff41mple.net").status_code == 202

    # When the link (delivered to the address it looks like) is followed
    response = email_change_confirm(email_change_link_token(smtp, "moved@example.net"))

    # Then the account has the normalised address, the one sign-in and the login limits read it as
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "moved@example.net"
    attacker.refresh_from_db()
    assert attacker.email == "moved@example.net"


def test_a_link_mailed_before_normalisation_to_a_lookalike_of_an_address_in_use_is_400_email_taken(smtp, attacker):
    # Given a change link carrying a lookalike of an address in use (as mailed before the address was normalised)
    UserFactory(email=VICTIM)
    token = change_token_make(user=attacker, new_email=LOOKALIKE, session_id=None)

    # When it is followed
    response = email_change_confirm(token)

    # Then it is refused like a link to the address itself, and nothing changes
    assert response.status_code == 400
    assert response.json()["code"] == "email_taken"
    attacker.refresh_from_db()
    assert attacker.email == "attacker@example.org"


def test_a_link_mailed_before_normalisation_to_a_free_lookalike_stores_the_normalised_address(attacker):
    token = change_token_make(user=attacker, new_email="moved@ex\uff41mple.net", session_id=None)

    response = email_change_confirm(token)

    assert response.status_code == 200
    attacker.refresh_from_db()
    assert attacker.email == "moved@example.net"


def test_an_address_that_normalises_to_no_address_is_400_on_new_email_and_sends_nothing(smtp, attacker):
    # Given an address with a fullwidth "@" in its domain: valid as typed, two "@" once normalised
    client, _ = signed_in_client(attacker)

    response = email_change_ask(client, "victim@example.com\uff20evil.example")

    assert response.status_code == 400
    assert response.json() == {"new_email": ["Enter a valid email address."]}
    wait_for_background_jobs()
    assert smtp.messages == []


def test_a_link_carrying_an_address_that_normalises_to_no_address_is_400_link_invalid(attacker):
    token = change_token_make(user=attacker, new_email="victim@example.com\uff20evil.example", session_id=None)

    response = email_change_confirm(token)

    assert response.status_code == 400
    assert response.json()["code"] == "link_invalid"
    attacker.refresh_from_db()
    assert attacker.email == "attacker@example.org"


# 250 characters as typed, 256 once NFKC spells the ligatures out ("\ufb03" is "ffi"): valid as typed and once
# normalised (validate_email allows 320), too long for RFC 5321 and for the email column (254).
LONG_ONCE_NORMALISED = "a" * 64 + "@" + ".".join(["\ufb03" + "b" * 60, "\ufb03" + "c" * 60, "\ufb03" + "d" * 56, "com"])
TOO_LONG = (
    "Enter an email address of at most 254 characters (this one has 256 once ligatures and full-width letters "
    "are spelled out)."
)


def test_an_address_longer_than_254_once_normalised_is_400_on_new_email_and_sends_nothing(smtp, attacker):
    assert (len(LONG_ONCE_NORMALISED), len(normalize_email(LONG_ONCE_NORMALISED))) == (250, 256)
    client, _ = signed_in_client(attacker)

    response = email_change_ask(client, LONG_ONCE_NORMALISED)

    assert response.status_code == 400
    assert response.json() == {"new_email": [TOO_LONG]}
    wait_for_background_jobs()
    assert smtp.messages == []


def test_a_link_carrying_an_address_longer_than_254_once_normalised_is_400_link_invalid(attacker):
    token = change_token_make(user=attacker, new_email=LONG_ONCE_NORMALISED, session_id=None)

    response = email_change_confirm(token)

    assert response.status_code == 400
    assert response.json()["code"] == "link_invalid"
    attacker.refresh_from_db()
    assert attacker.email == "attacker@example.org"


def test_registering_an_address_longer_than_254_once_normalised_is_400_on_email_by_the_same_rule(smtp):
    response = APIClient().post(
        "/api/auth/register/", {"email": LONG_ONCE_NORMALISED, "password": "a-Strong-passphrase-42"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"email": [TOO_LONG]}
    assert not User.objects.exists()
    wait_for_background_jobs()
    assert smtp.messages == []


def test_an_operator_cannot_store_an_address_longer_than_254_once_normalised(admin_client, attacker):
    # The admin's form checks the address as typed; the model stores it normalised (User.clean), and must check that
    # too, or the database refuses it (a 500 on PostgreSQL, whose column holds 254 characters)
    url = reverse("admin:accounts_user_change", args=[attacker.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}

    response = admin_client.post(url, {**data, "email": LONG_ONCE_NORMALISED})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"email": [TOO_LONG]}
    attacker.refresh_from_db()
    assert attacker.email == "attacker@example.org"


def test_a_failed_sign_in_with_an_address_longer_than_254_once_normalised_is_audited_without_it():
    # The audit row keeps the typed address only when it is one (254 characters at most, as stored)
    response = APIClient().post(
        "/api/auth/login/", {"email": LONG_ONCE_NORMALISED, "password": "not-the-password"}, format="json"
    )

    assert response.status_code == 401
    assert list(AuditEvent.objects.values_list("event", "email")) == [("login_failed", "")]


def test_asking_for_a_lookalike_of_ones_own_address_is_400_already_yours(smtp, attacker):
    client, _ = signed_in_client(attacker)

    response = email_change_ask(client, "attacker@ex\uff41mple.org")

    assert response.status_code == 400
    assert response.json() == {"new_email": ["This is already your email address."]}
    wait_for_background_jobs()
    assert smtp.messages == []


def test_a_password_reset_for_a_lookalike_is_a_reset_for_the_address_itself(smtp):
    # Given an account
    UserFactory(email=VICTIM)

    # When a reset is asked for the address, then for a lookalike of it
    responses = [
        APIClient().post("/api/auth/password-reset/", {"email": spelling}, format="json")
        for spelling in (VICTIM, LOOKALIKE)
    ]

    # Then both answer the same, and the account's own address gets a link each time
    assert [(r.status_code, r.content) for r in responses] == [(202, b""), (202, b"")]
    messages = smtp.wait_for(to=VICTIM, subject="Reset your password", count=2)
    assert [bool(link_in(message, "/reset-password")) for message in messages] == [True, True]


def test_a_verification_resend_for_a_lookalike_is_a_resend_for_the_address_itself(smtp):
    # Given an account whose address is not confirmed yet
    UserFactory(email=VICTIM, email_verified=False)

    # When a new link is asked for the address, then for a lookalike of it
    responses = [
        APIClient().post("/api/auth/email/verify/resend/", {"email": spelling}, format="json")
        for spelling in (VICTIM, LOOKALIKE)
    ]

    # Then both answer the same, and the account's own address gets a link each time
    assert [(r.status_code, r.content) for r in responses] == [(202, b""), (202, b"")]
    messages = smtp.wait_for(to=VICTIM, subject="Confirm your email address", count=2)
    assert [bool(link_in(message, "/verify-email")) for message in messages] == [True, True]


def test_registering_a_lookalike_of_an_existing_address_is_400_already_exists(smtp):
    UserFactory(email=VICTIM)

    response = APIClient().post(
        "/api/auth/register/", {"email": LOOKALIKE, "password": "a-Strong-passphrase-42"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"email": ["An account with this email already exists."]}
    assert list(User.objects.values_list("email", flat=True)) == [VICTIM]


def test_the_migration_rewrites_stored_lookalikes_unless_another_account_has_the_address():
    # Given accounts stored before the normaliser applied NFKC: a lookalike of a free address, a lookalike of an
    # address in use, and an address already normal
    from django.apps import apps

    normalising = importlib.import_module("backend.accounts.migrations.0005_normalise_stored_addresses")
    free = UserFactory(email="placeholder-1@example.com")
    clash = UserFactory(email="placeholder-2@example.com")
    owner = UserFactory(email=VICTIM)
    User.objects.filter(pk=free.pk).update(email="moved@ex\uff41mple.net")
    User.objects.filter(pk=clash.pk).update(email=LOOKALIKE)

    # When the migration runs
    left = normalising.normalise_stored_addresses(apps, None)

    # Then the free one is rewritten, the clash is left for an operator (and named), the normal one untouched
    assert User.objects.get(pk=free.pk).email == "moved@example.net"
    assert User.objects.get(pk=clash.pk).email == LOOKALIKE
    assert left == [str(clash.pk)]
    assert User.objects.get(pk=owner.pk).email == VICTIM


@skip_on_mongodb("SQL: the check's query is read as SQL")
def test_the_migration_looks_each_address_up_as_the_unique_constraints_index_stores_it():
    # lower(email), which the index of accounts_user_email_ci_unique holds: upper() (iexact) scanned the whole table
    # for every rewritten address.
    from django.apps import apps
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    normalising = importlib.import_module("backend.accounts.migrations.0005_normalise_stored_addresses")
    free = UserFactory(email="placeholder-1@example.com")
    User.objects.filter(pk=free.pk).update(email="moved@ex\uff41mple.net")

    with CaptureQueriesContext(connection) as queries:
        normalising.normalise_stored_addresses(apps, None)

    [check] = [query["sql"] for query in queries if "EXISTS" in query["sql"] or "LIMIT 1" in query["sql"]]
    assert "LOWER(" in check.upper()
    assert "UPPER(" not in check.upper()
