"""``python -m bench.markdown RESULTS.json [BEFORE.json]``: the results as a Markdown table (for docs/performance.md).

With a second file, each scenario also shows the requests/s and ratio of that earlier run.
"""

import json
import sys
from pathlib import Path
from typing import Any


def _ratio(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def table(results: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    head = (
        "| scenario | req/s | x floor-django | x floor-django (CPU) | p50 ms | p90 ms | p99 ms | errors | req/CPU-s |"
    )
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    if before:
        head += " before: req/s | before: x floor-django |"
        rule += "---:|---:|"
    lines = [head, rule]
    for name, f in results["scenarios"].items():
        line = (
            f"| {name} | {f['rps']:,.0f} | {_ratio(f['ratio_to_floor_django'])} | "
            f"{_ratio(f.get('cpu_ratio_to_floor_django'))} | {f['p50_ms']:.1f} | {f['p90_ms']:.1f} | "
            f"{f['p99_ms']:.1f} | {f['errors'] + f['non_2xx']} | {f['rps_per_core']:,.0f} |"
        )
        if before:
            old = before["scenarios"].get(name)
            line += f" {old['rps']:,.0f} | {_ratio(old['ratio_to_floor_django'])} |" if old else " - | - |"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    results = json.loads(Path(sys.argv[1]).read_text())
    before = json.loads(Path(sys.argv[2]).read_text()) if len(sys.argv) > 2 else None
    print(table(results, before))


if __name__ == "__main__":
    main()
