"""Rate limits on the API: the DRF throttle every view gets, a helper for limits keyed by the request body,
and the record of each counted usage, which headers.py reports as X-RateLimit-* headers (the tightest limit).

Scopes and their rates are in settings.RATE_LIMITS. Every API call counts against ``user``
(per user id) or ``anon`` (per client IP); a view adds its own per-IP scopes with
``rate_limit_scopes = ("login_ip",)``, and per-user ones (signed-in views) with
``rate_limit_user_scopes = ("export_user",)``. A refused request is a 429 ``{"detail", "code": "throttled"}``
with ``Retry-After`` (DRF's Throttled exception, through the project's exception handler).
"""

import dataclasses
import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from .ratelimit import PendingHit, Usage, rate_limit_hit, rate_limit_refund
from .request_meta import client_address
from .signals import rate_limit_rejected

if TYPE_CHECKING:  # rest_framework.views imports this module (DEFAULT_THROTTLE_CLASSES): no runtime import back
    from rest_framework.views import APIView

_USAGES_ATTR = "rate_limit_usages"
_COUNTED_ATTR = "rate_limit_counted"  # the user hit authentication counted (api_user_hit)


def client_rate_identity(request: HttpRequest) -> str:
    """The client's bucket for per-IP limits: its IPv4 address, or its IPv6 /64 (one subscriber's prefix:
    counting each of its 2^64 addresses apart would make the limit meaningless)."""
    address = client_address(request)
    if address is None:
        return "unknown"  # an unparseable address (a broken proxy) still gets a bucket, shared by all such
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def rate_limit_record(request: HttpRequest, usage: Usage) -> None:
    """Note a counted usage on the request, for the X-RateLimit-* headers (and signal a refusal)."""
    usages: list[Usage] = getattr(request, _USAGES_ATTR, None) or []
    usages.append(usage)
    setattr(request, _USAGES_ATTR, usages)
    if not usage.allowed:
        rate_limit_rejected.send(sender=None, scope=usage.scope)


def rate_limit_refund_recorded(request: HttpRequest, usage: Usage, bucket: str, *, cost: int = 1) -> None:
    """Give back ``usage`` (rate_limit_refund on ``bucket``) and report it given back: the request's record, which
    its X-RateLimit-* headers show, then holds the count without it. Otherwise a right password or a refresh that
    worked would report a count it did not spend (and could make a limit it left untouched look the tightest). A
    usage the request did not record (the per-account ceiling while it allows) stays unrecorded."""
    rate_limit_refund(usage, bucket, cost=cost)
    usages: list[Usage] = getattr(request, _USAGES_ATTR, None) or []
    for index, recorded in enumerate(usages):
        if recorded is usage:
            usages[index] = dataclasses.replace(usage, count=max(0, usage.count - cost))
            return


def rate_limit_enforce(request: HttpRequest, scope: str, bucket: str) -> Usage | None:
    """Count one hit of ``bucket`` on ``scope``, a limit a view or service applies by hand (keyed by what the request
    names, or only on some paths), record it for the X-RateLimit-* headers, and raise Throttled (429, Retry-After)
    when it is over. Returns the usage, for a caller that may give it back (rate_limit_refund_recorded); None, with
    nothing counted, while RATE_LIMIT_ENABLED is off."""
    if not settings.RATE_LIMIT_ENABLED:
        return None
    usage = rate_limit_hit(scope, bucket)
    rate_limit_record(request, usage)
    if not usage.allowed:
        raise Throttled(wait=usage.reset_after)
    return usage


class ApiRateThrottle(BaseThrottle):
    """The ``user``/``anon`` limit plus the view's own per-IP and per-user scopes; stops counting at the first
    refusal."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Request, view: "APIView") -> bool:
        if not settings.RATE_LIMIT_ENABLED:
            return True
        django_request = request._request
        ip = client_rate_identity(django_request)
        user_id = getattr(request.user, "pk", None) if request.user is not None else None
        checks = [("user", str(user_id)) if user_id is not None else ("anon", ip)]
        checks += [(scope, ip) for scope in getattr(view, "rate_limit_scopes", ())]
        if user_id is not None:
            checks += [(scope, str(user_id)) for scope in getattr(view, "rate_limit_user_scopes", ())]
        counted: PendingHit | None = getattr(django_request, _COUNTED_ATTR, None)  # by authentication: api_user_hit
        for scope, identity in checks:
            usage = counted.usage if counted and (counted.scope, counted.identity) == (scope, identity) else None
            usage = usage or rate_limit_hit(scope, identity)
            rate_limit_record(django_request, usage)
            if not usage.allowed:
                self._wait = usage.reset_after
                return False
        return True

    def wait(self) -> float | None:
        return self._wait


def client_limits_refund(request: HttpRequest, *, scopes: Iterable[str]) -> None:
    """Give back what this request counted on the per-client-IP ``scopes`` (e.g. ``anon`` and a view's own): for
    an endpoint where only failures should count per address, once it has succeeded."""
    wanted = set(scopes)
    ip = client_rate_identity(request)
    for usage in list(getattr(request, _USAGES_ATTR, None) or []):
        if usage.scope in wanted:
            rate_limit_refund_recorded(request, usage, ip)


def api_user_hit(request: HttpRequest, view: Any, user_id: str) -> PendingHit | None:
    """The ``user`` hit ApiRateThrottle is about to count for this signed-in request, for authentication to count
    in its own cache round trip (backend/accounts/authentication.py); None when this view is not limited by it, or
    the throttle has run for this request already."""
    if not settings.RATE_LIMIT_ENABLED or view is None or getattr(request, _USAGES_ATTR, None):
        return None
    if not any(issubclass(throttle, ApiRateThrottle) for throttle in getattr(view, "throttle_classes", ())):
        return None
    return PendingHit(scope="user", identity=user_id)


def api_user_hit_settle(request: HttpRequest, hit: PendingHit, *, signed_in: bool) -> None:
    """After authentication: a counted hit is left for ApiRateThrottle, which reports it and does not count it
    again; if authentication failed it is given back, so a revoked or disabled token cannot spend its user's
    budget (the throttle never runs for it). A hit counted for a request that permissions then refuse stays
    counted: the request was made by the user."""
    if hit.usage is None:
        return
    if signed_in:
        setattr(request, _COUNTED_ATTR, hit)
    else:
        rate_limit_refund(hit.usage, hit.identity)
