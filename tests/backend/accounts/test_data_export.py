"""The data export: GET /api/auth/me/export/ streams one JSON document of everything stored about the account."""

import json
import tempfile
import tracemalloc
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from backend.accounts.data_export import account_export_chunks
from backend.accounts.models import AuthSession
from backend.audit.models import AuditEvent
from backend.mfa.models import Passkey, RecoveryCode, TotpAuthenticator
from backend.mfa.services.recovery_codes import recovery_code_use
from backend.tasks.models import Task
from tests.backend.mfa.helpers import authenticator_app_enabled, email_confirmed, enable_totp
from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD, TaskFactory

pytestmark = pytest.mark.django_db

EXPORT = "/api/auth/me/export/"


def _document(response) -> dict:
    assert response.streaming, "the export must be a StreamingHttpResponse"
    return json.loads(b"".join(response.streaming_content))


def _body(response) -> str:
    assert response.streaming, "the export must be a StreamingHttpResponse"
    return b"".join(response.streaming_content).decode()


def _iso(moment: datetime | None) -> str | None:
    """A date as the API writes it (ISO 8601, UTC as "Z")."""
    if moment is None:
        return None
    return moment.astimezone(timezone.get_current_timezone()).isoformat().replace("+00:00", "Z")


def _passkey(user, name: str, **fields) -> Passkey:
    return Passkey.objects.create(
        user=user, name=name, credential_id=f"cred-{name}-{user.pk}", public_key=f"pubkey-{name}-{user.pk}", **fields
    )


# ------------------------------------------------------------------------------
# Refused
# ------------------------------------------------------------------------------
def test_given_no_access_token_when_exporting_then_401_and_nothing_is_audited(api_client):
    response = api_client.get(EXPORT)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.DATA_EXPORTED).exists()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_given_a_method_other_than_get_when_exporting_then_405(auth_client, method):
    response = getattr(auth_client, method)(EXPORT, {}, format="json")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.DATA_EXPORTED).exists()


def test_given_the_export_limit_is_used_up_then_429_for_this_user_only(user, other_user, rates):
    rates(export_user="2/1h")
    client, _ = signed_in_client(user)
    other, _ = signed_in_client(other_user)

    statuses = [client.get(EXPORT).status_code for _ in range(3)]
    refused = client.get(EXPORT)

    assert statuses == [200, 200, 429]
    assert refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    assert other.get(EXPORT).status_code == 200
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.DATA_EXPORTED).count() == 2


# ------------------------------------------------------------------------------
# The response
# ------------------------------------------------------------------------------
def test_the_export_is_a_streamed_json_attachment_that_no_cache_keeps(auth_client):
    response = auth_client.get(EXPORT)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="account-export-{timezone.localdate().isoformat()}.json"'
    )
    assert response["Cache-Control"] == "no-store"
    # The middleware stack left it streaming (nothing buffered it to set a length or an ETag) and still
    # added its headers.
    assert not response.has_header("Content-Length")
    assert not response.has_header("ETag")
    assert response.has_header("X-Request-ID")
    assert response.has_header("X-RateLimit-Remaining")
    assert set(_document(response)) == {
        "exported_at",
        "profile",
        "mfa",
        "email_change_pending",
        "sign_in_providers",
        "tasks",
        "sessions",
        "activity",
    }


