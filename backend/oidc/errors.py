"""The API errors of the sign-in with OpenID Connect providers (docs/sso.md, "What each error means")."""

from rest_framework import status
from rest_framework.exceptions import APIException

from backend.accounts.services import EmailNotVerified
from backend.common.errors import ErrorCode

# How long a client is told to wait after the provider failed: a restart or a network blip, not an outage to sit out.
RETRY_AFTER_SECONDS = 30


class OidcFailed(APIException):
    """Every refusal of a callback reads the same: what went wrong is logged (reason, provider), not told: the
    client can do one thing about any of them, start again."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The sign-in with the provider could not be completed. Start again."
    default_code = ErrorCode.OIDC_FAILED


class OidcProviderUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The sign-in provider cannot be reached right now. Try again in a moment."
    default_code = ErrorCode.OIDC_PROVIDER_UNAVAILABLE

    def __init__(self) -> None:
        super().__init__()
        self.wait = RETRY_AFTER_SECONDS  # DRF's handler sends it as Retry-After


class OidcAccountExists(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = ErrorCode.OIDC_ACCOUNT_EXISTS

    def __init__(self, provider_name: str) -> None:
        super().__init__(
            f"An account already uses this address: sign in with it, then connect {provider_name} from your account "
            "page."
        )


class OidcEmailUnverified(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = ErrorCode.OIDC_EMAIL_UNVERIFIED

    def __init__(self, provider_name: str) -> None:
        super().__init__(
            f"{provider_name} did not confirm your email address, so no account can be created with it. Confirm "
            f"it at {provider_name}, or sign up with your email and a password."
        )


class OidcIdentityTaken(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = ErrorCode.OIDC_IDENTITY_TAKEN

    def __init__(self, provider_name: str) -> None:
        super().__init__(
            f"This {provider_name} account is already connected to another account here. Sign in to that account "
            "and disconnect it there first."
        )


class OidcNeedsConfirmedEmail(EmailNotVerified):
    """403 ``email_not_verified`` on connecting a provider to an account whose address is unconfirmed (while
    verification is on), as for adding a second factor (backend/mfa/services/enrolment.py): someone who registered
    another person's address would otherwise connect a provider of theirs, which would outlive the owner's reset."""

    default_detail = (
        "Confirm your email address before connecting a sign-in provider: follow the link we emailed you, or ask for "
        "a new one."
    )
