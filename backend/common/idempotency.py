"""``Idempotency-Key``: a write retried with the same key is answered its first response and never runs twice.

As in Stripe's API. A client sends a fresh key (a UUID) with a create, and the same key again when it retries that
request after a network error or a 503. The first request to succeed stores its response with the key, in the
transaction of its write (``IdempotencyKey`` in backend/common/models.py, in the database and not only in
Redis, so losing Redis cannot double a write); a retry with that key and the same request gets that response again
(same status, same body, same ETag, plus ``Idempotent-Replayed: true``) and writes nothing. The same key with
another body or endpoint is a 422. Keys are per user and expire after ``IDEMPOTENCY_KEY_TTL_SECONDS`` (24 h);
``manage.py purge_idempotency_keys`` deletes the expired ones. Requests that fail (validation errors, a 503) store
nothing: retrying them runs them again.

Two concurrent requests with one key cannot both write: ``(owner, key)`` is unique, so the second one's insert
waits for the first transaction and then fails; its own write is rolled back and it answers the first one's
response. This module is the only one that queries ``IdempotencyKey``, always scoped by owner.
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.request import Request

from backend.accounts.models import User

from .batching import queryset_delete_in_batches
from .conditional import revalidate_always
from .db import atomic
from .errors import ErrorCode
from .models import IdempotencyKey
from .response_cache import RenderedBody

KEY_HEADER = "Idempotency-Key"
_KEY_META = "HTTP_" + KEY_HEADER.upper().replace("-", "_")  # its name in the WSGI environ
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
# Printable ASCII without spaces (what a header carries safely); UUIDs are the expected form.
KEY_PATTERN = re.compile(rf"[!-~]{{1,{KEY_MAX_LENGTH}}}")


class InvalidIdempotencyKey(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = (
        f"{KEY_HEADER} must be 1 to {KEY_MAX_LENGTH} printable ASCII characters without spaces, such as a UUID "
        "(an empty header counts as none)."
    )
    default_code = ErrorCode.INVALID_IDEMPOTENCY_KEY


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        f"This {KEY_HEADER} was already used for a different request (another body or endpoint); "
        "send a new key with a new request, and the same key only to retry the same request."
    )
    default_code = ErrorCode.IDEMPOTENCY_KEY_REUSED


@dataclass(frozen=True)
class StoredResponse:
    """What a write answered, as kept with its key: the status, the JSON body and its ETag ("" for none)."""

    status: int
    body: bytes
    etag: str = ""

    @classmethod
    def of(cls, rendered: RenderedBody, *, status: int, with_etag: bool = True) -> "StoredResponse":
        return cls(status=status, body=rendered.body, etag=rendered.etag if with_etag else "")


def idempotency_key_from(request: Request) -> str | None:
    """The request's key; None without the header or with an empty one. A malformed key is a 400."""
    # From the environ: request.headers would build a dictionary of every header for this one, on every write.
    key = request.META.get(_KEY_META, "")
    if not key:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidIdempotencyKey()
    return key


def request_fingerprint(request: Request) -> str:
    """What makes a retry "the same request": the method, the route (with or without its trailing slash) and the
    JSON body, key order aside."""
    route = request.resolver_match.view_name if request.resolver_match else request.path
    material = json.dumps([request.method, route, request.data], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(material.encode()).hexdigest()


def idempotency_key_get(*, owner: User, key: str, now: datetime) -> IdempotencyKey | None:
    """``owner``'s unexpired record of ``key``, if any."""
    return IdempotencyKey.objects.filter(owner=owner, key=key, expires_at__gt=now).first()


def idempotent_write(
    *, owner: User, key: str | None, fingerprint: str, write: Callable[[], StoredResponse]
) -> tuple[StoredResponse, bool]:
    """``write()``'s response, and False; or, for a key already used by the same request, that request's response
    and True, with nothing written. The same key used by another request raises IdempotencyKeyReused.

    ``write`` runs inside the transaction that stores the key; whatever it raises rolls both back.
    """
    if key is None:
        return write(), False
    now = timezone.now()
    stored = idempotency_key_get(owner=owner, key=key, now=now)
    if stored is not None:
        return _replay(stored, fingerprint), True
    try:
        with atomic():
            # An expired record of this key would hold the unique (owner, key): it is forgotten now.
            IdempotencyKey.objects.filter(owner=owner, key=key, expires_at__lte=now).delete()
            response = write()
            IdempotencyKey.objects.create(
                owner=owner,
                key=key,
                fingerprint=fingerprint,
                status_code=response.status,
                body=response.body.decode(),
                etag=response.etag,
                expires_at=now + timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS),
            )
    except IntegrityError:
        # A concurrent request with this key committed first (our write is rolled back): answer what it did.
        stored = idempotency_key_get(owner=owner, key=key, now=timezone.now())
        if stored is None:
            raise  # not the key's constraint
        return _replay(stored, fingerprint), True
    return response, False


def _replay(stored: IdempotencyKey, fingerprint: str) -> StoredResponse:
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return StoredResponse(status=stored.status_code, body=stored.body.encode(), etag=stored.etag)


def idempotent_response(request: Request, *, owner: User, write: Callable[[], StoredResponse]) -> HttpResponse:
    """The HTTP side of :func:`idempotent_write` for a view: the key from the header, the response to send."""
    key = idempotency_key_from(request)
    fingerprint = request_fingerprint(request) if key is not None else ""
    response, replayed = idempotent_write(owner=owner, key=key, fingerprint=fingerprint, write=write)
    return stored_json_response(response, replayed=replayed)


def stored_json_response(stored: StoredResponse, *, replayed: bool = False) -> HttpResponse:
    response = HttpResponse(stored.body, status=stored.status, content_type="application/json")
    if stored.etag:
        response.headers["ETag"] = stored.etag
    if replayed:
        response.headers[REPLAYED_HEADER] = "true"
    revalidate_always(response)  # patch_cache_control(private, no_cache), its result on a fresh response kept
    return response


def idempotency_keys_purge(*, now: datetime, batch_size: int, on_batch: Callable[[int], None] | None = None) -> int:
    """Delete the records that expired before ``now``, ``batch_size`` at a time; how many were deleted."""
    expired = IdempotencyKey.objects.filter(expires_at__lte=now).order_by()
    return queryset_delete_in_batches(expired, batch_size=batch_size, on_batch=on_batch)
