"""Configuration: production refuses signing and encryption keys that are weak, shared between secrets, or ignored by
a key list, and reads rotation lists as written."""

import pytest

from tests.backend.common.helpers import GOOD_ENV
from tests.backend.common.helpers import import_production_settings as _import_production_settings


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("JWT_SIGNING_KEY", "test-jwt-key-two-" + "0123456789abcdefghijklmnopqrstuvwxyzABCD"),
        ("MFA_ENCRYPTION_KEY", "test-mfa-key-two-" + "0123456789abcdefghijklmnopqrstuvwxyzABCD"),
    ],
)
def test_production_refuses_a_single_key_the_key_list_would_ignore(name, other):
    # (an operator answering a leak by setting NAME while NAMES still lists the leaked key first)
    result = _import_production_settings(**{f"{name}S": GOOD_ENV[name], name: other})

    assert result.returncode != 0
    assert f"{name} is set but {name}S is used (it wins) and does not hold it." in result.stderr


def test_production_accepts_the_single_key_as_the_lists_first():
    result = _import_production_settings(
        "print(s.JWT_SIGNING_KEYS[0] == s.env.str('JWT_SIGNING_KEY'))",
        JWT_SIGNING_KEYS=GOOD_ENV["JWT_SIGNING_KEY"]
        + ",test-jwt-key-older-"
        + "0123456789abcdefghijklmnopqrstuvwxyzAB",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_production_refuses_a_jwt_key_equal_to_the_secret_key():
    result = _import_production_settings(JWT_SIGNING_KEY=GOOD_ENV["SECRET_KEY"])
    assert result.returncode != 0
    assert "JWT_SIGNING_KEY must differ from SECRET_KEY" in result.stderr


@pytest.mark.parametrize("name", ["JWT_SIGNING_KEY", "SECRET_KEY", "MFA_ENCRYPTION_KEY"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("k3y-" * 10, "is 40 characters long"),
        ("Zx9-" * 12 + "Q", "is 49 characters long"),
        ("j" * 60, "too few different characters"),
        ("ab" * 40, "too few different characters"),
        ("django-insecure-" + "0123456789abcdefghijklmnopqrstuvwxyz", "django-insecure"),
    ],
    ids=["short", "one-short", "one-character", "two-characters", "django-insecure"],
)
def test_production_refuses_a_key_that_cannot_be_50_random_characters(name, value, problem):
    # Given production settings whose signing key is short or evidently not random
    # When they are loaded
    result = _import_production_settings(**{name: value})

    # Then they refuse to start, naming the variable, the problem and how to generate one
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} " in result.stderr
    assert problem in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        (f"{GOOD_ENV['JWT_SIGNING_KEY']},k3y-short", "JWT_SIGNING_KEYS[1] is 9 characters long"),
        (f"{GOOD_ENV['JWT_SIGNING_KEY']},{GOOD_ENV['JWT_SIGNING_KEY']}", "lists the same key twice"),
        (f"{'fedcba9876543210' * 4},{GOOD_ENV['SECRET_KEY']}", "must differ from SECRET_KEY"),
    ],
    ids=["a-weak-old-key", "a-key-twice", "the-secret-key"],
)
def test_production_holds_every_rotation_key_to_the_signing_key_rules(keys, problem):
    result = _import_production_settings(JWT_SIGNING_KEYS=keys)

    assert result.returncode != 0
    assert problem in result.stderr


def test_production_accepts_two_good_rotation_keys_without_jwt_signing_key():
    keys = f"{'fedcba9876543210' * 4},{GOOD_ENV['JWT_SIGNING_KEY']}"

    result = _import_production_settings(JWT_SIGNING_KEY="", JWT_SIGNING_KEYS=keys)

    assert result.returncode == 0, result.stderr


