"""Encryption at rest for the email outbox (``OutgoingEmail``: backend/common/models.py, its rows written by
outbox.py): the recipient, the subject and the body, whose links carry one-use tokens, so a read of the table, a
backup or a replica yields none of them.

Fernet (fernet.py) keyed from SECRET_KEY under a label of its own (so this key is no other use's key): encrypted
with SECRET_KEY, decrypted with it or any of SECRET_KEY_FALLBACKS, so mail queued before a SECRET_KEY rotation still
goes out.
"""

from cryptography.fernet import InvalidToken, MultiFernet

from .fernet import multi_fernet
from .secret_keys import secret_keys


class OutboxUndecryptable(Exception):
    """Neither SECRET_KEY nor any of SECRET_KEY_FALLBACKS decrypts a queued email (its key was dropped)."""


def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return multi_fernet(keys, info=b"email-outbox")


def outbox_encrypt(plaintext: str) -> str:
    return _cipher(secret_keys()).encrypt(plaintext.encode()).decode()


def outbox_decrypt(ciphertext: str) -> str:
    try:
        return _cipher(secret_keys()).decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise OutboxUndecryptable("Neither SECRET_KEY nor SECRET_KEY_FALLBACKS decrypts this queued email.") from exc
