"""What every settings module starts from: the project's paths, the environment (with the developer's .env file and
the *_FILE secrets applied first), and the app's public address, which authentication's settings derive from.

base.py imports these names, so they are settings; api.py, auth.py and email.py import what they use from here, so
none of them depends on base.py being half-way through its own import.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import StrictEnv
from config.local_secrets import read_dotenv
from config.production_checks import frontend_url_form_problem
from config.secret_files import load_secret_files

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

# Strict: a value a setting cannot take (a yes/no typo, a negative size) stops the start, naming it (config/env.py).
env = StrictEnv()
# A developer's own overrides; never committed (see .env.example).
read_dotenv()
# Secrets mounted as files: SECRET_KEY_FILE=/run/secrets/sad-backend/SECRET_KEY sets SECRET_KEY, and so on.
load_secret_files()

# Where users reach the app (email links, passkeys' origin and relying party).
FRONTEND_URL = env.str("FRONTEND_URL", default="http://127.0.0.1:8000").strip().rstrip("/")
if _frontend_url_problem := frontend_url_form_problem(FRONTEND_URL):
    raise ImproperlyConfigured(_frontend_url_problem)
