"""Rendered JSON bodies cached per owner, invalidated in O(1) by bumping the owner's version.

Every entry carries the owner's version number it was rendered under; a write bumps the
version (after commit), so all of that owner's entries stop matching at once, on every
pod, with no scan or pattern delete. Stale entries are overwritten by the next render or
expire by TTL. A reader takes the version *before* it reads the database, so a body built
from data older than a write can only be stored with the version that write already
retired. The version and the entry are read in one round trip (MGET): their keys do not
depend on each other.

The value is the exact bytes a fresh render produces, with its ETag, so a hit is
byte-for-byte the database's answer and ``If-None-Match`` is answered without
serializing anything. When Redis is down every lookup is a miss (django-redis
IGNORE_EXCEPTIONS) and the body is rendered from the database.
"""

import contextlib
import hashlib
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dt_time
from typing import Any
from uuid import UUID

import orjson
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.utils import encoders

from .db_router import replica_read_is_cacheable
from .exceptions import InvalidIfMatch
from .outage import redis_breaker, report_redis_failure
from .redis_raw import held_script_run, redis_client, redis_configured, script
from .signals import cache_lookup

# Part of every key: bump it when the stored format changes, so a new release never reads an old one. (Entries
# of the layout before the version moved into the value had one more key segment, so the two never collide.)
FORMAT = "v1"

# KEYS[1] an owner's version: bumped when present (an integer, which django-redis stores unencoded), else left absent.
_BUMP_IF_PRESENT = script(b"if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end return 0")


# Bodies larger than this are rendered every time, not kept: every distinct query string (a search, a filter, any
# parameter at all) is an entry of its own for the TTL, so without a bound one account could fill Redis, which
# also holds the sessions and the rate limits, with pages of 100 long descriptions (about 1 MB each) at its rate
# limit. A page of 100 tasks of ordinary length is about 30 KB.
MAX_CACHED_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class RenderedBody:
    body: bytes
    etag: str  # quoted, strong: '"…"'


_drf_encoder = encoders.JSONEncoder()


def _drf_default(value: Any) -> Any:
    # Types orjson does not know (Decimal, lazy strings, querysets...), converted as DRF's encoder does.
    return _drf_encoder.default(value)


def render_json(data: Any, *, etag: str | None = None) -> RenderedBody:
    """The JSON DRF's JSONRenderer gives for ``data`` (compact, UTF-8, U+2028/U+2029 escaped), encoded by
    orjson; the ETag defaults to a hash of the bytes."""
    body = orjson.dumps(data, default=_drf_default, option=orjson.OPT_UTC_Z)
    if b"\xe2\x80" in body:  # the UTF-8 lead bytes of U+2028/U+2029 (and other punctuation): rare
        body = body.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
    return RenderedBody(body=body, etag=etag or quoted_etag(body))


def quoted_etag(material: bytes) -> str:
    return '"' + hashlib.blake2b(material, digest_size=16).hexdigest() + '"'


