"""``python -m bench.middleware_cost``: the CPU each middleware of the product's stack adds to a request.

In-process, under the bench settings (production's, rate limiting on, default logging; bench/profile.py's
environment) with the real Redis: the floor view (bench/floor.py) is served through the first k middleware of
settings.MIDDLEWARE for k = 0 .. all, each stack for ``--requests`` requests timed with ``time.process_time``,
the stacks alternating over ``--rounds`` rounds; the median per stack is printed with each middleware's share
(the difference from the stack without it). ``startproject``'s default stack (floor-plain's) is measured in
the same rounds, under the same settings otherwise, for comparison.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench.middleware_cost --requests 3000 --rounds 5
"""

import argparse
import io
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.deployed import production_required_env

PLAIN = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def _environ(path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": "application/json",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_USER_AGENT": "wrk",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }


def _cpu_us(handler: Callable[..., Any], path: str, requests: int) -> float:
    def start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], object]:
        return lambda data: None

    for _ in range(20):
        b"".join(handler(_environ(path), start_response))
    started = time.process_time()
    for _ in range(requests):
        b"".join(handler(_environ(path), start_response))
    return (time.process_time() - started) * 1e6 / requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000, help="requests per stack and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for name, value in {
        **production_required_env(),
        "RATE_LIMIT_USER": "1000000/1m",
        "CACHE_KEY_PREFIX": f"bench-mw-{secrets.token_hex(4)}",
    }.items():
        os.environ.setdefault(name, value)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the request log lines: formatted, then dropped
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    from bench.floor import FLOOR_PATH

    full = list(settings.MIDDLEWARE)
    stacks = {f"+ {name}": full[: k + 1] for k, name in enumerate(full)}
    stacks = {"(none)": [], **stacks, "startproject's default stack": PLAIN}
    handlers = {}
    for label, middleware in stacks.items():
        settings.MIDDLEWARE = middleware
        handlers[label] = WSGIHandler()
    settings.MIDDLEWARE = full
    samples: dict[str, list[float]] = {label: [] for label in stacks}
    for _ in range(args.rounds):
        for label, handler in handlers.items():
            samples[label].append(_cpu_us(handler, "/" + FLOOR_PATH, args.requests))
    medians = {label: statistics.median(values) for label, values in samples.items()}
    print(f"floor view, CPU per request (median of {args.rounds} rounds x {args.requests} requests):", file=sys.stderr)
    previous = None
    for label, cost in medians.items():
        delta = "" if previous is None or label.startswith("startproject") else f"  (+{cost - previous:6.1f} us)"
        print(f"  {cost:7.1f} us{delta}  {label}", file=sys.stderr)
        previous = cost
    ratio = medians["startproject's default stack"] / medians[f"+ {full[-1]}"]
    print(f"startproject's stack / the product's, in-process: {ratio:.2f}x", file=sys.stderr)


if __name__ == "__main__":
    main()
