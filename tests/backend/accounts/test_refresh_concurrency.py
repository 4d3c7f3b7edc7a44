"""Two refreshes racing with the same token never leave two live token families."""

import threading

import pytest
from django.db import connection

from backend.accounts.models import AuthSession
from backend.accounts.services import RefreshRejected, session_rotate, session_start
from backend.audit.models import AuditEvent


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_with_one_token_rotate_once_then_revoke_the_session(user):
    issued = session_start(user=user)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def refresh() -> None:
        barrier.wait()
        try:
            session_rotate(raw_refresh=issued.tokens.refresh)
            outcomes.append("rotated")
        except RefreshRejected as exc:
            outcomes.append(str(exc.get_codes()))
        finally:
            connection.close()  # each thread has its own connection; give it back

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # The lock serialises them: the first rotates, the second presents a now-stale token.
    assert sorted(outcomes) == ["refresh_token_reused", "rotated"]
    assert AuthSession.objects.get().revoked_at is not None
    # Whichever path saw the reuse (the lock, or the compare-and-set), it is audited once.
    assert list(AuditEvent.objects.filter(event="refresh_reused").values_list("user_id", "session_id")) == [
        (user.pk, issued.session.pk)
    ]
