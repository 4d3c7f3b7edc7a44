"""Asking to change the email address, signed in with the current password: the refusals, the same answer whether
the new address is free or in use (a link to the one, a notice to the other, read from the messages received over real
SMTP), and the limits."""

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.audit.models import AuditEvent
from backend.common.background import wait_for_background_jobs
from tests.backend.accounts.helpers import EMAIL_CHANGE, email_change_ask, email_change_link_token
from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.support.smtp import link_in, text_body

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent, and sessions revoked, on commit

IN_USE_SUBJECT = "Someone tried to use your email address"


# Failure paths -------------------------------------------------------------------------------------------------------


def test_asking_without_an_access_token_is_401():
    response = email_change_ask(APIClient(), "new@example.com")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["new_email", "current_password"]),
        ({"current_password": DEFAULT_PASSWORD}, ["new_email"]),
        ({"new_email": "not-an-address", "current_password": DEFAULT_PASSWORD}, ["new_email"]),
        ({"new_email": "new@example.com"}, ["current_password"]),
        ({"new_email": "new@example.com", "current_password": 12}, ["current_password"]),
    ],
)
def test_a_malformed_change_body_is_400_naming_the_fields(owner, smtp, body, fields):
    client, _ = signed_in_client(owner)

    response = client.post(EMAIL_CHANGE, body, format="json")

    assert response.status_code == 400
    assert sorted(response.json()) == sorted(fields)
    wait_for_background_jobs()
    assert smtp.messages == []


def test_a_wrong_current_password_is_400_audited_and_sends_nothing(owner, smtp):
    client, _ = signed_in_client(owner)

    response = email_change_ask(client, "new@example.com", password="not-my-password")

    assert response.status_code == 400
    assert response.json() == {"current_password": ["The current password is incorrect."]}
    events = AuditEvent.objects.values_list("event", flat=True)
    assert "password_check_failed" in events
    assert "email_change_requested" not in events
    wait_for_background_jobs()
    assert smtp.messages == []


def test_wrong_current_passwords_count_on_the_sessions_limit_like_a_password_change(owner, rates):
    rates(password_change_session="2/30d")
    client, issued = signed_in_client(owner)

    statuses = [email_change_ask(client, "new@example.com", password="guess").status_code for _ in range(2)]

    assert statuses == [400, 401]
    assert AuthSession.objects.get(pk=issued.session.pk).revoked_at is not None


@pytest.mark.parametrize("same", ["owner@example.com", "  OWNER@Example.com "])
def test_asking_for_the_current_address_is_400_on_new_email(owner, smtp, same):
    client, _ = signed_in_client(owner)

    response = email_change_ask(client, same)

    assert response.status_code == 400
    assert response.json() == {"new_email": ["This is already your email address."]}
    wait_for_background_jobs()
    assert smtp.messages == []


def test_asking_for_an_address_in_use_answers_the_same_and_sends_that_address_a_notice_not_a_link(owner, smtp):
    # Given another account with the address
    UserFactory(email="taken@example.com")
    client, _ = signed_in_client(owner)

    # When the owner asks to move to it, and to a free address
    in_use, free = email_change_ask(client, "Taken@example.com"), email_change_ask(client, "free@example.com")

    # Then both answers are the same 202
    assert [(r.status_code, r.content) for r in (in_use, free)] == [(202, b""), (202, b"")]
    # And the address in use gets a notice with no link and no token; the free one a link
    [notice] = smtp.wait_for(to="taken@example.com")
    assert notice["Subject"] == IN_USE_SUBJECT
    assert "token" not in text_body(notice)
    with pytest.raises(AssertionError):
        link_in(notice, "/confirm-email-change")
    email_change_link_token(smtp, "free@example.com")
    owner.refresh_from_db()
    assert owner.email == "owner@example.com"
    assert list(AuditEvent.objects.filter(event="email_change_requested").values_list("user_id", flat=True)) == [
        owner.pk,
        owner.pk,
    ]


def test_asking_is_limited_per_user(owner, rates):
    rates(email_change_user="2/1h")
    client, _ = signed_in_client(owner)

    statuses = [email_change_ask(client, f"new{n}@example.com").status_code for n in range(3)]

    assert statuses == [202, 202, 429]
    response = email_change_ask(client, "new9@example.com")
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