@pytest.mark.django_db(transaction=True)  # the sign-in and sign-out events are recorded on commit
def test_the_export_holds_the_profile_every_task_as_the_api_shows_it_the_sessions_and_the_activity(user, other_user):
    client, issued = signed_in_client(user)
    ended, _ = signed_in_client(user)
    ended.post("/api/auth/logout-all/", format="json")  # ends both sessions of the user...
    client, issued = signed_in_client(user)  # ...so sign in again
    tasks = [TaskFactory(owner=user, title=f"mine {n}", due_date=date(2027, 1, n + 1)) for n in range(3)]
    client.patch(f"/api/tasks/{tasks[0].pk}/", {"status": "done"}, format="json")
    TaskFactory(owner=other_user, title="not mine")
    signed_in_client(other_user)

    document = _document(client.get(EXPORT))

    assert document["profile"] == {
        "id": str(user.pk),
        "email": user.email,
        "name": user.name,
        "email_verified": False,
        "date_joined": user.date_joined.astimezone(timezone.get_current_timezone()).isoformat().replace("+00:00", "Z"),
        "last_login": document["profile"]["last_login"],
    }
    assert document["profile"]["last_login"] is not None
    # Every task, oldest first, exactly as GET /api/tasks/{id}/ shows it.
    assert [task["id"] for task in document["tasks"]] == [str(task.pk) for task in tasks]
    for exported in document["tasks"]:
        assert exported == client.get(f"/api/tasks/{exported['id']}/").json()
    # Every stored session (two ended, this one live), never a refresh-token hash.
    assert len(document["sessions"]) == 3
    assert {session["id"] for session in document["sessions"]} == {
        str(pk) for pk in AuthSession.objects.filter(user=user).values_list("pk", flat=True)
    }
    assert [session["id"] for session in document["sessions"] if session["current"]] == [str(issued.session.pk)]
    assert set(document["sessions"][0]) == {
        "id", "created_at", "last_used_at", "expires_at", "revoked_at", "user_agent", "ip_address", "current",
    }  # fmt: skip
    assert "jti" not in json.dumps(document)
    # Every audit event about the account, oldest first, this export included; nobody else's.
    events = [item["event"] for item in document["activity"]]
    assert events == ["login_succeeded", "login_succeeded", "logout_all", "login_succeeded", "data_exported"]
    own = {str(pk) for pk in AuditEvent.objects.filter(user=user).values_list("pk", flat=True)}
    assert {item["id"] for item in document["activity"]} == own
    assert document["activity"][-1]["current_session"] is True
    assert "not mine" not in json.dumps(document)
    assert other_user.email not in json.dumps(document)


def test_the_export_is_audited_with_the_session_that_asked(user):
    client, issued = signed_in_client(user)

    client.get(EXPORT)

    [event] = AuditEvent.objects.filter(event=AuditEvent.Event.DATA_EXPORTED)
    assert (event.user_id, str(event.session_id), event.actor_id) == (user.pk, str(issued.session.pk), user.pk)


