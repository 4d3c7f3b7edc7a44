"""Cached reads declared by the selectors (``CachedRead``), and the keys a view reads ahead.

A selector declares each read of an owner's data it caches (e.g. ``TASK_LIST_PAGE``): the owner-versioned cache it
lives in (response_cache.OwnerVersionedCache) and how its key comes from the request. A view lists the reads it
serves (common.views.ApiView.cached_reads), so authentication fetches their keys in its own Redis round trip; the
keys are worked out once per request, and remembered across requests for reads made of the URL and the date only.
"""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from typing import Any
from uuid import UUID

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from rest_framework.request import Request

from .response_cache import OwnerVersionedCache, RenderedBody
from .time_zones import request_zone

_KEYS_MEMO = "_cached_read_keys"  # on the DRF request: (id(CachedRead), owner id) -> its keys
_TODAY_MEMO = "_cached_read_today"  # on the DRF request: request_today's answer
_URL_MEMO = "_cached_read_url"  # on the DRF request: the digest of what its URL is made of (_url_digest)
_NOT_YET = object()


def request_today(request: Request | None) -> str:
    """Today's date (ISO) in the request's time zone (time_zones.request_zone: its ``tz``, else the current zone);
    one answer per request, so a request's keys agree even across midnight. Remembered per process and zone until
    the zone's next midnight (at most an hour): converting the time to the zone is most of its cost."""
    memo = vars(request) if request is not None else {}
    today = memo.get(_TODAY_MEMO)
    if today is None:
        today = memo[_TODAY_MEMO] = _local_today(request_zone(request))
    return today  # type: ignore[no-any-return]


def request_date(request: Request) -> date:
    """request_today as a date: the one a read rendered for this request compares with (its key has the same)."""
    return date.fromisoformat(request_today(request))


_today_held: dict[Any, tuple[datetime, datetime, str]] = {}  # zone -> (valid from, valid until, its date)
_TODAY_HELD_MAX = 1024  # zones in use; then cleared


def _local_today(zone: Any) -> str:
    now = timezone.now()
    held = _today_held.get(zone)
    if held is not None and held[0] <= now < held[1]:
        return held[2]
    local = timezone.localtime(now, zone).date()
    day_start = datetime.combine(local, dt_time.min, tzinfo=zone)
    next_day = datetime.combine(local + timedelta(days=1), dt_time.min, tzinfo=zone)
    if len(_today_held) >= _TODAY_HELD_MAX:
        _today_held.clear()
    # Held for the day it is now; a clock set back before its start computes the date again.
    _today_held[zone] = (min(day_start, now), min(next_day, now + timedelta(hours=1)), local.isoformat())
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
