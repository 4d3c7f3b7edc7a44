"""OpenAPI building blocks shared by the API apps (drf-spectacular)."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from .errors import ErrorCode, error_code_choices
from .pagination import MAX_PAGE_PARAMETER, StandardPagination


class ErrorSerializer(serializers.Serializer):
    """Every non-validation error: a human message and a stable machine code."""

    detail = serializers.CharField()
    # Documents every ErrorCode, with when it is returned (ENUM_NAME_OVERRIDES names it ErrorCodeEnum).
    code = serializers.ChoiceField(choices=error_code_choices())

    class Meta:
        ref_name = "Error"


# DRF's validation shape: {"field": ["message", ...]}, "non_field_errors" for the body as a whole. The serializer
# only names the component; document_transport_errors replaces its schema with VALIDATION_ERROR_SCHEMA, which a
# serializer cannot express (any property name, each an array of messages).
ValidationErrorSerializer = inline_serializer(
    name="ValidationError", fields={"non_field_errors": serializers.ListField(child=serializers.CharField())}
)
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Invalid input: each offending field (a body field, or a query parameter) with its messages; "
    "`non_field_errors` for the input as a whole.",
    "properties": {"non_field_errors": {"type": "array", "items": {"type": "string"}}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "minProperties": 1,
}

VALIDATION_ERROR = OpenApiResponse(ValidationErrorSerializer, description="Invalid input, per field.")
UNAUTHENTICATED = OpenApiResponse(
    ErrorSerializer, description="Missing, invalid or expired access token, or a revoked session."
)
UNSUPPORTED_MEDIA = OpenApiResponse(ErrorSerializer, description="The body must be application/json.")


def page_parameters(items: str) -> list[OpenApiParameter]:
    """The ``page`` and ``page_size`` query parameters of a list paginated by StandardPagination; ``items`` names
    what it lists ("Tasks")."""
    return [
        OpenApiParameter(
            "page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_PARAMETER},
            description="1-based page number; past the last page is a 404.",
        ),
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_PARAMETER, "default": StandardPagination.page_size},
            description=f"{items} per page, at most {StandardPagination.max_page_size} (larger values are capped).",
        ),
    ]


# extend_schema(extensions={BODY_REQUIRED: True}): the operation's request body is required even though none of
# its fields is (drf-spectacular infers "required" from the fields); the hook below sets it and drops the marker.
BODY_REQUIRED = "x-body-required"


_WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


def document_transport_errors(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular postprocessing hook: the errors any JSON-body endpoint can return.

    They come from the parser and the body-size middleware, not from the views, so no
    ``extend_schema`` declares them; add them to every operation that takes a body, and to every POST, PUT,
    PATCH and DELETE that takes none: a body sent anyway is parsed too (common/views.py, ``ApiView.initial``).
    """
    error_ref = {"$ref": "#/components/schemas/Error"}
    transport_errors = {
        "400": f"Malformed JSON (`code`: `{ErrorCode.PARSE_ERROR}`).",
        "413": f"The body is larger than MAX_REQUEST_BODY_BYTES (`code`: `{ErrorCode.REQUEST_TOO_LARGE}`).",
        "415": f"The body is not `application/json` (`code`: `{ErrorCode.UNSUPPORTED_MEDIA_TYPE}`).",
    }
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or ("requestBody" not in operation and method not in _WRITE_METHODS):
                continue
            responses = operation.setdefault("responses", {})
            for status_code, description in transport_errors.items():
                responses.setdefault(
                    status_code,
                    {"description": description, "content": {"application/json": {"schema": error_ref}}},
                )
    _document_rate_limits(result, error_ref)
    _document_uri_too_long(result)
    _document_server_side_errors(result, error_ref)
    _document_validation_errors(result, error_ref)
    _blank_alternatives_as_any_of(result.get("components", {}).get("schemas", {}))
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.pop(BODY_REQUIRED, False):
                operation["requestBody"]["required"] = True
    return result


