"""The session admin's "Revoke the selected sessions": every selected session refused at once, however many, in a
few statements (services/session_revocation.py, sessions_revoke_many)."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.accounts.models import AuthSession, User
from backend.accounts.services import session_revocation, session_revoke
from backend.audit.models import AuditEvent
from tests.conftest import signed_in_client
from tests.factories import UserFactory

CHANGELIST = "admin:accounts_authsession_changelist"
ME = "/api/auth/me/"


def _statements(queries: CaptureQueriesContext, start: str, table: str) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith(start) and f'"{table}"' in q["sql"]]


@pytest.mark.django_db(transaction=True)
def test_revoking_sessions_selected_across_pages_refuses_each_ones_access_token_at_once(client, monkeypatch):
    # Given an operator, three users signed in on seven devices in all, each token already answered from the cache,
    # and one more session revoked earlier; batches of three sessions
    operator = User.objects.create_superuser(email="root@example.com", password="an-Admin-passphrase-1")
    client.force_login(operator)
    signed_in = [signed_in_client(user) for user in UserFactory.create_batch(3) for _ in range(2)]
    signed_in.append(signed_in_client(UserFactory()))
    for api, _ in signed_in:
        assert api.get(ME).status_code == 200  # cached as live: only a tombstone stops it now
    earlier = signed_in_client(UserFactory())[1].session
    session_revoke(session=earlier)
    earlier.refresh_from_db()
    monkeypatch.setattr(session_revocation, "SESSIONS_REVOKE_BATCH_SIZE", 3)

    # When the operator selects every session of the list (across its pages) and revokes them
    response = client.post(
        reverse(CHANGELIST),
        {"action": "revoke_sessions", "select_across": "1", "_selected_action": [str(earlier.pk)]},
    )

    # Then each of the seven is revoked and its access token refused right away, by the same cache that said live
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Revoked 7 session(s)."]
    for api, issued in signed_in:
        refused = api.get(ME)
        assert (refused.status_code, refused.json()["code"]) == (401, "session_revoked")
        assert AuthSession.objects.get(pk=issued.session.pk).revoked_at is not None
    # And the session revoked earlier keeps its time
    assert AuthSession.objects.get(pk=earlier.pk).revoked_at == earlier.revoked_at
    # And each revocation is recorded once, about its session and user, by the operator
    recorded = AuditEvent.objects.filter(event=AuditEvent.Event.ADMIN_SESSIONS_REVOKED)
    assert sorted((str(e.session_id), e.user_id, e.actor_id) for e in recorded) == sorted(
        (str(issued.session.pk), issued.session.user_id, operator.pk) for _, issued in signed_in
    )
    assert {(e.ip_address, e.request_id != "") for e in recorded} == {("127.0.0.1", True)}


@pytest.mark.django_db(transaction=True)
def test_revoking_many_sessions_writes_them_and_their_audit_rows_in_one_statement_per_batch(admin_client):
    # Given twelve live sessions of four users
    users = UserFactory.create_batch(4)
    for user in users:
        for _ in range(3):
            signed_in_client(user)
    selected = [str(pk) for pk in AuthSession.objects.values_list("pk", flat=True)]

    # When an operator revokes them all (one batch: fewer than SESSIONS_REVOKE_BATCH_SIZE)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(reverse(CHANGELIST), {"action": "revoke_sessions", "_selected_action": selected})

    # Then one UPDATE revokes them and one INSERT records them, however many they are
    assert response.status_code == 302
    assert AuthSession.objects.filter(revoked_at__isnull=True).count() == 0
    assert len(_statements(queries, "UPDATE", "accounts_authsession")) == 1
    assert len(_statements(queries, "INSERT", "audit_auditevent")) == 1
    assert AuditEvent.objects.filter(event=AuditEvent.Event.ADMIN_SESSIONS_REVOKED).count() == 12


@pytest.mark.django_db(transaction=True)
def test_revoking_sessions_already_revoked_changes_and_records_nothing(admin_client, user):
    _, issued = signed_in_client(user)
    session_revoke(session=issued.session)
    revoked_at = AuthSession.objects.get(pk=issued.session.pk).revoked_at
    events = AuditEvent.objects.count()

    response = admin_client.post(
        reverse(CHANGELIST), {"action": "revoke_sessions", "_selected_action": [str(issued.session.pk)]}
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Revoked 0 session(s)."]
    assert AuthSession.objects.get(pk=issued.session.pk).revoked_at == revoked_at
    assert AuditEvent.objects.count() == events
