"""The /metrics endpoint, kept off the public internet.

It is answered by the observability middleware before anything else runs, so a scrape
by pod IP needs no ALLOWED_HOSTS entry, no HTTPS redirect and no session. A scrape is
served only when all of these hold, and is otherwise a plain 404:

* METRICS_ENABLED is true;
* the request did not come through a proxy (no X-Forwarded-For / Forwarded header:
  the ingress always adds one, Prometheus scraping the pod directly never does);
* REMOTE_ADDR is in METRICS_ALLOWED_NETWORKS (loopback and private ranges by default);
* when METRICS_TOKEN is set, ``Authorization: Bearer <METRICS_TOKEN>`` (else 401).
"""

import hmac
import ipaddress
import os
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _address_allowed(remote_addr: str) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS)))


def _token_ok(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return True
    scheme, _, presented = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), expected.encode())


def metrics_response(request: HttpRequest) -> HttpResponse:
    """The scrape, a 401 for a missing or wrong token, or a 404 for everyone else."""
    if (
        not settings.METRICS_ENABLED
        or request.method not in ("GET", "HEAD")
        or any(request.META.get(header) for header in PROXY_HEADERS)
        or not _address_allowed(request.META.get("REMOTE_ADDR", ""))
    ):
        return HttpResponse("Not found.", status=404, content_type="text/plain")
    if not _token_ok(request):
        response = HttpResponse("Unauthorized.", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)


def metrics_text() -> bytes:
    """Every metric of this process, or of all gunicorn workers in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
