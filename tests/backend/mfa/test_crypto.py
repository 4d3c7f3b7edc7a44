"""TOTP secrets at rest: encrypted with MFA_ENCRYPTION_KEYS (newest first), and re-encrypted by
``manage.py mfa_rotate_key`` so the old key can be dropped."""

import hashlib
import subprocess
from io import StringIO

import pyotp
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from backend.mfa.crypto import SecretUndecryptable, secret_decrypt, secret_encrypt
from backend.mfa.models import TotpAuthenticator
from backend.mfa.services.totp import totp_code_verify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AUTHENTICATE = "/api/auth/mfa/authenticate/"
OLD_KEY = "old-key: a long random string an operator generated last year"
NEW_KEY = "new-key: another long random string, generated today"


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def _key_lines(*keys: str) -> list[str]:
    """What mfa_rotate_key prints first: the loaded keys' fingerprints and the one it encrypts with."""
    fingerprints = ", ".join(_fingerprint(key) for key in keys)
    return [
        f"MFA_ENCRYPTION_KEYS loaded, newest first: {fingerprints} "
        "(the first 8 hex digits of the SHA-256 of each key).",
        f"Re-encrypting with {_fingerprint(keys[0])}, the key you just added.",
    ]


def _apps_under(settings, keys: list[str], count: int) -> dict[str, str]:
    """``count`` enabled authenticators whose secrets are encrypted under ``keys``; their secrets by row id."""
    settings.MFA_ENCRYPTION_KEYS = keys
    secrets = {}
    for _ in range(count):
        secret = pyotp.random_base32()
        row = TotpAuthenticator.objects.create(
            user=UserFactory(), secret_encrypted=secret_encrypt(secret), confirmed_at=timezone.now()
        )
        secrets[str(row.pk)] = secret
    return secrets


def _decrypted() -> dict[str, str]:
    rows = TotpAuthenticator.objects.values_list("pk", "secret_encrypted")
    return {str(pk): secret_decrypt(ciphertext) for pk, ciphertext in rows}


# Failure paths -------------------------------------------------------------------------------------------------------


def test_a_secret_is_undecryptable_once_its_key_is_dropped_without_rotating(settings):
    _apps_under(settings, [OLD_KEY], 1)

    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(SecretUndecryptable):
        _decrypted()


def test_rotating_without_the_old_key_fails_and_says_which_key_to_restore(settings):
    _apps_under(settings, [OLD_KEY], 1)
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, "another-key: not the one the secret is under, long enough"]

    with pytest.raises(CommandError, match="Restore the key they were encrypted with"):
        call_command("mfa_rotate_key", expect_fingerprint=_fingerprint(NEW_KEY), stdout=StringIO(), stderr=StringIO())


def test_a_secret_no_key_decrypts_is_named_and_the_others_are_rotated_all_the_same(settings):
    # Given four secrets under the old key, and one under a key nobody listed (lost)
    secrets = _apps_under(settings, [OLD_KEY], 4)
    [(lost_row, _)] = _apps_under(settings, ["lost-key: nobody remembers this one, long enough"], 1).items()
    lost_user = TotpAuthenticator.objects.get(pk=lost_row).user
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    # When the secrets are rotated, two per batch
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 could not be decrypted") as failed:
        call_command("mfa_rotate_key", expect_fingerprint=_fingerprint(NEW_KEY), batch_size=2, stdout=out, stderr=err)

    # Then that one is named (its user, for the operator to reset), the command says what to do, and every other
    # secret was rotated: they decrypt with the new key alone
    assert err.getvalue().splitlines() == [
        f"Skipped the secret of user {lost_user.pk} ({lost_user.email}): no listed key decrypts it."
    ]
    assert "Reset second factors" in str(failed.value)
    assert out.getvalue().splitlines()[-1] == "Re-encrypted 4 of 5 secret(s)..."
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    rotated = {
        pk: secret_decrypt(ciphertext)
        for pk, ciphertext in TotpAuthenticator.objects.exclude(pk=lost_row).values_list("pk", "secret_encrypted")
    }
    assert {str(pk): secret for pk, secret in rotated.items()} == secrets