class OwnerVersionedCache:
    """One namespace (e.g. "tasks") of per-owner cached bodies. ``shape`` names what the bodies show (e.g. their
    columns): part of every entry's key, so a release that changes it never serves a body of the old shape."""

    def __init__(self, namespace: str, *, shape: str = "") -> None:
        self.namespace = namespace
        self.shape = shape

    def keys(self, *, owner_id: UUID | str, kind: str, parts: Iterable[str]) -> tuple[str, str]:
        """The owner's version key and the entry's key. No version in the entry's key (the entry holds it),
        so one MGET fetches both, or authentication's MGET does (read_ahead)."""
        material = "\x1f".join([self.shape, *parts]).encode("utf-8", "surrogatepass")
        digest = hashlib.blake2b(material, digest_size=16).hexdigest()
        return self._version_key(owner_id), f"{self.namespace}:{FORMAT}:{owner_id}:{kind}:{digest}"

    def get_or_render(
        self,
        *,
        owner_id: UUID,
        kind: str,
        parts: Iterable[str],
        render: Callable[[], RenderedBody],
        read_ahead: Mapping[str, Any] | None = None,
        keys: tuple[str, str] | None = None,
    ) -> RenderedBody:
        """The cached body for ``parts`` under the owner's current version, else ``render()`` stored for the TTL.

        ``read_ahead``: values of keys already fetched this request (ApiView.read_ahead); used when it holds both.
        ``keys``: ``self.keys(...)`` of these arguments, when the caller has them already.
        """
        ttl = settings.TASK_CACHE_TTL_SECONDS
        if ttl <= 0:  # caching off
            return render()
        version_key, key = keys or self.keys(owner_id=owner_id, kind=kind, parts=parts)
        if read_ahead is not None and version_key in read_ahead and key in read_ahead:
            version, cached = self._parse(version_key, key, read_ahead)
        else:
            version, cached = self._read(version_key, key)
        if version is None:
            version = self._version_start(version_key)
            if version is None:  # Redis unreachable
                return render()
        hit = cached is not None and cached[0] == version
        cache_lookup.send(sender=None, namespace=f"{self.namespace}.{kind}", hit=hit)
        if hit:
            return cached[1]  # type: ignore[index]
        fresh = render()
        if len(fresh.body) > MAX_CACHED_BODY_BYTES or not replica_read_is_cacheable(owner_id):  # replicas: scaling.md
            return fresh
        # Builtins only (no pickled classes), so any release can read what another wrote.
        cache.set(key, (version, fresh.etag, fresh.body), timeout=ttl)
        return fresh

    @staticmethod
    def _read(version_key: str, key: str) -> tuple[int | None, tuple[int, RenderedBody] | None]:
        """The owner's version and the entry at ``key`` (with the version it was rendered under), either None."""
        try:
            values = cache.get_many([version_key, key])
        except Exception as exc:  # e.g. a value another release wrote that does not decode: a miss, not a 500
            report_redis_failure("an unreadable cache entry was treated as a miss", exc)
            return None, None
        return OwnerVersionedCache._parse(version_key, key, values)

    @staticmethod
    def _parse(
        version_key: str, key: str, values: Mapping[str, Any]
    ) -> tuple[int | None, tuple[int, RenderedBody] | None]:
        version = values.get(version_key)
        if not isinstance(version, int):
            version = None
        match values.get(key):
            case (int() as rendered_under, str() as etag, bytes() as body):
                return version, (rendered_under, RenderedBody(body=body, etag=etag))
        return version, None

    def get_or_count(
        self,
        *,
        owner_id: UUID,
        kind: str,
        parts: Iterable[str],
        count: Callable[[], int],
        read_ahead: Mapping[str, Any] | None = None,
        keys: tuple[str, str] | None = None,
    ) -> int:
        """``count()`` cached under the owner's current version for TASK_COUNT_CACHE_TTL_SECONDS (0: off).

        Independent of the bodies' TTL: a page rendered again after its body expired (or on a server with
        bodies off) still skips the COUNT while the owner's tasks are unchanged.
        """
        version, key, cached = self.lookup(owner_id=owner_id, kind=kind, parts=parts, read_ahead=read_ahead, keys=keys)
        if isinstance(cached, int):
            return cached
        fresh = count()
        self.store(key, version, fresh, owner_id=owner_id)
        return fresh

    def lookup(
        self,
        *,
        owner_id: UUID,
        kind: str,
        parts: Iterable[str],
        read_ahead: Mapping[str, Any] | None = None,
        keys: tuple[str, str] | None = None,
    ) -> tuple[int | None, str, Any]:
        """A small derived value (a count, a page's first key) of the owner's current version: (that version, or
        None when off or Redis is unreachable; the entry's key; the value, or None on a miss). One round trip, or
        none when ``read_ahead`` holds both keys. Kept for TASK_COUNT_CACHE_TTL_SECONDS, independently of the
        bodies' TTL."""
        version_key, key = keys or self.keys(owner_id=owner_id, kind=kind, parts=parts)
        if settings.TASK_COUNT_CACHE_TTL_SECONDS <= 0:
            return None, key, None
        if read_ahead is not None and version_key in read_ahead and key in read_ahead:
            values: Mapping[str, Any] = read_ahead
        else:
            try:
                values = cache.get_many([version_key, key])
            except Exception as exc:  # a value that does not decode: a miss
                report_redis_failure("an unreadable cache entry was treated as a miss", exc)
                values = {}
        version = values.get(version_key)
        if not isinstance(version, int):
            version = self._version_start(version_key)
        hit = None
        match values.get(key):
            case (int() as stored_under, value) if stored_under == version:
                hit = value
        cache_lookup.send(sender=None, namespace=f"{self.namespace}.{kind}", hit=hit is not None)
        return version, key, hit

    def store(self, key: str, version: int | None, value: Any, *, owner_id: UUID | str) -> None:
        """Keep ``value`` (builtins only) as of ``version``, the one lookup() returned before the database read.

        Not when this request read from a replica while the owner wrote (replica_read_is_cacheable, as for
        bodies): a count or anchor from a lagging replica would otherwise outlive the write that retired it."""
        if version is not None and replica_read_is_cacheable(owner_id):
            cache.set(key, (version, value), timeout=settings.TASK_COUNT_CACHE_TTL_SECONDS)

    def invalidate(self, owner_id: UUID) -> None:
        """Retire every cached body of this owner (call after the write commits). Tried even while this process's
        Redis breaker is open (outage.py)."""
        version_key = self._version_key(owner_id)
        with redis_breaker.attempt_anyway():
            if not redis_configured():  # the local-memory cache: one process, nothing to fail
                # ValueError: no version yet; nothing is cached under one, and the next reader starts a fresh one.
                with contextlib.suppress(ValueError):
                    cache.incr(version_key)
                return
            try:
                client = redis_client()  # None: the breaker is open even for these (an attempt failed this interval)
                if client is not None:
                    # One EVALSHA (django-redis's incr sends its whole script by EVAL, every write). A missing key
                    # stays missing: the next reader starts a fresh, time-based version (_version_start).
                    held_script_run(client, _BUMP_IF_PRESENT, cache.make_key(version_key))
                    return
            except (RedisError, ConnectionInterrupted) as exc:  # RedisCircuitOpen too: another thread tripped it
                redis_breaker.trip()
                report_redis_failure("cache reads fall back to the database", exc)
        report_redis_failure(
            f"a write could not invalidate cached {self.namespace} reads, which may be stale if Redis kept its "
            f"data: bodies for up to TASK_CACHE_TTL_SECONDS ({settings.TASK_CACHE_TTL_SECONDS}s), counts and "
            f"deep-page anchors TASK_COUNT_CACHE_TTL_SECONDS ({settings.TASK_COUNT_CACHE_TTL_SECONDS}s)",
            None,
        )

    def _version_start(self, key: str) -> int | None:
        # A fresh, time-based start: if a version key is ever evicted, its successor cannot
        # collide with a number an older entry still carries.
        cache.add(key, time.time_ns(), timeout=self._version_ttl())
        version = cache.get(key)
        return version if isinstance(version, int) else None

    def _version_key(self, owner_id: UUID | str) -> str:
        return f"{self.namespace}:{FORMAT}:{owner_id}:version"

    @staticmethod
    def _version_ttl() -> int:
        # Outlives every entry written under it; an idle owner's key then expires on its own.
        return max(24 * 60 * 60, 10 * settings.TASK_CACHE_TTL_SECONDS, 10 * settings.TASK_COUNT_CACHE_TTL_SECONDS)


