"""Session writes as django-mongodb-backend runs them, checked with no server (tests/backend/mongodb_offline.py)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.accounts.models import AuthSession, User
from backend.accounts.services import (
    RefreshRejected,
    session_rotate,
    session_start,
    sessions_purge,
    sessions_revoke_for_user,
)
from backend.accounts.services.sessions import _rotate_if_current
from backend.accounts.tokens import hash_jti, token_pair_issue
from tests.backend.mongodb_offline import recording_mongodb

SESSIONS = AuthSession._meta.db_table


def test_refresh_of_an_unknown_session_is_rejected_without_a_mongodb_transaction():
    # Given a validly signed refresh token whose session does not exist,
    tokens = token_pair_issue(
        user_id=str(uuid.uuid4()), session_id=str(uuid.uuid4()), refresh_expires_at=timezone.now() + timedelta(hours=1)
    )

    # when it is presented on MongoDB,
    with recording_mongodb("default") as recorder, pytest.raises(RefreshRejected):
        session_rotate(raw_refresh=tokens.refresh)

    # then one read decided it, and no transaction was opened: rotation is a single-document compare-and-set.
    assert recorder.operations == ["aggregate"]


def test_revoking_a_users_sessions_reads_and_writes_inside_one_mongodb_transaction():
    user = User(id=uuid.uuid4(), email="someone@example.com")

    with recording_mongodb("default") as recorder:
        revoked = sessions_revoke_for_user(user=user)

    assert revoked == 0
    # The new revocation key first (it ends the Django sessions, and a sign-in racing this one finds it), the read
    # of the live sessions (none here), and the pending sign-in challenges deleted.
    assert recorder.operations == ["start_transaction", "update_many", "aggregate", "delete_many", "commit"]
    assert {"user_id": user.pk.hex} in recorder.of("aggregate")[0][0]["$match"]["$and"]
    assert "sessions_revocation_key" in repr(recorder.of("update_many")[0])


def test_purge_reads_one_batch_of_dead_sessions_by_expiry_or_revocation():
    now = timezone.now()

    with recording_mongodb("default") as recorder:
        deleted = sessions_purge(now=now, batch_size=10)

    assert deleted == 0
    (pipeline,) = recorder.of("aggregate")
    assert recorder.calls[0][0] == SESSIONS
    assert {"$limit": 10} in pipeline
    assert "expires_at" in repr(pipeline[0])
    assert "revoked_at" in repr(pipeline[0])


@pytest.mark.django_db
def test_a_rotation_that_lost_the_race_writes_nothing_and_reports_it(user):
    # Given a session loaded before another refresh rotated it (MongoDB takes no row lock),
    issued = session_start(user=user)
    stale = AuthSession.objects.get(pk=issued.session.pk)
    AuthSession.objects.filter(pk=stale.pk).update(refresh_jti_hash=hash_jti("the-winner"))

    # when the loser tries to store its own rotation,
    stale.refresh_jti_hash = hash_jti("the-loser")
    written = _rotate_if_current(stale, presented_hash=issued.session.refresh_jti_hash)

    # then nothing is written and the caller learns it lost.
    assert written is False
    assert AuthSession.objects.get(pk=stale.pk).refresh_jti_hash == hash_jti("the-winner")


@pytest.mark.django_db
def test_a_rotation_of_the_current_token_is_written(user):
    issued = session_start(user=user)
    session = AuthSession.objects.get(pk=issued.session.pk)
    session.refresh_jti_hash = hash_jti("next")

    assert _rotate_if_current(session, presented_hash=issued.session.refresh_jti_hash) is True
    assert AuthSession.objects.get(pk=session.pk).refresh_jti_hash == hash_jti("next")
