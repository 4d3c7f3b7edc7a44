"""Authentication from the cache: no query on a hit, and deactivation or deletion still refused at once.

Against the real cache (Redis on the PostgreSQL leg) and database, with on_commit hooks really running.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.accounts.models import User
from backend.accounts.selectors import Access, access_check
from backend.accounts.session_cache import USER_ACTIVE, USER_INACTIVE, user_cache_fill, user_cache_get
from tests.conftest import signed_in_client
from tests.support.cache_calls import (
    assert_only_authentications_round_trip,
    record_cache_calls,
    record_redis_round_trips,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_user_deactivated_after_being_cached_as_active_is_refused_on_the_next_request(user):
    client, _ = signed_in_client(user)
    assert client.get("/api/auth/me/").status_code == 200
    assert user_cache_get(str(user.pk)) == USER_ACTIVE

    user.is_active = False
    user.save(update_fields=["is_active"])

    response = client.get("/api/auth/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_a_deleted_user_is_refused_even_while_their_session_is_cached_as_live(user):
    client, issued = signed_in_client(user)
    assert client.get("/api/tasks/").status_code == 200

    User.objects.filter(pk=user.pk).delete()

    assert client.get("/api/tasks/").status_code == 401
    assert access_check(session_id=str(issued.session.pk), user_id=str(user.pk)) is not Access.LIVE


def test_a_reactivated_user_is_let_in_again(user):
    client, _ = signed_in_client(user)
    user.is_active = False
    user.save()
    assert client.get("/api/auth/me/").status_code == 401

    user.is_active = True
    user.save()

    assert client.get("/api/auth/me/").status_code == 200


def test_a_slow_reader_cannot_cache_a_user_as_active_after_a_deactivation(user):
    # 1. A reader misses the cache and reads the database: active. 2. The user is deactivated (after commit,
    # the state is written). 3. The slow reader now fills the cache with what it read.
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_cache_fill(str(user.pk), active=True)

    assert user_cache_get(str(user.pk)) == USER_INACTIVE


def test_a_save_that_cannot_change_is_active_leaves_the_cached_state_alone(user):
    # Given a user deactivated (the cache says so), and a stale copy of them that still says active
    from backend.accounts.models import User

    stale = User.objects.get(pk=user.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert user_cache_get(str(user.pk)) == USER_INACTIVE

    # When the stale copy saves a field that is not is_active (a sign-in's last_login)
    stale.last_login = None
    stale.save(update_fields=["last_login"])

    # Then the cache still says inactive: the save wrote nothing there
    assert user_cache_get(str(user.pk)) == USER_INACTIVE


def test_a_request_whose_session_and_user_are_cached_runs_no_sql(user):
    client, _ = signed_in_client(user)
    assert client.get("/api/tasks/").status_code == 200  # fills the session, user and list entries

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/tasks/")

    assert response.status_code == 200
    assert [q["sql"] for q in queries.captured_queries] == []


def test_the_profile_of_a_token_user_loads_every_field_in_one_query(user):
    client, _ = signed_in_client(user)
    client.get("/api/tasks/")  # the session and user entries are cached now

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/auth/me/")

    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert len([q for q in queries.captured_queries if "accounts_user" in q["sql"]]) == 1


@pytest.mark.parametrize("path", ["/api/tasks/", "/api/tasks/stats/", "detail"])
def test_a_cached_read_costs_one_cache_round_trip_in_all(user, monkeypatch, path):
    """With Redis: one round trip, which also counts the user's rate limit. Without: one get_many."""
    from tests.factories import TaskFactory

    task = TaskFactory(owner=user)
    path = f"/api/tasks/{task.pk}/" if path == "detail" else path
    client, _ = signed_in_client(user)
    first = client.get(path)  # fills the session, user and page entries
    calls = record_cache_calls(monkeypatch, ("get", "get_many", "add", "set", "incr"))
    trips = record_redis_round_trips(monkeypatch)

    second = client.get(path)

    assert second.status_code == 200
    assert second.content == first.content
    assert_only_authentications_round_trip(calls, trips)
    assert second["X-RateLimit-Remaining"] == str(int(first["X-RateLimit-Remaining"]) - 1)


def test_a_token_verified_before_is_still_refused_once_it_expires(user, monkeypatch):
    from datetime import timedelta

    from rest_framework.test import APIClient
    from rest_framework_simplejwt import tokens
    from rest_framework_simplejwt.tokens import AccessToken
    from rest_framework_simplejwt.utils import aware_utcnow

    from backend.accounts import authentication
    from backend.accounts.services import session_start

    # An hour to live: no machine is slow enough for the first request to come after it.
    token = AccessToken(session_start(user=user).tokens.access)  # type: ignore[arg-type]
    token.set_exp(lifetime=timedelta(hours=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/tasks/").status_code == 200  # verified, and remembered by this process

    # Two hours on, by the clock both the remembered token's check and simplejwt's own read (PyJWT's own check
    # still sees the real time, before the expiry: the refusal can only come from those two).
    later = aware_utcnow() + timedelta(hours=2)
    monkeypatch.setattr(authentication, "aware_utcnow", lambda: later)
    monkeypatch.setattr(tokens, "aware_utcnow", lambda: later)
    response = client.get("/api/tasks/")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def _forged_access(*, session_id: str, user_id: str) -> str:
    """An access token signed with the real key (as if it leaked) that pairs a session with another user."""
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken()
    token["user_id"] = user_id
    token["sid"] = session_id
    return str(token)


@pytest.mark.parametrize("cached", [False, True], ids=["cold-cache", "session-cached"])
def test_a_token_pairing_ones_own_live_session_with_another_users_id_is_refused(user, other_user, cached):
    from rest_framework.test import APIClient

    # Given an attacker with a live session of their own (cached or not) and a token signing key
    attacker_client, attacker = signed_in_client(other_user)
    if cached:
        assert attacker_client.get("/api/auth/me/").status_code == 200
    forged = _forged_access(session_id=str(attacker.session.pk), user_id=str(user.pk))

    # When they present their session with the victim's user id
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    response = client.get("/api/auth/me/")

    # Then the session does not vouch for that user, and the attacker's own token still works
    assert response.status_code == 401
    assert response.json()["code"] == "session_revoked"
    assert attacker_client.get("/api/auth/me/").status_code == 200
    assert access_check(session_id=str(attacker.session.pk), user_id=str(user.pk)) is Access.SESSION_ENDED
