"""Session listing and revocation, and that revocation applies on the very next request."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.accounts.services import session_start
from tests.backend.accounts.helpers import bearer, login
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db

SESSIONS = "/api/auth/sessions/"


def test_sessions_require_authentication(api_client):
    response = api_client.get(SESSIONS)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }


def test_another_users_session_cannot_be_revoked_and_is_404(auth_client, other_user):
    theirs = session_start(user=other_user).session
    response = auth_client.delete(f"{SESSIONS}{theirs.id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "%20"])
def test_malformed_session_id_is_404(auth_client, bad_id):
    assert auth_client.delete(f"{SESSIONS}{bad_id}/").status_code == 404


def test_sessions_list_only_live_sessions_newest_first_and_marks_the_current_one(user, other_user):
    old = session_start(user=user, user_agent="Old", ip_address="10.0.0.1").session
    AuthSession.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    revoked = session_start(user=user).session
    AuthSession.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expired = session_start(user=user).session
    AuthSession.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    session_start(user=other_user)
    client, current = signed_in_client(user)

    response = client.get(SESSIONS)

    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body] == [str(current.session.id), str(old.id)]
    assert set(body[0]) == {"id", "created_at", "last_used_at", "user_agent", "ip_address", "current", "amr", "aal"}
    assert (body[0]["amr"], body[0]["aal"]) == (["pwd"], 1)
    assert (body[0]["current"], body[1]["current"]) == (True, False)
    assert (body[1]["user_agent"], body[1]["ip_address"]) == ("Old", "10.0.0.1")


@pytest.mark.django_db(transaction=True)  # revocation reaches the cache on commit
def test_revoking_a_session_refuses_its_access_token_on_the_very_next_request(user):
    victim_client, victim = signed_in_client(user)
    assert victim_client.get("/api/auth/me/").status_code == 200  # warms the liveness cache
    admin_client, _ = signed_in_client(user)

    response = admin_client.delete(f"{SESSIONS}{victim.session.id}")

    assert response.status_code == 204
    refused = victim_client.get("/api/auth/me/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "session_revoked"
    assert admin_client.get("/api/auth/me/").status_code == 200


@pytest.mark.django_db(transaction=True)  # revocation reaches the cache on commit
def test_revoking_the_current_session_signs_this_device_out(user):
    client, issued = signed_in_client(user)
    assert client.get(SESSIONS).status_code == 200  # warm the liveness cache
    assert client.delete(f"{SESSIONS}{issued.session.id}/").status_code == 204
    assert client.get(SESSIONS).status_code == 401


@pytest.mark.django_db(transaction=True)  # revocation reaches the cache on commit
def test_logout_all_revokes_every_session_of_the_user_only(user, other_user):
    clients = [signed_in_client(user)[0] for _ in range(3)]
    bystander, _ = signed_in_client(other_user)
    for client in clients:
        assert client.get("/api/auth/me/").status_code == 200

    response = clients[0].post("/api/auth/logout-all/")

    assert response.status_code == 204
    assert all(client.get("/api/auth/me/").status_code == 401 for client in clients)
    assert not AuthSession.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert bystander.get("/api/auth/me/").status_code == 200


def test_logout_all_requires_authentication(api_client):
    assert api_client.post("/api/auth/logout-all/").status_code == 401


def test_access_token_of_an_expired_session_is_refused(user):
    client, issued = signed_in_client(user)
    AuthSession.objects.filter(pk=issued.session.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/auth/me/").status_code == 401


def test_access_token_with_unknown_session_is_refused(user):
    from backend.accounts.tokens import token_pair_issue

    pair = token_pair_issue(
        user_id=str(user.id), session_id=str(uuid.uuid4()), refresh_expires_at=timezone.now() + timedelta(days=1)
    )
    assert bearer(APIClient(), pair.access).get("/api/auth/me/").status_code == 401


def test_access_token_signed_with_another_key_is_refused(user):
    import jwt

    forged = jwt.encode(
        {"token_type": "access", "user_id": str(user.id), "sid": "x", "exp": 9999999999, "jti": "j"},
        "not-our-key-but-long-enough-for-hmac-sha256",
        algorithm="HS256",
    )
    response = bearer(APIClient(), forged).get("/api/auth/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_session_liveness_is_one_cache_lookup_and_no_query_once_warm(user, django_assert_num_queries):
    client, _ = signed_in_client(user)
    client.get("/api/auth/me/")  # fills the cache
    # One query remains: loading the user row (simplejwt's get_user). The session check is cached.
    with django_assert_num_queries(1):
        assert client.get("/api/auth/me/").status_code == 200


def test_login_then_sessions_shows_user_agent_and_ip(user):
    client = APIClient()
    access = login(client, user.email, HTTP_USER_AGENT="Mozilla/5.0 Test").json()["access"]
    body = bearer(client, access).get(SESSIONS).json()
    assert body[0]["user_agent"] == "Mozilla/5.0 Test"
    assert body[0]["ip_address"] == "127.0.0.1"
    assert body[0]["current"] is True


@pytest.mark.parametrize(
    "claims",
    [{"exp": 10**30}, {"exp": "tomorrow"}, {"exp": None}, {"sid": "not-a-uuid"}, {"user_id": 7}, {"iat": 10**30}],
    ids=["exp beyond any date", "exp as text", "exp null", "sid not a uuid", "user id a number", "iat beyond any date"],
)
@pytest.mark.parametrize("where", ["access", "refresh"])
def test_a_token_signed_with_our_key_but_with_impossible_claims_is_a_401_never_a_500(user, claims, where):
    # Given a token only our key could sign (a leaked key, or a bug in issuing), whose claims make no sense
    from backend.accounts.tokens import key_ring

    issued = signed_in_client(user)[1]
    payload = {
        "token_type": where,
        "user_id": str(user.id),
        "sid": str(issued.session.pk),
        "exp": int((timezone.now() + timedelta(minutes=5)).timestamp()),
        "jti": uuid.uuid4().hex,
        **claims,
    }
    token = key_ring().encode(payload)

    # When it is used as an access token, or sent as the refresh cookie
    if where == "access":
        response = bearer(APIClient(), token).get("/api/auth/me/")
    else:
        client = APIClient()
        client.cookies[settings.REFRESH_COOKIE_NAME] = token
        response = client.post("/api/auth/refresh/", {}, format="json")

    # Then it is refused as a token, not answered with a server error
    expected = "token_not_valid" if where == "access" else "invalid_refresh_token"
    assert (response.status_code, response.json()["code"]) == (401, expected), response.content
