"""The account's data as one JSON document, written piece by piece (GET /api/auth/me/export/).

``account_export_chunks`` yields the document in chunks of about CHUNK_BYTES while it reads the tasks, sessions
and audit events through selectors that stream from the database (``.iterator(chunk_size=...)``): however many
tasks the account has, memory holds one database chunk of rows and one output chunk of bytes, never the list.
With DB_DISABLE_SERVER_SIDE_CURSORS (a pooler in transaction mode) the driver fetches each section's rows whole
before the first is written: memory then grows with the account (docs/scaling.md).
The items are rendered by the same serializers that document them (account_serializers.AccountExportSerializer).

The reads run while the response is being sent, after the view has returned: outside the request's
read-replica routing, so they go to the primary.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import orjson
from django.utils import timezone
from rest_framework import serializers

from backend.audit.models import AuditEvent
from backend.audit.selectors import audit_export_iter
from backend.audit.services import audit_record
from backend.common.db import atomic
from backend.mfa.status_selectors import mfa_export_get
from backend.oidc.selectors import identity_export_list
from backend.oidc.serializers import IdentityOutputSerializer
from backend.tasks.selectors import task_export_iter
from backend.tasks.serializers import TaskOutputSerializer

from .account_serializers import (
    ExportActivitySerializer,
    ExportMfaSerializer,
    ExportProfileSerializer,
    ExportSessionSerializer,
)
from .email_serializers import PendingEmailChangeSerializer
from .errors import SessionEnded
from .models import User
from .selectors import email_change_pending_get, session_export_iter

CHUNK_BYTES = 64 * 1024
# Rows per database round trip (and per server-side cursor fetch on PostgreSQL).
DB_CHUNK_ROWS = 2000


def _dumps(value: Any) -> bytes:
    # Serializer output holds only JSON types (strings, numbers, booleans, None, lists, dicts).
    return orjson.dumps(value)


def _items(rows: Iterator[Any], serializer: serializers.Serializer) -> Iterator[bytes]:
    """Each row rendered by ``serializer`` (one instance reused; to_representation does not keep the row)."""
    for row in rows:
        yield _dumps(serializer.to_representation(row))


def account_export_chunks(
    *, user: User, current_session_id: str | None, exported_at: datetime | None = None
) -> Iterator[bytes]:
    """The export document of ``user`` as successive byte chunks; joined, one JSON object:
    ``{"exported_at", "profile", "mfa", "email_change_pending", "sign_in_providers", "tasks", "sessions",
    "activity"}``."""
    exported_at = exported_at or timezone.now()
    context = {"current_session_id": current_session_id}
    head = {
        "exported_at": serializers.DateTimeField().to_representation(exported_at),
        "profile": ExportProfileSerializer(user).data,
        # A handful of rows (one app, ten codes, a few passkeys): read whole, like the profile.
        "mfa": ExportMfaSerializer(mfa_export_get(user=user)).data,
        # The address a pending change would move the account to is the account's data too.
        "email_change_pending": _pending_email_change(user),
        # A handful of rows too: which provider identities sign in to the account (never a token: none is kept).
        "sign_in_providers": IdentityOutputSerializer(identity_export_list(user=user), many=True).data,
    }
    buffer = bytearray(_dumps(head)[:-1])  # the object without its closing brace: the lists follow
    sections = (
        ("tasks", _items(task_export_iter(owner=user, chunk_size=DB_CHUNK_ROWS), TaskOutputSerializer())),
        ("sessions", _items(session_export_iter(user=user), ExportSessionSerializer(context=context))),
        ("activity", _items(audit_export_iter(user=user), ExportActivitySerializer(context=context))),
    )
    for name, items in sections:
        buffer += b',"' + name.encode() + b'":['
        for index, item in enumerate(items):
            if index:
                buffer += b","
            buffer += item
            if len(buffer) >= CHUNK_BYTES:
                yield bytes(buffer)
                buffer.clear()
        buffer += b"]"
    buffer += b"}"
    yield bytes(buffer)


def _pending_email_change(user: User) -> dict[str, Any] | None:
    pending = email_change_pending_get(user_id=str(user.pk))
    return PendingEmailChangeSerializer(pending).data if pending is not None else None


def account_export_start(*, user: User, session_id: str | None) -> Iterator[bytes]:
    """Record that ``user`` exported their data (``data_exported``, with this request's address and browser) and
    return the document's chunks, read as they are sent. Recorded when the export is asked for: whether the
    client then reads the whole stream is not known here.

    The account is read whole first, under its row's lock: the request's user has every field but its id deferred,
    and an account deleted while the request ran (its access token checked before the deletion committed) would
    otherwise be exported as a profile of nulls (the serializer reads a missing row's fields as None). The lock waits
    for a deletion in progress; a deleted account is refused as every request of one is (401 ``session_revoked``)."""
    with atomic():
        stored = User.objects.select_for_update().filter(pk=user.pk).first()
        if stored is None:
            raise SessionEnded()
        audit_record(event=AuditEvent.Event.DATA_EXPORTED, user_id=stored.pk, session_id=session_id)
    return account_export_chunks(user=stored, current_session_id=session_id)
