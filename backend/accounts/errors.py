"""API errors raised both by the access token's check (authentication.py) and by the services.

Only DRF's exceptions and ErrorCode are imported here: DRF imports authentication.py, and so this module, while it
loads its settings, before the services or the models can be."""

from rest_framework.exceptions import AuthenticationFailed

from backend.common.errors import ErrorCode


class SessionEnded(AuthenticationFailed):
    """401 ``session_revoked``: the session of the request was signed out, revoked or has expired."""

    default_detail = "This session has been signed out or has expired. Sign in again."
    default_code = ErrorCode.SESSION_REVOKED
