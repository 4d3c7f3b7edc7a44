"""Secrets read from files: ``NAME_FILE=/path`` puts the file's content in ``NAME`` (Docker and Kubernetes secrets).

Kubernetes mounts the Secret ``sad-backend`` as files under /run/secrets/sad-backend (k8s/base; checkov's
CKV_K8S_35), so the values never appear in the pod spec's environment, ``kubectl describe`` or the environment a
child process inherits from the container. ``sad-backend-config`` names each file (``SECRET_KEY_FILE=...``).

Called first thing by config/settings/base.py and config/gunicorn.conf.py, so every reader (django-environ,
gunicorn's own config, Sentry) sees the usual variables. Only the settings below are read this way; other ``*_FILE``
variables (``SSL_CERT_FILE``...) keep their own meaning. Rules:

- a ``NAME_FILE`` whose file does not exist leaves ``NAME`` unset: an optional key the Secret does not hold
  (METRICS_TOKEN, SENTRY_DSN...); config/settings/production.py still refuses to start without the required ones;
- ``NAME`` set too, to another value, with the file present, is refused: two sources for one secret hide which
  one is in force (the same value is fine: gunicorn's workers inherit what its master read);
- one trailing newline is dropped (``echo value > file``); anything else is kept as is.
"""

import os
from collections.abc import MutableMapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

SECRET_SETTINGS = (
    "SECRET_KEY",
    "JWT_SIGNING_KEY",
    "JWT_SIGNING_KEYS",
    "MFA_ENCRYPTION_KEY",
    "MFA_ENCRYPTION_KEYS",
    "DATABASE_URL",
    "DATABASE_REPLICA_URLS",
    "REDIS_URL",
    "EMAIL_HOST_PASSWORD",
    "METRICS_TOKEN",
    "SENTRY_DSN",
)


def load_secret_files(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Set each secret setting from its ``*_FILE``; returns the names set."""
    environ = os.environ if environ is None else environ
    loaded = []
    for name in SECRET_SETTINGS:
        path = environ.get(f"{name}_FILE", "").strip()
        if not path or not Path(path).is_file():
            continue
        value = Path(path).read_text(encoding="utf-8")
        value = value[:-1] if value.endswith("\n") else value
        if environ.get(name) and environ[name] != value:  # equal: read before (gunicorn's master, then its workers)
            raise ImproperlyConfigured(
                f"{name} and {name}_FILE are both set: keep one (the file, {path}, in Kubernetes; docs/deploy.md)."
            )
        environ[name] = value
        loaded.append(name)
    return loaded
