"""The environment `make bench` serves the product with: production's, and every change from it with its reason.

The bench measures the product as deployed: production settings (config/settings/bench.py adds only the floor
route), config/gunicorn.conf.py at its defaults (workers, threads, listening socket, keep-alive), rate limiting on,
default logging, 5-minute access tokens refreshed as the SPA refreshes them (bench/tokens.py). What it must
change is listed in OVERRIDES and printed with each run (and kept in results.json), so nobody has to guess.
"""

import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Raised, never off: every request is still counted in Redis (one round trip, as in production).
UNLIMITED = "1000000"


@dataclass(frozen=True)
class Override:
    name: str
    value: str  # as printed: secrets are shown as <random>
    reason: str


def app_overrides(*, database_url: str, cache_prefix: str) -> list[Override]:
    """What the app servers (warm, cold) get on top of the caller's environment, and why."""
    return [
        Override(
            "DJANGO_SETTINGS_MODULE",
            "config.settings.bench",
            "production settings plus the floor-django route (config/bench_urls.py); nothing else differs",
        ),
        Override("SECRET_KEY, JWT_SIGNING_KEY, MFA_ENCRYPTION_KEY", "<random>", "required by production; new each run"),
        Override("FRONTEND_URL", "https://bench.invalid", "required by production (reset links); no mail is sent"),
        Override("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend", "required by production"),
        Override("DATABASE_URL", database_url, "the bench's own database beside the one named (bench/database.py)"),
        Override("CACHE_KEY_PREFIX", cache_prefix, "a clean cache and clean rate-limit counters in a shared Redis"),
        Override(
            "PYTHONPATH",
            "bench/deployed_site:.",
            "only production's packages (requirements.txt) import, not the dev virtualenv's (bench/deployed_site)",
        ),
        Override(
            "RATE_LIMIT_USER",
            f"{UNLIMITED}/1m",
            "rate limiting stays on (each request is counted in Redis); 600/1m per user would refuse the load",
        ),
        Override(
            "RATE_LIMIT_ANON",
            f"{UNLIMITED}/1m",
            "logins and token refreshes are anonymous API calls, counted per IP: 120/1m would refuse the login run",
        ),
        Override(
            "RATE_LIMIT_LOGIN_IP",
            f"{UNLIMITED}/5m",
            "the login scenario signs in from one address without a device cookie: 20/5m would refuse it",
        ),
    ]


def other_differences(*, workers: int, threads: int) -> list[Override]:
    """What differs from a pod without being a Django setting."""
    found = [
        Override("GUNICORN_BIND", "127.0.0.1:<free port>", "one port per server; everything else in gunicorn.conf.py"),
        Override(
            "X-Forwarded-Proto",
            "https (request header)",
            "what the ingress adds; production's https redirect and HSTS stay on",
        ),
        Override(
            "stdout",
            "/dev/null",
            "the request log lines are formatted as in production, then dropped: they would fill the disk",
        ),
        Override("TASK_CACHE_TTL_SECONDS (cold server only)", "0", "every read renders from the database"),
    ]
    if workers != 2:
        found.append(Override("WEB_CONCURRENCY", str(workers), "--workers (default 2)"))
    if threads != 4:
        found.append(Override("GUNICORN_THREADS", str(threads), "--threads (default 4)"))
    return found


# The caller's shell may tune what the bench must leave at production's defaults: dropped before the overrides.
_DEFAULTS_KEPT = ("RATE_LIMIT_", "ACCESS_TOKEN_", "REFRESH_TOKEN_", "LOG_", "GUNICORN_", "TASK_", "METRICS_", "DEBUG")


def production_required_env() -> dict[str, str]:
    """What production settings refuse to start without, as throwaway values: fresh random keys each run, an https
    FRONTEND_URL that nothing is sent to, and a mail backend that sends nothing."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.bench",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "MFA_ENCRYPTION_KEY": secrets.token_urlsafe(50),
        "FRONTEND_URL": "https://bench.invalid",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }


def app_env(*, base: dict[str, str], database_url: str) -> tuple[dict[str, str], list[Override]]:
    """The app servers' environment and the overrides to print."""
    prefix = f"bench-{secrets.token_hex(4)}"
    overrides = app_overrides(database_url=database_url, cache_prefix=prefix)
    env = {name: value for name, value in base.items() if not name.startswith(_DEFAULTS_KEPT)}
    env.update(
        {
            **production_required_env(),
            "DATABASE_URL": database_url,
            "CACHE_KEY_PREFIX": prefix,
            "PYTHONPATH": f"{ROOT / 'bench' / 'deployed_site'}{os.pathsep}{ROOT}",
            "RATE_LIMIT_USER": f"{UNLIMITED}/1m",
            "RATE_LIMIT_ANON": f"{UNLIMITED}/1m",
            "RATE_LIMIT_LOGIN_IP": f"{UNLIMITED}/5m",
        }
    )
    return env, overrides


def as_json(overrides: list[Override]) -> list[dict[str, Any]]:
    return [asdict(o) for o in overrides]


def printable(overrides: list[Override]) -> str:
    width = max(len(o.name) for o in overrides)
    return "\n".join(f"  {o.name:<{width}}  {o.value}: {o.reason}" for o in overrides)
