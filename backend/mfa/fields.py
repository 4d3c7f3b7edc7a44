"""Serializer fields of the MFA endpoints."""

import json
from typing import Any

from rest_framework import serializers

# A browser's WebAuthn response is a few kB (an attestation with a certificate chain the largest); anything far
# bigger is not one.
_MAX_CREDENTIAL_JSON_BYTES = 16 * 1024


class WebAuthnResponseField(serializers.DictField):
    """A WebAuthn response as `@simplewebauthn/browser` returns it (RegistrationResponseJSON or
    AuthenticationResponseJSON): a JSON object, checked in depth by py_webauthn, so only its size is checked here."""

    default_error_messages = {"too_large": "A passkey response is at most 16 kB of JSON."}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        if len(json.dumps(value)) > _MAX_CREDENTIAL_JSON_BYTES:
            self.fail("too_large")
        return dict(value)
