"""The API errors of second-factor checks (the challenge errors are in services/challenges.py)."""

from rest_framework import status
from rest_framework.exceptions import APIException

from backend.common.errors import ErrorCode


class CodeInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "That code is not right, or it was already used. Enter the current code, or a recovery code."
    default_code = ErrorCode.MFA_CODE_INVALID


class PasskeyInvalid(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "That passkey could not be verified. Try again, or use another way to sign in."
    default_code = ErrorCode.PASSKEY_INVALID


class MfaStateConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = ErrorCode.MFA_STATE_CONFLICT
