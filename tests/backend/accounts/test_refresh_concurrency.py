"""Refreshes racing with each other, or with a password change or deactivation, end consistently and never deadlock."""

import threading

import pytest
from django.db import connection

from backend.accounts.models import AuthSession
from backend.accounts.services import RefreshRejected, session_rotate, session_start, sessions_revoke_for_user
from backend.audit.models import AuditEvent
from backend.common.db import atomic
from tests.dbvendor import skip_on_mongodb
from tests.support.concurrency import OtherConnection


def _refresh_together(raw_refresh: str, count: int) -> list[str]:
    """``count`` threads, each with its own database connection, rotate ``raw_refresh`` at the same instant; each
    outcome is the new refresh token or the error code."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []

    def refresh() -> None:
        barrier.wait()
        try:
            outcomes.append(session_rotate(raw_refresh=raw_refresh).tokens.refresh)
        except RefreshRejected as exc:
            outcomes.append(str(exc.get_codes()))
        finally:
            connection.close()  # each thread has its own connection; give it back

    threads = [threading.Thread(target=refresh) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_with_one_token_all_get_the_same_new_token_and_the_session_lives(user):
    issued = session_start(user=user)

    outcomes = _refresh_together(issued.tokens.refresh, 3)

    # The lock (or the compare-and-set) lets one rotate; the others, within the grace window, get its token.
    assert len(outcomes) == 3
    assert len(set(outcomes)) == 1, outcomes
    session = AuthSession.objects.get()
    assert session.revoked_at is None
    assert session_rotate(raw_refresh=outcomes[0]).tokens.refresh not in outcomes  # the family goes on
    assert not AuditEvent.objects.filter(event="refresh_reused").exists()


@pytest.mark.django_db(transaction=True)
def test_without_a_grace_window_concurrent_refreshes_rotate_once_then_revoke_the_session(user, settings):
    settings.REFRESH_REUSE_INTERVAL_SECONDS = 0
    issued = session_start(user=user)

    outcomes = _refresh_together(issued.tokens.refresh, 2)

    # The lock serialises them: the first rotates, the second presents a now-stale token.
    assert sorted(code if code == "refresh_token_reused" else "rotated" for code in outcomes) == [
        "refresh_token_reused",
        "rotated",
    ]
    assert AuthSession.objects.get().revoked_at is not None
    # Whichever path saw the reuse (the lock, or the compare-and-set), it is audited once.
    assert list(AuditEvent.objects.filter(event="refresh_reused").values_list("user_id", "session_id")) == [
        (user.pk, issued.session.pk)
    ]


def _rotation_outcome(raw_refresh: str) -> str:
    """ "rotated", or the refusal's codes."""
    try:
        session_rotate(raw_refresh=raw_refresh)
    except RefreshRejected as exc:
        return str(exc.get_codes())
    return "rotated"


@skip_on_mongodb("no row locks there: the compare-and-set decides refresh races (the test above)")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["password", "deactivation"])
def test_a_refresh_during_a_password_change_or_deactivation_neither_waits_for_the_user_row_nor_deadlocks(user, change):
    # Given a signed-in session, and a transaction that has just written the user's row (so holds its lock), as
    # a password change or a deactivation does before it revokes the user's sessions
    issued = session_start(user=user)

    def refresh() -> str:
        return _rotation_outcome(issued.tokens.refresh)

    with atomic():
        if change == "password":
            user.set_password("a-New-passphrase-77")
            user.save(update_fields=["password"])
        else:
            user.is_active = False
            user.save(update_fields=["is_active"])
        # When the session is refreshed meanwhile
        refresher = OtherConnection(refresh).start()
        refresher.wait_until_finished_or_blocked()
        # and the change then revokes the user's sessions and commits
        sessions_revoke_for_user(user=user, audit_event=None)
    refresher.join()
    assert refresher.error is None, refresher.error  # a deadlock, above all
    outcome = [refresher.result]

    # Then neither side failed: the refresh took the session's row lock only and finished first (PostgreSQL),
    # or waited for the commit and was refused (SQLite); either way the session ends revoked
    assert outcome in (["rotated"], ["invalid_refresh_token"]), outcome
    if connection.vendor == "postgresql":
        assert outcome == ["rotated"]
    assert AuthSession.objects.get(pk=issued.session.pk).revoked_at is not None


@skip_on_mongodb("no row locks there: the compare-and-set decides refresh races (the test above)")
@pytest.mark.django_db(transaction=True)
def test_a_refresh_during_the_accounts_deletion_waits_for_it_and_is_refused(user):
    from backend.accounts.models import User
    from backend.accounts.services import user_delete

    # Given a signed-in session, and the account's deletion holding its rows, not committed yet
    issued = session_start(user=user)

    def refresh() -> str:
        return _rotation_outcome(issued.tokens.refresh)

    with atomic():
        user_delete(user=User.objects.get(pk=user.pk))
        # When the session is refreshed meanwhile
        refresher = OtherConnection(refresh).start()
        refresher.wait_until_finished_or_blocked()
    refresher.join()

    # Then it waited for the deletion (the session's row lock) and found nothing to rotate: no token outlives it
    assert refresher.error is None, refresher.error
    assert refresher.result == "invalid_refresh_token"
    assert not AuthSession.objects.exists()
