"""Leaked-password protection (backend/accounts/breached_passwords.py): a new password that Have I Been Pwned's range
API lists is refused wherever a password is set; only 5 hex characters of its SHA-1 are sent; when the API gives no
answer the password is accepted and the outage remembered. The range API is a real HTTP server on a thread here."""

import contextlib
import hashlib
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client

from backend.accounts.breached_passwords import MAX_ANSWER_BYTES, OUTAGE_CACHE_KEY, OUTAGE_REMEMBER_SECONDS
from backend.accounts.models import User
from tests.backend.accounts.helpers import reset_link_parts
from tests.backend.observability.helpers import sample
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
CHANGE = "/api/auth/password/"
RESET_CONFIRM = "/api/auth/password-reset/confirm/"
BREACHED = "correct-Horse-battery-staple-9"  # passes Django's four validators: only the breach check refuses it
CLEAN = "a-Clean-passphrase-42"
REFUSED = {
    "new_password": ["This password has appeared in a data breach, so it is not safe to use. Choose another one."]
}


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()  # noqa: S324 (the API's hash)


class RangeApi:
    """A stand-in for api.pwnedpasswords.com/range/: answers each prefix with the suffixes of ``breached`` under it
    (count 5, or what ``counts`` says), padding lines (count 0) and whatever ``extra_lines`` adds; or ``status``
    instead; or, while ``stalled``, nothing until the test ends; or one of the broken answers below. Records each
    request's path and headers."""

    def __init__(self) -> None:
        self.breached: set[str] = {BREACHED}
        self.counts: dict[str, str] = {}
        self.extra_lines: list[str] = []
        self.status = 200
        self.body: bytes | None = None
        self.stalled = False
        self.trickle = False  # a line now and then: each read is quick, the whole answer is not
        self.slow_headers = False  # the status line and headers a byte now and then: each read is quick, they are not
        self.cut_short = False  # a Content-Length that the body never reaches: the server hangs up first
        self.redirect_to: str | None = None  # a 302 there instead of an answer
        self.release = threading.Event()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.on_request: Callable[[], None] | None = None  # run (on the server's thread) as each request arrives
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.requests.append((self.path, dict(self.headers.items())))
                if api.on_request is not None:
                    api.on_request()
                if api.stalled:
                    api.release.wait(10)
                if api.trickle:
                    self._trickle()
                    return
                if api.slow_headers:
                    self._slow_headers()
                    return
                if api.redirect_to is not None:
                    self.send_response(302)
                    self.send_header("Location", api.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with contextlib.suppress(OSError):  # the client gave up waiting: the point of the stalled tests
                    self._answer()

            def _answer(self) -> None:
                if api.status != 200:
                    self.send_error(api.status)
                    return
                body = api.body if api.body is not None else api.answer(self.path.rsplit("/", 1)[-1]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body) + (1000 if api.cut_short else 0)))
                self.end_headers()
                self.wfile.write(body)
                if api.cut_short:
                    self.close_connection = True

            def _trickle(self) -> None:
                """A whole answer that lists BREACHED, a line every 20 ms: 4 s in all, unless the client hangs up."""
                lines = [f"{'0' * 35}:0\r\n".encode()] * 199 + [f"{sha1(BREACHED)[5:]}:5".encode()]
                self.send_response(200)
                self.send_header("Content-Length", str(sum(map(len, lines))))
                self.end_headers()
                try:
                    for line in lines:
                        self.wfile.write(line)
                        self.wfile.flush()
                        if api.release.wait(0.02):
                            return
                except OSError:
                    pass

            def _slow_headers(self) -> None:
                """A whole answer that lists BREACHED, its status line and headers sent a byte every 20 ms: 2 s before
                the body, unless the client hangs up."""
                body = f"{sha1(BREACHED)[5:]}:5".encode()
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nX-Padding: {'x' * 60}\r\n\r\n".encode()
                try:
                    for byte in head:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        if api.release.wait(0.02):
                            return
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/range/"

    def answer(self, prefix: str) -> str:
        lines = [f"{'0' * 34}{digit}:0" for digit in "123"]  # padding, as Add-Padding: true adds
        for password in self.breached:
            digest = sha1(password)
            if digest.startswith(prefix):
                lines.append(f"{digest[5:]}:{self.counts.get(password, '5')}")
        return "\r\n".join([*lines, *self.extra_lines])


