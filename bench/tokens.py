"""The bench's clients keep their access tokens fresh as the SPA does: refreshed shortly before they expire.

Production issues 5-minute access tokens (ACCESS_TOKEN_LIFETIME_SECONDS), and a full run lasts longer. Before
each wrk run the runner refreshes every token that would expire before the run (and its retries) could end,
through ``POST /api/auth/refresh/`` with the session's refresh token, as a client would; the rotated refresh
token comes back in the cookie. Refreshes happen between runs, so no run's numbers include them; a client
refreshes once per token lifetime, a negligible share of its requests. Every token is also refreshed once before
the first round (a client coming back after the seeding), so `make bench-smoke` covers the refresh path.
"""

import base64
import json
import time
import urllib.request
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

REFRESH_PATH = "/api/auth/refresh/"
# Production's refresh cookie is named sad_refresh (REFRESH_COOKIE_NAME), with the __Host- prefix when Secure.
REFRESH_COOKIE_SUFFIX = "refresh"


def token_expiry(token: str) -> float:
    """The ``exp`` claim of a JWT (unverified: the server checks it; the client only plans when to refresh)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return float(claims["exp"])


def token_lifetime(token: str) -> float:
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return float(claims["exp"]) - float(claims["iat"])


@dataclass
class Credentials:
    access: str
    refresh: str


class Clients:
    """The signed-in bench users, by key (``small-0``, ``big``, ``writer``): their current access tokens."""

    def __init__(self, credentials: dict[str, Credentials], *, headers: dict[str, str] | None = None) -> None:
        self.credentials = credentials
        self.headers = headers or {}
        self.refreshes = 0

    def access_tokens(self) -> dict[str, str]:
        return {key: c.access for key, c in self.credentials.items()}

    def due(self, *, within: float, now: float | None = None) -> list[str]:
        """The users whose access token expires within ``within`` seconds."""
        now = time.time() if now is None else now
        return [key for key, c in self.credentials.items() if token_expiry(c.access) - now <= within]

    def refresh(self, base_url: str, keys: list[str]) -> None:
        for key in keys:
            self.credentials[key] = refreshed(base_url, self.credentials[key], headers=self.headers)
            self.refreshes += 1

    def refresh_due(self, base_url: str, *, within: float) -> int:
        keys = self.due(within=within)
        self.refresh(base_url, keys)
        return len(keys)


def refreshed(base_url: str, credentials: Credentials, *, headers: dict[str, str]) -> Credentials:
    """A new access token and the rotated refresh token, from the server, as the SPA gets them."""
    request = urllib.request.Request(  # noqa: S310 - our own http URL
        base_url + REFRESH_PATH,
        data=json.dumps({"refresh": credentials.refresh}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own http URL
        body: dict[str, Any] = json.loads(response.read())
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
    rotated = next((m.value for name, m in cookies.items() if name.endswith(REFRESH_COOKIE_SUFFIX)), None)
    if not body.get("access") or not rotated:
        raise RuntimeError(f"bench: {REFRESH_PATH} answered without a new token pair: {sorted(body)}")
    return Credentials(access=body["access"], refresh=rotated)
