"""The targets of docs/performance.md and the capacity model of docs/scaling.md, computed from results.json."""

from dataclasses import dataclass
from typing import Any

# (scenario, wanted ratio to floor-plain): medians over the rounds of one run (docs/performance.md, "Targets").
RATIO_TARGETS = (
    ("floor-django", 0.8),  # the whole middleware stack and settings against startproject's
    ("list-warm", 0.5),
    ("list-cold", 0.3),
    ("create", 0.3),
    ("update", 0.25),
)
# (scenario, the scenario it is compared with, the percentiles held to at most 1.5x): the first is the target on
# the 100,000-task user's deep cold page, p99 against a 100-task user's first page (list-cold); the others are
# the earlier targets (p50 and p99).
LATENCY_TARGETS = (
    ("list-100k-deep-cold", "list-cold", ("p99",)),
    ("list-100k-warm", "list-warm", ("p50", "p99")),
    ("list-100k-deep-warm", "list-warm", ("p50", "p99")),
    ("list-100k-cold", "list-cold", ("p50", "p99")),
    ("list-100k-deep-cold", "list-cold", ("p50", "p99")),
)
LATENCY_MAX = 1.5
# Two peers measured side by side with a plain Django view (startproject's middleware, fixed JSON) in one run on
# this kind of machine, every WSGI target under gunicorn with 2 workers x 4 threads, medians of 6 alternating runs:
# their requests/s as a multiple of that view's. The bench does not run them; a scenario is ahead of both when its
# ratio to floor-plain is above the better peer's figure for that kind of request (docs/performance.md, "Targets").
PEERS = {
    "list": {"the FastAPI full-stack template 0.10.0": 0.116, "a DRF + simplejwt tutorial app": 0.066},
    "write": {"the FastAPI full-stack template 0.10.0": 0.137, "a DRF + simplejwt tutorial app": 0.069},
}
# (scenario, the peers' kind of request it is held against): neither peer was measured on an update, so an update
# is held to their create (POST), the write they were measured on.
PEER_TARGETS = (("list-warm", "list"), ("list-cold", "list"), ("create", "write"), ("update", "write"))
RSS_MAX_MB = 120

# The traffic mix of the capacity model (docs/scaling.md): a read is cached with probability h.
MIX = {"list": 0.60, "detail": 0.15, "stats": 0.15, "create": 0.05, "update": 0.05}
LOGINS_PER_REQUEST = 1 / 1000
HPA_TARGET = 0.7
HIT_RATIOS = (0.5, 0.8, 0.95)
LOADS = (1_000, 10_000, 100_000)


@dataclass(frozen=True)
class Target:
    name: str
    wanted: str
    measured: str
    met: bool | None  # None: not measured in this run


def _ms(results: dict[str, Any], name: str) -> float | None:
    f = results["scenarios"].get(name)
    return 1000 / f["rps_per_core"] if f and f.get("rps_per_core") else None


def targets(results: dict[str, Any]) -> list[Target]:
    scenarios = results["scenarios"]
    out = []
    for name, wanted in RATIO_TARGETS:
        f = scenarios.get(name) or {}
        ratio, cpu = f.get("ratio_to_floor_plain"), f.get("cpu_ratio_to_floor_plain")
        measured = f"{ratio:.2f}x (CPU: {cpu:.2f}x)" if ratio is not None and cpu is not None else "-"
        out.append(
            Target(f"`{name}`", f">= {wanted}x floor-plain", measured, None if ratio is None else ratio >= wanted)
        )
    for name, base, percentiles in LATENCY_TARGETS:
        f, b = scenarios.get(name), scenarios.get(base)
        goal = f"{' and '.join(percentiles)} <= {LATENCY_MAX}x"
        if not f or not b:
            out.append(Target(f"`{name}` vs `{base}`", goal, "-", None))
            continue
        ratios = {pct: f[f"{pct}_ms"] / b[f"{pct}_ms"] for pct in percentiles}
        measured = ", ".join(f"{pct} {ratio:.2f}x" for pct, ratio in ratios.items())
        out.append(Target(f"`{name}` vs `{base}`", goal, measured, all(r <= LATENCY_MAX for r in ratios.values())))
    for name, kind in PEER_TARGETS:
        peer, best = max(PEERS[kind].items(), key=lambda item: item[1])
        ratio = (scenarios.get(name) or {}).get("ratio_to_floor_plain")
        measured = "-" if ratio is None else f"{ratio:.2f}x"
        out.append(
            Target(
                f"`{name}` vs the peers",
                f"> {best}x floor-plain ({peer})",
                measured,
                None if ratio is None else ratio > best,
            )
        )
    failed = sum(f["errors"] + f["non_2xx"] for f in scenarios.values())
    out.append(Target("errors and non-2xx answers", "0", str(failed), failed == 0))
    rss = results.get("worker_rss_mb")
    out.append(
        Target(
            "worker RSS after the run", f"<= {RSS_MAX_MB} MB", f"{rss} MB", None if rss is None else rss <= RSS_MAX_MB
        )
    )
    return out


