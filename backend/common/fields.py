"""Serializer fields shared by the API apps."""

import re
import unicodedata
from typing import Any

from django.contrib.auth import password_validation
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
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
    """Text whose ``max_length`` holds for the value as sent, as the schema's ``maxLength`` says: DRF checks it
    after trimming, so 200 characters plus a space would pass a 200 limit that a client validating against the
    schema refuses.

    ``nfc=True``: text people write and search (a task's title), taken in Unicode's NFC. One visible "é" is U+00E9
    from most keyboards and "e" + U+0301 from others (or pasted from a macOS file name), and neither database's
    search matches one spelling with the other. The limit holds for the NFC text, as it is stored: NFC lengthens
    a few characters (U+0958 is two once normalized), and a longer value would fail at the database."""

    def __init__(self, *, nfc: bool = False, **kwargs: Any) -> None:
        self.nfc = nfc
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if self.nfc and isinstance(data, str) and not unicodedata.is_normalized("NFC", data):
            data = unicodedata.normalize("NFC", data)
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class NewPasswordField(TextField):
    """A password being chosen: kept verbatim (no trimming); AUTH_PASSWORD_VALIDATORS judge it in the service.
    Its schema documents what of those rules JSON Schema can say (TextFieldSchema)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 128)
        kwargs.setdefault("help_text", " ".join(password_validation.password_validators_help_texts()))
        super().__init__(trim_whitespace=False, **kwargs)


class EmailField(StrictTypeMixin, serializers.EmailField):
    pass


@extend_schema_field(OpenApiTypes.UUID)
class IdField(serializers.CharField):
    """A UUID primary key (or a reference to one) as its hyphenated string, str(pk), and documented as a UUID
    (``format: uuid``), as docs/api.md promises every id is: a client generated from the schema types it so."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)


# A date as the schema's ``format: date`` (RFC 3339's full-date) writes it, in ASCII digits: ``\d`` would also take
# other scripts' digits (Arabic-Indic, for one), which int() reads as numbers.
ISO_DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class IsoDateField(serializers.DateField):
    """Exactly YYYY-MM-DD. DRF's DateField also takes what ``date.fromisoformat`` does (20310101, 2031-W01-1) and
    other scripts' digits."""

    def to_internal_value(self, value: Any) -> Any:
        if not isinstance(value, str) or not ISO_DATE_PATTERN.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


# What str.strip() removes (DRF's CharField trims with it): the characters a non-blank text must have one
# other than. Written out as a regex class of \\uXXXX escapes, which JSON Schema (ECMA) and Python share.
_WHITESPACE = "".join(f"\\u{ord(char):04x}" for char in map(chr, range(0x10000)) if char.isspace())


def text_pattern(field: serializers.CharField) -> str:
    """The regex a TextField documents for its input: no NUL character (DRF refuses it), and when it may not be
    blank and is trimmed, at least one character that is not whitespace. A new password needs a character that
    is not a digit (NumericPasswordValidator)."""
    if isinstance(field, NewPasswordField):
        return "^[^\\u0000]*[^\\u00000-9][^\\u0000]*$"
    if field.allow_blank or not field.trim_whitespace:
        return "^[^\\u0000]*$"
    return f"^[^\\u0000]*[^\\u0000{_WHITESPACE}][^\\u0000]*$"


class TextFieldSchema(OpenApiSerializerFieldExtension):
    """drf-spectacular: a TextField's request schema carries text_pattern(), so a client generated from the
    schema (or a fuzzer) knows a blank or NUL-bearing text is refused."""

    target_class = TextField

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["pattern"] = text_pattern(self.target)
            if isinstance(self.target, NewPasswordField) and (minimum := _password_min_length()):
                # Under allOf: drf-spectacular sets the field's top-level minLength (1, as it is not blank)
                # after this extension runs, and both constraints hold.
                schema["allOf"] = [{"minLength": minimum}]
        return schema


def _password_min_length() -> int | None:
    """MinimumLengthValidator's minimum, if AUTH_PASSWORD_VALIDATORS has one."""
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, password_validation.MinimumLengthValidator):
            return validator.min_length
    return None


class NewPasswordFieldSchema(TextFieldSchema):
    """drf-spectacular matches an extension to the exact field class, so the subclass names its own."""

    target_class = NewPasswordField
