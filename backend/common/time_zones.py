"""Whose "today": the time zone a request names in ``?tz=``, else the server's (settings.TIME_ZONE, UTC).

What is overdue and which day a completion counts on depend on the user's calendar, not the server's: a task due
today is not overdue in the evening in New York, when it is already tomorrow in UTC. The SPA sends its browser's
zone (``Intl.DateTimeFormat().resolvedOptions().timeZone``) with the reads that depend on the date; an API client
that sends none gets UTC's calendar, as before.
"""

import zoneinfo
from datetime import tzinfo
from functools import cache
from urllib.parse import unquote_plus

from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

TIME_ZONE_PARAM = "tz"
TIME_ZONE_MAX_LENGTH = 64  # the longest IANA name is 32 characters
_ZONE_MEMO = "_request_time_zone"  # on the DRF request: request_zone's answer
_PAIR = f"{TIME_ZONE_PARAM}="


@cache
def _known_names() -> frozenset[str]:
    # The IANA names this machine's time zone database has: the ones PostgreSQL's AT TIME ZONE knows too (Debian's
    # PostgreSQL reads the same /usr/share/zoneinfo), without paths or the database's internal files.
    return frozenset(zoneinfo.available_timezones())


def zone_named(name: str) -> tzinfo | None:
    """The zone of an IANA name such as ``Europe/Paris``; None for anything else."""
    if len(name) > TIME_ZONE_MAX_LENGTH or name not in _known_names():
        return None
    return zoneinfo.ZoneInfo(name)  # zoneinfo keeps one instance per name


def request_zone(request: Request | None) -> tzinfo:
    """The zone of the request's ``tz`` parameter; the current zone when it has none or an unknown one (the view
    answers that one 400 with ``validate_request_zone`` before anything is read or cached)."""
    if request is None:
        return timezone.get_current_timezone()
    memo = vars(request)
    zone = memo.get(_ZONE_MEMO)
    if zone is None:
        name = _zone_param(request)
        zone = memo[_ZONE_MEMO] = (zone_named(name) if name else None) or timezone.get_current_timezone()
    return zone  # type: ignore[no-any-return]


def validate_request_zone(request: Request) -> None:
    """A 400 ``{"tz": [...]}`` when the request names a zone that does not exist."""
    errors = request_zone_errors(request)
    if errors:
        raise ValidationError(errors)


def request_zone_errors(request: Request) -> dict[str, list[str]]:
    """``{"tz": [message]}`` when the request names a zone that does not exist, else nothing."""
    name = _zone_param(request)
    if name and zone_named(name) is None:
        return {
            TIME_ZONE_PARAM: [
                f"Unknown time zone {name[:TIME_ZONE_MAX_LENGTH]!r}: use an IANA name such as Europe/Paris."
            ]
        }
    return {}


def _zone_param(request: Request) -> str:
    # Read from the query string as received, not request.query_params: a cached read's keys are remembered per URL
    # so that a hit parses no query (cached_reads.py), and this runs on every list and stats request. The last
    # ``tz=`` wins, as QueryDict.get() has it.
    query = request.META.get("QUERY_STRING", "")
    if _PAIR not in query:
        return ""
    value = ""
    for pair in query.split("&"):
        if pair.startswith(_PAIR):
            value = pair[len(_PAIR) :]
    return unquote_plus(value, errors="replace")
