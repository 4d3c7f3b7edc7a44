"""The key the per-email login limit counts against, shared by the API login and the admin's login form."""

import unicodedata

from .models import normalize_email


def login_email_identity(email: str) -> str:
    """NFKC-normalized (as Django's login form normalizes usernames) and then lowercased and trimmed, so that
    variant spellings of one address (e.g. fullwidth letters) cannot each get a bucket of their own."""
    return normalize_email(unicodedata.normalize("NFKC", email[:254]))
