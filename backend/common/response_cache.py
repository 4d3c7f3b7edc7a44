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
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from django.conf import settings
from django.core.cache import cache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError
from rest_framework.utils import encoders

from .db_router import replica_read_is_cacheable
from .outage import report_redis_failure
from .redis_breaker import redis_breaker
from .redis_raw import held_script_run, redis_client, redis_configured, script, waiting_work_set
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

# How many owners' version bumps a process keeps waiting for Redis (pending_bumps): a key of about 60 bytes each.
# Beyond that (a long outage, many writers) a write's bump is lost, as every one was before, and reported.
MAX_PENDING_BUMPS = 10_000


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


class _PendingBumps:
    """The owners whose version a committed write could not bump: Redis did not answer, or this process's breaker
    skipped the bump after one that failed (redis_breaker.py: for REDIS_RETRY_SECONDS, even once Redis answers
    again). Their cached reads keep matching, on every process, until the bump is made: without this, for up to
    TASK_CACHE_TTL_SECONDS, so a list read right after a write acknowledged once Redis was back could miss it.

    So each is kept here, and bumped by the first Redis call this process makes once its breaker lets it
    (redis_raw.redis_client runs ``flush``). Until then this process serves those owners from the database and
    stores nothing for them (OwnerVersionedCache._bump_waits). Another process may still serve their old entries
    until the flush (docs/security.md, "When Redis is down")."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        # version key -> how many bumps failed: a flush forgets only the keys no further failure came to meanwhile
        self._waiting: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._waiting)

    def __contains__(self, version_key: object) -> bool:
        return version_key in self._waiting

    def add(self, version_key: str) -> bool:
        """Keep ``version_key``'s bump for the next flush; False when MAX_PENDING_BUMPS others wait already."""
        with self._lock:
            if version_key in self._waiting:
                self._waiting[version_key] += 1
            elif len(self._waiting) < MAX_PENDING_BUMPS:
                self._waiting[version_key] = 1
            else:
                return False
            waiting_work_set(self.flush)
        return True

    def flush(self, client: Any) -> None:
        """Bump every waiting owner's version in one round trip; on a failure they keep waiting, and the breaker
        opens as for any Redis failure. Raises nothing."""
        if not self._flushing.acquire(blocking=False):
            return  # another thread is at it: meanwhile its owners still count as waiting
        try:
            with self._lock:
                waiting = dict(self._waiting)
            pipeline = client.pipeline(transaction=False)
            for version_key in waiting:
                pipeline.eval(_BUMP_IF_PRESENT.script, 1, cache.make_key(version_key))
            pipeline.execute()
            with self._lock:
                for version_key, failures in waiting.items():
                    if self._waiting.get(version_key) == failures:
                        del self._waiting[version_key]
                if not self._waiting:
                    waiting_work_set(None)
        except (RedisError, ConnectionInterrupted) as exc:
            redis_breaker.trip()
            report_redis_failure("cache reads fall back to the database", exc, component="response_cache")
        finally:
            self._flushing.release()

    def clear(self) -> None:
        """Forget every waiting bump (tests)."""
        with self._lock:
            self._waiting.clear()
            waiting_work_set(None)


pending_bumps = _PendingBumps()


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
        if self._bump_waits(version_key):
            return render()
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
            report_redis_failure("an unreadable cache entry was treated as a miss", exc, component="response_cache")
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
        if settings.TASK_COUNT_CACHE_TTL_SECONDS <= 0 or self._bump_waits(version_key):
            return None, key, None
        if read_ahead is not None and version_key in read_ahead and key in read_ahead:
            values: Mapping[str, Any] = read_ahead
        else:
            try:
                values = cache.get_many([version_key, key])
            except Exception as exc:  # a value that does not decode: a miss
                report_redis_failure("an unreadable cache entry was treated as a miss", exc, component="response_cache")
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
        Redis breaker is open (redis_breaker.py)."""
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
                report_redis_failure("cache reads fall back to the database", exc, component="response_cache")
        if pending_bumps.add(version_key):
            consequence = (
                f"a write could not invalidate cached {self.namespace} reads: this process reads them from the "
                "database until a Redis call succeeds and makes the bump; other processes may serve them stale "
                "until then"
            )
        else:
            consequence = (
                f"a write could not invalidate cached {self.namespace} reads, and there is no room to keep its bump "
                f"(MAX_PENDING_BUMPS, {MAX_PENDING_BUMPS}, wait already): they may be stale if Redis kept its data, "
                f"bodies for up to TASK_CACHE_TTL_SECONDS ({settings.TASK_CACHE_TTL_SECONDS}s), counts and "
                f"deep-page anchors TASK_COUNT_CACHE_TTL_SECONDS ({settings.TASK_COUNT_CACHE_TTL_SECONDS}s)"
            )
        report_redis_failure(consequence, None, component="response_cache")

    @staticmethod
    def _bump_waits(version_key: str) -> bool:
        """Whether a write's bump of this owner's version still waits for Redis (pending_bumps): then the owner's
        entries may predate a write this process acknowledged. While any waits, each cached read first tries the
        flush (redis_client runs it, unless this process's breaker skips Redis)."""
        if not pending_bumps:  # the usual case: nothing waits
            return False
        redis_client()
        return version_key in pending_bumps

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
