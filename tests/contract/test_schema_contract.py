"""The OpenAPI schema is the exact contract: schemathesis (`--checks all`) against the product under gunicorn.

`make test-contract` runs this module. The product is served on a fresh SQLite database with a real
signed-in user; schemathesis reads the served `/api/schema/` and generates requests for every operation
(seeded, a bounded number of examples each), and fails on any check: a 5xx, a status code or a body the
schema does not document, a schema-valid request refused, and so on.

The operations that end the fuzzer's own session (logout, logout-all, password change, session revoke,
reset confirm, account deletion, email change) are excluded from that run and get a run of their own in which
every request carries a session of its own (hooks.py).

schemathesis.toml (beside this module) declares the two refusals of schema-valid requests that depend on
server state, not on the request: a well-formed `If-Match` naming an ETag the task no longer has (412), and
registering an address that already has an account (400). A third, an `Idempotency-Key` already used with another
body (422), cannot happen: fresh_idempotency_keys.py gives every request a key of its own.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.servers import served
from tests.support.smtp import SmtpServer, link_in, link_params

pytestmark = pytest.mark.contract

BIN = Path(sys.executable).parent
SEED = "20261205"
REPORTS = Path(__file__).resolve().parents[2] / "var" / "contract"
EXAMPLES = os.environ.get("CONTRACT_MAX_EXAMPLES", "60")
CONFIG = Path(__file__).with_name("schemathesis.toml")
EMAIL = "contract@example.com"
PASSWORD = "contract-Passw0rd-long"
SESSION_ENDING = (
    "auth_logout_create",
    "auth_logout_all_create",
    "auth_password_create",
    "auth_sessions_destroy",
    "auth_password_reset_confirm_create",
    "auth_me_destroy",  # deletes the account (and wrong current passwords end the session, as for a password change)
    "auth_email_change_create",  # wrong current passwords end the session, as for a password change
    "auth_reauthenticate_create",  # so do wrong passwords given to re-authenticate
)
# What the server changes from `make run`'s settings, and why (printed with the results).
SERVER_ENV = {
    # The fuzzer sends thousands of requests from one IP and one user in a minute: the limits would turn
    # most of them into (documented) 429s and hide the operations behind them. The limits have their own tests.
    "RATE_LIMIT_ENABLED": "false",
    # One access token serves the whole run.
    "ACCESS_TOKEN_LIFETIME_SECONDS": "3600",
}


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, mail_dir: Path) -> Iterator[str]:
    # Email over SMTP to a local server that also saves each message in mail_dir, so hooks.py (in schemathesis'
    # process) can follow a real reset link.
    with (
        SmtpServer(save_to=mail_dir) as smtp,
        served(tmp_path_factory.mktemp("contract"), REDIS_URL="", **SERVER_ENV, **smtp.environment()) as url,
    ):
        registered = requests.post(f"{url}/api/auth/register/", json={"email": EMAIL, "password": PASSWORD}, timeout=30)
        assert registered.status_code == 201, registered.text
        # Confirmed, as its owner does by the emailed link: adding a second factor needs it (docs/mfa.md), and the
        # run should reach the enrolments' successes, not only their 403.
        link = link_in(smtp.wait_for(to=EMAIL, subject="Confirm your email address")[0], "/verify-email")
        token = link_params(link)["token"]
        verified = requests.post(f"{url}/api/auth/email/verify/", json={"token": token}, timeout=30)
        assert verified.status_code == 200, verified.text
        yield url


def _schemathesis(url: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/api/schema/",
        "--checks",
        "all",
        "--max-examples",
        EXAMPLES,
        "--seed",
        SEED,
        "--no-color",
        "--report-dir",
        str(REPORTS),
        "--request-timeout",
        "30",
        *args,
    ]
    print("settings changed for this server, and why:", SERVER_ENV)  # shown with -s or on failure
    return subprocess.run(
        command, capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {}), "NO_COLOR": "1"}
    )


def _access_token(url: str) -> str:
    response = requests.post(f"{url}/api/auth/login/", json={"email": EMAIL, "password": PASSWORD}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["access"]


def test_every_operation_but_the_session_ending_ones_keeps_the_contract(server):
    excluded = [arg for operation in SESSION_ENDING for arg in ("--exclude-operation-id", operation)]
    hooks_env = {
        "SCHEMATHESIS_HOOKS": "tests.contract.fresh_idempotency_keys",  # a new Idempotency-Key in every request
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }

    result = _schemathesis(
        server, "--header", f"Authorization: Bearer {_access_token(server)}", *excluded, env=hooks_env
    )

    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]


def test_the_session_ending_operations_keep_the_contract_with_a_fresh_session_each(server, mail_dir):
    included = [arg for operation in SESSION_ENDING for arg in ("--include-operation-id", operation)]
    hooks_env = {
        "SCHEMATHESIS_HOOKS": "tests.contract.hooks",  # a fresh account's session in every request
        "CONTRACT_BASE_URL": server,
        "CONTRACT_MAIL_DIR": str(mail_dir),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }

    result = _schemathesis(server, *included, env=hooks_env)

    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
