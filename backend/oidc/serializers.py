"""Input and output shapes of the sign-in with OpenID Connect providers (apis.py)."""

from rest_framework import serializers

from backend.common import fields

from .config import provider_name
from .models import OidcIdentity
from .services.flow import CONNECT, REAUTHENTICATE, SIGN_IN


class ProviderOutputSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Names the provider in the start URL.")
    name = serializers.CharField(help_text="What the SPA shows: Sign in with <name>.")


class ProvidersOutputSerializer(serializers.Serializer):
    providers = ProviderOutputSerializer(many=True)


class StartInputSerializer(serializers.Serializer):
    intent = serializers.ChoiceField(
        choices=[SIGN_IN, CONNECT, REAUTHENTICATE],
        default=SIGN_IN,
        help_text="`sign_in` (the default): sign in, or create an account; `connect`: connect the provider to the "
        "signed-in account (a Bearer token and a recent authentication); `reauthenticate`: re-authenticate the "
        "signed-in session with a provider connected to its account (a Bearer token; the provider is asked to sign "
        "its user in again).",
    )


class StartOutputSerializer(serializers.Serializer):
    authorization_url = serializers.CharField(help_text="Send the browser there (a top-level navigation).")


class CallbackInputSerializer(serializers.Serializer):
    code = fields.TextField(max_length=4096, help_text="The `code` the provider put in the callback page's query.")
    state = fields.TextField(max_length=512, help_text="The `state` the provider put in the callback page's query.")


class IdentityOutputSerializer(serializers.ModelSerializer):
    provider_name = serializers.SerializerMethodField(
        help_text="The provider's configured name; its id when it is no longer configured."
    )

    class Meta:
        model = OidcIdentity
        fields = ["id", "provider", "provider_name", "email", "created_at", "last_used_at"]
        extra_kwargs = {"email": {"help_text": "The address the provider gave at the last sign-in (may be empty)."}}

    def get_provider_name(self, identity: OidcIdentity) -> str:
        return provider_name(identity.provider)


class ConnectedOutputSerializer(serializers.Serializer):
    identity = IdentityOutputSerializer()


class IdentitiesOutputSerializer(serializers.Serializer):
    has_password = serializers.BooleanField(
        help_text="Whether the account has a password (an account created by a provider has none until it sets "
        "one with POST /api/auth/password/)."
    )
    identities = IdentityOutputSerializer(many=True)
