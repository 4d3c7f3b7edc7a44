"""Record which Django cache methods a request calls (the round trips it costs)."""

import re
from typing import Any


def record_cache_calls(monkeypatch: Any, names: tuple[str, ...]) -> list[str]:
    """Wrap ``names`` on the default cache so each outermost call appends its name to the returned list.

    Only the outermost call counts: the local-memory cache's ``get_many`` calls its own ``get``.
    """
    from django.core.cache import cache

    calls: list[str] = []
    depth = [0]

    def counting(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if depth[0] == 0:
                calls.append(name)
            depth[0] += 1
            try:
                return real(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in names:
        monkeypatch.setattr(cache, name, counting(name, getattr(cache, name)))
    return calls


def record_redis_round_trips(monkeypatch: Any) -> list[list[str]]:
    """Record every round trip to Redis from now on, at the socket: one list of command names per write (a pipeline
    sends its commands in one)."""
    from redis.connection import AbstractConnection

    trips: list[list[str]] = []
    send = AbstractConnection.send_packed_command

    def recording(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        packed = command if isinstance(command, bytes | bytearray) else b"".join(command)
        trips.append([name.decode().upper() for name in _COMMAND_NAME.findall(packed)])
        return send(self, command, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", recording)
    return trips


# RESP: each command is an array whose first bulk string is its name ("*3\r\n$3\r\nSET\r\n...").
_COMMAND_NAME = re.compile(rb"(?:^|\r\n)\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n")


def assert_only_authentications_round_trip(calls: list[str], trips: list[list[str]]) -> None:
    """The request read the cache once, in authentication's round trip: with Redis one pipeline that also counts
    the user's rate limit (no Django cache call at all), without it one ``get_many``."""
    from django.conf import settings

    if settings.REDIS_URL:
        assert (trips, calls) == ([["MGET", "EVALSHA"]], []), (trips, calls)
    else:
        assert calls == ["get_many"], calls
