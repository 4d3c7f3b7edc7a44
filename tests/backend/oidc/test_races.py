"""Two callbacks creating an account for one new identity at the same moment: one account, one identity, no 500."""

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.oidc.models import OidcIdentity
from tests.support.concurrency import OtherConnection
from tests.support.oidc_provider import OidcUser

from .helpers import callback, started

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_second_of_two_callbacks_for_one_new_identity_signs_in_to_the_account_the_first_made(idp):
    # Given two browsers of one person, each back from the provider with its own code for one new identity
    idp.user = OidcUser(sub="racer", email="racer@example.com")
    first_browser, second_browser = APIClient(), APIClient()
    first = started(first_browser, idp)
    second = started(second_browser, idp)

    # When the first creates the account in a transaction still open while the second one runs
    with transaction.atomic():
        first_response = callback(first_browser, *first)
        assert first_response.status_code == 201, first_response.content
        other = OtherConnection(lambda: callback(second_browser, *second)).start()
        other.wait_until_finished_or_blocked()  # PostgreSQL: the second waits on the unique address
    other.join()

    # Then the second signs in to the account the first made, and there is one of each
    assert other.error is None, other.error
    assert other.result.status_code == 200, other.result.content
    assert other.result.json()["user"]["email"] == "racer@example.com"
    assert User.objects.filter(email="racer@example.com").count() == 1
    assert OidcIdentity.objects.filter(subject="racer").count() == 1
