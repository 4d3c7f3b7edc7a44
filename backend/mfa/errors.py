"""The API errors of second-factor checks (the challenge errors are in services/challenges.py)."""

from rest_framework import status
from rest_framework.exceptions import APIException, Throttled

from backend.accounts.login_limits import wait_in_words
from backend.accounts.services import EmailNotVerified
from backend.common.errors import ErrorCode


class CodeInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "That code is not right, or it was already used. Enter the current code, or a recovery code."
    default_code = ErrorCode.MFA_CODE_INVALID


class LoginCodeInvalid(APIException):
    """Every refusal of an emailed sign-in code reads the same (services/email_code.py says why)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = (
        "That code is not right, or it is no longer valid (it expired, was used, or a newer one was sent). "
        "Check the latest email, or ask for a new code."
    )
    default_code = ErrorCode.LOGIN_CODE_INVALID


class PasskeyInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "That passkey could not be verified. Try again, or use another way to sign in."
    default_code = ErrorCode.PASSKEY_INVALID


class PasskeyUnknown(PasskeyInvalid):
    """No passkey has this credential id any more: the SPA then tells the browser to forget it (WebAuthn's
    signalUnknownCredential), so the device stops offering it. Only for a well-formed id that names nothing;
    a deactivated account's passkey stays ``passkey_invalid`` (the account may come back)."""

    default_detail = (
        "This passkey is no longer registered here: it was deleted, or its account was. "
        "Sign in with your password or another passkey."
    )
    default_code = ErrorCode.PASSKEY_UNKNOWN


class FactorNeedsConfirmedEmail(EmailNotVerified):
    """403 ``email_not_verified`` on adding a second factor to an account whose address is unconfirmed (while
    verification is on): services/enrolment.py says why."""

    default_detail = (
        "Confirm your email address before adding a second factor: follow the link we emailed you, or ask for a "
        "new one."
    )


class MfaStateConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = ErrorCode.MFA_STATE_CONFLICT


class AuthenticatorCodesLocked(Throttled):
    default_code = ErrorCode.MFA_CODES_LOCKED

    def __init__(self, wait: int) -> None:
        # APIException's, not Throttled's: that one would append its own "Expected available in N seconds."
        detail = (
            f"Too many wrong authenticator codes for this account. Try the app again in {wait_in_words(wait)}; "
            "meanwhile a passkey or a recovery code works."
        )
        APIException.__init__(self, detail, ErrorCode.MFA_CODES_LOCKED)
        self.wait = wait
