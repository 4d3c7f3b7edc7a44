"""Serializer fields shared by the API apps."""

from typing import Any

from rest_framework import serializers


class StrictTypeMixin:
    """Refuse non-string JSON values instead of coercing them.

    DRF's CharField turns ``5`` into ``"5"`` and ``1e999`` into ``"inf"``; a client sending a
    number where text belongs has a bug, and a 400 tells it so.
    """

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")  # type: ignore[attr-defined]
        return super().to_internal_value(data)  # type: ignore[misc]


class TextField(StrictTypeMixin, serializers.CharField):
    pass


class EmailField(StrictTypeMixin, serializers.EmailField):
    pass
