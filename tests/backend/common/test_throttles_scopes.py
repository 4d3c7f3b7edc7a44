"""Rate limits at the API, scope by scope: sign-in, registration, password reset, refresh, authenticated and
anonymous calls, and what does and does not count against each."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.backend.accounts.helpers import login as _login
from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_per_ip_counts_every_attempt_from_a_device_the_account_does_not_know(rates, user):
    # Fresh clients from one address: none carries the account's device cookie
    rates(login_ip="3/1m")
    for _ in range(3):
        assert _login(APIClient(), user.email, DEFAULT_PASSWORD).status_code == 200

    assert _login(APIClient(), user.email, DEFAULT_PASSWORD).status_code == 429


def test_failed_logins_lock_the_email_even_for_the_right_password(rates, user):
    rates(login_email="3/15m", login_ip="100/1m")
    # From different addresses: the per-email limit is what stops a distributed guesser.
    for n in range(3):
        client = APIClient(REMOTE_ADDR=f"198.51.100.{n}")
        assert _login(client, user.email.upper(), "wrong-password").status_code == 401

    response = _login(APIClient(REMOTE_ADDR="198.51.100.99"), user.email, DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 60  # the 15-minute window


def test_successful_logins_do_not_count_against_the_email(api_client, rates, user):
    rates(login_email="2/15m", login_ip="100/1m")
    for _ in range(4):
        assert _login(api_client, user.email, DEFAULT_PASSWORD).status_code == 200

    assert _login(api_client, user.email, "wrong").status_code == 401
    assert _login(api_client, user.email, DEFAULT_PASSWORD).status_code == 200


def test_register_is_limited_per_ip(api_client, rates):
    rates(register_ip="2/1h")
    statuses = [
        api_client.post(
            "/api/auth/register/", {"email": f"new{n}@example.com", "password": "a-Long-passphrase-9"}, format="json"
        ).status_code
        for n in range(3)
    ]

    assert statuses == [201, 201, 429]


@pytest.mark.django_db(transaction=True)  # email is sent on commit
def test_password_reset_is_limited_per_email_and_sends_nothing_when_throttled(rates, user, smtp):
    rates(password_reset_email="2/1h", password_reset_ip="100/1h")
    statuses = [
        APIClient(REMOTE_ADDR=f"198.51.100.{n}")
        .post("/api/auth/password-reset/", {"email": user.email}, format="json")
        .status_code
        for n in range(3)
    ]
    from backend.common.background import wait_for_background_jobs

    wait_for_background_jobs()

    assert statuses == [202, 202, 429]
    assert [message["Subject"] for message in smtp.wait_for(to=user.email, count=2)] == ["Reset your password"] * 2


def test_password_reset_is_limited_per_ip(api_client, rates):
    rates(password_reset_ip="1/1h")

    first = api_client.post("/api/auth/password-reset/", {"email": "a@example.com"}, format="json")
    second = api_client.post("/api/auth/password-reset/", {"email": "b@example.com"}, format="json")

    assert (first.status_code, second.status_code) == (202, 429)


def test_refresh_is_limited_per_ip(api_client, rates):
    rates(refresh_ip="2/1m")
    statuses = [api_client.post("/api/auth/refresh/", {"refresh": "junk"}, format="json").status_code for _ in range(3)]

    assert statuses == [401, 401, 429]


def test_refreshes_that_work_do_not_use_up_the_address_of_many_users_behind_it(rates, user, other_user):
    # Given many sessions behind one address (an office, a carrier's NAT: here 127.0.0.1), and tight per-IP limits
    from backend.accounts.services import session_start

    rates(refresh_ip="2/1m", anon="2/1m")
    sessions = [session_start(user=owner) for owner in (user, other_user, user, other_user, user)]

    # When each refreshes, then someone there presents a junk token three times
    worked = [
        APIClient().post("/api/auth/refresh/", {"refresh": issued.tokens.refresh}, format="json").status_code
        for issued in sessions
    ]
    junk = [APIClient().post("/api/auth/refresh/", {"refresh": "junk"}, format="json").status_code for _ in range(3)]

    # Then every refresh that works was answered, and failures are still limited per address
    assert worked == [200] * 5
    assert junk == [401, 401, 429]


def test_refreshes_are_limited_per_session(rates, user):
    from backend.accounts.services import session_start

    rates(refresh_session="2/1m")
    token = session_start(user=user).tokens.refresh
    statuses = []
    for _ in range(3):
        response = APIClient().post("/api/auth/refresh/", {"refresh": token}, format="json")
        statuses.append(response.status_code)
        if response.status_code == 200:
            token = response.cookies[settings.REFRESH_COOKIE_NAME].value

    assert statuses == [200, 200, 429]


def test_authenticated_calls_are_limited_per_user_not_per_ip(rates, user, other_user):
    rates(user="2/1m")
    client, _ = signed_in_client(user)
    other, _ = signed_in_client(other_user)  # same address, 127.0.0.1

    statuses = [client.get("/api/tasks/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert other.get("/api/tasks/").status_code == 200


def test_a_revoked_sessions_token_does_not_spend_its_users_limit(rates, user):
    from backend.accounts.services.session_revocation import session_revoke

    rates(user="3/1m")
    revoked, issued = signed_in_client(user)
    live, _ = signed_in_client(user)
    assert live.get("/api/tasks/")["X-RateLimit-Remaining"] == "2"
    session_revoke(session=issued.session)

    refused = [revoked.get("/api/tasks/").status_code for _ in range(3)]

    assert refused == [401, 401, 401]
    assert live.get("/api/tasks/")["X-RateLimit-Remaining"] == "1"  # only the live session's calls counted


def test_signing_out_with_an_access_token_does_not_spend_its_users_limit(rates, user):
    rates(user="10/1m")
    client, _ = signed_in_client(user)
    leaving, _ = signed_in_client(user)
    assert client.get("/api/tasks/")["X-RateLimit-Remaining"] == "9"

    assert leaving.post("/api/auth/logout/", {}, format="json").status_code == 204  # counted per IP, as anonymous

    assert client.get("/api/tasks/")["X-RateLimit-Remaining"] == "8"


def test_a_request_that_fails_while_its_session_is_checked_gives_its_count_back(rates, user, monkeypatch):
    from backend.accounts import selectors

    rates(user="10/1m")
    client, _ = signed_in_client(user)
    assert client.get("/api/tasks/")["X-RateLimit-Remaining"] == "9"

    def broken(*args, **kwargs):  # after the round trip that counted the hit
        raise RuntimeError("the session check failed")

    client.raise_request_exception = False
    with monkeypatch.context() as patch:
        patch.setattr(selectors, "_session_live", broken)
        assert client.get("/api/tasks/").status_code == 500

    assert client.get("/api/tasks/")["X-RateLimit-Remaining"] == "8"


def test_anonymous_calls_are_limited_per_ip(rates):
    rates(anon="2/1m", login_ip="100/1m")
    client = APIClient(REMOTE_ADDR="198.51.100.20")
    statuses = [_login(client, "x@example.com", "wrong").status_code for _ in range(3)]

    assert statuses == [401, 401, 429]
    assert _login(APIClient(REMOTE_ADDR="198.51.100.21"), "x@example.com", "wrong").status_code == 401


# Real commits: the threads use connections of their own, so they must see the user, and what they
# write (failed-login audit rows) must be flushed afterwards rather than leak into later tests.
@pytest.mark.django_db(transaction=True)
def test_parallel_logins_for_one_email_get_at_most_the_limit_of_attempts(rates, user):
    """Counting before the password check means parallel guesses cannot all slip through."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    rates(login_email="5/15m", login_ip="1000/1m", anon="1000/1m")
    barrier = threading.Barrier(20)

    def attempt(n: int) -> int:
        barrier.wait()
        try:
            return _login(APIClient(REMOTE_ADDR=f"198.51.100.{n}"), user.email, "wrong-password").status_code
        finally:
            connections.close_all()  # this thread's own connection, or the test database cannot be dropped

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(attempt, range(20)))

    assert sorted(statuses) == [401] * 5 + [429] * 15


@pytest.mark.parametrize("credentials", [{}, {"HTTP_AUTHORIZATION": "Bearer forged.token.value"}])
def test_calls_refused_for_missing_or_bad_credentials_count_against_the_anonymous_limit(rates, credentials):
    rates(anon="2/1m")
    client = APIClient(REMOTE_ADDR="198.51.100.70", **credentials)

    statuses = [client.get("/api/tasks/").status_code for _ in range(3)]

    assert statuses == [401, 401, 429]


def test_variant_spellings_of_an_email_share_its_failed_login_bucket(rates, user):
    rates(login_email="1/15m", login_ip="100/1m")
    local, domain = user.email.split("@")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in local) + "@" + domain

    first = _login(APIClient(), f"  {user.email.upper()} ", "wrong")
    variant = _login(APIClient(), fullwidth, "wrong")

    assert (first.status_code, variant.status_code) == (401, 429)
