"""Record which Django cache methods a request calls (the round trips it costs)."""

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
    """Record every round trip to Redis made through redis-py from now on: one list of command names per trip
    (a pipeline sends its commands in one)."""
    from redis.client import Pipeline, Redis

    trips: list[list[str]] = []
    single, pipelined = Redis.execute_command, Pipeline.execute

    def execute_command(self: Any, *args: Any, **options: Any) -> Any:
        trips.append([str(args[0]).upper()])
        return single(self, *args, **options)

    def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append([str(command[0][0]).upper() for command in self.command_stack])
        return pipelined(self, *args, **kwargs)

    monkeypatch.setattr(Redis, "execute_command", execute_command)
    monkeypatch.setattr(Pipeline, "execute", execute)
    return trips


def assert_only_authentications_round_trip(calls: list[str], trips: list[list[str]]) -> None:
    """The request read the cache once, in authentication's round trip: with Redis one pipeline that also counts
    the user's rate limit (no Django cache call at all), without it one ``get_many``."""
    from django.conf import settings

    if settings.REDIS_URL:
        assert (trips, calls) == ([["MGET", "EVALSHA"]], []), (trips, calls)
    else:
        assert calls == ["get_many"], calls
