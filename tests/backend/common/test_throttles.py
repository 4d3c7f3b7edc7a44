"""Rate limits at the API: 429 bodies and headers, each scope, and client addresses that cannot be spoofed."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.conftest import signed_in_client
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login/"


def _login(client: APIClient, email: str, password: str, **extra):
    return client.post(LOGIN, {"email": email, "password": password}, format="json", **extra)


def test_a_throttled_request_is_429_json_with_retry_after_and_limit_headers(api_client, rates):
    rates(login_ip="2/1m")
    for _ in range(2):
        assert _login(api_client, "nobody@example.com", "wrong").status_code == 401

    response = _login(api_client, "nobody@example.com", "wrong")

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert set(body) == {"detail", "code"}
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Limit"] == "2"
    assert response["X-RateLimit-Remaining"] == "0"


def test_limited_responses_count_down_the_callers_limit(auth_client, rates):
    rates(user="10/1m")

    first = auth_client.get("/api/tasks/")
    second = auth_client.get("/api/tasks/")

    assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("10", "9")
    assert second["X-RateLimit-Remaining"] == "8"
    assert 1 <= int(second["X-RateLimit-Reset"]) <= 60


def test_with_several_limits_the_headers_report_the_one_closest_to_refusing(api_client, rates):
    # A login counts against anon (per IP, roomy here) and login_ip (tight).
    rates(anon="100/1m", login_ip="3/1m")

    response = _login(api_client, "nobody@example.com", "wrong")

    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("3", "2")


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
    from backend.accounts.services.sessions import session_revoke

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


def test_without_trusted_proxies_x_forwarded_for_is_ignored(rates, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    rates(login_ip="1/1m")
    client = APIClient(REMOTE_ADDR="198.51.100.30")

    first = _login(client, "x@example.com", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.1")
    spoofed = _login(client, "x@example.com", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert (first.status_code, spoofed.status_code) == (401, 429)


@pytest.mark.parametrize(
    ("first", "same_client", "other_client"),
    [
        # The client prepends made-up addresses; the ingress still appends the real one last.
        ("203.0.113.7", "1.2.3.4, 203.0.113.7", "203.0.113.8"),
        # Some gateways forward the client's port too.
        ("203.0.113.9:51000", "203.0.113.9:52000", "[2001:db8::5]:443"),
    ],
)
def test_behind_one_proxy_only_the_address_it_appended_counts(rates, settings, first, same_client, other_client):
    settings.TRUSTED_PROXY_COUNT = 1
    rates(login_ip="1/1m")
    ingress = APIClient(REMOTE_ADDR="10.0.0.2")

    statuses = [
        _login(ingress, "x@example.com", "wrong", HTTP_X_FORWARDED_FOR=forwarded).status_code
        for forwarded in (first, same_client, other_client)
    ]

    assert statuses == [401, 429, 401]


def test_the_switch_turns_every_limit_and_header_off(api_client, rates, settings):
    settings.RATE_LIMIT_ENABLED = False
    rates(login_ip="1/1m", login_email="1/1m", anon="1/1m")

    statuses = [_login(api_client, "x@example.com", "wrong").status_code for _ in range(3)]
    response = _login(api_client, "x@example.com", "wrong")

    assert statuses == [401, 401, 401]
    assert "X-RateLimit-Limit" not in response


def test_limits_are_on_by_default_in_the_settings():
    from config.settings import base

    assert base.RATE_LIMIT_ENABLED is True
    assert set(base.RATE_LIMITS) == {
        "anon",
        "user",
        "login_ip",
        "login_email_device",
        "login_email_ip",
        "login_email",
        "register_ip",
        "password_reset_ip",
        "password_reset_email_device",
        "password_reset_email_ip",
        "password_reset_email",
        "password_change_session",
        "refresh_ip",
        "refresh_session",
        "email_verify_ip",
        "email_verify_resend_ip",
        "email_verify_resend_email_device",
        "email_verify_resend_email_ip",
        "email_verify_resend_email",
        "email_change_ip",
        "email_change_user",
        "email_change_confirm_ip",
        "export_user",
        "authenticator_code_account",
        "passkey_options_ip",
    }


def test_a_malformed_rate_in_the_environment_fails_the_system_check(rates):
    from backend.common.checks import check_rate_limits

    rates(login_ip="lots")

    errors = check_rate_limits()

    assert [e.id for e in errors] == ["common.E001"]
    assert "RATE_LIMIT_LOGIN_IP" in errors[0].hint


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


def test_an_ipv6_client_is_limited_by_its_64_prefix(rates):
    rates(login_ip="1/1m")

    first = _login(APIClient(REMOTE_ADDR="2001:db8:1:2::1"), "x@example.com", "wrong")
    same_prefix = _login(APIClient(REMOTE_ADDR="2001:db8:1:2:ffff::9"), "x@example.com", "wrong")
    other_prefix = _login(APIClient(REMOTE_ADDR="2001:db8:1:3::1"), "x@example.com", "wrong")

    assert (first.status_code, same_prefix.status_code, other_prefix.status_code) == (401, 429, 401)


def _assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert set(response.json()) == {"detail", "code"}
    assert 1 <= int(response["Retry-After"]) <= 60


# A dual-stack server sees an IPv4 client as ::ffff:a.b.c.d: that is the IPv4 client, not a /64 of its own (which
# would be ::ffff:0:0/64, one bucket shared by every IPv4 client seen that way).
@pytest.mark.parametrize(
    ("first", "same_client"),
    [("::ffff:198.51.100.80", "198.51.100.80"), ("198.51.100.80", "::ffff:198.51.100.80")],
    ids=["mapped-then-ipv4", "ipv4-then-mapped"],
)
def test_an_ipv4_mapped_client_address_shares_the_per_ip_bucket_of_its_ipv4_address(rates, first, same_client):
    rates(login_ip="1/1m")

    first_response = _login(APIClient(REMOTE_ADDR=first), "x@example.com", "wrong")
    same = _login(APIClient(REMOTE_ADDR=same_client), "x@example.com", "wrong")
    other_mapped = _login(APIClient(REMOTE_ADDR="::ffff:198.51.100.81"), "x@example.com", "wrong")

    assert first_response.status_code == 401
    _assert_throttled(same)
    assert other_mapped.status_code == 401  # another IPv4 client seen as mapped: a bucket of its own


@pytest.mark.parametrize(
    ("first", "same_client", "other_client"),
    [
        ("::ffff:203.0.113.60", "203.0.113.60", "::ffff:203.0.113.61"),
        ("203.0.113.60", "[::ffff:203.0.113.60]:443", "[::ffff:203.0.113.61]:443"),
        ("1.2.3.4, ::ffff:203.0.113.60", "::ffff:1.2.3.4, 203.0.113.60", "::ffff:203.0.113.61"),
    ],
    ids=["mapped-then-ipv4", "with-port", "client-prepended"],
)
def test_behind_a_proxy_an_ipv4_mapped_forwarded_address_shares_the_bucket_of_its_ipv4_address(
    rates, settings, first, same_client, other_client
):
    settings.TRUSTED_PROXY_COUNT = 1
    rates(login_ip="1/1m")
    ingress = APIClient(REMOTE_ADDR="::ffff:10.0.0.2")

    responses = [
        _login(ingress, "x@example.com", "wrong", HTTP_X_FORWARDED_FOR=forwarded)
        for forwarded in (first, same_client, other_client)
    ]

    assert responses[0].status_code == 401
    _assert_throttled(responses[1])
    assert responses[2].status_code == 401


def test_an_ipv4_mapped_client_address_shares_the_accounts_per_address_bucket_of_its_ipv4_address(rates, user):
    # Failed sign-ins from a device the account does not know count per (account, client address)
    rates(login_email_ip="1/15m", login_ip="100/1m")

    first = _login(APIClient(REMOTE_ADDR="::ffff:198.51.100.82"), user.email, "wrong")
    same_client = _login(APIClient(REMOTE_ADDR="198.51.100.82"), user.email, DEFAULT_PASSWORD)
    other_client = _login(APIClient(REMOTE_ADDR="::ffff:198.51.100.83"), user.email, DEFAULT_PASSWORD)

    assert first.status_code == 401
    assert same_client.status_code == 429
    assert same_client.json()["code"] == "login_locked"
    assert other_client.status_code == 200


def test_variant_spellings_of_an_email_share_its_failed_login_bucket(rates, user):
    rates(login_email="1/15m", login_ip="100/1m")
    local, domain = user.email.split("@")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in local) + "@" + domain

    first = _login(APIClient(), f"  {user.email.upper()} ", "wrong")
    variant = _login(APIClient(), fullwidth, "wrong")

    assert (first.status_code, variant.status_code) == (401, 429)
