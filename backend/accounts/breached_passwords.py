"""Leaked-password protection: is a password one that Have I Been Pwned's "Pwned Passwords" knows from a breach?

k-anonymity (the range API, https://haveibeenpwned.com/API/v3#PwnedPasswords): the password's SHA-1 is computed
here and only its first 5 hex characters leave the process, ``GET {PASSWORD_BREACH_API_URL}{prefix}``. The API
answers every suffix it knows under that prefix (``SUFFIX:COUNT`` lines, hundreds of them), and the comparison with
ours happens here. With ``Add-Padding: true`` the answer is also padded with made-up suffixes of count 0, so its
size does not tell which prefix was asked either; those lines never match. Neither the password, its hash nor its
suffix is ever logged or sent.

Fail open: when the API cannot be reached, times out, answers other than 200 or answers something that is not a
range list, the password is accepted (Django's own common-password list has already judged it), a warning is logged
and ``password_breach_checks_total{result="unavailable"}`` counted. The outage is remembered in the cache for
OUTAGE_REMEMBER_SECONDS, so that while it lasts a password set does not wait for the timeout each time (counted as
``skipped``). Availability over strictness: an outage of a third-party API must not stop sign-ups, password
changes and resets (a reset is how a locked-out user gets back in). Turn the check off with
PASSWORD_BREACH_CHECK=false (docs/security.md).

Why not ``pwned-passwords-django`` (5.2.0): it needs httpx (and its httpcore, h11, anyio, certifi, ...) for one GET;
its endpoint is a class attribute and its timeout is read once, at import, into a module-level client, so neither
follows the settings (PASSWORD_BREACH_API_URL, PASSWORD_BREACH_TIMEOUT_SECONDS) without subclassing its private
parts; and on an outage it logs at ERROR through the standard library and falls back to Django's
CommonPasswordValidator (which AUTH_PASSWORD_VALIDATORS already runs) on every call, with no memory of the outage,
no metric, and its own error code. What would be left of it is the twenty lines below.
"""

import hashlib
import http.client
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables

from backend.observability.logging import get_logger
from backend.observability.metrics import password_breach_checks

logger = get_logger("backend.accounts.breached_passwords")

USER_AGENT = "scalable-auth-dashboard (leaked-password protection)"
# Long enough for any outage blip, short enough that a recovered API is used again within the minute.
OUTAGE_REMEMBER_SECONDS = 60
OUTAGE_CACHE_KEY = "accounts:password-breach-api:unavailable"
# A padded answer is 800 to 1,000 lines of 40 bytes or so: anything far past that is not the range API.
MAX_ANSWER_BYTES = 1024 * 1024
_SUFFIX_LENGTH = 35
_HEX = frozenset("0123456789ABCDEF")

UnavailableReason = Literal["unreachable", "timeout", "http_status", "bad_answer"]


