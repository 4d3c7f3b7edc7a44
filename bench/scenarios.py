"""The scenarios: what each one requests, from which server, as lines for wrk/requests.lua.

A line names its user by key (``small-0``, ``big``, ``writer``); ``Scenario.write`` puts in that user's current
access token, which the runner refreshes before it expires (bench/tokens.py).
"""

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .floor import FLOOR_PATH

PAGE_SIZE = 20  # backend.common.pagination.StandardPagination.page_size: the list scenarios use the default
FLOOR = "/" + FLOOR_PATH
FLOORS = ("floor-plain", "floor-django")  # every scenario's ratios are against both (bench/report.py)
NAMES = (
    "floor-wsgi",
    "floor-plain",
    "floor-django",
    "list-warm",
    "list-cold",
    "list-100k-warm",
    "list-100k-cold",
    "list-100k-deep-warm",
    "list-100k-deep-cold",
    "detail",
    "stats",
    "create",
    "update",
    "login",
)


@dataclass(frozen=True)
class Scenario:
    name: str
    # "wsgi" (bare WSGI app), "plain" (startproject's defaults), "warm" (the app) or "cold" (the app with
    # TASK_CACHE_TTL_SECONDS=0)
    server: str
    lines: list[str]
    connections: int | None = None  # None: the run's default

    def write(self, directory: Path, tokens: Mapping[str, str]) -> Path:
        """The requests file for wrk, each line's user key replaced by that user's access token."""
        path = directory / f"{self.name}.requests"
        out = []
        for line in self.lines:
            method, target, user, body = line.split("\t")
            out.append("\t".join([method, target, tokens[user] if user != "-" else "-", body]))
        path.write_text("\n".join(out) + "\n")
        return path

    @property
    def users(self) -> set[str]:
        return {user for line in self.lines if (user := line.split("\t")[2]) != "-"}


def _line(method: str, path: str, user: str = "", body: dict[str, Any] | None = None) -> str:
    return "\t".join([method, path, user or "-", json.dumps(body) if body else "-"])


def user_keys(prepared: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The signed-in users of ``prepared`` by the key the scenario lines use."""
    users = prepared["users"]
    keyed = {f"small-{i}": u for i, u in enumerate(users["small"])}
    keyed["big"], keyed["writer"] = users["big"][0], users["writer"][0]
    return keyed


def deep_page(big_tasks: int) -> int:
    """The big user's last page: the deepest OFFSET a page-number client can ask for."""
    return max(1, math.ceil(big_tasks / PAGE_SIZE))


def scenarios(prepared: dict[str, Any], *, big_tasks: int, login_password: str, detail_ids: int) -> list[Scenario]:
    """Every scenario, in the order they run (and alternate) within one round."""
    users = prepared["users"]
    small = {key: u for key, u in user_keys(prepared).items() if key.startswith("small-")}
    writer, login = users["writer"][0], users["login"][0]
    lists = [_line("GET", "/api/tasks/", key) for key in small]
    big_page1 = [_line("GET", "/api/tasks/", "big")]
    big_deep = [_line("GET", f"/api/tasks/?page={deep_page(big_tasks)}", "big")]
    details = [_line("GET", f"/api/tasks/{pk}/", key) for key, u in small.items() for pk in u["task_ids"][:detail_ids]]
    # Two titles per task, so every PATCH changes the row (an unchanged PATCH writes nothing).
    updates = [
        _line("PATCH", f"/api/tasks/{pk}/", "writer", {"title": f"Bench update {suffix}"})
        for suffix in ("A", "B")
        for pk in writer["task_ids"]
    ]
    return [
        Scenario("floor-wsgi", "wsgi", [_line("GET", FLOOR)]),
        Scenario("floor-plain", "plain", [_line("GET", FLOOR)]),
        Scenario("floor-django", "warm", [_line("GET", FLOOR)]),
        Scenario("list-warm", "warm", lists),
        Scenario("list-cold", "cold", lists),
        Scenario("list-100k-warm", "warm", big_page1),
        Scenario("list-100k-cold", "cold", big_page1),
        Scenario("list-100k-deep-warm", "warm", big_deep),
        Scenario("list-100k-deep-cold", "cold", big_deep),
        Scenario("detail", "warm", details),
        Scenario("stats", "warm", [_line("GET", "/api/tasks/stats/", key) for key in small]),
        Scenario("create", "warm", [_line("POST", "/api/tasks/", "writer", {"title": "Bench created"})]),
        Scenario("update", "warm", updates),
        # Bound by Argon2 by design: a few connections, one per core.
        Scenario(
            "login",
            "warm",
            [_line("POST", "/api/auth/login/", body={"email": login["email"], "password": login_password})],
            connections=2,
        ),
    ]
