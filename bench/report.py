"""Medians over the runs, ratios to both floors (floor-plain, floor-django), the table, results.json and the chart."""

import json
import os
import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .scenarios import FLOORS
from .wrk import Run

REQUIRED_KEYS = (
    "rps",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "errors",
    "rps_per_core",
    "ratio_to_floor_plain",
    "cpu_ratio_to_floor_plain",
    "ratio_to_floor_django",
    "cpu_ratio_to_floor_django",
    "per_request",
)


PER_REQUEST_FIGURES = ("cpu_user_ms", "cpu_system_ms", "voluntary_switches", "involuntary_switches")


def summarize(runs: dict[str, list[Run]]) -> dict[str, dict[str, Any]]:
    """Per scenario: the median of each figure over its runs, error totals, and the ratio to floor-django."""
    out: dict[str, dict[str, Any]] = {}
    for name, scenario_runs in runs.items():
        out[name] = {
            "rps": round(statistics.median(r.rps for r in scenario_runs), 1),
            "p50_ms": round(statistics.median(r.p50_ms for r in scenario_runs), 2),
            "p90_ms": round(statistics.median(r.p90_ms for r in scenario_runs), 2),
            "p99_ms": round(statistics.median(r.p99_ms for r in scenario_runs), 2),
            "errors": sum(r.errors for r in scenario_runs),
            "non_2xx": sum(r.non_2xx for r in scenario_runs),
            "rps_per_core": round(statistics.median(r.rps_per_core for r in scenario_runs), 1),
            "runs": len(scenario_runs),
            "rps_each": [round(r.rps, 1) for r in scenario_runs],
            "connection_spread_each": [r.spread for r in scenario_runs],
            # Where the server's CPU went, per request (medians over the runs): user and system time, and how often
            # its threads waited (voluntary switches: a socket, a lock, the GIL) or were preempted (involuntary).
            "per_request": {
                figure: round(statistics.median(r.per_request()[figure] for r in scenario_runs), 3)
                for figure in PER_REQUEST_FIGURES
            },
        }
    for floor in FLOORS:
        floor_runs = runs.get(floor, [])
        suffix = floor.replace("-", "_")
        for name, figures in out.items():
            # Per round, against the floor measured in that same round (the machine's load drifts between
            # rounds), then the median; and the same for requests per server CPU-second, which load barely moves.
            pairs = list(zip(runs[name], floor_runs, strict=False))
            figures[f"ratio_to_{suffix}"] = (
                round(statistics.median(r.rps / f.rps for r, f in pairs), 3)
                if pairs and all(f.rps for _, f in pairs)
                else None
            )
            figures[f"cpu_ratio_to_{suffix}"] = (
                round(statistics.median(r.rps_per_core / f.rps_per_core for r, f in pairs), 3)
                if pairs and all(f.rps_per_core for _, f in pairs)
                else None
            )
    return out


def machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def _r(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else "-"


def table(scenarios: dict[str, dict[str, Any]]) -> str:
    head = f"{'scenario':<22}{'req/s':>9}{'x plain':>9}{'x django':>9}{'p50 ms':>9}{'p99 ms':>9}"
    head += f"{'errors':>8}{'non-2xx':>9}{'req/cpu-s':>11}{'x plain cpu':>12}{'x django cpu':>13}  spread"
    lines = [head, "-" * len(head)]
    for name, f in scenarios.items():
        spread = " ".join("/".join(map(str, s)) for s in f.get("connection_spread_each", []) if s)
        lines.append(
            f"{name:<22}{f['rps']:>9.1f}{_r(f.get('ratio_to_floor_plain')):>9}{_r(f.get('ratio_to_floor_django')):>9}"
            f"{f['p50_ms']:>9.2f}{f['p99_ms']:>9.2f}{f['errors']:>8}{f['non_2xx']:>9}{f['rps_per_core']:>11.1f}"
            f"{_r(f.get('cpu_ratio_to_floor_plain')):>12}{_r(f.get('cpu_ratio_to_floor_django')):>13}  {spread}"
        )
    return "\n".join(lines)


def write_results(path: Path, *, scenarios: dict[str, dict[str, Any]], extra: dict[str, Any]) -> dict[str, Any]:
    results = {
        "scenarios": scenarios,
        **extra,
        "machine": machine(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path.write_text(json.dumps(results, indent=2) + "\n")
    return results


def chart(path: Path, scenarios: dict[str, dict[str, Any]], *, title: str) -> None:
    """Two panels, one bar per scenario: requests/s with both ratios (x floor-plain / x floor-django, and the two
    floors as lines), and p99 latency. Log scales: they span 3 decades."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(scenarios)
    rps = [scenarios[n]["rps"] for n in names]
    p99 = [scenarios[n]["p99_ms"] for n in names]
    rps_labels = [
        f"{scenarios[n]['rps']:,.1f}  ({_x(scenarios[n].get('ratio_to_floor_plain'))} plain"
        f" / {_x(scenarios[n].get('ratio_to_floor_django'))} django)"
        for n in names
    ]
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 0.45 * len(names) + 1.8), sharey=True)
    for axis, values, labels, xlabel, color in (
        (left, rps, rps_labels, "requests/s (x floor-plain / x floor-django); higher is better", "tab:blue"),
        (right, p99, [f"{v:,.1f}" for v in p99], "p99 latency, ms; lower is better", "tab:orange"),
    ):
        bars = axis.barh(names, values, color=color)
        axis.set_xscale("log")
        axis.set_xlabel(xlabel)
        axis.bar_label(bars, labels=labels, padding=3, fontsize=8)
        axis.grid(axis="x", which="both", alpha=0.3)
        axis.set_xlim(right=max(max(values), 1) * 30)
    for floor, style in zip(FLOORS, ("--", ":"), strict=True):
        if floor in scenarios:
            left.axvline(scenarios[floor]["rps"], color="black", linestyle=style, linewidth=0.8, label=floor)
    if any(floor in scenarios for floor in FLOORS):
        left.legend(loc="lower right", fontsize=8)
    left.invert_yaxis()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _x(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def missing(results: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    """What results.json lacks of its documented shape (empty when complete)."""
    gaps = [key for key in ("auth_cpu_ms", "worker_rss_mb", "machine", "date") if key not in results]
    for name in names:
        figures = results["scenarios"].get(name)
        if figures is None:
            gaps.append(f"scenarios.{name}")
        else:
            gaps += [f"scenarios.{name}.{key}" for key in REQUIRED_KEYS if key not in figures]
    return gaps
