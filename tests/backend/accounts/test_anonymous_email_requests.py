"""A password reset, a new verification link or a sign-in code asked for by address: the request does the same
database work whether or not an account has that address (no timing to measure: the statements themselves). Queuing
the email writes the outbox's row (backend/common/outbox.py), so the account is looked up and the email queued off
the request path, as the response promises."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.common.background import wait_for_background_jobs
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent when the transaction commits


def _statements(api_client, url: str, email: str) -> list[str]:
    """The request's own statements (this thread's connection), their values left out."""
    with CaptureQueriesContext(connection) as queries:
        response = api_client.post(url, {"email": email}, format="json")
    assert response.status_code == 202
    return [re.sub(r"'[^']*'|%s|\b\d+\b", "?", query["sql"]) for query in queries.captured_queries]


@pytest.mark.parametrize(
    ("url_name", "verified", "subject"),
    [
        ("auth-password-reset", True, "Reset your password"),
        ("auth-email-verify-resend", False, "Confirm your email"),
        ("auth-login-code", True, "Your sign-in code"),
    ],
)
def test_an_address_with_an_account_costs_the_request_what_one_without_costs(
    api_client, smtp, settings, url_name, verified, subject
):
    settings.EMAIL_VERIFICATION = "optional"
    UserFactory(email="known@example.com", email_verified=verified)
    url = reverse(url_name)

    known = _statements(api_client, url, "known@example.com")
    unknown = _statements(api_client, url, "nobody@example.com")

    assert known == unknown
    assert not any("outgoing" in sql.lower() for sql in known)
    assert wait_for_background_jobs()
    [message] = smtp.wait_for(to="known@example.com")  # still sent, once the pool has queued it
    assert subject.lower() in message["Subject"].lower()
    assert smtp.messages == [message]