# ------------------------------------------------------------------------------
# Second factors: what they are and when, never a secret
# ------------------------------------------------------------------------------
def test_given_an_app_recovery_codes_and_passkeys_when_exporting_then_the_mfa_section_lists_their_names_and_dates(
    user, other_user
):
    email_confirmed(user)  # adding a factor needs it
    client, _ = signed_in_client(user)
    _, codes = enable_totp(client)
    assert recovery_code_use(user=user, code=codes[3]) is True
    assert recovery_code_use(user=user, code=codes[7]) is True
    used = RecoveryCode.objects.filter(user=user, used_at__isnull=False).order_by("used_at")
    used_at = [_iso(moment) for moment in used.values_list("used_at", flat=True)]
    laptop = _passkey(
        user, "Work laptop", transports="internal,hybrid", discoverable=True, backed_up=True, sign_count=41,
        created_at=timezone.now() - timedelta(days=30), last_used_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    key = _passkey(user, "Blue key", transports="usb")
    # Another user's factors.
    authenticator_app_enabled(other_user)
    _passkey(other_user, "Not mine", transports="usb")

    document = _document(client.get(EXPORT))

    totp = TotpAuthenticator.objects.get(user=user)
    codes_issued = RecoveryCode.objects.filter(user=user).latest("created_at").created_at
    assert document["mfa"] == {
        "mfa_enabled": True,
        "totp": {
            "enabled": True,
            "pending": False,
            "created_at": _iso(totp.created_at),
            "confirmed_at": _iso(totp.confirmed_at),
        },
        "recovery_codes": {"remaining": 8, "total": 10, "issued_at": _iso(codes_issued), "used_at": used_at},
        # Oldest first; as GET /api/auth/mfa/ shows them, and the transports.
        "passkeys": [
            {
                "id": str(laptop.pk),
                "name": "Work laptop",
                "created_at": _iso(laptop.created_at),
                "last_used_at": _iso(laptop.last_used_at),
                "discoverable": True,
                "backed_up": True,
                "transports": ["internal", "hybrid"],
            },
            {
                "id": str(key.pk),
                "name": "Blue key",
                "created_at": _iso(key.created_at),
                "last_used_at": None,
                "discoverable": False,
                "backed_up": False,
                "transports": ["usb"],
            },
        ],
    }
    assert len(used_at) == 2


def test_given_second_factors_when_exporting_then_no_secret_hash_or_credential_material_appears_anywhere(
    user, other_user
):
    email_confirmed(user)  # adding a factor needs it
    client, _ = signed_in_client(user)
    secret, codes = enable_totp(client)
    recovery_code_use(user=user, code=codes[0])
    passkey = _passkey(user, "Phone", transports="hybrid", sign_count=987654321)
    authenticator_app_enabled(other_user)
    other_passkey = _passkey(other_user, "Not mine")

    body = _body(client.get(EXPORT))

    assert '"name":"Phone"' in body  # the factors are exported...
    secrets = [secret, TotpAuthenticator.objects.get(user=user).secret_encrypted]
    secrets += codes  # the codes in clear (shown once at setup)...
    secrets += list(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))  # ...and stored
    secrets += [passkey.credential_id, passkey.public_key]
    for value in secrets:  # ...without what would let anyone use them
        assert value not in body
    assert "sign_count" not in body
    assert "987654321" not in body
    assert "last_used_step" not in body
    # Another user's factors never appear, not even their names.
    others = [TotpAuthenticator.objects.get(user=other_user).secret_encrypted, other_passkey.name]
    others += [str(other_passkey.pk), other_passkey.credential_id, other_passkey.public_key]
    for value in others:
        assert value not in body


def test_given_an_app_being_set_up_and_no_other_factor_when_exporting_then_the_mfa_section_says_so(user):
    email_confirmed(user)  # adding a factor needs it
    client, _ = signed_in_client(user)
    started = client.post("/api/auth/mfa/totp/", {}, format="json")
    assert started.status_code == 201

    document = _document(client.get(EXPORT))

    totp = TotpAuthenticator.objects.get(user=user)
    assert document["mfa"] == {
        "mfa_enabled": False,
        "totp": {"enabled": False, "pending": True, "created_at": _iso(totp.created_at), "confirmed_at": None},
        "recovery_codes": {"remaining": 0, "total": 0, "issued_at": None, "used_at": []},
        "passkeys": [],
    }
    assert started.json()["secret"] not in json.dumps(document)


def test_given_no_second_factor_when_exporting_then_the_mfa_section_is_empty(auth_client):
    document = _document(auth_client.get(EXPORT))

    assert document["mfa"] == {
        "mfa_enabled": False,
        "totp": {"enabled": False, "pending": False, "created_at": None, "confirmed_at": None},
        "recovery_codes": {"remaining": 0, "total": 0, "issued_at": None, "used_at": []},
        "passkeys": [],
    }


