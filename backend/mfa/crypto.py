"""Encryption at rest for TOTP secrets: Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``, keyed by
MFA_ENCRYPTION_KEYS, newest first. MultiFernet encrypts with the first key and decrypts with any, so a key rotates by
prepending the new one, running ``manage.py mfa_rotate_key`` and then dropping the old one (docs/operations.md).

A configured key may be any string of enough entropy (backend/common/fernet.py stretches it). Unset (local use
only), the key derives from SECRET_KEY.
"""

from cryptography.fernet import InvalidToken, MultiFernet
from django.conf import settings

from backend.common.fernet import multi_fernet


class SecretUndecryptable(Exception):
    """No configured MFA_ENCRYPTION_KEYS key decrypts the stored secret (its key was dropped too soon)."""


def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return multi_fernet(keys, info=b"mfa-secret-encryption")


def _configured_keys() -> tuple[str, ...]:
    keys = tuple(settings.MFA_ENCRYPTION_KEYS)
    return keys or (f"derived-from-secret-key:{settings.SECRET_KEY}",)


def secret_encrypt(plaintext: str) -> str:
    return _cipher(_configured_keys()).encrypt(plaintext.encode()).decode()


def secret_decrypt(ciphertext: str) -> str:
    try:
        return _cipher(_configured_keys()).decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretUndecryptable("No MFA_ENCRYPTION_KEYS key decrypts this secret.") from exc


def secret_reencrypt(ciphertext: str) -> str:
    """The same secret encrypted with the newest key (MultiFernet.rotate)."""
    try:
        return _cipher(_configured_keys()).rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretUndecryptable("No MFA_ENCRYPTION_KEYS key decrypts this secret.") from exc