@pytest.fixture
def range_api(settings) -> Iterator[RangeApi]:
    api = RangeApi()
    thread = threading.Thread(target=api.server.serve_forever, daemon=True)
    thread.start()
    settings.PASSWORD_BREACH_CHECK = True
    settings.PASSWORD_BREACH_API_URL = api.url
    # Generous: a busy CI machine must not turn an answer into an outage (the outage tests set their own).
    settings.PASSWORD_BREACH_TIMEOUT_SECONDS = 10.0
    yield api
    api.release.set()
    api.server.shutdown()
    api.server.server_close()
    thread.join()


def register(client, password: str, email: str = "new@example.com"):
    return client.post(REGISTER, {"email": email, "password": password}, format="json")


def change(client, new_password: str):
    return client.post(CHANGE, {"current_password": DEFAULT_PASSWORD, "new_password": new_password}, format="json")


@pytest.fixture
def refusing_url() -> Iterator[str]:
    """A port bound for the whole test but never listened on: connections to it are refused, and no other server
    (another test worker's) can take it meanwhile."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{bound.getsockname()[1]}/range/"


# ------------------------------------------------------------------------------
# Refused wherever a password is set
# ------------------------------------------------------------------------------
def test_register_with_a_breached_password_is_400_on_the_password_field(api_client, range_api):
    response = register(api_client, BREACHED)

    assert response.status_code == 400
    assert response.json() == {"password": REFUSED["new_password"]}
    assert not User.objects.exists()


def test_a_password_change_to_a_breached_password_is_400_and_changes_nothing(auth_client, user, range_api):
    response = change(auth_client, BREACHED)

    assert response.status_code == 400
    assert response.json() == REFUSED
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_a_reset_to_a_breached_password_is_400_and_the_link_still_works(api_client, range_api):
    user = UserFactory(email="reset@example.com")
    link = reset_link_parts(user)

    refused = api_client.post(RESET_CONFIRM, {**link, "new_password": BREACHED}, format="json")
    accepted = api_client.post(RESET_CONFIRM, {**link, "new_password": CLEAN}, format="json")

    assert refused.status_code == 400
    assert refused.json() == REFUSED
    assert accepted.status_code == 204
    user.refresh_from_db()
    assert user.check_password(CLEAN)


def test_a_count_written_with_a_thousands_separator_is_still_a_breach(api_client, range_api):
    range_api.counts[BREACHED] = "1,234"

    assert register(api_client, BREACHED).status_code == 400


def test_the_admin_password_form_refuses_a_breached_password(range_api):
    operator = User.objects.create_superuser(email="op@example.com", password=DEFAULT_PASSWORD)
    browser = Client()
    browser.force_login(operator)

    response = browser.post(
        "/admin/password_change/",
        {"old_password": DEFAULT_PASSWORD, "new_password1": BREACHED, "new_password2": BREACHED},
    )

    assert response.status_code == 200  # the form again, with the error on the new password
    assert response.context["form"].errors.as_data()["new_password2"][0].code == "password_breached"
    operator.refresh_from_db()
    assert operator.check_password(DEFAULT_PASSWORD)


def test_createsuperuser_refuses_a_breached_password(range_api, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", BREACHED)

    with pytest.raises(CommandError, match="appeared in a data breach"):
        call_command("createsuperuser", "--noinput", "--email", "root@example.com", stdout=StringIO())

    assert not User.objects.exists()


# ------------------------------------------------------------------------------
# What is sent, and what is compared
# ------------------------------------------------------------------------------
def test_a_clean_password_is_accepted_and_only_its_hash_prefix_is_sent_padded(api_client, range_api):
    clean_before = sample("password_breach_checks_total", result="clean")

    response = register(api_client, CLEAN)

    assert response.status_code == 201
    assert len(range_api.requests) == 1
    path, headers = range_api.requests[0]
    assert path == f"/range/{sha1(CLEAN)[:5]}"  # five hex characters, nothing else: no suffix, no query
    assert headers["Add-Padding"] == "true"
    assert headers["User-Agent"]
    assert sample("password_breach_checks_total", result="clean") - clean_before == 1


def test_a_padding_line_with_the_passwords_own_suffix_does_not_refuse_it(api_client, range_api):
    range_api.extra_lines = [f"{sha1(CLEAN)[5:]}:0"]

    assert register(api_client, CLEAN).status_code == 201
    assert len(range_api.requests) == 1


def test_suffixes_are_compared_whatever_their_case(api_client, range_api):
    range_api.breached = set()
    range_api.extra_lines = [f"{sha1(BREACHED)[5:].lower()}:3"]

    assert register(api_client, BREACHED).status_code == 400


def test_with_the_check_off_no_request_is_made(api_client, range_api, settings):
    settings.PASSWORD_BREACH_CHECK = False

    assert register(api_client, BREACHED).status_code == 201
    assert range_api.requests == []


def test_a_password_another_validator_refuses_is_not_sent(api_client, range_api):
    checks_before = sum(sample("password_breach_checks_total", result=result) for result in ("clean", "breached"))

    response = register(api_client, "Short-1")  # under the minimum length

    assert response.status_code == 400
    assert len(response.json()["password"]) == 1
    assert response.json()["password"][0].startswith("This password is too short.")
    assert range_api.requests == []
    assert sum(sample("password_breach_checks_total", result=r) for r in ("clean", "breached")) == checks_before


def _transactions_open_as_the_api_is_asked(states: list[str]) -> Callable[[], None]:
    """A probe to run as the API is asked (RangeApi.on_request, on the server's thread): appends what it finds of a
    transaction open on the connection of the request asking (the test's thread's: the test client runs the request
    there). Asked of that connection, not seen from another: any writer in the file holds SQLite's lock too, and
    any other connection may be idle in a transaction of its own on PostgreSQL."""
    requesting = connections[DEFAULT_DB_ALIAS]

    def open_transactions() -> None:
        if requesting.in_atomic_block:
            states.append(f"a transaction open on {requesting.vendor}")

    return open_transactions


@pytest.mark.django_db(transaction=True)
def test_registration_asks_the_range_api_with_no_transaction_open(api_client, range_api):
    # The check may wait seconds for the API: a transaction open meanwhile holds the database's write lock on SQLite
    # (BEGIN IMMEDIATE) and a pooled connection elsewhere.
    states: list[str] = []
    range_api.on_request = _transactions_open_as_the_api_is_asked(states)

    response = register(api_client, CLEAN)

    assert response.status_code == 201
    assert len(range_api.requests) == 1
    assert states == []


@pytest.mark.django_db(transaction=True)
def test_the_admin_add_user_form_asks_the_range_api_once_with_no_transaction_open(range_api):
    # Django runs the add view in a transaction, whose read of the users table (the email's uniqueness) would hold
    # a lock on it for as long as the API takes: a migration's ALTER would queue behind it, and every query behind.
    operator = User.objects.create_superuser(email="op@example.com", password=DEFAULT_PASSWORD)
    browser = Client()
    browser.force_login(operator)
    states: list[str] = []
    range_api.on_request = _transactions_open_as_the_api_is_asked(states)

    response = browser.post(
        "/admin/accounts/user/add/", {"email": "new@example.com", "name": "", "password1": CLEAN, "password2": CLEAN}
    )

    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").check_password(CLEAN)
    assert len(range_api.requests) == 1  # asked ahead, and the form's validator took that answer
    assert states == []


def test_the_admin_add_user_form_refuses_a_breached_password_asking_once(range_api):
    operator = User.objects.create_superuser(email="op@example.com", password=DEFAULT_PASSWORD)
    browser = Client()
    browser.force_login(operator)

    response = browser.post(
        "/admin/accounts/user/add/",
        {"email": "new@example.com", "name": "", "password1": BREACHED, "password2": BREACHED},
    )

    assert response.status_code == 200  # the form again, with the error on the password
    assert response.context["adminform"].form.errors.as_data()["password2"][0].code == "password_breached"
    assert not User.objects.filter(email="new@example.com").exists()
    assert len(range_api.requests) == 1


def test_the_admin_add_user_form_asks_nothing_for_mismatched_or_too_short_passwords(range_api):
    operator = User.objects.create_superuser(email="op@example.com", password=DEFAULT_PASSWORD)
    browser = Client()
    browser.force_login(operator)

    for password1, password2 in ((CLEAN, CLEAN + "x"), ("Short-1", "Short-1")):
        response = browser.post(
            "/admin/accounts/user/add/",
            {"email": "new@example.com", "name": "", "password1": password1, "password2": password2},
        )
        assert response.status_code == 200

    assert range_api.requests == []
    assert not User.objects.filter(email="new@example.com").exists()


# ------------------------------------------------------------------------------
# Fail open, and remember the outage
# ------------------------------------------------------------------------------
OUTAGES = [
    "refused",
    "unreadable_url",
    "http_500",
    "redirected",
    "slow",
    "slow_headers",
    "trickling",
    "cut_short",
    "endless",
    "not_a_range_list",
]


@pytest.mark.parametrize("outage", OUTAGES)
def test_without_an_answer_the_password_is_accepted_the_outage_logged_and_remembered(
    api_client, range_api, settings, json_logs, refusing_url, outage
):
    if outage == "refused":
        settings.PASSWORD_BREACH_API_URL = refusing_url
    elif outage == "unreadable_url":  # past the settings' own check (config/production_checks.py), say
        settings.PASSWORD_BREACH_API_URL = "http://[::1/range/"
    elif outage == "redirected":  # to an answer that lists the password: not followed
        range_api.redirect_to = f"{range_api.url}{sha1(BREACHED)[:5]}"
    elif outage == "slow_headers":
        settings.PASSWORD_BREACH_TIMEOUT_SECONDS = 0.3
        range_api.slow_headers = True
    elif outage == "cut_short":  # the lines that did arrive list the password: an answer cut short is no answer
        range_api.cut_short = True
    elif outage == "http_500":
        range_api.status = 500
    elif outage == "slow":
        settings.PASSWORD_BREACH_TIMEOUT_SECONDS = 0.2
        range_api.stalled = True
    elif outage == "trickling":
        settings.PASSWORD_BREACH_TIMEOUT_SECONDS = 0.3
        range_api.trickle = True
    elif outage == "endless":
        range_api.body = f"{'0' * 35}:0\r\n".encode() * (MAX_ANSWER_BYTES // 30)
    else:
        range_api.body = b"<html><body>Sign in to the guest Wi-Fi</body></html>"
    unavailable_before = sample("password_breach_checks_total", result="unavailable")
    skipped_before = sample("password_breach_checks_total", result="skipped")

    first = register(api_client, BREACHED, email="first@example.com")

    assert first.status_code == 201  # accepted: availability over strictness
    assert cache.get(OUTAGE_CACHE_KEY)
    if hasattr(cache, "ttl"):  # django-redis tells how long the key has left
        assert 0 < cache.ttl(OUTAGE_CACHE_KEY) <= OUTAGE_REMEMBER_SECONDS
    requests_made = len(range_api.requests)
    assert requests_made == (0 if outage in ("refused", "unreadable_url") else 1)
    warnings = [line for line in json_logs() if line.get("event") == "password_breach_check_unavailable"]
    assert len(warnings) == 1
    assert warnings[0]["level"] == "warning"
    expected = {
        "refused": "unreachable",
        "unreadable_url": "unreachable",
        "http_500": "http_status",
        "redirected": "http_status",
        "slow": "timeout",
        "slow_headers": "timeout",
        "trickling": "timeout",
    }
    assert warnings[0]["reason"] == expected.get(outage, "bad_answer")
    assert sample("password_breach_checks_total", result="unavailable") - unavailable_before == 1

    # While the outage is remembered, the next password is accepted without asking (the API is back, even).
    settings.PASSWORD_BREACH_API_URL = range_api.url
    range_api.status, range_api.stalled, range_api.trickle, range_api.body = 200, False, False, None
    range_api.slow_headers, range_api.cut_short, range_api.redirect_to = False, False, None
    second = register(api_client, BREACHED, email="second@example.com")

    assert second.status_code == 201
    assert len(range_api.requests) == requests_made
    assert sample("password_breach_checks_total", result="skipped") - skipped_before == 1
    assert len([line for line in json_logs() if line.get("event") == "password_breach_check_unavailable"]) == 1

    # Once it is forgotten (its minute is up), passwords are checked again.
    cache.delete(OUTAGE_CACHE_KEY)
    assert register(api_client, BREACHED, email="third@example.com").status_code == 400
    assert len(range_api.requests) == requests_made + 1


def test_nothing_derived_from_the_password_is_logged(api_client, range_api, json_logs):
    range_api.status = 503

    assert register(api_client, BREACHED).status_code == 201

    logged = json_logs.raw()
    assert "password_breach_check_unavailable" in logged
    digest = sha1(BREACHED)
    for secret in (BREACHED, digest, digest[5:], digest.lower(), digest[5:].lower()):
        assert secret not in logged
