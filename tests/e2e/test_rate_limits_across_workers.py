"""Rate limits hold across processes: gunicorn workers share one Redis counter (the Redis leg runs 3 workers)."""

import json
import os
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.e2e.servers import served


def _refresh(url: str) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(  # noqa: S310
        f"{url}/api/auth/refresh/",
        data=json.dumps({"refresh": "not-a-token"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def test_fifty_parallel_requests_across_workers_against_a_limit_of_five_let_exactly_five_through(tmp_path):
    workers = {"WEB_CONCURRENCY": "3"} if os.environ.get("REDIS_URL") else {}
    with served(tmp_path, RATE_LIMIT_REFRESH_IP="5/1m", RATE_LIMIT_ANON="1000/1m", **workers) as url:
        barrier = threading.Barrier(50)

        def call(_: int) -> tuple[int, dict[str, str]]:
            barrier.wait()
            return _refresh(url)

        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(call, range(50)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [401] * 5 + [429] * 45
    refused = [headers for status, headers in results if status == 429]
    assert all(1 <= int(h["Retry-After"]) <= 60 and h["X-RateLimit-Remaining"] == "0" for h in refused)
