"""Settings for `make run` and `make dev` on a laptop.

Secrets are generated once into the git-ignored var/local.env, so a fresh clone
runs with no configuration and keeps its sessions across restarts. Precedence: the
environment, then .env, then var/local.env.
"""

import os

from config.local_secrets import load_or_create_local_secrets, read_dotenv

read_dotenv()  # first: a key set in .env (or the environment) wins over the generated one
for _name, _value in load_or_create_local_secrets().items():
    os.environ.setdefault(_name, _value)

from .base import *  # noqa: E402,F403
from .base import LOG_LEVEL, env  # noqa: E402

# Local http: the refresh cookie cannot be Secure unless configured otherwise.
REFRESH_COOKIE_SECURE = env.bool("REFRESH_COOKIE_SECURE", default=False)
# No call to Have I Been Pwned's range API unless asked for: `make run` works offline (docs/security.md).
PASSWORD_BREACH_CHECK = env.bool("PASSWORD_BREACH_CHECK", default=False)

# ------------------------------------------------------------------------------
# Observability (structured logs): readable log lines in a terminal unless LOG_FORMAT says otherwise.
# ------------------------------------------------------------------------------
from backend.observability.logging import logging_config, structlog_configure  # noqa: E402

LOG_FORMAT = env.str("LOG_FORMAT", default="console")
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
structlog_configure(log_format=LOG_FORMAT, level=LOG_LEVEL)
