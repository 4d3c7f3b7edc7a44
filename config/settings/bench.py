"""Production settings for `make bench`, as deployed: only the urlconf differs.

config.bench_urls is the production urlconf plus the floor-django view (bench/floor.py). Everything else is
production's, https redirect included: the bench's requests carry ``X-Forwarded-Proto: https`` as the ingress
sets it. What the runner changes through the environment (rate limits raised, never off) it prints with the
reason (bench/deployed.py).
"""

from .production import *  # noqa: F403

ROOT_URLCONF = "config.bench_urls"
