"""HTTP conditional requests over cached bodies: ETags, ``If-None-Match`` (a 304) and ``If-Match`` (a write's
precondition), and the ``Cache-Control`` of an owner's data, which browsers may keep but must revalidate."""

import re

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags

from .exceptions import InvalidIfMatch
from .response_cache import RenderedBody


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
