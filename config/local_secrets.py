"""A developer's own .env, and local development secrets generated once and kept in var/local.env."""

import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_SECRETS_FILE = BASE_DIR / "var" / "local.env"
DOTENV_FILE = BASE_DIR / ".env"


def read_dotenv(path: Path | None = None) -> None:
    """The developer's own overrides (``DOTENV_FILE``, never committed; see .env.example), under the real
    environment: a variable already set wins. Nothing to read, nothing said: a fresh clone needs no .env."""
    path = path or DOTENV_FILE
    if path.exists():
        environ.Env.read_env(path, overwrite=False)


SECRET_NAMES = ("SECRET_KEY", "JWT_SIGNING_KEY")


def load_or_create_local_secrets(path: Path = LOCAL_SECRETS_FILE) -> dict[str, str]:
    """Return the local secrets, creating the file with fresh random values if needed."""
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and name.strip() in SECRET_NAMES:
                values[name.strip()] = value.strip()
    missing = [name for name in SECRET_NAMES if not values.get(name)]
    if missing:
        for name in missing:
            values[name] = secrets.token_urlsafe(50)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{name}={values[name]}\n" for name in SECRET_NAMES))
        path.chmod(0o600)
    return values
