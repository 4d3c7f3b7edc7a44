"""The MFA tests' users have confirmed their address: adding a second factor needs one whenever verification is on
(backend/mfa/services/enrolment.py). The tests of that rule ask for an unconfirmed one
(test_enrolment_needs_email.py)."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def user(db):
    return UserFactory(email_verified=True)


@pytest.fixture
def other_user(db):
    return UserFactory(email_verified=True)
