"""Sentry is wired only when SENTRY_DSN is set; otherwise it is not even imported."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import json, sys
import django
django.setup()
from django.conf import settings
loaded = "sentry_sdk" in sys.modules
dsn = None
if loaded:
    import sentry_sdk
    client = sentry_sdk.get_client()
    dsn = str(client.dsn) if client.is_active() else None
print(json.dumps({"loaded": loaded, "dsn": dsn}))
"""


def _probe(**extra_env: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"SENTRY_DSN", "PROMETHEUS_MULTIPROC_DIR"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", **extra_env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_sentry_dsn_sentry_sdk_is_never_imported():
    assert _probe() == {"loaded": False, "dsn": None}


def test_with_sentry_dsn_the_sdk_is_initialised_with_it():
    # Nothing is sent: no event happens, and port 9 (discard) on loopback is never reached.
    dsn = "http://publickey@127.0.0.1:9/42"

    assert _probe(SENTRY_DSN=dsn) == {"loaded": True, "dsn": dsn}


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


def _event_with_secrets() -> dict:
    return {
        "message": f"refresh failed for {JWT}",
        "request": {
            "url": "https://example.com/api/auth/refresh/",
            "headers": {"Authorization": f"Bearer {JWT}", "Cookie": "sad_refresh=opaque", "Accept": "json"},
            "data": {"email": "a@example.com", "password": "hunter2", "new_password": "hunter3"},
        },
        "extra": {"payload": {"refresh": "opaque-refresh", "access": "opaque-access", "count": 3}},
        "exception": {
            "values": [{"stacktrace": {"frames": [{"vars": {"raw_refresh": "opaque-r2", "note": f"Bearer {JWT}"}}]}}]
        },
    }


def test_sentry_options_send_no_locals_or_pii_and_scrub_recursively():
    from sentry_sdk.scrubber import DEFAULT_DENYLIST

    from backend.observability.sentry import sentry_options

    options = sentry_options(dsn="http://k@127.0.0.1:9/1", environment="", release="", traces_sample_rate=0.0)

    assert (options["include_local_variables"], options["send_default_pii"]) == (False, False)
    assert options["max_request_body_size"] == "never"
    scrubber = options["event_scrubber"]
    assert scrubber.recursive is True
    expected = {*DEFAULT_DENYLIST, "refresh", "access", "new_password", "http_authorization"}
    assert {key.lower() for key in expected} <= set(scrubber.denylist)  # it lower-cases them


def test_no_secret_survives_the_scrubber_and_before_send():
    from backend.observability.sentry import sentry_options

    options = sentry_options(dsn="http://k@127.0.0.1:9/1", environment="", release="", traces_sample_rate=0.0)
    event = _event_with_secrets()

    options["event_scrubber"].scrub_event(event)
    sent = json.dumps(options["before_send"](event, {}))

    for secret in (JWT, "hunter2", "hunter3", "opaque-refresh", "opaque-access", "opaque-r2", "sad_refresh=opaque"):
        assert secret not in sent
    assert '"email": "a@example.com"' in sent
    assert '"count": 3' in sent


def test_breadcrumbs_are_redacted_too():
    from backend.observability.sentry import before_breadcrumb

    crumb = {"category": "httplib", "message": f"GET with Bearer {JWT}", "data": {"token": "t0k"}}

    assert json.dumps(before_breadcrumb(crumb, {})).count("[REDACTED]") == 2


# What Sentry would receive, end to end: Django's real WSGI handler (which the SDK wraps; the test Client skips it),
# the SDK's own integrations and scrubber, and a transport that keeps the envelopes instead of sending them. In a
# process of its own: the SDK patches Django and logging for good.
CAPTURE = """
import io, json, os, sys
import django
django.setup()
import sentry_sdk
from django.core.wsgi import get_wsgi_application
from sentry_sdk.transport import Transport
from backend.observability.sentry import sentry_options

sent = []

class Capture(Transport):
    def capture_envelope(self, envelope):
        sent.extend(item.payload.json for item in envelope.items if item.payload.json is not None)

# (from the environment, not argv: the SDK sends sys.argv with every event)
path, referer, rate, remote = (os.environ["PROBE_" + name] for name in ("PATH", "REFERER", "RATE", "REMOTE"))
rate = float(rate)
sentry_sdk.init(**sentry_options(dsn="http://k@127.0.0.1:9/1", environment="", release="", traces_sample_rate=rate),
                transport=Capture)
body = os.environ["PROBE_BODY"].encode()
environ = {
    "REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": "token=query-secret",
    "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
    "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": os.environ.get("PROBE_HOST", "localhost"),
    "REMOTE_ADDR": remote, "HTTP_REFERER": referer, "HTTP_USER_AGENT": "Probe-Agent/1.0",
    "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
    # Where proxies put the client's address (ingress-nginx, Cloudflare, Akamai, RFC 7239)
    "HTTP_FORWARDED": "for=198.51.100.23;proto=https", "HTTP_X_ORIGINAL_FORWARDED_FOR": "198.51.100.24",
    "HTTP_CF_CONNECTING_IP": "198.51.100.25", "HTTP_TRUE_CLIENT_IP": "198.51.100.26",
}
status = []
b"".join(get_wsgi_application()(environ, lambda s, h, e=None: status.append(s)))
sentry_sdk.flush()
print(json.dumps({"status": status[0], "sent": sent}))
"""

RESET_LINK = "http://localhost/reset-password?uid=MQ&token=live-reset-token-4ab"
PERSONAL = (
    "live-reset-token-4ab",
    "query-secret",
    "203.0.113.77",
    "Probe-Agent",
    *(f"198.51.100.2{n}" for n in range(3, 7)),
)


def _sent_to_sentry(path: str, body: str = "{}", *, traces_sample_rate: float = 0.0, **env: str) -> tuple[str, str]:
    """(the response status, everything the SDK would have sent as JSON text) for a POST to ``path`` made from the
    reset page, from client 203.0.113.77."""
    full_env = {k: v for k, v in os.environ.items() if k not in {"SENTRY_DSN", "PROMETHEUS_MULTIPROC_DIR"}}
    probe = {"PATH": path, "BODY": body, "REFERER": RESET_LINK, "RATE": str(traces_sample_rate)}
    full_env.update({f"PROBE_{name}": value for name, value in probe.items()}, PROBE_REMOTE="203.0.113.77")
    full_env.update(DJANGO_SETTINGS_MODULE="config.settings.test", **env)
    result = subprocess.run(
        [sys.executable, "-c", CAPTURE], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    captured = json.loads(result.stdout.strip().splitlines()[-1])
    return captured["status"], json.dumps(captured["sent"])


def test_an_error_event_carries_no_link_token_no_query_string_and_no_client_address():
    # Given a request the database cannot serve (nothing listens on its port): a 503, reported to Sentry as an error
    unreachable = "postgres://nobody@127.0.0.1:1/none"
    body = '{"email": "someone@example.com"}'
    status, sent = _sent_to_sentry("/api/auth/password-reset/", body, DATABASE_URL=unreachable)

    # Then Sentry got the error, without the reset link's token, the query string, the client's address or agent
    assert status.startswith("503"), status
    assert '"level": "error"' in sent
    assert '"Content-Type": "application/json"' in sent  # the headers that help are kept
    for personal in PERSONAL:
        assert personal not in sent, personal


def test_a_5xx_answered_without_an_exception_is_one_event_grouped_by_its_view_and_status():
    # Given a request the database cannot serve: a 503 answered by the API's handler, no exception reaches Django
    unreachable = "postgres://nobody@127.0.0.1:1/none"
    status, sent = _sent_to_sentry("/api/auth/password-reset/", '{"email": "a@example.com"}', DATABASE_URL=unreachable)

    # Then Sentry gets one error event, the request line's, grouped by view and status rather than all 5xx together
    assert status.startswith("503"), status
    errors = [event for event in json.loads(sent) if event.get("level") == "error"]
    assert [event.get("fingerprint") for event in errors] == [["backend.request", "auth-password-reset", "503"]]


def test_a_sampled_transaction_carries_no_link_token_either():
    # Given tracing on, and an ordinary request from the reset page (no error at all)
    status, sent = _sent_to_sentry("/api/auth/refresh/", traces_sample_rate=1.0)

    assert status.startswith("401"), status
    assert '"transaction"' in sent
    for personal in PERSONAL:
        assert personal not in sent, personal


def test_requests_for_a_host_we_do_not_serve_send_nothing():
    # (scanners send them all day; Django logs each at ERROR)
    status, sent = _sent_to_sentry("/api/auth/refresh/", PROBE_HOST="scanner.example")

    assert status.startswith("400"), status
    assert '"level": "error"' not in sent
    assert "DisallowedHost" not in sent


# An outgoing request made while a sampled transaction runs, to a local server that records the headers it got.
OUTGOING = """
import json, threading, urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
import django
django.setup()
import sentry_sdk
from sentry_sdk.transport import Transport
from backend.observability.sentry import sentry_options

got = []

class Recorder(BaseHTTPRequestHandler):
    def do_GET(self):
        got.append({name.lower() for name in self.headers.keys()})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

class Discard(Transport):
    def capture_envelope(self, envelope):
        pass

server = HTTPServer(("127.0.0.1", 0), Recorder)
threading.Thread(target=server.handle_request, daemon=True).start()
sentry_sdk.init(**sentry_options(dsn="http://k@127.0.0.1:9/1", environment="prod", release="1", traces_sample_rate=1.0),
                transport=Discard)
with sentry_sdk.start_transaction(name="register", sampled=True):
    urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/range/ABCDE", timeout=10).read()
print(json.dumps(sorted(got[0])))
"""


def test_outgoing_requests_carry_no_trace_headers():
    # Given tracing on, a request to a third party (the leaked-password API, a sign-in provider) made during a
    # sampled transaction: the SDK would add sentry-trace and a baggage naming our DSN key, release and view.
    env = {k: v for k, v in os.environ.items() if k not in {"SENTRY_DSN", "PROMETHEUS_MULTIPROC_DIR"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test")
    result = subprocess.run(
        [sys.executable, "-c", OUTGOING], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr[-3000:]
    headers = json.loads(result.stdout.strip().splitlines()[-1])
    assert "user-agent" in headers  # the request arrived, headers and all
    assert "sentry-trace" not in headers
    assert "baggage" not in headers
