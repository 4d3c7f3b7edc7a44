"""Production settings for `make bench`: the same stack, served over plain http on 127.0.0.1.

Differences from production, all needed to measure it: the bench urlconf adds the floor-django
view (bench/floor.py), and there is no https redirect (wrk speaks http; TLS ends at the ingress
in production anyway). The runner sets RATE_LIMIT_ENABLED=false and long-lived access tokens
through the environment.
"""

from .production import *  # noqa: F403

ROOT_URLCONF = "config.bench_urls"
SECURE_SSL_REDIRECT = False
