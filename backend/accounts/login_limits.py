"""The key the per-email login limit counts against, shared by the API login and the admin's login form."""

import unicodedata

from .models import normalize_email


def login_email_identity(email: str) -> str:
    """Trimmed, NFKC-normalized (as Django's login form normalizes usernames), trimmed again and lowercased, so
    that variant spellings of one address (padding, fullwidth letters) cannot each get a bucket of their own.

    Nothing is cut off: a prefix taken before trimming would give ``"   ops@example.com"`` a bucket of its own
    (its first 254 characters end before the address does) although Django's form strips it and signs in as
    ops@example.com. Input longer than an email can be is refused by both forms before any password is
    checked, so its bucket, whatever it is, guards nothing; the key is a fixed-size hash (ratelimit._key)."""
    return normalize_email(unicodedata.normalize("NFKC", email.strip()))