def _document_validation_errors(result: dict, error_ref: dict) -> None:
    """The ValidationError component as DRF shapes it, and every 400 as either shape: a validation error, or
    ``{detail, code}`` for a body that is not JSON at all (the parser answers before any field is read)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    if "ValidationError" in schemas:
        schemas["ValidationError"] = VALIDATION_ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            bad_request = operation.get("responses", {}).get("400") if isinstance(operation, dict) else None
            content = (bad_request or {}).get("content", {}).get("application/json")
            if content and content.get("schema") != error_ref and "anyOf" not in content["schema"]:
                content["schema"] = {"anyOf": [content["schema"], error_ref]}


_BLANK = {"type": "string", "maxLength": 0}


def _blank_alternatives_as_any_of(node: object) -> None:
    """drf-spectacular documents a text field that may be blank and has a pattern as ``oneOf: [<the text>,
    <blank>]``; when the text's pattern admits "" too (ours do: text_pattern), "" matches both and ``oneOf``
    refuses it. ``anyOf`` says what the field accepts."""
    if isinstance(node, dict):
        alternatives = node.get("oneOf")
        if isinstance(alternatives, list) and len(alternatives) == 2 and alternatives[1] == _BLANK:
            node["anyOf"] = node.pop("oneOf")
        for value in node.values():
            _blank_alternatives_as_any_of(value)
    elif isinstance(node, list):
        for value in node:
            _blank_alternatives_as_any_of(value)


def _document_uri_too_long(result: dict) -> None:
    """Operations taking query parameters: a URL longer than gunicorn's request line limit (4094 bytes) is a 414
    from gunicorn itself, before the API, so not as JSON (only a query string can grow that long)."""
    too_long = {
        "description": "The URL (its query string) is longer than the server accepts (4094 bytes); answered "
        "by the HTTP server (gunicorn) before the API, as a short HTML page, not JSON."
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if any(parameter.get("in") == "query" for parameter in operation.get("parameters", [])):
                operation["responses"].setdefault("414", too_long)


def _document_rate_limits(result: dict, error_ref: dict) -> None:
    """Every API operation is rate limited (common.throttles): a 429 and the X-RateLimit-* headers."""
    limit_headers = {
        "X-RateLimit-Limit": "Requests allowed in the window of the limit closest to refusing you.",
        "X-RateLimit-Remaining": "Requests left in that window.",
        "X-RateLimit-Reset": "Seconds until that window restarts.",
    }
    retry_after = {"schema": {"type": "integer"}, "description": "Seconds to wait."}
    too_many = {
        "description": f"Rate limited (`code`: `{ErrorCode.THROTTLED}`); retry after `Retry-After` seconds.",
        "headers": {"Retry-After": retry_after},
        "content": {"application/json": {"schema": error_ref}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation["responses"].setdefault("429", too_many)
            # An operation's own 429 (its description says which limits) has the header every refusal carries
            # (common.throttles) too, whether or not its extend_schema remembered to list it.
            operation["responses"]["429"].setdefault("headers", {}).setdefault("Retry-After", retry_after)
            for response in operation["responses"].values():
                headers = response.setdefault("headers", {})
                for name, description in limit_headers.items():
                    headers.setdefault(name, {"schema": {"type": "integer"}, "description": description})


_WRITES = frozenset({"post", "put", "patch", "delete"})


def _document_server_side_errors(result: dict, error_ref: dict) -> None:
    """What any API operation may answer whatever it declares: the database unreachable (backend/common/outage.py,
    503) or too slow (504, a statement past its timeout), an Accept header without JSON (406); and any write a
    409 when a concurrent one won (a MongoDB write conflict, or what it refers to deleted meanwhile)."""
    retry_after = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
    errors = {
        "503": (
            f"The database cannot be reached right now (`code`: `{ErrorCode.SERVICE_UNAVAILABLE}`); retry after "
            "`Retry-After` seconds.",
            retry_after,
            None,
        ),
        "504": (f"The database took too long (`code`: `{ErrorCode.DATABASE_TIMEOUT}`); retry.", {}, None),
        "406": (f"`Accept` excludes `application/json` (`code`: `{ErrorCode.NOT_ACCEPTABLE}`).", {}, None),
        "409": (
            f"A concurrent change won (`code`: `{ErrorCode.CONFLICT}`); read again, then retry.",
            {},
            _WRITES,
        ),
    }
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status_code, (description, headers, methods) in errors.items():
                if methods is not None and method not in methods:
                    continue
                response = {"description": description, "content": {"application/json": {"schema": error_ref}}}
                if headers:
                    response["headers"] = dict(headers)
                operation["responses"].setdefault(status_code, response)
