"""Encryption at rest for the email outbox (``OutgoingEmail``: backend/common/mail.py): the recipient, the subject
and the body, whose links carry one-use tokens, so a read of the table, a backup or a replica yields none of them.

Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``, keyed by HKDF-SHA256 over SECRET_KEY with a label of its own
(so this key is no other use's key). MultiFernet encrypts with SECRET_KEY and decrypts with it or any of
SECRET_KEY_FALLBACKS: mail queued before a SECRET_KEY rotation still goes out. (backend/mfa/crypto.py does the same
for TOTP secrets with keys of their own; common does not import mfa.)
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .secret_keys import secret_keys

_INFO = b"email-outbox"


class OutboxUndecryptable(Exception):
    """Neither SECRET_KEY nor any of SECRET_KEY_FALLBACKS decrypts a queued email (its key was dropped)."""


def _fernet(secret: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


@functools.cache
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet(key) for key in keys])


def outbox_encrypt(plaintext: str) -> str:
    return _cipher(secret_keys()).encrypt(plaintext.encode()).decode()


def outbox_decrypt(ciphertext: str) -> str:
    try:
        return _cipher(secret_keys()).decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise OutboxUndecryptable("Neither SECRET_KEY nor SECRET_KEY_FALLBACKS decrypts this queued email.") from exc
