"""The OpenAPI description of the account lifecycle endpoints (drf-spectacular): deleting the account, exporting
its data and reading its security activity. Applied in account_apis.py and, for ``DELETE me/``, in apis.py."""

from collections.abc import Callable
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from backend.common.schema import UNAUTHENTICATED, VALIDATION_ERROR, ErrorSerializer, page_parameters

from . import account_serializers
from .openapi import (
    ACCOUNT_TAGS,
    CLEARED_COOKIE,
    CURRENT_PASSWORD_LIMITED,
    REAUTHENTICATION_REQUIRED,
    RETRY_AFTER_HEADER,
    _set_cookie_header,
)


class _DeleteWithBodySchema(AutoSchema):
    """drf-spectacular documents a request body only for PUT, PATCH and POST; ``DELETE me/`` takes one (the
    current password), documented as a POST's would be."""

    def _get_request_body(self, direction: str = "request") -> Any:
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"


def _delete_with_body(view_method: Callable[..., Any]) -> Callable[..., Any]:
    view_method.schema = _DeleteWithBodySchema  # type: ignore[attr-defined]  # extend_schema builds on it
    return view_method


_me_delete = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Delete the account for good",
    description=(
        "Confirmed with the current password. In one transaction: every session is revoked (the account's access "
        "tokens are refused from the next request on, on every worker), its tasks and the account are deleted, and "
        "a notice is emailed to the address. Its audit events stay, without the account (docs/security.md). "
        "The same email can register again at once. A wrong `current_password` is a 400, audited, and counts as a "
        "failed sign-in on the account's limits (429 `login_locked` once they are exhausted); the fifth wrong one "
        "on a session (`RATE_LIMIT_PASSWORD_CHANGE_SESSION`) revokes it: 401 `session_revoked`. An account without "
        "a password (created by a sign-in provider, docs/sso.md) omits `current_password` and needs a recent "
        "authentication instead (403 `reauthentication_required`). Its connected provider identities go with it."
    ),
    parameters=[_set_cookie_header(204, CLEARED_COOKIE), RETRY_AFTER_HEADER],
    request=account_serializers.AccountDeleteInputSerializer,
    responses={
        204: OpenApiResponse(description="The account and everything it owned are deleted."),
        400: VALIDATION_ERROR,
        401: UNAUTHENTICATED,
        403: REAUTHENTICATION_REQUIRED,
        429: CURRENT_PASSWORD_LIMITED,
    },
)


def me_delete(view_method: Callable[..., Any]) -> Callable[..., Any]:
    return _me_delete(_delete_with_body(view_method))


_CONTENT_DISPOSITION = OpenApiParameter(
    name="Content-Disposition",
    location=OpenApiParameter.HEADER,
    type=OpenApiTypes.STR,
    response=[200],
    description='`attachment; filename="account-export-<YYYY-MM-DD>.json"`.',
)
_NO_STORE = OpenApiParameter(
    name="Cache-Control",
    location=OpenApiParameter.HEADER,
    type=OpenApiTypes.STR,
    response=[200],
    description="`no-store`: no browser or proxy cache keeps the export.",
)

account_export = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="Download everything stored about the account",
    description=(
        "One JSON document, streamed as it is read (no `Content-Length`): the profile, the second factors (their "
        "names and dates, never a secret), every task (as the task API shows it), every session still stored and "
        "every audit event about the account, each list oldest first. Recorded as a `data_exported` event. "
        "Limited per user (`RATE_LIMIT_EXPORT_USER`, 5 an hour)."
    ),
    parameters=[_CONTENT_DISPOSITION, _NO_STORE],
    request=None,
    responses={
        200: OpenApiResponse(account_serializers.AccountExportSerializer, description="The export document."),
        401: UNAUTHENTICATED,
        429: OpenApiResponse(
            ErrorSerializer,
            description="`throttled`: the per-user export limit (`RATE_LIMIT_EXPORT_USER`) or request limit.",
        ),
    },
)


class PaginatedActivitySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = account_serializers.ActivityOutputSerializer(many=True)


activity_list = extend_schema(
    tags=ACCOUNT_TAGS,
    summary="The signed-in user's security activity, newest first",
    description=(
        "Sign-ins and failed sign-ins to the account, sign-outs, revocations, refresh-token reuse, password and "
        "email changes, verification and exports. `current_session` marks the events of the session making this "
        "request. For an event an operator caused (sessions revoked in the admin) the address and browser are "
        "the operator's and are not shown (`ip_address` null, `user_agent` empty)."
    ),
    parameters=page_parameters("Events"),
    responses={
        200: PaginatedActivitySerializer,
        400: VALIDATION_ERROR,
        401: UNAUTHENTICATED,
        404: OpenApiResponse(ErrorSerializer, description="A page past the last one."),
    },
)
