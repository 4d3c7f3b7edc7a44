"""Encryption at rest with Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``), keyed by configured strings.

A key may be any string of enough entropy: it is stretched to Fernet's 32 bytes with HKDF-SHA256 under a label of
its use (``info``), so operators need not produce Fernet's own base64 format and one configured secret never keys
two uses alike. MultiFernet encrypts with the first key and decrypts with any: a key rotates by putting the new one
first. Used for the TOTP secrets (backend/mfa/crypto.py) and the email outbox (outbox_crypto.py).
"""

import base64
import functools

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _fernet(key: str, info: bytes) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


@functools.cache
def multi_fernet(keys: tuple[str, ...], *, info: bytes) -> MultiFernet:
    """The cipher of ``keys``, newest first, for the use ``info`` names."""
    return MultiFernet([_fernet(key, info) for key in keys])
