"""The reuse grace window: the refresh token rotated last, presented again within REFRESH_REUSE_INTERVAL_SECONDS,
gets the same new refresh token back; any other rotated token, or that one later, is reuse and revokes the session."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.accounts.tokens import hash_jti, refresh_token_decode
from backend.audit.models import AuditEvent
from tests.backend.accounts.helpers import bearer, grace_window_passed, login, refresh, refresh_cookie

pytestmark = pytest.mark.django_db(transaction=True)  # revocations reach the session cache on commit


def _holding(raw_refresh: str) -> APIClient:
    """A client whose cookie jar holds ``raw_refresh``: another tab, or a retry after a lost response."""
    client = APIClient()
    client.cookies[settings.REFRESH_COOKIE_NAME] = raw_refresh
    return client


def _reused(response) -> bool:
    return (response.status_code, response.json().get("code")) == (401, "refresh_token_reused")


def test_a_token_rotated_two_rotations_ago_is_reuse_even_within_the_window(api_client, user):
    grandparent = refresh_cookie(login(api_client, user.email))
    refresh(api_client)
    refresh(api_client)

    assert _reused(refresh(_holding(grandparent)))
    assert AuthSession.objects.get().revoked_at is not None


def test_the_parent_is_reuse_once_its_child_has_itself_been_rotated(api_client, user):
    parent = refresh_cookie(login(api_client, user.email))
    child = refresh_cookie(refresh(api_client))
    assert refresh(_holding(child)).status_code == 200  # the child is rotated in turn

    assert _reused(refresh(_holding(parent)))


def test_the_parent_is_reuse_after_the_window(api_client, user):
    parent = refresh_cookie(login(api_client, user.email))
    refresh(api_client)
    grace_window_passed()

    assert _reused(refresh(_holding(parent)))
    assert list(AuditEvent.objects.filter(event="refresh_reused").values_list("user_id", flat=True)) == [user.pk]


def test_a_window_of_zero_turns_the_grace_off(api_client, user, settings):
    settings.REFRESH_REUSE_INTERVAL_SECONDS = 0
    parent = refresh_cookie(login(api_client, user.email))
    refresh(api_client)

    assert _reused(refresh(_holding(parent)))


def test_the_parent_of_a_revoked_session_is_refused_within_the_window(api_client, user):
    parent = refresh_cookie(login(api_client, user.email))
    access = refresh(api_client).json()["access"]
    assert bearer(APIClient(), access).post("/api/auth/logout-all/").status_code == 204

    response = refresh(_holding(parent))

    assert (response.status_code, response.json()["code"]) == (401, "invalid_refresh_token")


def test_a_lost_response_retried_within_the_window_gets_the_same_new_token_and_a_working_access_token(api_client, user):
    # Given a rotation whose response never reached the client
    parent = refresh_cookie(login(api_client, user.email))
    lost = refresh(api_client)
    assert lost.status_code == 200

    # When the client retries with the token it still holds
    retried = refresh(_holding(parent))

    # Then it gets the very refresh token it missed, and a fresh access token; nobody is signed out
    assert retried.status_code == 200
    assert refresh_cookie(retried) == refresh_cookie(lost)
    assert retried.json()["access"] != lost.json()["access"]
    assert bearer(APIClient(), retried.json()["access"]).get("/api/auth/me/").status_code == 200
    assert AuthSession.objects.get().revoked_at is None
    assert not AuditEvent.objects.filter(event="refresh_reused").exists()
    # and the family goes on from that token, which rotates as usual
    next_response = refresh(_holding(refresh_cookie(retried)))
    assert next_response.status_code == 200
    assert refresh_cookie(next_response) not in (parent, refresh_cookie(lost))


def test_the_database_holds_hashes_only_never_a_refresh_token_or_its_jti(api_client, user):
    parent = refresh_cookie(login(api_client, user.email))
    child = refresh_cookie(refresh(api_client))

    row = AuthSession.objects.values().get()
    parent_jti, child_jti = (str(refresh_token_decode(token)["jti"]) for token in (parent, child))
    assert (row["previous_refresh_jti_hash"], row["refresh_jti_hash"]) == (hash_jti(parent_jti), hash_jti(child_jti))
    stored = " ".join(str(value) for value in row.values())
    for secret in (parent, child, parent_jti, child_jti):
        assert secret not in stored
