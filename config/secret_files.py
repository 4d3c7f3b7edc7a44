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
  one is in force (the same value is fine);
- except a ``NAME`` this process inherited from the one that read it from the file (listed in ``LOADED_FROM_FILES``):
  gunicorn's master reads the files and its workers, which are not preloaded, read them again at boot. A worker
  restarted (OOM kill, timeout) after the Secret changed keeps the master's value, so every worker of the pod
  agrees, and warns once that the pod must be rolled: refusing would stop the worker, and gunicorn's master exits
  when a worker fails to boot, taking the pod down. A file that disappeared likewise leaves the inherited value;
- one trailing newline is dropped (``echo value > file``); anything else is kept as is.
"""

import logging
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


# The names a process set from their files, for the processes it starts (gunicorn's workers): set by
# load_secret_files, never by an operator.
LOADED_FROM_FILES = "SECRET_FILES_LOADED"

logger = logging.getLogger(__name__)
_warned: set[str] = set()  # the changes this process has reported


def load_secret_files(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Set each secret setting from its ``*_FILE``; returns the names set (or kept, see the module's rules).

    Raises ImproperlyConfigured when ``NAME`` and ``NAME_FILE`` disagree and ``NAME`` was not read from that file
    by a parent process; records the names it set in ``LOADED_FROM_FILES`` for the processes started after it."""
    environ = os.environ if environ is None else environ
    inherited = set(environ.get(LOADED_FROM_FILES, "").split())
    loaded, changed = [], []
    for name in SECRET_SETTINGS:
        path = environ.get(f"{name}_FILE", "").strip()
        if not path or not Path(path).is_file():
            if name in inherited and name in environ:  # the key left the Secret: the master's value stays
                changed.append(f"{name}_FILE ({path or 'unset'}, gone)")
                loaded.append(name)
            continue
        value = Path(path).read_text(encoding="utf-8")
        value = value[:-1] if value.endswith("\n") else value
        if name in inherited and name in environ:  # read by the master: keep its value, whatever the file holds now
            if environ[name] != value:
                changed.append(f"{name}_FILE ({path})")
        elif environ.get(name) and environ[name] != value:
            raise ImproperlyConfigured(
                f"{name} and {name}_FILE are both set: keep one (the file, {path}, in Kubernetes; docs/deploy.md)."
            )
        else:
            environ[name] = value
        loaded.append(name)
    if loaded:
        environ[LOADED_FROM_FILES] = " ".join(loaded)
    _warn_changed(changed)
    return loaded


def _warn_changed(changed: list[str]) -> None:
    """One warning per process for the files that no longer hold what the pod started with (never the values)."""
    news = [what for what in changed if what not in _warned]
    if not news:
        return
    _warned.update(news)
    logger.warning(
        "Secret files changed since this server started: %s. Keeping the values it started with, so that every "
        "worker agrees; roll the pods to use the new ones (kubectl rollout restart deployment/backend; "
        'docs/operations.md, "Changing the Secret").',
        ", ".join(news),
    )
