"""Input and output shapes of the account lifecycle endpoints: deletion, data export, security activity.

Kept apart from serializers.py (sign-in, sessions, passwords) as account_apis.py is from apis.py. No password
data, refresh-token hash, second factor's secret or operator's address is ever an output.
"""

from rest_framework import serializers

from backend.audit.models import AuditEvent
from backend.audit.selectors import audit_shows_client_of
from backend.common import fields
from backend.mfa.models import Passkey
from backend.mfa.serializers import (
    PasskeyOutputSerializer,
    RecoveryCodesStatusOutputSerializer,
    TotpStatusOutputSerializer,
)
from backend.oidc.serializers import IdentityOutputSerializer
from backend.tasks.serializers import TaskOutputSerializer

from .email_serializers import PendingEmailChangeSerializer
from .models import AuthSession, User
from .serializers import ConfirmedByCurrentPasswordSerializer, current_password_field


class AccountDeleteInputSerializer(ConfirmedByCurrentPasswordSerializer):
    """Send the current password if the account has one."""

    current_password = current_password_field(what="to confirm the deletion")


_EVENT_LABELS = dict(AuditEvent.Event.choices)


class ActivityOutputSerializer(serializers.ModelSerializer):
    """One event of the signed-in user's security activity. The address and browser are blank (null, "") for an
    event an operator caused: those are the operator's, not the user's (audit.selectors.audit_shows_client_of)."""

    id = fields.IdField()
    description = serializers.SerializerMethodField(help_text="The event in words, e.g. “Signed in”.")
    ip_address = serializers.SerializerMethodField()
    user_agent = serializers.SerializerMethodField()
    session_id = fields.IdField(allow_null=True)
    current_session = serializers.SerializerMethodField(help_text="Whether the event is about this very session.")

    class Meta:
        model = AuditEvent
        fields = ["id", "event", "description", "occurred_at", "ip_address", "user_agent", "session_id"]
        fields += ["current_session"]
        read_only_fields = fields

    def get_description(self, event: AuditEvent) -> str:
        # What get_event_display() says, from a dict built once: it rebuilds one from the choices on every call, a
        # quarter of the export's time for an account with 100,000 events.
        return str(_EVENT_LABELS.get(event.event, event.event))

    def get_ip_address(self, event: AuditEvent) -> str | None:
        return event.ip_address if audit_shows_client_of(event) else None

    def get_user_agent(self, event: AuditEvent) -> str:
        return event.user_agent if audit_shows_client_of(event) else ""

    def get_current_session(self, event: AuditEvent) -> bool:
        current = self.context.get("current_session_id")
        return current is not None and event.session_id is not None and str(event.session_id) == current


# ------------------------------------------------------------------------------
# The data export (GET /api/auth/me/export/): one JSON document, streamed
# ------------------------------------------------------------------------------
class ExportProfileSerializer(serializers.ModelSerializer):
    id = fields.IdField()

    class Meta:
        model = User
        fields = ["id", "email", "name", "email_verified", "date_joined", "last_login"]
        read_only_fields = fields


class ExportSessionSerializer(serializers.ModelSerializer):
    """A session as stored (live or ended); never its refresh-token hashes."""

    id = fields.IdField()
    current = serializers.SerializerMethodField()

    class Meta:
        model = AuthSession
        fields = ["id", "created_at", "last_used_at", "expires_at", "revoked_at", "user_agent", "ip_address"]
        fields += ["current"]
        read_only_fields = fields

    def get_current(self, session: AuthSession) -> bool:
        return str(session.pk) == self.context.get("current_session_id")


class ExportPasskeySerializer(PasskeyOutputSerializer):
    """A passkey as GET /api/auth/mfa/ shows it, and the transports its browser reported. Not its credential id,
    public key or signature counter: the server's means of checking an assertion, meaningless to a person, and the
    credential id would tell whoever reads a mislaid export file which authenticator to go after."""

    transports = serializers.SerializerMethodField(help_text='How the browser reaches it: "internal", "usb", ...')

    class Meta(PasskeyOutputSerializer.Meta):
        fields = [*(field for field in PasskeyOutputSerializer.Meta.fields if field != "credential_id"), "transports"]
        read_only_fields = fields

    def get_transports(self, passkey: Passkey) -> list[str]:
        return [transport for transport in passkey.transports.split(",") if transport]


class ExportTotpSerializer(TotpStatusOutputSerializer):
    """The authenticator app's dates; never its secret (in clear or encrypted). Nor ``last_used_step``: the
    server's replay guard (the 30-second step of the last code accepted), not something the app or the user keeps."""

    created_at = serializers.DateTimeField(allow_null=True, help_text="When its setup started; null: no app.")


class ExportRecoveryCodesSerializer(RecoveryCodesStatusOutputSerializer):
    """How many codes there are and when they were used; never the codes' hashes."""

    issued_at = serializers.DateTimeField(allow_null=True, help_text="When the current codes were issued.")
    used_at = serializers.ListField(child=serializers.DateTimeField(), help_text="Each use, oldest first.")


class ExportMfaSerializer(serializers.Serializer):
    """The second factors, in the shape of GET /api/auth/mfa/ with their dates; no secret or hash of one."""

    mfa_enabled = serializers.BooleanField(help_text="A password alone no longer signs in.")
    totp = ExportTotpSerializer()
    recovery_codes = ExportRecoveryCodesSerializer()
    passkeys = ExportPasskeySerializer(many=True, help_text="Every passkey, oldest first.")


class ExportActivitySerializer(ActivityOutputSerializer):
    """Every audit event about the account, in the activity's shape."""


class AccountExportSerializer(serializers.Serializer):
    """The export document. Documents the streamed body; the stream itself is written row by row
    (accounts.data_export), with these same serializers for each item."""

    exported_at = serializers.DateTimeField()
    profile = ExportProfileSerializer()
    mfa = ExportMfaSerializer(help_text="The second factors: authenticator app, recovery codes, passkeys.")
    email_change_pending = PendingEmailChangeSerializer(
        allow_null=True, help_text="The email change waiting to be confirmed, as the account page shows it; or null."
    )
    sign_in_providers = IdentityOutputSerializer(
        many=True, help_text="The connected sign-in provider identities, oldest first (no token of theirs is kept)."
    )
    tasks = TaskOutputSerializer(many=True, help_text="Every task, oldest first, as the task API shows it.")
    sessions = ExportSessionSerializer(many=True, help_text="Every session still stored, oldest first.")
    activity = ExportActivitySerializer(many=True, help_text="Every audit event about the account, oldest first.")
