"""schemathesis hooks for the operations that end the fuzzer's own session (loaded via SCHEMATHESIS_HOOKS).

FreshAccount is an auth provider that signs a new account up for every request and puts its access token
and refresh cookie in the request, so logging out, revoking or changing the password never leaves the next
example without a session. Being an auth provider (not a plain header), its credentials are known to
schemathesis as the run's own: its probes remove or forge them and expect a 401.

For schema-valid requests, the values no schema can generate are filled in from that account: the current
password for a password change, the account's own session for a revocation, and for a reset confirmation
the uid and token of a real reset link, read from the email the product sent (over SMTP to the test's server,
which saves each message, decoded, in CONTRACT_MAIL_DIR).

CONTRACT_BASE_URL and CONTRACT_MAIL_DIR come from tests/contract/test_schema_contract.py.
"""

import os
import re
import secrets
import time
import uuid
from pathlib import Path
from typing import Any

import requests
import schemathesis
from requests.structures import CaseInsensitiveDict
from schemathesis.core.parameters import ParameterLocation

REFRESH_COOKIE = os.environ.get("REFRESH_COOKIE_NAME", "sad_refresh")
# The emailed link's parameters, in its fragment (backend/accounts/emails/links.py).
RESET_LINK = re.compile(r"[#?&]uid=([^&\s]+)&token=([^&\s]+)")


def _api(method: str, path: str, **kwargs: Any) -> requests.Response:
    response = requests.request(method, os.environ["CONTRACT_BASE_URL"] + path, timeout=30, **kwargs)
    response.raise_for_status()
    return response


class Account:
    def __init__(self) -> None:
        # Nothing like the email in the password (UserAttributeSimilarityValidator).
        self.email, self.password = f"fuzz-{uuid.uuid4().hex}@example.com", "Pw-" + secrets.token_urlsafe(18)
        signed_up = _api("POST", "/api/auth/register/", json={"email": self.email, "password": self.password})
        self.access: str = signed_up.json()["access"]
        self.refresh: str = signed_up.cookies[REFRESH_COOKIE]

    def current_session_id(self) -> str:
        sessions = _api("GET", "/api/auth/sessions/", headers={"Authorization": f"Bearer {self.access}"}).json()
        return next(session["id"] for session in sessions if session["current"])

    def reset_link(self) -> tuple[str, str]:
        """The uid and token of the reset link the product emails to this account."""
        mail_dir = Path(os.environ["CONTRACT_MAIL_DIR"])
        seen = set(mail_dir.glob("*.txt"))
        _api("POST", "/api/auth/password-reset/", json={"email": self.email})
        deadline = time.monotonic() + 15  # the email goes out from a background thread
        while time.monotonic() < deadline:
            for message in set(mail_dir.glob("*.txt")) - seen:
                text = message.read_text()
                if self.email in text and (link := RESET_LINK.search(text)):
                    return link[1], link[2]
            time.sleep(0.05)
        raise RuntimeError(f"no reset email for {self.email} in {mail_dir}")


def _valid_at(case: Any, location: ParameterLocation) -> bool:
    return case.meta is None or not case.meta.is_negative_at(location)


@schemathesis.auth(refresh_interval=None)  # no caching: every request signs up anew
class FreshAccount:
    def get(self, case: Any, context: Any) -> Account:
        return Account()

    def set(self, case: Any, account: Account, context: Any) -> None:
        case.headers = CaseInsensitiveDict({**(case.headers or {}), "Authorization": f"Bearer {account.access}"})
        case.cookies = {**(case.cookies or {}), REFRESH_COOKIE: account.refresh}
        if "session_id" in (case.path_parameters or {}) and _valid_at(case, ParameterLocation.PATH):
            # Revoke a real session (the account's own), not a random id that can only be a 404.
            case.path_parameters = {**case.path_parameters, "session_id": account.current_session_id()}
        if not (isinstance(case.body, dict) and _valid_at(case, ParameterLocation.BODY)):
            return
        if "current_password" in case.body:
            case.body = {**case.body, "current_password": account.password}
        if "uid" in case.body and "token" in case.body:
            uid, token = account.reset_link()
            case.body = {**case.body, "uid": uid, "token": token}