# ------------------------------------------------------------------------------
# CachedRead: one declared cached read, and the keys a view reads ahead
# ------------------------------------------------------------------------------
_KEYS_MEMO = "_cached_read_keys"  # on the DRF request: (id(CachedRead), owner id) -> its keys
_TODAY_MEMO = "_cached_read_today"  # on the DRF request: request_today's answer
_URL_MEMO = "_cached_read_url"  # on the DRF request: the digest of what its URL is made of (_url_digest)
_NOT_YET = object()


def request_today(request: Request | None) -> str:
    """Today's date in the current time zone (ISO); one answer per request, so a request's keys agree even across
    midnight. Remembered per process until the zone's next midnight (at most an hour): converting the time to the
    zone is most of its cost."""
    memo = vars(request) if request is not None else {}
    today = memo.get(_TODAY_MEMO)
    if today is None:
        today = memo[_TODAY_MEMO] = _local_today()
    return today  # type: ignore[no-any-return]


_today_held: tuple[Any, datetime, datetime, str] | None = None  # (zone, valid from, valid until, its date)


def _local_today() -> str:
    global _today_held
    zone, now, held = timezone.get_current_timezone(), timezone.now(), _today_held
    if held is not None and held[0] is zone and held[1] <= now < held[2]:
        return held[3]
    local = timezone.localtime(now, zone).date()
    day_start = datetime.combine(local, dt_time.min, tzinfo=zone)
    next_day = datetime.combine(local + timedelta(days=1), dt_time.min, tzinfo=zone)
    # Held for the day it is now; a clock set back before its start computes the date again.
    _today_held = (zone, min(day_start, now), min(next_day, now + timedelta(hours=1)), local.isoformat())
    return local.isoformat()


