"""``python -m bench.profile PATH``: profile N requests through Django's WSGI handler with pyinstrument.

In-process, on the bench settings (production's) with the real PostgreSQL and Redis (run it under
scripts/with-services.sh, like ``make bench``), rate limiting on and default logging, as ``make bench``
serves it; no socket, so the profile shows only the app's own work. Like ``make bench`` it writes only to
``<name>_bench`` (bench/database.py). Prints the call tree and writes var/bench/profile-<name>.html; with ``--cpu``
a cProfile listing timed by process_time instead (``--save FILE`` keeps the stats for pstats).

    PYTHON=.venv/bin/python scripts/with-services.sh .venv/bin/python -m bench.profile /api/tasks/
"""

import argparse
import cProfile
import io
import os
import pstats
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.deployed import production_required_env

ROOT = Path(__file__).resolve().parent.parent


def _environ(path: str, token: str, method: str, body: bytes) -> dict[str, Any]:
    path_info, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": "application/json",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_FORWARDED_PROTO": "https",  # as the ingress sends it: production's https redirect stays on
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "SERVER_PROTOCOL": "HTTP/1.1",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", help="e.g. /api/tasks/ or /api/tasks/stats/")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="")
    parser.add_argument("--cold", action="store_true", help="TASK_CACHE_TTL_SECONDS=0 (every read misses)")
    parser.add_argument("--tasks", type=int, default=100, help="tasks of the profiled user")
    parser.add_argument(
        "--cpu", action="store_true", help="cProfile on CPU time (process_time) instead of pyinstrument's wall clock"
    )
    parser.add_argument("--save", type=Path, help="with --cpu: also write the cProfile stats there (pstats format)")
    parser.add_argument("--no-profile", action="store_true", help="print the CPU per request only")
    args = parser.parse_args()

    for name, value in {
        **production_required_env(),
        # As deployed (bench/deployed.py): rate limiting on, raised so the profile is never refused.
        "RATE_LIMIT_USER": "1000000/1m",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "CACHE_KEY_PREFIX": f"bench-profile-{secrets.token_hex(4)}",
        "TASK_CACHE_TTL_SECONDS": "0" if args.cold else os.environ.get("TASK_CACHE_TTL_SECONDS", "60"),
    }.items():
        os.environ.setdefault(name, value)
    from bench.database import bench_database_ensure

    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("bench.profile: DATABASE_URL is unset; run it under scripts/with-services.sh (see above)")
    os.environ["DATABASE_URL"] = bench_database_ensure(os.environ["DATABASE_URL"])  # never the database named
    # The app logs a line per request to stdout: drop them (at the fd, which the handler holds); the profile
    # goes to stderr.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from pyinstrument import Profiler

    from backend.accounts.services import session_start
    from bench.seed import _user, tasks_top_up

    call_command("migrate", "--noinput", verbosity=0)
    user = _user(f"bench-profile-{args.tasks}@bench.invalid")
    tasks_top_up(user, args.tasks, label=user.email)
    token = session_start(user=user).tokens.access
    handler = WSGIHandler()
    body = args.body.encode()

    def one() -> None:
        statuses: list[str] = []

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], object]:
            statuses.append(status)
            return lambda data: None

        chunks = handler(_environ(args.path, token, args.method, body), start_response)
        b"".join(chunks)
        if not statuses[0].startswith("2"):
            raise SystemExit(f"{args.path} answered {statuses[0]}")

    for _ in range(50):
        one()
    cpu = time.process_time()
    for _ in range(args.requests):
        one()
    cpu = time.process_time() - cpu
    print(f"{cpu * 1000 / args.requests:.3f} ms CPU per request (no profiler)", file=sys.stderr)
    if args.no_profile:
        return
    if args.cpu:
        cpu_profile(one, args.requests, save=args.save)
        return
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(args.requests):
        one()
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False), file=sys.stderr)
    name = args.path.strip("/").replace("/", "-").replace("?", "_") + ("-cold" if args.cold else "")
    out = ROOT / "var" / "bench" / f"profile-{name}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(profiler.output_html())
    print(f"html: {out}", file=sys.stderr)


def cpu_profile(one: Callable[[], None], requests: int, *, save: Path | None = None) -> None:
    """Where the CPU goes: cProfile timed by process_time, so waits on Redis/PostgreSQL count for nothing."""
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(requests):
        one()
    profile.disable()
    if save is not None:
        profile.dump_stats(save)
    stats = pstats.Stats(profile, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
