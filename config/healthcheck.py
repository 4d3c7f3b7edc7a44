"""The backend image's HEALTHCHECK (Dockerfile.backend), for Docker and compose; Kubernetes uses its own probes.

GET /healthz on this container's gunicorn, with a Host header that ALLOWED_HOSTS accepts (Django refuses any
other with 400), and exit 0 on a 200, 1 otherwise. Standard library only and no Django: it runs every 30 s.
"""

import os
import sys
import urllib.error
import urllib.request


def probe_host(allowed_hosts: str) -> str:
    """A Host that ALLOWED_HOSTS (comma-separated, as the settings read it) accepts."""
    for entry in allowed_hosts.split(","):
        entry = entry.strip()
        if entry and entry != "*":
            return entry.lstrip(".")  # ".example.com" accepts example.com itself
    return "localhost"


def main() -> int:
    port = os.environ.get("PORT") or "8000"
    host = probe_host(os.environ.get("ALLOWED_HOSTS") or "localhost")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except (OSError, urllib.error.URLError) as exc:
        print(f"healthcheck: http://127.0.0.1:{port}/healthz (Host {host}): {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
