"""The purge_sessions command deletes dead sessions and keeps live ones."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from backend.accounts.models import AuthSession
from backend.accounts.services import session_start

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
    assert "Purged 2 expired or revoked session(s)." in out.getvalue()


def test_purge_with_nothing_to_do_reports_zero(user):
    session_start(user=user)
    out = StringIO()
    call_command("purge_sessions", stdout=out)
    assert "Purged 0" in out.getvalue()
    assert AuthSession.objects.count() == 1