def test_production_accepts_a_64_character_hex_key():
    # Given keys as docs/deploy.md generates them for the Kubernetes secrets (secrets.token_hex(32))
    result = _import_production_settings(
        SECRET_KEY="0123456789abcdef" * 4,
        JWT_SIGNING_KEY="fedcba9876543210" * 4,
        MFA_ENCRYPTION_KEY="0a1b2c3d4e5f6789" * 4,
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"MFA_ENCRYPTION_KEY": GOOD_ENV["SECRET_KEY"]}, "MFA_ENCRYPTION_KEY must differ from SECRET_KEY"),
        (
            {"MFA_ENCRYPTION_KEY": GOOD_ENV["JWT_SIGNING_KEY"]},
            "MFA_ENCRYPTION_KEY must differ from every JWT signing key",
        ),
        (
            # an old JWT key still listed while the signing key rotates
            {"JWT_SIGNING_KEYS": f"{'fedcba9876543210' * 4},{GOOD_ENV['MFA_ENCRYPTION_KEY']}"},
            "MFA_ENCRYPTION_KEY must differ from every JWT signing key",
        ),
        (
            {"MFA_ENCRYPTION_KEYS": f"{'0a1b2c3d4e5f6789' * 4},{GOOD_ENV['SECRET_KEY']}"},
            "MFA_ENCRYPTION_KEYS[1] must differ from SECRET_KEY",
        ),
        (
            {"MFA_ENCRYPTION_KEYS": f"{GOOD_ENV['MFA_ENCRYPTION_KEY']},{GOOD_ENV['MFA_ENCRYPTION_KEY']}"},
            "MFA_ENCRYPTION_KEYS lists the same key twice",
        ),
        (
            {"MFA_ENCRYPTION_KEYS": f"{GOOD_ENV['MFA_ENCRYPTION_KEY']},k3y-short"},
            "MFA_ENCRYPTION_KEYS[1] is 9 characters long",
        ),
    ],
    ids=[
        "the-secret-key",
        "the-jwt-key",
        "an-old-jwt-key",
        "a-rotation-key-is-the-secret-key",
        "a-key-twice",
        "a-weak-old-key",
    ],
)
def test_production_holds_the_mfa_encryption_keys_to_the_signing_key_rules_and_to_their_own(overrides, problem):
    # Given an MFA encryption key shared with another secret, listed twice, or weak
    # When the production settings load
    result = _import_production_settings(**overrides)

    # Then they refuse to start, naming the key
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {problem}" in result.stderr


def test_rotation_keys_written_with_spaces_after_the_commas_are_the_keys_themselves():
    # ("NEW, OLD" is how people write lists: " OLD" would be another key, and every secret or token under OLD lost)
    mfa = f"{'0a1b2c3d4e5f6789' * 4}, {GOOD_ENV['MFA_ENCRYPTION_KEY']} "
    jwt = f"{'fedcba9876543210' * 4} , {GOOD_ENV['JWT_SIGNING_KEY']}"

    result = _import_production_settings(
        MFA_ENCRYPTION_KEYS=mfa, JWT_SIGNING_KEYS=jwt, _print="print(s.MFA_ENCRYPTION_KEYS, s.JWT_SIGNING_KEYS)"
    )

    assert result.returncode == 0, result.stderr
    expected = [[key.strip() for key in mfa.split(",")], [key.strip() for key in jwt.split(",")]]
    assert result.stdout.strip() == " ".join(str(keys) for keys in expected)


def test_a_single_key_is_trimmed_as_the_lists_keys_are():
    # (a secret file written with CRLF ends in "\r": starting a rotation with "NEW,KEY" must keep KEY the same key)
    mfa, jwt = GOOD_ENV["MFA_ENCRYPTION_KEY"], GOOD_ENV["JWT_SIGNING_KEY"]

    result = _import_production_settings(
        MFA_ENCRYPTION_KEY=f"{mfa}\r",
        JWT_SIGNING_KEY=f" {jwt}\r",
        _print="print(s.MFA_ENCRYPTION_KEYS, s.JWT_SIGNING_KEYS)",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{[mfa]} {[jwt]}"


def test_production_accepts_two_good_mfa_rotation_keys_without_mfa_encryption_key():
    keys = f"{'0a1b2c3d4e5f6789' * 4},{GOOD_ENV['MFA_ENCRYPTION_KEY']}"

    result = _import_production_settings(
        MFA_ENCRYPTION_KEY="", MFA_ENCRYPTION_KEYS=keys, _print="print(s.MFA_ENCRYPTION_KEYS)"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(keys.split(","))


def test_production_reads_the_secret_key_fallbacks_trimmed_as_the_other_key_lists():
    old = ["rotated-out-key-" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEF", "older-key-" + "0a1b2c3d4e5f6789" * 3]

    result = _import_production_settings(
        SECRET_KEY_FALLBACKS=f" {old[0]} ,{old[1]}\r", _print="print(s.SECRET_KEY_FALLBACKS)"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(old)


def test_production_holds_an_old_secret_key_to_the_secret_keys_rules():
    # (it signs nothing new, but what it signed still verifies: a weak one could be brute-forced and used)
    result = _import_production_settings(SECRET_KEY_FALLBACKS=f"{'0a1b2c3d4e5f6789' * 4},k3y-short")

    assert result.returncode != 0
    assert "SECRET_KEY_FALLBACKS[1] is 9 characters long" in result.stderr