# ------------------------------------------------------------------------------
# Behind a transaction-pooling PgBouncer (DB_DISABLE_SERVER_SIDE_CURSORS)
# ------------------------------------------------------------------------------
def _django_cursors() -> list[str]:
    """The server-side cursors Django opened on this connection (pg_cursors shows the session's own)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_cursors ORDER BY name")
        return [name for (name,) in cursor.fetchall() if name.startswith("_django_curs_")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side cursors are PostgreSQL's")
@pytest.mark.parametrize(("disabled", "open_while_streaming"), [(True, 0), (False, 1)], ids=["disabled", "default"])
def test_with_server_side_cursors_disabled_the_export_opens_none_and_writes_the_same_document(
    user, monkeypatch, disabled, open_while_streaming
):
    # A pooler in transaction mode may send a cursor's next FETCH to another server connection, where it does not
    # exist; with the setting, each section's rows come from one plain query. ("default" shows that the probe sees
    # the cursor the export otherwise streams the tasks from.)
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", disabled)
    Task.objects.bulk_create(
        Task(owner=user, title=f"Task {n:03}", description="d" * 200, due_date=date(2027, 1, 1 + n % 28))
        for n in range(400)
    )
    client, issued = signed_in_client(user)

    response = client.get(EXPORT)
    assert response.status_code == 200
    chunks = iter(response.streaming_content)
    body = next(chunks)  # the first 64 KiB: the export is in the middle of the tasks
    assert b'"tasks":[' in body
    assert b'"sessions":[' not in body
    open_mid_stream = _django_cursors()
    body += b"".join(chunks)
    document = json.loads(body)
    # The same account rendered from the server-side cursors (the default), at the same moment.
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", False)
    streamed = account_export_chunks(
        user=user,
        current_session_id=str(issued.session.pk),
        exported_at=datetime.fromisoformat(document["exported_at"]),
    )

    assert len(open_mid_stream) == open_while_streaming
    assert _django_cursors() == []
    assert body == b"".join(streamed)
    ordered = Task.objects.filter(owner=user).order_by("created_at", "id").values_list("pk", flat=True)
    assert [task["id"] for task in document["tasks"]] == [str(pk) for pk in ordered]
    assert len(document["tasks"]) == 400
    assert [session["id"] for session in document["sessions"] if session["current"]] == [str(issued.session.pk)]
    assert document["activity"][-1]["event"] == "data_exported"


# ------------------------------------------------------------------------------
# Bounded memory
# ------------------------------------------------------------------------------
TASKS = 100_000
# The peak of Python allocations while the 100,000-task export is streamed, ignoring the chunks once written to a
# file. Measured once both ways on SQLite: streamed, the peak was about 5 MiB (one database chunk of 2,000
# rows and one 64 KiB output chunk); with the tasks materialised instead (`list()` of the queryset, rendered into
# one document), about 180 MiB (over 1 KiB per Task instance, plus the document). 32 MiB sits between, far from
# both.
PEAK_BOUND_BYTES = 32 * 1024 * 1024


def test_exporting_100000_tasks_streams_them_in_bounded_memory_and_holds_every_one(user):
    now = timezone.now()
    Task.objects.bulk_create(
        (Task(owner=user, title=f"Task {n}", created_at=now, updated_at=now) for n in range(TASKS)),
        batch_size=5000,
    )
    expected_ids = {str(pk) for pk in Task.objects.filter(owner=user).values_list("pk", flat=True)}
    client, _ = signed_in_client(user)

    with tempfile.TemporaryFile() as sink:
        tracemalloc.start()
        try:
            response = client.get(EXPORT)
            assert response.status_code == 200
            for chunk in response.streaming_content:
                sink.write(chunk)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        sink.seek(0)
        document = json.load(sink)

    assert peak < PEAK_BOUND_BYTES, f"peak {peak / 2**20:.1f} MiB: the export is not streaming"
    assert len(document["tasks"]) == TASKS
    assert {task["id"] for task in document["tasks"]} == expected_ids


@pytest.mark.django_db(transaction=True)  # the link is emailed on commit
def test_the_export_holds_the_pending_email_change_as_the_account_page_shows_it(user, smtp):
    client, _ = signed_in_client(user)
    assert _document(client.get(EXPORT))["email_change_pending"] is None
    ask = client.post(
        "/api/auth/email/change/",
        {"new_email": "moving@example.com", "current_password": DEFAULT_PASSWORD},
        format="json",
    )
    assert ask.status_code == 202

    exported = _document(client.get(EXPORT))["email_change_pending"]

    assert exported == client.get("/api/auth/email/change/pending/").json()["pending"]
    assert exported["new_email"] == "moving@example.com"