def test_signing_in_with_an_app_no_key_decrypts_is_a_409_that_says_what_else_works(settings, api_client):
    from tests.backend.accounts.helpers import login

    # Given an account whose app secret is under a key nobody listed
    [(row_id, secret)] = _apps_under(settings, [OLD_KEY], 1).items()
    user = TotpAuthenticator.objects.get(pk=row_id).user
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    token = login(api_client, user.email).json()["mfa_token"]

    # When its owner answers the second step with the app's right code
    response = api_client.post(
        "/api/auth/mfa/authenticate/", {"mfa_token": token, "code": pyotp.TOTP(secret).now()}, format="json"
    )

    # Then it is no 500: a 409 that sends them to their recovery codes or passkeys
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Your authenticator app cannot be checked right now. Use a recovery code or a passkey, or contact "
        "support.",
        "code": "mfa_state_conflict",
    }


@pytest.mark.parametrize("keys", [[OLD_KEY], []], ids=["one key", "none: derived from SECRET_KEY"])
def test_rotating_with_a_single_key_is_refused_and_rewrites_nothing(settings, keys):
    # Given secrets under the only key loaded: the Secret still held OLD alone when the pods were rolled (External
    # Secrets had not synced yet)
    _apps_under(settings, [OLD_KEY], 2)
    before = dict(TotpAuthenticator.objects.values_list("pk", "secret_encrypted"))
    settings.MFA_ENCRYPTION_KEYS = keys

    # When the operator runs the rotation
    with pytest.raises(CommandError) as refused:
        call_command("mfa_rotate_key", expect_fingerprint=_fingerprint(NEW_KEY), stdout=StringIO(), stderr=StringIO())

    # Then it is refused, saying how to fix it and which key it found, and no secret was rewritten: otherwise it
    # would succeed with the old key and dropping OLD next would leave every secret unreadable
    message = str(refused.value)
    assert message.startswith("Only one MFA encryption key is loaded")
    assert "Put the new key first in MFA_ENCRYPTION_KEYS and the old one second" in message
    assert "roll the pods once the Secret shows it" in message
    assert (_fingerprint(OLD_KEY) in message) == bool(keys)
    assert OLD_KEY not in message
    assert dict(TotpAuthenticator.objects.values_list("pk", "secret_encrypted")) == before


