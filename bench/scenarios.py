"""The scenarios: what each one requests, from which server, as lines for wrk/requests.lua."""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .floor import FLOOR_PATH

PAGE_SIZE = 20  # backend.common.pagination.StandardPagination.page_size: the list scenarios use the default
FLOOR = "/" + FLOOR_PATH
NAMES = (
    "floor-wsgi",
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
    server: str  # "wsgi" (bare WSGI app), "warm" (the app) or "cold" (the app with TASK_CACHE_TTL_SECONDS=0)
    lines: list[str]
    connections: int | None = None  # None: the run's default

    def write(self, directory: Path) -> Path:
        path = directory / f"{self.name}.requests"
        path.write_text("\n".join(self.lines) + "\n")
        return path


def _line(method: str, path: str, token: str = "", body: dict[str, Any] | None = None) -> str:
    return "\t".join([method, path, token or "-", json.dumps(body) if body else "-"])


def deep_page(big_tasks: int) -> int:
    """The big user's last page: the deepest OFFSET a page-number client can ask for."""
    return max(1, math.ceil(big_tasks / PAGE_SIZE))


def scenarios(prepared: dict[str, Any], *, big_tasks: int, login_password: str, detail_ids: int) -> list[Scenario]:
    """Every scenario, in the order they run (and alternate) within one round."""
    users = prepared["users"]
    small, big, writer, login = users["small"], users["big"][0], users["writer"][0], users["login"][0]
    lists = [_line("GET", "/api/tasks/", u["token"]) for u in small]
    big_page1 = [_line("GET", "/api/tasks/", big["token"])]
    big_deep = [_line("GET", f"/api/tasks/?page={deep_page(big_tasks)}", big["token"])]
    details = [_line("GET", f"/api/tasks/{pk}/", u["token"]) for u in small for pk in u["task_ids"][:detail_ids]]
    # Two titles per task, so every PATCH changes the row (an unchanged PATCH writes nothing).
    updates = [
        _line("PATCH", f"/api/tasks/{pk}/", writer["token"], {"title": f"Bench update {suffix}"})
        for suffix in ("A", "B")
        for pk in writer["task_ids"]
    ]
    return [
        Scenario("floor-wsgi", "wsgi", [_line("GET", FLOOR)]),
        Scenario("floor-django", "warm", [_line("GET", FLOOR)]),
        Scenario("list-warm", "warm", lists),
        Scenario("list-cold", "cold", lists),
        Scenario("list-100k-warm", "warm", big_page1),
        Scenario("list-100k-cold", "cold", big_page1),
        Scenario("list-100k-deep-warm", "warm", big_deep),
        Scenario("list-100k-deep-cold", "cold", big_deep),
        Scenario("detail", "warm", details),
        Scenario("stats", "warm", [_line("GET", "/api/tasks/stats/", u["token"]) for u in small]),
        Scenario("create", "warm", [_line("POST", "/api/tasks/", writer["token"], {"title": "Bench created"})]),
        Scenario("update", "warm", updates),
        # Bound by Argon2 by design: a few connections, one per core.
        Scenario(
            "login",
            "warm",
            [_line("POST", "/api/auth/login/", body={"email": login["email"], "password": login_password})],
            connections=2,
        ),
    ]