# The environ values a request's URL is made of, as Django builds it (get_host(), path, the query string), beside
# request.scheme itself (under ASGI it comes from the connection's scope, not the environ): with the settings they
# depend on fixed, equal values give the same URL. Remembered as a digest, so a long header costs no memory.
_URL_ENVIRON = (
    "HTTP_HOST",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
)
_keys_by_url: dict[tuple[Any, ...], tuple[str, str] | None] = {}  # see CachedRead.keys
_KEYS_BY_URL_MAX = 8192  # about 1 MB at most: a key is a digest, an owner id, a date, two short strings


def _url_digest(request: Request) -> bytes:
    memo = vars(request)
    digest = memo.get(_URL_MEMO)
    if digest is None:
        environ = request.META
        inputs = (request.scheme, *(environ.get(name) for name in _URL_ENVIRON))
        digest = memo[_URL_MEMO] = hashlib.blake2b(
            repr(inputs).encode("utf-8", "surrogatepass"), digest_size=16
        ).digest()
    return digest  # type: ignore[no-any-return]


@receiver(setting_changed)
def _forget_keys_by_url(**kwargs: Any) -> None:
    _keys_by_url.clear()  # a test changed a setting a URL depends on (ALLOWED_HOSTS, the proxy headers...)


@dataclass(frozen=True)
class CachedRead:
    """One cached read of an owner's data: where it is kept and how its key comes from the request.

    Selectors declare them (e.g. ``TASK_LIST_PAGE``); a view lists the ones it serves in ``cached_reads``
    (common.views.ApiView), so authentication fetches their keys in its own cache round trip, and the view
    asks the read for its value with ``get_or_render`` / ``get_or_count``. ``key_parts`` returns None when
    this request's read must not be cached (e.g. a malformed id): the value is then computed every time.

    ``from_url_and_date``: ``key_parts`` reads nothing but the request's URL (scheme, host, path, query string)
    and ``request_today``. Its keys are then remembered across requests, per URL, owner and date: working them
    out (the host check, the query's parsing, the hashes) was about a tenth of a cached read's CPU.
    """

    cache: OwnerVersionedCache
    kind: str
    key_parts: Callable[[Request], list[str] | None]
    from_url_and_date: bool = False

    def keys(self, request: Request, *, owner_id: UUID | str) -> tuple[str, str] | None:
        """The owner's version key and this read's entry key, or None when this request is not cacheable.

        Worked out once per request and read: authentication asks for them (read-ahead), then the view."""
        memo: dict[tuple[int, str], tuple[str, str] | None] = vars(request).setdefault(_KEYS_MEMO, {})
        owner = str(owner_id)
        found = memo.get((id(self), owner), _NOT_YET)
        if found is not _NOT_YET:
            return found  # type: ignore[return-value]
        by_url = None
        if self.from_url_and_date:
            # With the cache's shape, which its keys hash (a test, or a release, may change it in a process).
            by_url = (id(self), self.cache.shape, owner, request_today(request), _url_digest(request))
            found = _keys_by_url.get(by_url, _NOT_YET)
        if found is _NOT_YET:
            parts = self.key_parts(request)
            found = None if parts is None else self.cache.keys(owner_id=owner_id, kind=self.kind, parts=parts)
            if by_url is not None:
                if len(_keys_by_url) >= _KEYS_BY_URL_MAX:
                    _keys_by_url.clear()  # bounded: many owners and URLs only cost working keys out again
                _keys_by_url[by_url] = found  # type: ignore[assignment]
        memo[id(self), owner] = found  # type: ignore[assignment]
        return found  # type: ignore[return-value]

    def get_or_render(
        self,
        request: Request,
        *,
        owner_id: UUID,
        render: Callable[[], RenderedBody],
        read_ahead: Mapping[str, Any] | None = None,
    ) -> RenderedBody:
        """The cached body under the owner's current version, else ``render()`` (stored for TASK_CACHE_TTL_SECONDS)."""
        keys = self.keys(request, owner_id=owner_id)
        if keys is None:
            return render()
        return self.cache.get_or_render(
            owner_id=owner_id, kind=self.kind, parts=(), render=render, read_ahead=read_ahead, keys=keys
        )

    def get_or_count(
        self,
        request: Request,
        *,
        owner_id: UUID,
        count: Callable[[], int],
        read_ahead: Mapping[str, Any] | None = None,
    ) -> int:
        """The cached count under the owner's current version, else ``count()`` (kept for
        TASK_COUNT_CACHE_TTL_SECONDS, independently of the bodies' TTL)."""
        keys = self.keys(request, owner_id=owner_id)
        if keys is None:
            return count()
        return self.cache.get_or_count(
            owner_id=owner_id, kind=self.kind, parts=(), count=count, read_ahead=read_ahead, keys=keys
        )


