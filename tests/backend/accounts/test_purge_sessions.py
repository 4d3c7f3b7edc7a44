"""The purge_sessions command deletes dead sessions (ours and Django's admin ones) and keeps live ones."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from backend.accounts.models import AuthSession
from backend.accounts.services import session_start
from backend.mfa.models import MfaChallenge
from backend.mfa.services.challenges import challenge_open

pytestmark = pytest.mark.django_db


def test_purge_deletes_expired_and_revoked_sessions_only(user):
    live = session_start(user=user).session
    expired = session_start(user=user).session
    revoked = session_start(user=user).session
    AuthSession.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    AuthSession.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    out = StringIO()

    call_command("purge_sessions", stdout=out)

    assert list(AuthSession.objects.values_list("pk", flat=True)) == [live.pk]
    assert "Purged 2 expired or revoked session(s) and 0 spent or expired MFA challenge(s)." in out.getvalue()


def test_purge_with_nothing_to_do_reports_zero(user):
    session_start(user=user)
    out = StringIO()
    call_command("purge_sessions", stdout=out)
    assert "Purged 0" in out.getvalue()
    assert AuthSession.objects.count() == 1


def test_purge_works_in_batches_and_reports_progress(user):
    for _ in range(5):
        session_start(user=user)
    AuthSession.objects.update(revoked_at=timezone.now())
    out = StringIO()

    call_command("purge_sessions", "--batch-size", "2", stdout=out)

    assert not AuthSession.objects.exists()
    lines = out.getvalue().splitlines()
    assert [line.strip() for line in lines[:3]] == ["deleted 2 so far...", "deleted 4 so far...", "deleted 5 so far..."]
    assert lines[-1].startswith("Purged 5 expired or revoked session(s) and 0 spent or expired MFA challenge(s).")


def test_purge_reports_each_batch_of_mfa_challenges_deleted(user):
    # Given three spent sign-in challenges and one still open
    spent = [challenge_open(purpose=MfaChallenge.Purpose.SIGN_IN, user=user).challenge for _ in range(3)]
    MfaChallenge.objects.filter(pk__in=[c.pk for c in spent]).update(used_at=timezone.now())
    still_open = challenge_open(purpose=MfaChallenge.Purpose.SIGN_IN, user=user).challenge
    out = StringIO()

    # When the purge runs two rows at a time
    call_command("purge_sessions", "--batch-size", "2", stdout=out)

    # Then only the open one is kept, and each batch of challenges says how many are gone so far
    assert list(MfaChallenge.objects.values_list("pk", flat=True)) == [still_open.pk]
    assert [line.strip() for line in out.getvalue().splitlines()[:5]] == [
        "deleting spent or expired MFA challenges...",
        "deleted 2 MFA challenge(s) so far...",
        "deleted 3 MFA challenge(s) so far...",
        "deleted 3 MFA challenge(s); clearing expired Django sessions...",
        "Purged 0 expired or revoked session(s) and 3 spent or expired MFA challenge(s). "
        "Cleared expired Django (admin) sessions.",
    ]


def test_purge_refuses_a_non_positive_batch_size():
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("purge_sessions", "--batch-size", "0", stderr=err)
    assert exit_info.value.code == 2
    assert "--batch-size must be at least 1." in err.getvalue()


def test_each_batch_reads_its_ids_without_sorting_the_backlog(user):
    # (AuthSession's default ordering is by created_at, which has no index: an ordered batch query would sort
    # every ended session, once per batch)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ended = session_start(user=user).session
    AuthSession.objects.filter(pk=ended.pk).update(revoked_at=timezone.now())

    with CaptureQueriesContext(connection) as queries:
        call_command("purge_sessions", "--batch-size", "1", stdout=StringIO())

    batch_reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "accounts_authsession" in q["sql"]
    ]
    assert batch_reads
    assert not [sql for sql in batch_reads if "ORDER BY" in sql]


def test_purge_clears_expired_django_sessions_and_keeps_live_ones(admin_client, user):
    # Django's own sessions (an admin sign-in's, with the operator's id) stay until something clears them.
    live = admin_client.session.session_key
    expired = SessionStore()
    expired["_auth_user_id"] = str(user.pk)
    expired.create()
    Session.objects.filter(pk=expired.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    out = StringIO()

    call_command("purge_sessions", stdout=out)

    assert list(Session.objects.values_list("pk", flat=True)) == [live]
    assert out.getvalue().splitlines()[-1] == (
        "Purged 0 expired or revoked session(s) and 0 spent or expired MFA challenge(s). "
        "Cleared expired Django (admin) sessions."
    )


def test_purge_with_a_session_engine_that_cannot_clear_expired_sessions_says_so_and_purges_the_rest(
    user, monkeypatch, settings
):
    def cannot() -> None:
        raise NotImplementedError

    monkeypatch.setattr(SessionStore, "clear_expired", cannot)
    revoked = session_start(user=user).session
    AuthSession.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    out = StringIO()

    call_command("purge_sessions", stdout=out)

    assert not AuthSession.objects.exists()
    assert (
        out.getvalue()
        .splitlines()[-1]
        .endswith(f"The session engine {settings.SESSION_ENGINE} cannot clear expired Django (admin) sessions.")
    )