def test_the_fingerprints_are_those_the_documented_shell_line_computes(settings):
    # docs/operations.md: the operator computes NEW's with `printf %s "$NEW" | sha256sum | cut -c1-8`
    shell = [
        subprocess.run(
            ["/bin/sh", "-c", 'printf %s "$1" | sha256sum | cut -c1-8', "sh", key],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for key in (NEW_KEY, OLD_KEY)
    ]
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    out = StringIO()

    # The command takes it as the new key's, and prints the loaded keys' the same way
    call_command("mfa_rotate_key", expect_fingerprint=shell[0], stdout=out)

    loaded, encrypting = out.getvalue().splitlines()[:2]
    assert f"newest first: {shell[0]}, {shell[1]} (" in loaded
    assert encrypting == f"Re-encrypting with {shell[0]}, the key you just added."


def test_a_code_the_app_could_not_check_counts_on_no_limit(settings, api_client, rates):
    from tests.backend.accounts.helpers import login

    # Given an account whose app secret is under a key nobody listed, and one failed sign-in and one wrong
    # authenticator code allowed
    rates(login_email_ip="1/15m", login_email="1/15m", authenticator_code_account="1/1d")
    [(row_id, secret)] = _apps_under(settings, [OLD_KEY], 1).items()
    user = TotpAuthenticator.objects.get(pk=row_id).user
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    token = login(api_client, user.email).json()["mfa_token"]
    code = pyotp.TOTP(secret).now()
    assert api_client.post(AUTHENTICATE, {"mfa_token": token, "code": code}, format="json").status_code == 409

    # When the operator restores the key and the owner signs in again with the same, never checked, code
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    token = login(api_client, user.email).json()["mfa_token"]
    response = api_client.post(AUTHENTICATE, {"mfa_token": token, "code": code}, format="json")

    # Then it signs in: the code that could not be checked counted neither as a failed sign-in nor as a wrong code
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("keys", [[OLD_KEY, NEW_KEY], [OLD_KEY, "another-key: not the new one, long enough"]])
def test_rotating_while_the_newest_loaded_key_is_not_the_new_one_is_refused_and_rewrites_nothing(settings, keys):
    # Given secrets under OLD, and the Secret still holding the first step's list (OLD,NEW): it had not changed
    # (or synced) yet for the second step
    _apps_under(settings, [OLD_KEY], 2)
    before = dict(TotpAuthenticator.objects.values_list("pk", "secret_encrypted"))
    settings.MFA_ENCRYPTION_KEYS = keys

    # When the operator runs the rotation, naming the key they just added
    with pytest.raises(CommandError) as refused:
        call_command("mfa_rotate_key", expect_fingerprint=_fingerprint(NEW_KEY), stdout=StringIO())

    # Then it is refused and no secret was rewritten: it would have re-encrypted with OLD and succeeded
    assert str(refused.value).startswith(
        f"The newest loaded key is {_fingerprint(OLD_KEY)}, not {_fingerprint(NEW_KEY)}: "
        "the settings this command loaded"
    )
    # and it does not blame a roll: the command reads the Secret as mounted now, whatever the pods loaded
    assert "not rolled" not in str(refused.value)
    assert dict(TotpAuthenticator.objects.values_list("pk", "secret_encrypted")) == before


def test_the_new_keys_fingerprint_must_be_given():
    with pytest.raises(CommandError, match="--expect-fingerprint"):
        call_command("mfa_rotate_key", stdout=StringIO())


def test_the_batch_size_must_be_positive():
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        call_command("mfa_rotate_key", expect_fingerprint=_fingerprint(NEW_KEY), batch_size=0, stdout=StringIO())


# Encryption and rotation ---------------------------------------------------------------------------------------------


def test_a_secret_is_stored_encrypted_and_decrypts_with_any_configured_key(settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD_KEY]
    ciphertext = secret_encrypt("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")

    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    assert "JBSWY3DP" not in ciphertext
    assert secret_decrypt(ciphertext) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_rotating_re_encrypts_every_secret_in_batches_so_the_old_key_can_go(settings):
    # Given five secrets under the old key, and the new key put first
    secrets = _apps_under(settings, [OLD_KEY], 5)
    before = dict(TotpAuthenticator.objects.values_list("pk", "secret_encrypted"))
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    # When the secrets are rotated, two per batch
    out = StringIO()
    call_command("mfa_rotate_key", expect_fingerprint=_fingerprint(NEW_KEY), batch_size=2, stdout=out)

    # Then the keys' fingerprints come first (the operator compares the first with the key they added), progress
    # is printed per batch, and every row was rewritten
    assert out.getvalue().splitlines() == [
        *_key_lines(NEW_KEY, OLD_KEY),
        "Re-encrypted 2 of 5 secret(s)...",
        "Re-encrypted 4 of 5 secret(s)...",
        "Re-encrypted 5 of 5 secret(s)...",
        "Re-encrypted 5 secret(s) with the newest key.",
    ]
    after = dict(TotpAuthenticator.objects.values_list("pk", "secret_encrypted"))
    assert all(after[pk] != before[pk] for pk in before)

    # And with the old key dropped, every secret still decrypts to what it was
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    assert _decrypted() == secrets


def test_rotating_again_is_harmless(settings):
    secrets = _apps_under(settings, [OLD_KEY], 2)
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("mfa_rotate_key", expect_fingerprint=_fingerprint(NEW_KEY), stdout=StringIO())

    out = StringIO()
    call_command("mfa_rotate_key", expect_fingerprint=_fingerprint(NEW_KEY), stdout=out)

    assert out.getvalue().splitlines()[-1] == "Re-encrypted 2 secret(s) with the newest key."
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]
    assert _decrypted() == secrets


def test_rotating_with_no_secrets_does_nothing(settings):
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    out = StringIO()

    call_command("mfa_rotate_key", expect_fingerprint=_fingerprint(NEW_KEY), stdout=out)

    assert out.getvalue().splitlines() == [
        *_key_lines(NEW_KEY, OLD_KEY),
        "Re-encrypted 0 secret(s) with the newest key.",
    ]


def test_the_app_codes_still_verify_after_the_rotation(settings):
    [(row_id, secret)] = _apps_under(settings, [OLD_KEY], 1).items()
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("mfa_rotate_key", expect_fingerprint=_fingerprint(NEW_KEY), stdout=StringIO())
    settings.MFA_ENCRYPTION_KEYS = [NEW_KEY]

    user = TotpAuthenticator.objects.get(pk=row_id).user

    assert totp_code_verify(user=user, code=pyotp.TOTP(secret).now()) is True
