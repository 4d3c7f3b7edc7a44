"""Configuration: production refuses missing secrets; local generates its own once."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.local_secrets import load_or_create_local_secrets
from config.production_checks import webauthn_origins_problem, webauthn_rp_id_problem

ROOT = Path(__file__).resolve().parents[3]
GOOD_ENV = {
    "SECRET_KEY": "test-secret-key-" + "0123456789abcdefghijklmnopqrstuvwxyz",
    "JWT_SIGNING_KEY": "test-jwt-key-" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
    "MFA_ENCRYPTION_KEY": "test-mfa-key-" + "zyxwvutsrqponmlkjihgfedcba9876543210_-",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "FRONTEND_URL": "https://app.example.com",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}
# Read by the production settings with a default (or an alternative) of their own: never from the caller's environment.
UNSET = ("DJANGO_SETTINGS_MODULE", "JWT_SIGNING_KEYS", "MFA_ENCRYPTION_KEYS", "WEBAUTHN_RP_ID", "WEBAUTHN_ORIGINS")


def _import_production_settings(_print: str = "", **overrides: str) -> subprocess.CompletedProcess:
    """Load config.settings.production with GOOD_ENV and ``overrides`` (an empty value unsets), then run ``_print``
    with the settings module as ``s``."""
    env = {k: v for k, v in os.environ.items() if k not in GOOD_ENV and k not in UNSET}
    env.update({k: v for k, v in {**GOOD_ENV, **overrides}.items() if v})
    return subprocess.run(
        [sys.executable, "-c", f"import config.settings.production as s; {_print}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "JWT_SIGNING_KEY",
        "MFA_ENCRYPTION_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "FRONTEND_URL",
        "EMAIL_BACKEND",
    ],
)
def test_production_refuses_to_start_without_a_required_variable_and_names_it(missing):
    result = _import_production_settings(**{missing: ""})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {missing} is not set." in result.stderr
    assert "see .env.example" in result.stderr


def test_production_names_the_missing_file_of_a_secret_read_from_one(tmp_path):
    missing = tmp_path / "sad-backend" / "SECRET_KEY"

    result = _import_production_settings(SECRET_KEY="", SECRET_KEY_FILE=str(missing))

    assert result.returncode != 0
    assert f"SECRET_KEY is not set: SECRET_KEY_FILE names {missing}, which does not exist" in result.stderr


@pytest.mark.parametrize("url", ["127.0.0.1:6379", "redis-host:6379/0", "http://redis:6379/0"])
def test_production_refuses_a_redis_url_without_a_redis_scheme(url):
    # (django-redis would refuse it on every request instead: each API call a 500 while the pod stays ready)
    result = _import_production_settings(REDIS_URL=url)

    assert result.returncode != 0
    assert "REDIS_URL must start with redis://, rediss:// (TLS) or unix://" in result.stderr


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("JWT_SIGNING_KEY", "test-jwt-key-two-" + "0123456789abcdefghijklmnopqrstuvwxyzABCD"),
        ("MFA_ENCRYPTION_KEY", "test-mfa-key-two-" + "0123456789abcdefghijklmnopqrstuvwxyzABCD"),
    ],
)
def test_production_refuses_a_single_key_the_key_list_would_ignore(name, other):
    # (an operator answering a leak by setting NAME while NAMES still lists the leaked key first)
    result = _import_production_settings(**{f"{name}S": GOOD_ENV[name], name: other})

    assert result.returncode != 0
    assert f"{name} is set but {name}S is used (it wins) and does not hold it." in result.stderr


def test_production_accepts_the_single_key_as_the_lists_first():
    result = _import_production_settings(
        "print(s.JWT_SIGNING_KEYS[0] == s.env.str('JWT_SIGNING_KEY'))",
        JWT_SIGNING_KEYS=GOOD_ENV["JWT_SIGNING_KEY"]
        + ",test-jwt-key-older-"
        + "0123456789abcdefghijklmnopqrstuvwxyzAB",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize(("seconds", "silenced"), [("0", True), ("31536000", False)])
def test_hsts_turned_off_for_the_ingress_to_own_is_no_deploy_check_warning(seconds, silenced):
    result = _import_production_settings(
        "print('security.W004' in s.SILENCED_SYSTEM_CHECKS)", SECURE_HSTS_SECONDS=seconds
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(silenced)


def test_production_refuses_a_jwt_key_equal_to_the_secret_key():
    result = _import_production_settings(JWT_SIGNING_KEY=GOOD_ENV["SECRET_KEY"])
    assert result.returncode != 0
    assert "JWT_SIGNING_KEY must differ from SECRET_KEY" in result.stderr


@pytest.mark.parametrize("name", ["JWT_SIGNING_KEY", "SECRET_KEY", "MFA_ENCRYPTION_KEY"])
@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("k3y-" * 10, "is 40 characters long"),
        ("Zx9-" * 12 + "Q", "is 49 characters long"),
        ("j" * 60, "too few different characters"),
        ("ab" * 40, "too few different characters"),
        ("django-insecure-" + "0123456789abcdefghijklmnopqrstuvwxyz", "django-insecure"),
    ],
    ids=["short", "one-short", "one-character", "two-characters", "django-insecure"],
)
def test_production_refuses_a_key_that_cannot_be_50_random_characters(name, value, problem):
    # Given production settings whose signing key is short or evidently not random
    # When they are loaded
    result = _import_production_settings(**{name: value})

    # Then they refuse to start, naming the variable, the problem and how to generate one
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} " in result.stderr
    assert problem in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        (f"{GOOD_ENV['JWT_SIGNING_KEY']},k3y-short", "JWT_SIGNING_KEYS[1] is 9 characters long"),
        (f"{GOOD_ENV['JWT_SIGNING_KEY']},{GOOD_ENV['JWT_SIGNING_KEY']}", "lists the same key twice"),
        (f"{'fedcba9876543210' * 4},{GOOD_ENV['SECRET_KEY']}", "must differ from SECRET_KEY"),
    ],
    ids=["a-weak-old-key", "a-key-twice", "the-secret-key"],
)
def test_production_holds_every_rotation_key_to_the_signing_key_rules(keys, problem):
    result = _import_production_settings(JWT_SIGNING_KEYS=keys)

    assert result.returncode != 0
    assert problem in result.stderr


def test_production_accepts_two_good_rotation_keys_without_jwt_signing_key():
    keys = f"{'fedcba9876543210' * 4},{GOOD_ENV['JWT_SIGNING_KEY']}"

    result = _import_production_settings(JWT_SIGNING_KEY="", JWT_SIGNING_KEYS=keys)

    assert result.returncode == 0, result.stderr


def test_production_accepts_a_64_character_hex_key():
    # Given keys as docs/deploy.md generates them for the Kubernetes secrets (secrets.token_hex(32))
    result = _import_production_settings(
        SECRET_KEY="0123456789abcdef" * 4,
        JWT_SIGNING_KEY="fedcba9876543210" * 4,
        MFA_ENCRYPTION_KEY="0a1b2c3d4e5f6789" * 4,
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"MFA_ENCRYPTION_KEY": GOOD_ENV["SECRET_KEY"]}, "MFA_ENCRYPTION_KEY must differ from SECRET_KEY"),
        (
            {"MFA_ENCRYPTION_KEY": GOOD_ENV["JWT_SIGNING_KEY"]},
            "MFA_ENCRYPTION_KEY must differ from every JWT signing key",
        ),
        (
            # an old JWT key still listed while the signing key rotates
            {"JWT_SIGNING_KEYS": f"{'fedcba9876543210' * 4},{GOOD_ENV['MFA_ENCRYPTION_KEY']}"},
            "MFA_ENCRYPTION_KEY must differ from every JWT signing key",
        ),
        (
            {"MFA_ENCRYPTION_KEYS": f"{'0a1b2c3d4e5f6789' * 4},{GOOD_ENV['SECRET_KEY']}"},
            "MFA_ENCRYPTION_KEYS[1] must differ from SECRET_KEY",
        ),
        (
            {"MFA_ENCRYPTION_KEYS": f"{GOOD_ENV['MFA_ENCRYPTION_KEY']},{GOOD_ENV['MFA_ENCRYPTION_KEY']}"},
            "MFA_ENCRYPTION_KEYS lists the same key twice",
        ),
        (
            {"MFA_ENCRYPTION_KEYS": f"{GOOD_ENV['MFA_ENCRYPTION_KEY']},k3y-short"},
            "MFA_ENCRYPTION_KEYS[1] is 9 characters long",
        ),
    ],
    ids=[
        "the-secret-key",
        "the-jwt-key",
        "an-old-jwt-key",
        "a-rotation-key-is-the-secret-key",
        "a-key-twice",
        "a-weak-old-key",
    ],
)
def test_production_holds_the_mfa_encryption_keys_to_the_signing_key_rules_and_to_their_own(overrides, problem):
    # Given an MFA encryption key shared with another secret, listed twice, or weak
    # When the production settings load
    result = _import_production_settings(**overrides)

    # Then they refuse to start, naming the key
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {problem}" in result.stderr


def test_rotation_keys_written_with_spaces_after_the_commas_are_the_keys_themselves():
    # ("NEW, OLD" is how people write lists: " OLD" would be another key, and every secret or token under OLD lost)
    mfa = f"{'0a1b2c3d4e5f6789' * 4}, {GOOD_ENV['MFA_ENCRYPTION_KEY']} "
    jwt = f"{'fedcba9876543210' * 4} , {GOOD_ENV['JWT_SIGNING_KEY']}"

    result = _import_production_settings(
        MFA_ENCRYPTION_KEYS=mfa, JWT_SIGNING_KEYS=jwt, _print="print(s.MFA_ENCRYPTION_KEYS, s.JWT_SIGNING_KEYS)"
    )

    assert result.returncode == 0, result.stderr
    expected = [[key.strip() for key in mfa.split(",")], [key.strip() for key in jwt.split(",")]]
    assert result.stdout.strip() == " ".join(str(keys) for keys in expected)


def test_a_single_key_is_trimmed_as_the_lists_keys_are():
    # (a secret file written with CRLF ends in "\r": starting a rotation with "NEW,KEY" must keep KEY the same key)
    mfa, jwt = GOOD_ENV["MFA_ENCRYPTION_KEY"], GOOD_ENV["JWT_SIGNING_KEY"]

    result = _import_production_settings(
        MFA_ENCRYPTION_KEY=f"{mfa}\r",
        JWT_SIGNING_KEY=f" {jwt}\r",
        _print="print(s.MFA_ENCRYPTION_KEYS, s.JWT_SIGNING_KEYS)",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{[mfa]} {[jwt]}"


def test_production_accepts_two_good_mfa_rotation_keys_without_mfa_encryption_key():
    keys = f"{'0a1b2c3d4e5f6789' * 4},{GOOD_ENV['MFA_ENCRYPTION_KEY']}"

    result = _import_production_settings(
        MFA_ENCRYPTION_KEY="", MFA_ENCRYPTION_KEYS=keys, _print="print(s.MFA_ENCRYPTION_KEYS)"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(keys.split(","))


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {"WEBAUTHN_ORIGINS": "http://app.example.com"},
            "WEBAUTHN_ORIGINS has http://app.example.com, which is not an https:// origin",
        ),
        (
            {"WEBAUTHN_ORIGINS": "https://app.example.com,http://10.0.0.8:8080"},
            "WEBAUTHN_ORIGINS has http://10.0.0.8:8080, which is not an https:// origin",
        ),
        (
            {"WEBAUTHN_RP_ID": "example.org"},
            "WEBAUTHN_RP_ID=example.org does not match the WebAuthn origin https://app.example.com",
        ),
        (
            {"WEBAUTHN_RP_ID": "example.com", "WEBAUTHN_ORIGINS": "https://app.example.com,https://app.example.net"},
            "WEBAUTHN_RP_ID=example.com does not match the WebAuthn origin https://app.example.net",
        ),
    ],
    ids=["http-origin", "one-http-origin-of-two", "rp-id-of-another-domain", "an-origin-outside-the-rp-id"],
)
def test_production_refuses_passkeys_over_http_or_bound_to_a_domain_the_browsers_refuse(overrides, problem):
    # Given WebAuthn origins that are plain http, or an RP ID that is not the origins' host or a parent of it
    # When the production settings load
    result = _import_production_settings(**overrides)

    # Then they refuse to start, saying what to set
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {problem}" in result.stderr


def test_production_accepts_a_parent_domain_rp_id_for_several_https_origins():
    result = _import_production_settings(
        WEBAUTHN_RP_ID="example.com",
        WEBAUTHN_ORIGINS="https://app.example.com,https://example.com:8443",
        _print="print(s.WEBAUTHN_RP_ID, s.WEBAUTHN_ORIGINS)",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "example.com ['https://app.example.com', 'https://example.com:8443']"


def test_production_derives_the_rp_id_and_origin_from_frontend_url():
    result = _import_production_settings(_print="print(s.WEBAUTHN_RP_ID, s.WEBAUTHN_ORIGINS)")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "app.example.com ['https://app.example.com']"


@pytest.mark.parametrize(
    ("origins", "problem"),
    [
        ([], "WEBAUTHN_ORIGINS is empty"),
        (["http://app.example.com"], "not an https:// origin"),
        (["ftp://app.example.com"], "not an https:// origin"),
        (["app.example.com"], "not an https:// origin"),
        (["https:///login"], "not an https:// origin"),
        (
            ["https://app.example.com/"],
            "not a bare origin: write scheme://host[:port] with no path (here https://app.example.com)",
        ),
        (["https://app.example.com/app"], "not a bare origin"),
        (["https://user@app.example.com"], "not a bare origin"),
        (["http://[localhost]:8080"], "not an https:// origin"),  # urlsplit cannot parse it
    ],
)
def test_webauthn_origins_must_be_bare_https_origins(origins, problem):
    assert problem in (webauthn_origins_problem(origins) or "")


@pytest.mark.parametrize(
    "origins",
    [
        ["https://app.example.com"],
        ["https://app.example.com:8443", "https://admin.example.com"],
        ["http://localhost:8080"],
        ["http://127.0.0.1:8000", "http://localhost:8000"],
        ["http://[::1]:8080"],
    ],
)
def test_webauthn_origins_accept_https_and_loopback_http(origins):
    assert webauthn_origins_problem(origins) is None


@pytest.mark.parametrize(
    ("rp_id", "origins", "problem"),
    [
        ("", ["https://app.example.com"], "WEBAUTHN_RP_ID is empty"),
        ("10.0.0.8", ["https://10.0.0.8"], "WEBAUTHN_RP_ID=10.0.0.8 is an IP address"),
        ("[::1]", ["http://[::1]:8080"], "is an IP address"),
        ("example.org", ["https://app.example.com"], "does not match the WebAuthn origin https://app.example.com"),
        # a suffix of the host's text, not of its labels
        ("ample.com", ["https://app.example.com"], "does not match"),
        # a child of the host, not a parent
        ("login.app.example.com", ["https://app.example.com"], "does not match"),
        ("https://app.example.com", ["https://app.example.com"], "a domain only: no scheme, no port"),
        ("app.example.com", ["https://app.example.com", "https://10.0.0.8"], "origin https://10.0.0.8"),
        ("localhost", ["http://localhost:8080", "https://app.example.com"], "origin https://app.example.com"),
    ],
)
def test_the_rp_id_must_be_each_origins_host_or_a_parent_domain(rp_id, origins, problem):
    found = webauthn_rp_id_problem(rp_id, origins) or ""
    assert problem in found
    if rp_id and "IP address" not in problem:
        assert "Set WEBAUTHN_RP_ID to" in found


@pytest.mark.parametrize(
    ("rp_id", "origins"),
    [
        ("app.example.com", ["https://app.example.com"]),
        ("example.com", ["https://app.example.com", "https://example.com", "https://a.b.example.com:8443"]),
        ("localhost", ["http://localhost:8080"]),
        # base.py's defaults for a laptop's http://127.0.0.1:8000: browsers offer no passkeys on the IP origin
        ("localhost", ["http://127.0.0.1:8000", "http://localhost:8000"]),
        ("localhost", ["http://[::1]:8080", "http://localhost:8080"]),
    ],
)
def test_the_rp_id_accepts_the_origins_host_or_a_parent_domain(rp_id, origins):
    assert webauthn_rp_id_problem(rp_id, origins) is None


@pytest.mark.parametrize(
    "backend", ["django.core.mail.backends.console.EmailBackend", "django.core.mail.backends.locmem.EmailBackend"]
)
def test_production_refuses_an_email_backend_that_keeps_reset_links_out_of_the_mailbox(backend):
    # Given the console backend (prints every reset link, a usable token, to stdout and so to the logs) or locmem
    result = _import_production_settings(EMAIL_BACKEND=backend)

    assert result.returncode != 0
    assert f"ImproperlyConfigured: EMAIL_BACKEND={backend}" in result.stderr


@pytest.mark.parametrize(
    "url",
    ["http://app.example.com", "http://10.0.0.8:8080", "ftp://app.example.com", "app.example.com", "https:///reset"],
)
def test_production_refuses_a_frontend_url_that_is_not_https(url):
    # Given a FRONTEND_URL whose reset links would travel (and be sent) over plain http, or no URL at all
    result = _import_production_settings(FRONTEND_URL=url)

    assert result.returncode != 0
    assert f"ImproperlyConfigured: FRONTEND_URL={url}" in result.stderr


@pytest.mark.parametrize("url", ["http://localhost:8080", "http://127.0.0.1:8000", "http://[::1]:8080"])
def test_production_accepts_plain_http_to_a_loopback_frontend_url(url):
    # Given a whole stack on one machine (docker compose, a kind cluster behind port-forward): a link to the
    # loopback address never leaves the machine of whoever opens it
    result = _import_production_settings(FRONTEND_URL=url)

    assert result.returncode == 0, result.stderr


def test_production_settings_load_with_everything_set():
    result = _import_production_settings()
    assert result.returncode == 0, result.stderr


def test_local_secrets_are_generated_once_and_then_reused(tmp_path):
    path = tmp_path / "var" / "local.env"
    first = load_or_create_local_secrets(path)
    second = load_or_create_local_secrets(path)
    assert first == second
    assert set(first) == {"SECRET_KEY", "JWT_SIGNING_KEY"}
    assert first["SECRET_KEY"] != first["JWT_SIGNING_KEY"]
    assert len(first["SECRET_KEY"]) >= 50
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def _local_settings_with_dotenv(dotenv, **environment: str) -> subprocess.CompletedProcess:
    code = (
        "import logging, pathlib, sys; logging.basicConfig(level=logging.DEBUG);"  # every log line shows
        "import config.local_secrets as files; files.DOTENV_FILE = pathlib.Path(sys.argv[1]);"
        "import config.settings.local as s; print(s.SECRET_KEY)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")} | environment
    command = [sys.executable, "-c", code, str(dotenv)]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)


def test_a_key_in_dotenv_wins_over_the_generated_local_one_and_the_environment_over_both(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("SECRET_KEY=from-dotenv-" + "x" * 50 + "\n")

    assert _local_settings_with_dotenv(dotenv).stdout.strip() == "from-dotenv-" + "x" * 50
    from_env = _local_settings_with_dotenv(dotenv, SECRET_KEY="from-env-" + "y" * 50).stdout.strip()
    assert from_env == "from-env-" + "y" * 50


def test_no_dotenv_is_no_news(tmp_path):
    result = _local_settings_with_dotenv(tmp_path / ".env")

    assert "not found" not in result.stdout + result.stderr  # django-environ's "…/.env not found - …" line


def test_postgres_urls_enable_the_native_pool_without_persistent_connections_checking_each_before_use():
    code = (
        "import os; os.environ['DATABASE_URL']='postgres://u@127.0.0.1:5432/db';"
        "import config.settings.test as s; db=s.DATABASES['default'];"
        "print(db['ENGINE'], db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'], sorted(db['OPTIONS']['pool'].items()))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    # CONN_HEALTH_CHECKS: the pool checks each connection before use (backend/common/postgresql/base.py).
    assert result.stdout.strip() == (
        "backend.common.postgresql 0 True "
        "[('max_size', 10), ('min_size', 2), ('reconnect_timeout', 0.0), ('timeout', 10.0)]"
    )


def test_argon2_with_bounded_memory_is_the_first_password_hasher_outside_tests():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "backend.accounts.hashers.BoundedMemoryArgon2PasswordHasher"


def test_every_environment_variable_the_settings_read_is_documented_in_env_example():
    from django.conf import settings

    sources = "\n".join(path.read_text() for path in [*(ROOT / "config").rglob("*.py")])
    read = set(re.findall(r"""(?:env(?:\.\w+)?|\b_\w+)\(\s*["']([A-Z][A-Z0-9_]+)["']""", sources))
    read |= set(re.findall(r"""os\.environ\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""", sources))
    read |= {f"RATE_LIMIT_{scope.upper()}" for scope in settings.RATE_LIMITS}
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))

    assert read, "the pattern found no variables: it is broken"
    assert read - documented == set()
