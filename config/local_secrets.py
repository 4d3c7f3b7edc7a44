"""Generate local development secrets once and keep them in var/local.env."""

import secrets
from pathlib import Path

LOCAL_SECRETS_FILE = Path(__file__).resolve().parent.parent / "var" / "local.env"
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
