"""SECRET_KEY and the earlier keys still accepted, SECRET_KEY_FALLBACKS: sign and key with the first, accept any.

Django checks its own signatures (``signing``, password-reset tokens, admin sessions) against the fallbacks itself;
what the project keys with SECRET_KEY by hand (an emailed link's state, a device cookie's account, a refresh token's
child, the email outbox) asks here for every key, so rotating SECRET_KEY (docs/operations.md, "Rotating SECRET_KEY")
breaks none of them while the old key is listed.
"""

from django.conf import settings


def secret_keys() -> tuple[str, ...]:
    """SECRET_KEY first, then each of SECRET_KEY_FALLBACKS; read on every call (tests override the settings)."""
    return (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
