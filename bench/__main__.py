"""``python -m bench``: seed, serve the product as deployed, load with wrk, report against two floors.

Needs DATABASE_URL (PostgreSQL) and REDIS_URL: ``make bench`` runs this under
scripts/with-services.sh, which starts throwaway servers when they are unset. The bench writes only to its
own database ``<name>_bench`` on that server (bench/database.py), and to REDIS_URL under a fresh key prefix.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .database import bench_database_ensure
from .deployed import Override, app_env, as_json, other_differences, printable
from .floor import FLOOR_PATH
from .report import chart, missing, summarize, table, write_results
from .scenarios import NAMES, Scenario, scenarios, user_keys
from .server import Gunicorn
from .tokens import Clients, Credentials, token_lifetime
from .wrk import Run, run_wrk

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mode:
    repeats: int
    duration: float
    warmup: float
    small_users: int
    big_tasks: int
    detail_ids: int
    auth_iterations: int


MODES = {
    "full": Mode(
        repeats=3, duration=8, warmup=1, small_users=10, big_tasks=100_000, detail_ids=20, auth_iterations=3000
    ),
    "quick": Mode(repeats=1, duration=2, warmup=0, small_users=5, big_tasks=20_000, detail_ids=10, auth_iterations=500),
    "smoke": Mode(repeats=1, duration=1, warmup=0, small_users=2, big_tasks=1_000, detail_ids=5, auth_iterations=50),
}
SMALL_TASKS = 100


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--mode", choices=list(MODES), default="full")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (WEB_CONCURRENCY)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (GUNICORN_THREADS)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--duration", type=float, help="seconds per run (default: the mode's)")
    parser.add_argument("--repeats", type=int, help="runs per scenario (default: the mode's)")
    parser.add_argument("--only", help="comma-separated scenario names (default: all)")
    parser.add_argument(
        "--reuse-port", action="store_true", help="GUNICORN_REUSE_PORT=true (one listening socket per worker)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    return parser.parse_args()


def server_env(args: argparse.Namespace) -> dict[str, str]:
    """The app servers' environment: production's, with the overrides of bench/deployed.py."""
    return _server_env_and_overrides()[0]


def _server_env_and_overrides() -> tuple[dict[str, str], list[Override]]:
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            raise SystemExit(f"bench: {name} is unset; run `make bench` (it starts throwaway servers) or set it")
    env, overrides = app_env(
        base=dict(os.environ),
        database_url=bench_database_ensure(os.environ["DATABASE_URL"]),  # never the database named itself
    )
    env["BENCH_LOGIN_PASSWORD"] = secrets.token_urlsafe(16)  # read by bench.prepare and the login scenario only
    return env, overrides


def plain_env(env: dict[str, str]) -> dict[str, str]:
    """floor-plain's: startproject's settings (config/settings/bench_plain.py), the same gunicorn config."""
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings.bench_plain"}


def balanced(run: Run, workers: int, connections: int) -> bool:
    """Whether every worker held at least a quarter of its fair share of connections (or too few to tell)."""
    if workers < 2 or connections < 4 * workers or not run.spread:
        return True
    return len(run.spread) == workers and min(run.spread) >= connections / workers / 4


def measure(
    scenario: Scenario,
    server: Gunicorn,
    requests: Path,
    *,
    args: argparse.Namespace,
    mode: Mode,
    duration: float,
    retried: list[list[int]],
) -> Run:
    connections = scenario.connections or args.connections
    if mode.warmup:
        run_wrk(server=server, requests_file=requests, connections=connections, duration=mode.warmup)
    for attempt in range(3):
        run = run_wrk(server=server, requests_file=requests, connections=connections, duration=duration)
        if balanced(run, args.workers, connections) or attempt == 2:
            return run
        retried.append(run.spread)
        say(f"  {scenario.name}: connections split {run.spread} across workers; running again")
    raise AssertionError("unreachable")


def main() -> int:
    args = arguments()
    mode = MODES[args.mode]
    repeats = args.repeats or mode.repeats
    duration = args.duration or mode.duration
    args.out.mkdir(parents=True, exist_ok=True)
    env, overrides = _server_env_and_overrides()
    overrides += other_differences(workers=args.workers, threads=args.threads)
    if args.reuse_port:
        env["GUNICORN_REUSE_PORT"] = "true"
        overrides.append(Override("GUNICORN_REUSE_PORT", "true", "--reuse-port (off by default: gunicorn.conf.py)"))
    say("serving the product as deployed, except (bench/deployed.py):\n" + printable(overrides))
    started = time.monotonic()

    prepared_file = args.out / "prepared.json"
    subprocess.run(  # noqa: S603 - fixed argv
        [
            *(sys.executable, "-m", "bench.prepare", str(prepared_file)),
            *(f"--small-users={mode.small_users}", f"--small-tasks={SMALL_TASKS}", f"--big-tasks={mode.big_tasks}"),
            f"--auth-iterations={mode.auth_iterations}",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,  # the app's log lines (audit events of the seeded sign-ins); progress is on stderr
    )
    prepared = json.loads(prepared_file.read_text())
    prepared_file.unlink()  # it holds live tokens
    chosen = scenarios(
        prepared, big_tasks=mode.big_tasks, login_password=env["BENCH_LOGIN_PASSWORD"], detail_ids=mode.detail_ids
    )
    if args.only:
        chosen = [s for s in chosen if s.name in args.only.split(",")]
    # A client's headers on every request: the ingress says https (config/settings/bench.py).
    clients = Clients(
        {key: Credentials(u["token"], u["refresh"]) for key, u in user_keys(prepared).items()},
        headers={"X-Forwarded-Proto": "https"},
    )
    lifetime = token_lifetime(next(iter(clients.credentials.values())).access)

    say(f"starting 4 servers: {args.workers} workers x {args.threads} threads each ...")
    logs = args.out / "logs"
    servers = {
        "wsgi": Gunicorn(name="wsgi", app="bench.floor:application", env=env, **_shape(args), log=logs / "wsgi.log"),
        "plain": Gunicorn(
            name="plain", app="config.wsgi:application", env=plain_env(env), **_shape(args), log=logs / "plain.log"
        ),
        "warm": Gunicorn(name="warm", app="config.wsgi:application", env=env, **_shape(args), log=logs / "warm.log"),
        "cold": Gunicorn(
            name="cold",
            app="config.wsgi:application",
            env={**env, "TASK_CACHE_TTL_SECONDS": "0"},
            **_shape(args),
            log=logs / "cold.log",
        ),
    }
    runs: dict[str, list[Run]] = {s.name: [] for s in chosen}
    retried: dict[str, list[list[int]]] = {s.name: [] for s in chosen}
    # A token is refreshed when it would expire before a run and its retries could end (tokens.py).
    refresh_within = mode.warmup + 3 * duration + 30
    try:
        for server in servers.values():
            server.wait_ready({"wsgi": "/", "plain": "/" + FLOOR_PATH}.get(server.name, "/healthz"))
        listeners = {name: server.listening_sockets() for name, server in servers.items()}
        clients.refresh(servers["warm"].url, list(clients.credentials))  # a client coming back refreshes first
        with tempfile.TemporaryDirectory() as tmp:
            for round_number in range(1, repeats + 1):
                for scenario in chosen:
                    clients.refresh_due(servers["warm"].url, within=refresh_within)
                    run = measure(
                        scenario,
                        servers[scenario.server],
                        scenario.write(Path(tmp), clients.access_tokens()),
                        args=args,
                        mode=mode,
                        duration=duration,
                        retried=retried[scenario.name],
                    )
                    runs[scenario.name].append(run)
                    say(
                        f"[{round_number}/{repeats}] {scenario.name:<20} {run.rps:9.1f} req/s  p99 {run.p99_ms:7.2f} ms"
                        f"  errors {run.errors} non-2xx {run.non_2xx}  spread {run.spread}"
                    )
        for name in ("warm", "cold"):
            servers[name].wait_idle()
        rss = {name: [round(mb, 1) for mb in servers[name].worker_rss_mb()] for name in ("warm", "cold", "plain")}
    finally:
        for server in servers.values():
            server.stop()

    summary = summarize(runs)
    for name, spreads in retried.items():
        summary[name]["connection_spread_retried"] = spreads
    extra = {
        "auth_cpu_ms": round(prepared["auth_cpu_ms"]["total"], 4),
        "auth_cpu_ms_parts": {k: round(v, 4) for k, v in prepared["auth_cpu_ms"].items()},
        "worker_rss_mb": max(rss["warm"] + rss["cold"]),
        "worker_rss_mb_each": rss,
        "overrides": as_json(overrides),
        "listening_sockets": listeners,
        "access_token_lifetime_s": lifetime,
        "token_refreshes": clients.refreshes,
        "config": {
            "mode": args.mode,
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": duration,
            "repeats": repeats,
            "big_user_tasks": mode.big_tasks,
            "small_users": mode.small_users,
            "small_user_tasks": SMALL_TASKS,
        },
    }
    results = write_results(args.out / "results.json", scenarios=summary, extra=extra)
    chart_path = args.out / "results.png"
    chart(chart_path, summary, title=f"make bench ({args.mode}): {args.workers} workers x {args.threads} threads")
    print(table(summary))
    print(f"\nas deployed, except:\n{printable(overrides)}")
    print(
        f"listening sockets per server: {listeners} (one per worker with reuse_port, else one);"
        f" access tokens of {lifetime:.0f} s, refreshed {clients.refreshes} times"
    )
    print(f"\nauthentication: {extra['auth_cpu_ms']:.3f} ms CPU per request  {extra['auth_cpu_ms_parts']}")
    print(f"worker RSS after the run: {rss} MB (max {extra['worker_rss_mb']})")
    print(f"results: {args.out / 'results.json'}, chart: {chart_path}  ({time.monotonic() - started:.0f}s)")
    return _verdict(results, chart_path, expected=tuple(runs) if args.only else NAMES)


def _shape(args: argparse.Namespace) -> dict[str, int]:
    return {"workers": args.workers, "threads": args.threads}


def _verdict(results: dict[str, Any], chart_path: Path, *, expected: tuple[str, ...]) -> int:
    """Non-zero when any request failed or the outputs are incomplete: such a run measures nothing."""
    problems = missing(results, expected)
    scenarios_: dict[str, dict[str, Any]] = results["scenarios"]
    problems += [f"{n}: {f['errors']} errors" for n, f in scenarios_.items() if f["errors"]]
    problems += [f"{n}: {f['non_2xx']} non-2xx answers" for n, f in scenarios_.items() if f["non_2xx"]]
    if not chart_path.is_file() or chart_path.stat().st_size == 0:
        problems.append(f"no chart at {chart_path}")
    for problem in problems:
        say(f"FAILED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
