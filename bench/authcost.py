"""CPU cost of authenticating one request, measured in-process with ``time.process_time``.

Runs inside Django with the bench's real database and cache, so the session-liveness check
takes the same path as in a worker (a cache hit after the first call). CPU time excludes the
wait for Redis or PostgreSQL to answer: that is latency, not this process's cost.
"""

import time
from collections.abc import Callable
from typing import Any

from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework_simplejwt.tokens import AccessToken

from backend.accounts.authentication import SessionJWTAuthentication
from backend.accounts.selectors import session_is_live
from backend.accounts.tokens import SESSION_CLAIM


def _cpu_ms_per_call(call: Callable[[], Any], iterations: int) -> float:
    for _ in range(min(50, iterations)):  # warm caches, connections and imports
        call()
    start = time.process_time()
    for _ in range(iterations):
        call()
    return (time.process_time() - start) * 1000 / iterations


def auth_cpu_ms(*, token: str, iterations: int) -> dict[str, float]:
    """Milliseconds of CPU per call: the whole DRF authentication and its parts."""
    factory = APIRequestFactory()
    request = Request(factory.get("/api/tasks/", HTTP_AUTHORIZATION=f"Bearer {token}"))
    auth = SessionJWTAuthentication()
    claims = AccessToken(token.encode())  # type: ignore[arg-type]
    session_id, user_id = str(claims[SESSION_CLAIM]), str(claims["user_id"])

    def authenticate() -> None:
        if auth.authenticate(request) is None:
            raise RuntimeError("the bench token did not authenticate")

    return {
        "total": _cpu_ms_per_call(authenticate, iterations),
        "jwt_verify": _cpu_ms_per_call(lambda: AccessToken(token.encode()), iterations),  # type: ignore[arg-type]
        "session_check": _cpu_ms_per_call(lambda: session_is_live(session_id=session_id, user_id=user_id), iterations),
    }
