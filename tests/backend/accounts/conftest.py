"""Fixtures shared by the accounts tests."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def owner(db):
    """The account whose address the email-change tests change (test_email_change_*.py), not yet verified."""
    return UserFactory(email="owner@example.com", email_verified=False)
