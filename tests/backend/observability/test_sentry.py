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
