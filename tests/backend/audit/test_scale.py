"""The audit trail at operator scale: the admin's search, the retention purge's order and the unlinking of a deleted
account's rows, each in statements that stay short however large the table grows (docs/scaling.md)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backend.accounts.services import user_delete
from backend.audit import models as audit_models
from backend.audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:audit_auditevent_changelist"


def _row(**fields) -> AuditEvent:
    row = AuditEvent(event=fields.pop("event", AuditEvent.Event.LOGIN_FAILED), **fields)
    row.save()
    return row


def _search(admin_client, term: str) -> tuple[set, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(CHANGELIST), {"q": term})
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}, [q["sql"] for q in queries.captured_queries]


def test_the_admin_search_matches_whole_values_through_indexes_not_a_scan(admin_client):
    alice = UserFactory(email="alice@example.com")
    about_alice = _row(user=alice, ip_address="203.0.113.7", request_id="req-alice")
    typed_by_someone = _row(email="alice@example.com", ip_address="198.51.100.1")
    other = _row(email="bob@example.com", ip_address="203.0.113.70", request_id="req-bob")

    by_address, queries = _search(admin_client, "  ALICE@Example.com ")
    by_ip, _ = _search(admin_client, "203.0.113.7")
    by_request, _ = _search(admin_client, "req-bob")
    by_part, _ = _search(admin_client, "alice")

    assert by_address == {about_alice.pk, typed_by_someone.pk}
    assert by_ip == {about_alice.pk}  # not 203.0.113.70
    assert by_request == {other.pk}
    assert by_part == set()  # a whole value, not a part of one
    audit_queries = [sql for sql in queries if '"audit_auditevent"' in sql]
    assert audit_queries
    counts = [sql for sql in audit_queries if "COUNT(" in sql.upper()]
    assert counts
    for sql in audit_queries:
        assert "LIKE" not in sql.upper()  # Django's icontains scanned every row, twice per page
    for sql in counts:  # (the page's own rows join their user and actor, as list_select_related asks)
        assert "JOIN" not in sql.upper()  # the account is found by its id, not by joining every row to the users


def test_the_purge_deletes_the_oldest_rows_first(settings):
    """Through the occurred_at index, oldest first: an interrupted purge has deleted the oldest rows, and reads
    only what it deletes. Rows written newest first, so an unordered read would meet the newer ones first."""
    now = timezone.now()
    expired_newer = [_row(occurred_at=now - timedelta(days=400 + n)) for n in range(2)]
    expired_oldest = [_row(occurred_at=now - timedelta(days=900 + n)) for n in range(2)]
    kept = _row(occurred_at=now)
    batches: list[int] = []

    def interrupt(total: int) -> None:
        batches.append(total)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        AuditEvent.objects.purge_older_than(now - timedelta(days=365), batch_size=2, on_batch=interrupt)

    assert batches == [2]
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert remaining == {row.pk for row in [*expired_newer, kept]}
    assert not remaining & {row.pk for row in expired_oldest}

    assert AuditEvent.objects.purge_older_than(now - timedelta(days=365), batch_size=2) == 2  # a rerun finishes
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {kept.pk}


def test_a_deleted_accounts_rows_are_unlinked_a_batch_at_a_time(monkeypatch):
    """Not one UPDATE of every row: an account's rows can be hundreds of thousands (each failed sign-in against it),
    and one statement over them outlasts DB_STATEMENT_TIMEOUT, so the account could never be deleted."""
    monkeypatch.setattr(audit_models, "UNLINK_BATCH_SIZE", 2)
    user, operator = UserFactory(), UserFactory(is_staff=True)
    rows = [_row(user=user) for _ in range(5)]
    acted = [_row(user=operator, actor=user) for _ in range(3)]
    unrelated = _row(user=operator)

    with CaptureQueriesContext(connection) as queries:
        user_delete(user=user)

    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "audit_auditevent"')]
    assert sum('SET "user_id" = NULL' in sql for sql in updates) == 3  # 5 rows, 2 at a time
    assert sum('SET "actor_id" = NULL' in sql for sql in updates) == 2  # 3 rows, 2 at a time
    kept = {row.pk: row for row in AuditEvent.objects.all()}
    assert all(kept[row.pk].user_id is None for row in rows)  # kept, no longer linked to the account
    assert all((kept[row.pk].user_id, kept[row.pk].actor_id) == (operator.pk, None) for row in acted)
    assert kept[unrelated.pk].user_id == operator.pk
