"""Encryption at rest for TOTP secrets: Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``, keyed by
MFA_ENCRYPTION_KEYS, newest first. MultiFernet encrypts with the first key and decrypts with any, so a key rotates by
prepending the new one, running ``manage.py mfa_rotate_key`` and then dropping the old one (docs/operations.md).

A configured key may be any string of enough entropy; it is stretched to Fernet's 32 bytes with HKDF-SHA256, so
operators need not produce Fernet's own base64 format. Unset (local use only), the key derives from SECRET_KEY.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretUndecryptable(Exception):
    """No configured MFA_ENCRYPTION_KEYS key decrypts the stored secret (its key was dropped too soon)."""


def _fernet_key(material: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"mfa-secret-encryption").derive(
        material.encode()
    )
    return base64.urlsafe_b64encode(derived)


@functools.cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


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
