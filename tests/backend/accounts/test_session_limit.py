"""SESSIONS_PER_USER_MAX: an account holds at most that many live sessions; a sign-in beyond it signs out the
sessions used least recently, each audited, and their tokens stop working at once."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.accounts.services import session_start
from backend.audit.models import AuditEvent
from tests.backend.accounts.helpers import bearer

pytestmark = pytest.mark.django_db(transaction=True)  # revocations reach the session cache on commit


def _used(session: AuthSession, minutes_ago: int) -> None:
    AuthSession.objects.filter(pk=session.pk).update(last_used_at=timezone.now() - timedelta(minutes=minutes_ago))


def test_a_sign_in_beyond_the_limit_signs_out_the_sessions_used_least_recently(user, settings):
    # Given an account at its limit of 3 live sessions, the one signed in first used most recently since
    settings.SESSIONS_PER_USER_MAX = 3
    first, second, third = (session_start(user=user) for _ in range(3))
    _used(first.session, 1)
    _used(second.session, 30)
    _used(third.session, 20)

    # When it signs in once more
    fourth = session_start(user=user)

    # Then the least recently used one is signed out, its access token refused on the next request, and audited
    live = set(AuthSession.objects.live().filter(user=user).values_list("pk", flat=True))
    assert live == {first.session.pk, third.session.pk, fourth.session.pk}
    response = bearer(APIClient(), second.tokens.access).get("/api/auth/sessions/")
    assert (response.status_code, response.json()["code"]) == (401, "session_revoked")
    revoked = AuditEvent.objects.filter(user=user, event=AuditEvent.Event.SESSION_REVOKED)
    assert list(revoked.values_list("session_id", flat=True)) == [second.session.pk]


def test_sessions_already_ended_do_not_count(user, settings):
    settings.SESSIONS_PER_USER_MAX = 2
    ended = session_start(user=user)
    AuthSession.objects.filter(pk=ended.session.pk).update(revoked_at=timezone.now())
    kept = session_start(user=user)

    newest = session_start(user=user)

    assert set(AuthSession.objects.live().filter(user=user).values_list("pk", flat=True)) == {
        kept.session.pk,
        newest.session.pk,
    }
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.SESSION_REVOKED).exists()


def test_an_account_far_beyond_the_limit_comes_back_to_it_in_one_sign_in(user, settings):
    # (an account that piled up sessions before the limit existed, or before it was lowered)
    settings.SESSIONS_PER_USER_MAX = 0
    for _ in range(6):
        session_start(user=user)
    settings.SESSIONS_PER_USER_MAX = 2

    newest = session_start(user=user)

    assert AuthSession.objects.live().filter(user=user).count() == 2
    assert newest.session.pk in set(AuthSession.objects.live().filter(user=user).values_list("pk", flat=True))
    assert AuditEvent.objects.filter(user=user, event=AuditEvent.Event.SESSION_REVOKED).count() == 5


def test_a_limit_of_zero_keeps_every_session(user, settings):
    settings.SESSIONS_PER_USER_MAX = 0

    for _ in range(5):
        session_start(user=user)

    assert AuthSession.objects.live().filter(user=user).count() == 5