# ------------------------------------------------------------------------------
# HTTP: conditional requests over RenderedBody
# ------------------------------------------------------------------------------
def revalidate_always(response: HttpResponse) -> None:
    """Browsers may keep it, but must revalidate (cheap: a 304) before each use; shared caches must not keep it.

    patch_cache_control(response, private=True, no_cache=True), whose result on a response without
    Cache-Control is always the same string: set as is then (a fresh response has none), patched otherwise."""
    if "Cache-Control" in response:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        response.headers["Cache-Control"] = _PRIVATE_NO_CACHE


def _private_no_cache() -> str:
    response = HttpResponse()
    patch_cache_control(response, private=True, no_cache=True)
    return response["Cache-Control"]


_PRIVATE_NO_CACHE = _private_no_cache()


def json_response(rendered: RenderedBody, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(rendered.body, status=status, content_type="application/json")
    response.headers["ETag"] = rendered.etag
    revalidate_always(response)
    return response


def conditional_json_response(request: HttpRequest, rendered: RenderedBody) -> HttpResponse:
    """200 with the body, or 304 when ``If-None-Match`` already names its ETag (weak comparison, RFC 9110)."""
    # From META: request.headers would build a dict of every header first.
    if etag_listed(request.META.get("HTTP_IF_NONE_MATCH"), rendered.etag, weak=True):
        response = HttpResponseNotModified()
        response.headers["ETag"] = rendered.etag
        revalidate_always(response)
        return response
    return json_response(rendered)


# An If-Match value (RFC 9110 13.1.1): "*" or a comma-separated list of entity tags.
IF_MATCH_PATTERN = r'\*|(W/)?"[^"]*"([ \t]*,[ \t]*(W/)?"[^"]*")*'


def if_match_etags(request: HttpRequest) -> list[str] | None:
    """The ETags of an ``If-Match`` header (``["*"]`` for any), or None without one. An empty header counts as
    none (it names no ETag, so it can state no precondition); a malformed one is a 400 (InvalidIfMatch), not a
    precondition that failed."""
    header = (request.META.get("HTTP_IF_MATCH") or "").strip(" \t")
    if not header:
        return None
    if not re.fullmatch(IF_MATCH_PATTERN, header):
        raise InvalidIfMatch()
    return parse_etags(header)


def etag_listed(header: str | None, etag: str, *, weak: bool = False) -> bool:
    """Whether a conditional header (``If-None-Match``/``If-Match`` value) lists ``etag`` or ``*``."""
    if not header:
        return False
    listed = parse_etags(header)
    if weak:
        listed = [tag.removeprefix("W/") for tag in listed]
    return "*" in listed or etag in listed
