"""The password hasher: Argon2id sized for the pod (the login burst: tests/e2e/test_password_hashing_memory.py)."""

import argon2
import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password

from backend.accounts.hashers import BoundedMemoryArgon2PasswordHasher
from tests.factories import UserFactory

HASHER = "backend.accounts.hashers.BoundedMemoryArgon2PasswordHasher"


def test_hashes_are_argon2id_with_owasps_19_mib_two_passes_one_lane():
    # Given the project's hasher
    # When it hashes a password
    encoded = BoundedMemoryArgon2PasswordHasher().encode("correct horse battery staple", "saltsaltsaltsalt")

    # Then the stored parameters are OWASP's m=19 MiB, t=2, p=1 for Argon2id
    parameters = argon2.extract_parameters(encoded.removeprefix("argon2"))
    assert (parameters.type, parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (
        argon2.Type.ID,
        19 * 1024,
        2,
        1,
    )


@pytest.mark.django_db
def test_a_hash_made_with_djangos_default_argon2_still_verifies_and_is_rehashed_at_the_next_sign_in(settings):
    # Given a password stored by Django's own Argon2 hasher (100 MiB, 8 lanes), before this change
    settings.PASSWORD_HASHERS = [HASHER]
    user = UserFactory()
    user.password = Argon2PasswordHasher().encode("an-Old-passphrase-1", "saltsaltsaltsalt")
    user.save(update_fields=["password"])

    # When its owner signs in with it
    assert user.check_password("an-Old-passphrase-1")

    # Then the stored hash now has the bounded parameters, and still checks
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password
    assert check_password("an-Old-passphrase-1", user.password)
