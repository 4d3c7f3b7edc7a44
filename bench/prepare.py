"""``python -m bench.prepare OUT.json ...``: migrate, seed, and measure authentication, under bench settings.

The runner (bench/__main__.py) starts this as a separate process so Django is never imported
beside the load generator's bookkeeping; it writes what the scenarios need as JSON.
"""

import argparse
import json
import os
from dataclasses import asdict
from pathlib import Path

import django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--small-users", type=int, required=True)
    parser.add_argument("--small-tasks", type=int, required=True)
    parser.add_argument("--big-tasks", type=int, required=True)
    parser.add_argument("--auth-iterations", type=int, required=True)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    django.setup()
    from django.core.management import call_command

    from bench.authcost import auth_cpu_ms
    from bench.seed import progress, seed

    progress("migrating ...")
    call_command("migrate", "--noinput", verbosity=0)
    users = seed(
        small_users=args.small_users,
        small_tasks=args.small_tasks,
        big_tasks=args.big_tasks,
        login_password=os.environ["BENCH_LOGIN_PASSWORD"],
    )
    progress(f"measuring authentication CPU ({args.auth_iterations:,} iterations) ...")
    auth = auth_cpu_ms(token=users["small"][0].token, iterations=args.auth_iterations)
    data = {"users": {kind: [asdict(u) for u in seeded] for kind, seeded in users.items()}, "auth_cpu_ms": auth}
    args.out.write_text(json.dumps(data))


if __name__ == "__main__":
    main()
