"""docker-compose.yml runs the backend with the production settings: its environment must pass their checks."""

import re

import yaml

from tests.e2e.servers import ROOT
from tests.support.settings_process import PRODUCTION_ENV, settings_process

# ${NAME:?message} (required from .env) and ${NAME:-default}, as compose substitutes them.
_VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def _substituted(value: str, dotenv: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.groups()
        if name in dotenv:
            return dotenv[name]
        assert kind == "-", f"{name} has no default and is not in the stand-in .env"
        return rest

    return _VARIABLE.sub(one, value)


def test_the_compose_backend_environment_passes_the_production_settings_checks():
    # Given the backend's environment in docker-compose.yml, with the keys a user puts in .env
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    dotenv = {name: PRODUCTION_ENV[name] for name in ("SECRET_KEY", "JWT_SIGNING_KEY", "MFA_ENCRYPTION_KEY")}
    environment = {key: _substituted(str(value), dotenv) for key, value in compose["x-backend"]["environment"].items()}

    # When the image's settings module (config.settings.production) loads with it
    result = settings_process(
        "config.settings.production",
        "print(s.EMAIL_BACKEND, s.FRONTEND_URL, s.MFA_REQUIRED_FOR_STAFF)",
        unset={*PRODUCTION_ENV, "MFA_REQUIRED_FOR_STAFF"},
        **environment,
    )

    # Then it starts: reset mail goes to files, the http FRONTEND_URL is a loopback one, and the superuser made with
    # createsuperuser signs in to the admin with its password (a stack to try the product on)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-3:] == [environment["EMAIL_BACKEND"], "http://localhost:8080", "False"]
