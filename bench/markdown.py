"""``python -m bench.markdown RESULTS.json [BEFORE.json]``: everything docs/performance.md and docs/scaling.md
record from a run, in Markdown: the run's line, the table against both floors, the server's CPU split per request,
the targets, authentication, RSS, the connection split, what the bench changed from production, and the capacity
model.

With a second file, each scenario also shows the requests/s and floor-plain ratio of that earlier run.
"""

import json
import sys
from pathlib import Path
from typing import Any

from .capacity import capacity_table, model_table, targets_table


def _ratio(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def table(results: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    head = (
        "| scenario | req/s | x floor-plain | x floor-plain (CPU) | x floor-django | x floor-django (CPU) "
        "| p50 ms | p90 ms | p99 ms | errors | req/CPU-s | CPU ms/req | connections per worker |"
    )
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    if before:
        head += " before: req/s | before: x floor-plain |"
        rule += "---:|---:|"
    lines = [head, rule]
    for name, f in results["scenarios"].items():
        spread = ", ".join("/".join(map(str, s)) for s in f.get("connection_spread_each", []) if s) or "-"
        cpu_ms = f"{1000 / f['rps_per_core']:.2f}" if f.get("rps_per_core") else "-"
        line = (
            f"| {name} | {f['rps']:,.0f} | {_ratio(f.get('ratio_to_floor_plain'))} | "
            f"{_ratio(f.get('cpu_ratio_to_floor_plain'))} | {_ratio(f.get('ratio_to_floor_django'))} | "
            f"{_ratio(f.get('cpu_ratio_to_floor_django'))} | {f['p50_ms']:.1f} | {f['p90_ms']:.1f} | "
            f"{f['p99_ms']:.1f} | {f['errors'] + f['non_2xx']} | {f['rps_per_core']:,.0f} | {cpu_ms} | {spread} |"
        )
        if before:
            old = before["scenarios"].get(name)
            line += f" {old['rps']:,.0f} | {_ratio(old.get('ratio_to_floor_plain'))} |" if old else " - | - |"
        lines.append(line)
    return "\n".join(lines)


def cpu_split_table(results: dict[str, Any]) -> str:
    """Per request, where each scenario's server CPU went and how often its threads stopped: what in-process
    profiles cannot show (a blocking round trip's wake-ups, the scheduler sharing two cores with PostgreSQL,
    Redis and wrk)."""
    lines = [
        "| scenario | user ms/req | system ms/req | voluntary switches/req | involuntary switches/req |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, f in results["scenarios"].items():
        split = f.get("per_request")
        if not split:
            continue  # a results.json from before the split was recorded
        lines.append(
            f"| {name} | {split['cpu_user_ms']:.2f} | {split['cpu_system_ms']:.2f} | "
            f"{split['voluntary_switches']:.1f} | {split['involuntary_switches']:.1f} |"
        )
    return "\n".join(lines) if len(lines) > 2 else "(no CPU split in this results.json)"


def run_line(results: dict[str, Any]) -> str:
    c, m = results.get("config", {}), results.get("machine", {})
    return (
        f"`make bench` on {results.get('date', '?')}: {c.get('workers')} workers x {c.get('threads')} threads, "
        f"wrk -c{c.get('connections')}, {c.get('duration_s')} s x {c.get('repeats')} rounds, big user "
        f"{c.get('big_user_tasks', 0):,} tasks; {m.get('cpus')} CPUs ({m.get('cpu_model')}), {m.get('memory_gb')} GiB, "
        f"Linux {m.get('kernel')}, Python {m.get('python')}."
    )


def details(results: dict[str, Any]) -> str:
    parts = results.get("auth_cpu_ms_parts", {})
    lines = [
        f"Authentication: {results.get('auth_cpu_ms', 0):.3f} ms CPU per request (JWT verification alone "
        f"{parts.get('jwt_verify', 0):.3f} ms on a token's first use, session and user check "
        f"{parts.get('session_check', 0):.3f} ms). Worker RSS after the run: {results.get('worker_rss_mb_each')} MB.",
        f"Listening sockets per server: {results.get('listening_sockets')} (one per worker with reuse_port, "
        "one shared without). Access "
        f"tokens of {results.get('access_token_lifetime_s', 0):.0f} s, refreshed {results.get('token_refreshes')} "
        "times by the runner.",
    ]
    retried = {
        n: f["connection_spread_retried"] for n, f in results["scenarios"].items() if f.get("connection_spread_retried")
    }
    lines.append(f"Runs repeated for a lopsided connection split: {retried or 'none'}.")
    overrides = results.get("overrides") or []
    if overrides:
        lines += [
            "",
            "What the bench changed from production, and why:",
            "",
            "| Setting | Value | Why |",
            "|---|---|---|",
        ]
        lines += [f"| `{o['name']}` | `{o['value']}` | {o['reason']} |" for o in overrides]
    return "\n".join(lines)


def document(results: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    return "\n\n".join(
        [
            run_line(results),
            table(results, before),
            "Where the server's CPU went, per request (medians over the rounds):",
            cpu_split_table(results),
            details(results),
            "Targets:",
            targets_table(results),
            "Capacity model (docs/scaling.md):",
            capacity_table(results),
            model_table(results),
        ]
    )


def main() -> None:
    results = json.loads(Path(sys.argv[1]).read_text())
    before = json.loads(Path(sys.argv[2]).read_text()) if len(sys.argv) > 2 else None
    print(document(results, before))


if __name__ == "__main__":
    main()
