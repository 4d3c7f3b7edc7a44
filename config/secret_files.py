"""Secrets read from files: ``NAME_FILE=/path`` puts the file's content in ``NAME`` (Docker and Kubernetes secrets).

Kubernetes mounts the Secret ``sad-backend`` as files under /run/secrets/sad-backend (k8s/base; checkov's
CKV_K8S_35), so the values never appear in the pod spec's environment, ``kubectl describe`` or the environment a
child process inherits from the container. ``sad-backend-config`` names each file (``SECRET_KEY_FILE=...``).

Called first thing by config/settings/environment.py and config/gunicorn.conf.py, so every reader (django-environ,
gunicorn's own config, Sentry) sees the usual variables. Only the settings below are read this way; other ``*_FILE``
variables (``SSL_CERT_FILE``...) keep their own meaning. Rules:

- a ``NAME_FILE`` whose file does not exist leaves ``NAME`` unset: an optional key the Secret does not hold
  (METRICS_TOKEN, SENTRY_DSN...); config/settings/production.py still refuses to start without the required ones;
- ``NAME`` set too, to another value, with the file present, is refused: two sources for one secret hide which
  one is in force (the same value is fine);
- except in a process started by the one that first read the files (gunicorn's master reads them, and its
  workers, which are not preloaded, read them again at boot): the master records what it found, each name read
  from a file and each one whose file was missing, in ``LOADED_FROM_FILES`` with its pid, and a worker whose parent
  that pid is keeps every one of those as the master had it, whatever the files hold now. A worker restarted (OOM
  kill, timeout) after the Secret changed, gained or lost a key thus runs as its siblings do, and warns once that
  the pod must be rolled: refusing would stop the worker, and gunicorn's master exits when a worker fails to boot,
  taking the pod down. The record binds to the pid that wrote it, so the variable set by hand (or left by
  another process) changes nothing, and the master itself still refuses two sources;
- one trailing newline is dropped (``echo value > file``); anything else is kept as is.
"""

import json
import logging
import os
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

SECRET_SETTINGS = (
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
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
    # Holds each sign-in provider's client secret (docs/sso.md).
    "OIDC_PROVIDERS",
)


# What the process that read the files found, for the processes it starts (gunicorn's workers): written by
# load_secret_files as JSON, {"pid": ..., "loaded": [names], "absent": [names]}; never by an operator.
LOADED_FROM_FILES = "SECRET_FILES_LOADED"

logger = logging.getLogger(__name__)
_warned: set[str] = set()  # the changes this process has reported


@dataclass(frozen=True)
class _ParentRecord:
    loaded: frozenset[str]  # read from their files by the parent
    absent: frozenset[str]  # no file then: left as the environment had them


def _parent_record(environ: Mapping[str, str]) -> _ParentRecord | None:
    """What this process's parent found in the files, if it read them, or this process on an earlier call (else
    None: this process decides alone)."""
    try:
        record = json.loads(environ.get(LOADED_FROM_FILES, ""))
        if record["pid"] not in (os.getppid(), os.getpid()):
            return None
        return _ParentRecord(loaded=frozenset(record["loaded"]), absent=frozenset(record["absent"]))
    except (ValueError, TypeError, KeyError):
        return None


def _read(path: str, *, name: str) -> str:
    try:
        value = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        why = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ImproperlyConfigured(f"{name}_FILE names {path}, which cannot be read: {why}.") from None
    return value[:-1] if value.endswith("\n") else value


def load_secret_files(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Set each secret setting from its ``*_FILE``; returns the names set (or kept, see the module's rules).

    Raises ImproperlyConfigured when ``NAME`` and ``NAME_FILE`` disagree, unless the parent process decided ``NAME``
    from the files; records what it found in ``LOADED_FROM_FILES`` for the processes started after it."""
    environ = os.environ if environ is None else environ
    parent = _parent_record(environ)
    loaded: list[str] = []
    absent: list[str] = []
    changed: list[str] = []
    for name in SECRET_SETTINGS:
        path = environ.get(f"{name}_FILE", "").strip()
        exists = bool(path) and Path(path).is_file()
        if parent is not None and (name in parent.loaded or name in parent.absent):
            # Decided by the master at start: kept as it was, so every worker of the pod agrees.
            (loaded if name in parent.loaded else absent).append(name)
            if name in parent.loaded and not exists:
                changed.append(f"{name}_FILE ({path or 'unset'}, gone)")
            elif name in parent.absent and exists:
                changed.append(f"{name}_FILE ({path}, added)")
            elif exists and environ.get(name) != _read(path, name=name):
                changed.append(f"{name}_FILE ({path})")
            continue
        if not exists:
            absent.append(name)
            continue
        value = _read(path, name=name)
        if environ.get(name) and environ[name] != value:
            raise ImproperlyConfigured(
                f"{name} and {name}_FILE are both set: keep one (the file, {path}, in Kubernetes; docs/deploy.md)."
            )
        environ[name] = value
        loaded.append(name)
    environ[LOADED_FROM_FILES] = json.dumps({"pid": os.getpid(), "loaded": loaded, "absent": absent})
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