def targets_table(results: dict[str, Any]) -> str:
    lines = ["| Target | Wanted | Measured | |", "|---|---|---|---|"]
    for t in targets(results):
        verdict = "not measured" if t.met is None else ("met" if t.met else "missed")
        lines.append(f"| {t.name} | {t.wanted} | {t.measured} | {verdict} |")
    return "\n".join(lines)


CAPACITY_ROWS = (
    ("`GET /api/tasks/`, cached", ("list-warm",)),
    ("`GET /api/tasks/`, uncached", ("list-cold",)),
    ("`GET /api/tasks/` of a 100,000-task user, cached / uncached", ("list-100k-warm", "list-100k-cold")),
    ("its last page (offset 99,980), cached / uncached", ("list-100k-deep-warm", "list-100k-deep-cold")),
    ("`GET /api/tasks/{id}/`, cached", ("detail",)),
    ("`GET /api/tasks/stats/`, cached", ("stats",)),
    ("`POST /api/tasks/`", ("create",)),
    ("`PATCH /api/tasks/{id}/`", ("update",)),
    ("`POST /api/auth/login/` (Argon2, by design)", ("login",)),
    ("floor-django: a bare Django view behind the product's middleware", ("floor-django",)),
    ("floor-plain: a bare Django view under startproject's defaults", ("floor-plain",)),
)


def capacity_table(results: dict[str, Any]) -> str:
    scenarios = results["scenarios"]
    lines = ["| scenario | req/CPU-s | CPU per request |", "|---|---:|---:|"]
    for label, names in CAPACITY_ROWS:
        if not all(n in scenarios for n in names):
            continue
        rates = " / ".join(f"{scenarios[n]['rps_per_core']:,.0f}" for n in names)
        costs = " / ".join(f"{_ms(results, n):.2f} ms" for n in names)
        lines.append(f"| {label} | {rates} | {costs} |")
    return "\n".join(lines)


def cpu_ms_per_request(results: dict[str, Any], hit_ratio: float) -> float | None:
    """The mix's average CPU per request; uncached detail and stats reads are costed like an uncached list."""
    names = ("list-warm", "list-cold", "detail", "stats", "create", "update", "login")
    measured = {n: _ms(results, n) for n in names}
    cost = {n: v for n, v in measured.items() if v is not None}
    if len(cost) < len(names):
        return None
    h, cold = hit_ratio, cost["list-cold"]
    total = 0.0
    for kind, cached in (("list", cost["list-warm"]), ("detail", cost["detail"]), ("stats", cost["stats"])):
        total += MIX[kind] * (h * cached + (1 - h) * cold)
    total += MIX["create"] * cost["create"] + MIX["update"] * cost["update"]
    return total + LOGINS_PER_REQUEST * cost["login"]


def model_table(results: dict[str, Any]) -> str:
    head = "| hit ratio *h* | CPU per request | req/s per core | " + " | ".join(f"{n:,} req/s" for n in LOADS) + " |"
    lines = [head.replace(",000 req/s", "k req/s"), "|---:|---:|---:|" + "---:|" * len(LOADS)]
    for h in HIT_RATIOS:
        ms = cpu_ms_per_request(results, h)
        if ms is None:
            return "(the capacity model needs list-warm, list-cold, detail, stats, create, update and login)"
        per_core = 1000 / ms
        cores = " | ".join(f"{load / per_core / HPA_TARGET:,.1f} cores" for load in LOADS)
        lines.append(f"| {h:.2f} | {ms:.2f} ms | {per_core:,.0f} | {cores} |")
    return "\n".join(lines)