class BreachApiUnavailable(Exception):
    """The range API gave no usable answer; ``reason`` says how (safe to log: no password-derived data)."""

    def __init__(self, reason: UnavailableReason, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason = reason
        self.detail = detail


# An answer asked for ahead (password_breached_ahead): the password's SHA-1 and whether it is breached.
_answered_ahead: ContextVar[tuple[str, bool] | None] = ContextVar("password_breach_answered_ahead", default=None)


@sensitive_variables()
def password_breached(password: str) -> bool:
    """Whether the range API lists ``password`` (a count above 0); False when the check is off, when the API gives
    no usable answer now (logged and counted, and remembered for OUTAGE_REMEMBER_SECONDS) or while such an outage
    is remembered. Inside ``password_breached_ahead(password)``, that answer, without asking again."""
    if not settings.PASSWORD_BREACH_CHECK:
        return False
    ahead = _answered_ahead.get()
    if ahead is not None and ahead[0] == _sha1(password):
        return ahead[1]
    if cache.get(OUTAGE_CACHE_KEY):
        password_breach_checks.labels(result="skipped").inc()
        return False
    try:
        count = password_breach_count(password)
    except BreachApiUnavailable as unavailable:
        cache.set(OUTAGE_CACHE_KEY, True, OUTAGE_REMEMBER_SECONDS)
        password_breach_checks.labels(result="unavailable").inc()
        logger.warning(
            "password_breach_check_unavailable",
            reason=unavailable.reason,
            detail=unavailable.detail,
            api_url=settings.PASSWORD_BREACH_API_URL,
            consequence=f"passwords accepted unchecked for {OUTAGE_REMEMBER_SECONDS}s",
        )
        return False
    password_breach_checks.labels(result="breached" if count else "clean").inc()
    return count > 0


@sensitive_variables()
def password_breached_ahead(password: str) -> AbstractContextManager[None]:
    """Ask now whether ``password`` is breached, and have ``password_breached(password)`` give that answer inside
    the returned context: for a caller that validates the password later inside a transaction it does not control
    (the admin's add view), so the wait on the API, up to PASSWORD_BREACH_TIMEOUT_SECONDS, holds no transaction,
    with its locks, open."""
    return _answered(_sha1(password), password_breached(password))


@contextmanager
def _answered(digest: str, breached: bool) -> Iterator[None]:
    token = _answered_ahead.set((digest, breached))
    try:
        yield
    finally:
        _answered_ahead.reset(token)


@sensitive_variables()
def _sha1(password: str) -> str:
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


@sensitive_variables()
def password_breach_count(password: str) -> int:
    """How many times the range API has seen ``password`` in breaches (0: never). Sends only the first 5 hex
    characters of its SHA-1. Raises BreachApiUnavailable when there is no usable answer."""
    digest = _sha1(password)
    return suffix_count(range_fetch(digest[:5]), digest[5:])


@sensitive_variables("suffix")
def suffix_count(answer: str, suffix: str) -> int:
    """``suffix``'s count in a range answer (0 when absent; a padding line's 0 is absent). Raises
    BreachApiUnavailable("bad_answer") when no line of ``answer`` is a range line at all: a 200 from something else
    (a captive portal, a proxy's error page) must not pass for "never breached" unnoticed."""
    count = 0
    range_lines = 0
    for line in answer.splitlines():
        line_suffix, separator, line_count = line.strip().partition(":")
        line_suffix = line_suffix.upper()
        line_count = line_count.strip().replace(",", "")  # the API has been seen writing "1,234"
        if not separator or len(line_suffix) != _SUFFIX_LENGTH or not _HEX.issuperset(line_suffix):
            continue
        if not line_count.isdigit():
            continue
        range_lines += 1
        if line_suffix == suffix:
            count = int(line_count)
    if not range_lines:
        raise BreachApiUnavailable("bad_answer", "no SUFFIX:COUNT line in a 200 answer")
    return count


def range_fetch(prefix: str) -> str:
    """The range API's answer for a 5-hex-character ``prefix``, padded, within PASSWORD_BREACH_TIMEOUT_SECONDS in
    all: looking up the host, connecting and reading the whole answer. A password set waits on it, and only each
    socket operation could be bounded in place (a DNS lookup cannot be), so the request runs on a thread of its
    own that the caller stops waiting for."""
    timeout = settings.PASSWORD_BREACH_TIMEOUT_SECONDS
    fetch = _fetch_threads().submit(_fetch, f"{settings.PASSWORD_BREACH_API_URL}{prefix}", timeout)
    try:
        return fetch.result(timeout=timeout)
    except TimeoutError:
        fetch.cancel()  # not started (every fetch thread was busy, e.g. with a hung lookup): now it never will be
        raise BreachApiUnavailable("timeout", f"no whole answer within {timeout}s") from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 200, not followed: the range API does not redirect, and following one
    would send the prefix, and wait, wherever it points."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)
FETCH_THREADS = 4
_threads: tuple[int, ThreadPoolExecutor] | None = None
_threads_lock = threading.Lock()


def _fetch_threads() -> ThreadPoolExecutor:
    """This process's fetch threads, a few at most: while they are all stuck (a lookup that hangs), the checks
    after them time out waiting instead of each starting a thread. Made again in a forked child (gunicorn's
    workers), whose copy would have no threads."""
    global _threads
    with _threads_lock:
        if _threads is None or _threads[0] != os.getpid():
            _threads = (os.getpid(), ThreadPoolExecutor(max_workers=FETCH_THREADS, thread_name_prefix="breach-check"))
        return _threads[1]


def _fetch(url: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    try:
        request = urllib.request.Request(  # noqa: S310 (http(s) only: config/production_checks.py checks the URL)
            url, headers={"Add-Padding": "true", "User-Agent": USER_AGENT, "Accept": "text/plain"}
        )
        with _OPENER.open(request, timeout=timeout) as response:
            if response.status != 200:
                raise BreachApiUnavailable("http_status", f"HTTP {response.status}")
            body = _read_until(response, deadline=deadline)
    except urllib.error.HTTPError as error:
        error.close()
        raise BreachApiUnavailable("http_status", f"HTTP {error.code}") from None
    except urllib.error.URLError as error:
        reason: UnavailableReason = "timeout" if isinstance(error.reason, TimeoutError) else "unreachable"
        raise BreachApiUnavailable(reason, _describe(error.reason)) from None
    except TimeoutError as error:
        raise BreachApiUnavailable("timeout", _describe(error)) from None
    except (OSError, http.client.HTTPException, ValueError) as error:  # ValueError: a URL urllib cannot send
        raise BreachApiUnavailable("unreachable", _describe(error)) from None
    try:
        return body.decode("ascii")
    except UnicodeDecodeError:
        raise BreachApiUnavailable("bad_answer", "not ASCII text") from None


def _read_until(response: http.client.HTTPResponse, *, deadline: float) -> bytes:
    """The body, as it arrives (read1: one read of the socket at most, each waiting at most the socket timeout), so a
    server that trickles it cannot hold the fetch thread past ``deadline``, nor an endless one fill the memory."""
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise BreachApiUnavailable("bad_answer", f"answer over {MAX_ANSWER_BYTES} bytes")
        if time.monotonic() > deadline:
            raise TimeoutError("the answer took longer than PASSWORD_BREACH_TIMEOUT_SECONDS")
    # http.client ends a body quietly when the server closes before its Content-Length: the lines that did arrive
    # would pass for a whole answer, and a missing one for "never breached".
    if response.length:
        raise BreachApiUnavailable("bad_answer", f"answer cut short, {response.length} bytes missing")
    return b"".join(chunks)


def _describe(error: object) -> str:
    return f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error)
