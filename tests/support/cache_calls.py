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
