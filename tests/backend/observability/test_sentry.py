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
