"""OpenAPI building blocks shared by the API apps (drf-spectacular)."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every non-validation error: a human message and a stable machine code."""

    detail = serializers.CharField()
    code = serializers.CharField()

    class Meta:
        ref_name = "Error"


# DRF's validation shape: {"field": ["message", ...]}; "non_field_errors" for the body as a whole.
ValidationErrorSerializer = inline_serializer(
    name="ValidationError",
    fields={"field_name": serializers.ListField(child=serializers.CharField())},
)

VALIDATION_ERROR = OpenApiResponse(ValidationErrorSerializer, description="Invalid input, per field.")
UNAUTHENTICATED = OpenApiResponse(
    ErrorSerializer, description="Missing, invalid or expired access token, or a revoked session."
)
UNSUPPORTED_MEDIA = OpenApiResponse(ErrorSerializer, description="The body must be application/json.")
