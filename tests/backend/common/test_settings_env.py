"""The environment is read strictly (config/env.py): a value a setting cannot take stops the start with a message
naming the variable, instead of being read as something else; gunicorn's config does the same for its own."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import StrictEnv
from tests.backend.common.helpers import GOOD_ENV, ROOT, UNSET
from tests.backend.common.helpers import import_production_settings as _import_production_settings
from tests.support.settings_process import settings_process


# -- StrictEnv ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["enabled", "flase", "maybe", "2", "tru"])
def test_a_yes_no_setting_refuses_a_word_it_does_not_know(monkeypatch, value):
    # (django-environ alone reads each of these as False: RATE_LIMIT_ENABLED=enabled would turn every limit off)
    monkeypatch.setenv("SAD_TEST_FLAG", value)

    with pytest.raises(ImproperlyConfigured, match=f"SAD_TEST_FLAG={value!r} is not a yes/no value"):
        StrictEnv().bool("SAD_TEST_FLAG", default=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("YES", True), (" on ", True), ("1", True), ("false", False), ("Off", False), ("0", False)],
)
def test_a_yes_no_setting_takes_the_usual_words_in_any_case(monkeypatch, value, expected):
    monkeypatch.setenv("SAD_TEST_FLAG", value)

    assert StrictEnv().bool("SAD_TEST_FLAG", default=not expected) is expected


@pytest.mark.parametrize("value", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_an_unset_or_empty_setting_takes_its_default(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("SAD_TEST_NUMBER", raising=False)
    else:
        monkeypatch.setenv("SAD_TEST_NUMBER", value)

    assert StrictEnv().int("SAD_TEST_NUMBER", default=7, minimum=1) == 7
    assert StrictEnv().bool("SAD_TEST_NUMBER", default=True) is True


def test_an_empty_setting_without_a_default_is_named(monkeypatch):
    monkeypatch.setenv("SAD_TEST_NUMBER", "")

    with pytest.raises(ImproperlyConfigured, match="Set the SAD_TEST_NUMBER environment variable"):
        StrictEnv().int("SAD_TEST_NUMBER")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "SAD_TEST_NUMBER='abc' is not a whole number."),
        ("1.5", "SAD_TEST_NUMBER='1.5' is not a whole number."),
        ("0", "SAD_TEST_NUMBER=0 is too small: it must be at least 1."),
        ("-3", "SAD_TEST_NUMBER=-3 is too small: it must be at least 1."),
        ("70000", "SAD_TEST_NUMBER=70000 is too large: it must be at most 65535."),
    ],
)
def test_a_whole_number_setting_names_the_variable_and_its_bounds(monkeypatch, value, message):
    monkeypatch.setenv("SAD_TEST_NUMBER", value)

    with pytest.raises(ImproperlyConfigured) as refused:
        StrictEnv().int("SAD_TEST_NUMBER", default=25, minimum=1, maximum=65535)

    assert str(refused.value) == message


@pytest.mark.parametrize("value", ["x", "nan", "inf", "-0.5"])
def test_a_number_setting_refuses_what_is_no_finite_number_in_bounds(monkeypatch, value):
    monkeypatch.setenv("SAD_TEST_NUMBER", value)

    with pytest.raises(ImproperlyConfigured, match="SAD_TEST_NUMBER="):
        StrictEnv().float("SAD_TEST_NUMBER", default=1.0, minimum=0)


# -- the settings that use it ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RATE_LIMIT_ENABLED", "enabled", "RATE_LIMIT_ENABLED='enabled' is not a yes/no value"),
        ("MFA_REQUIRED_FOR_STAFF", "sure", "MFA_REQUIRED_FOR_STAFF='sure' is not a yes/no value"),
        ("SECURE_SSL_REDIRECT", "flase", "SECURE_SSL_REDIRECT='flase' is not a yes/no value"),
        ("ACCESS_TOKEN_LIFETIME_SECONDS", "0", "ACCESS_TOKEN_LIFETIME_SECONDS=0 is too small"),
        ("MFA_CHALLENGE_MAX_FAILURES", "0", "MFA_CHALLENGE_MAX_FAILURES=0 is too small"),
        ("TRUSTED_PROXY_COUNT", "-1", "TRUSTED_PROXY_COUNT=-1 is too small"),
        ("DB_POOL_MAX_SIZE", "abc", "DB_POOL_MAX_SIZE='abc' is not a whole number"),
        ("DB_POOL_MIN_SIZE", "20", "DB_POOL_MIN_SIZE=20 is larger than DB_POOL_MAX_SIZE=10"),
        ("EMAIL_PORT", "70000", "EMAIL_PORT=70000 is too large"),
        ("EMAIL_BACKEND", "smtp", "EMAIL_BACKEND='smtp' is not a class path"),
        ("EMAIL_RETRY_DELAYS", "10,soon", "EMAIL_RETRY_DELAYS='10,soon': give comma-separated seconds"),
        ("EMAIL_RETRY_DELAYS", "10,-1", "EMAIL_RETRY_DELAYS='10,-1': give comma-separated seconds, each at least 0"),
        ("EMAIL_RETRY_DELAYS", "nan", "EMAIL_RETRY_DELAYS='nan': give comma-separated seconds"),
        ("SUPPORT_CONTACT", "the help desk", "SUPPORT_CONTACT='the help desk' is neither an email address nor"),
        ("SUPPORT_CONTACT", "ftp://example.com/help", "SUPPORT_CONTACT='ftp://example.com/help' is neither"),
        ("DATABASE_URL", "postgres://app@db:notaport/app", "DATABASE_URL cannot be read (Port could not be cast"),
        ("DATABASE_URL", "mysqlx://app:hunter2@db/app", "DATABASE_URL names no database Django knows"),
        ("REDIS_URL", "redis://redis:notaport/0", "REDIS_URL's port must be a number from 1 to 65535"),
        ("REDIS_URL", "redis://redis:6379/abc", "REDIS_URL's path must be a database number"),
        ("FRONTEND_URL", "https://app.example.com:abc", "FRONTEND_URL=https://app.example.com:abc cannot be read"),
        ("FRONTEND_URL", "https://[::1", "FRONTEND_URL=https://[::1 cannot be read"),
        ("FRONTEND_URL", "https://app.example.com/app/", "must be an origin only, with no path"),
        ("FRONTEND_URL", "app.example.com", "must be an http:// or https:// URL with a host"),
        ("PASSWORD_BREACH_API_URL", "https://[::1/range/", "PASSWORD_BREACH_API_URL='https://[::1/range/' cannot be"),
        ("PASSWORD_BREACH_API_URL", "api.example.com/range/", "must be an http:// or https:// URL with a host"),
        ("PASSWORD_BREACH_API_URL", "https:///range/", "must be an http:// or https:// URL with a host"),
        ("PASSWORD_BREACH_API_URL", "https://example.com/plage/é/", "must be written in ASCII with no spaces"),
        ("PASSWORD_BREACH_TIMEOUT_SECONDS", "60", "PASSWORD_BREACH_TIMEOUT_SECONDS=60.0 is too large"),
        # (each made every sign-in a 500 once its session was written)
        ("REFRESH_COOKIE_SAMESITE", "Bogus", "REFRESH_COOKIE_SAMESITE='Bogus' is not Strict, Lax or None"),
        ("REFRESH_COOKIE_NAME", " ", "REFRESH_COOKIE_NAME='' is not a cookie name"),
        ("REFRESH_COOKIE_NAME", "my refresh", "REFRESH_COOKIE_NAME='my refresh' is not a cookie name"),
        ("REFRESH_COOKIE_NAME", "a;b", "REFRESH_COOKIE_NAME='a;b' is not a cookie name"),
    ],
)
def test_production_refuses_a_value_its_setting_cannot_take_and_names_it(variable, value, message):
    result = _import_production_settings(**{variable: value})

    assert result.returncode != 0
    assert message in result.stderr
    assert "hunter2" not in result.stderr  # a URL's password is never shown


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, "(10.0, 40.0, 120.0) ''"),
        (
            {"EMAIL_RETRY_DELAYS": " 5, 30.5 ", "SUPPORT_CONTACT": " help@example.com "},
            "(5.0, 30.5) 'help@example.com'",
        ),
        ({"SUPPORT_CONTACT": "https://example.com/help"}, "(10.0, 40.0, 120.0) 'https://example.com/help'"),
    ],
    ids=["defaults", "set", "a URL"],
)
def test_production_reads_the_email_retry_delays_and_the_support_contact(given, expected):
    result = _import_production_settings("print(s.EMAIL_RETRY_DELAYS, repr(s.SUPPORT_CONTACT))", **given)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(("given", "expected"), [("lax", "Lax"), (" NONE ", "None"), ("", "Strict")])
def test_the_refresh_cookies_samesite_is_read_in_any_case(given, expected):
    result = _import_production_settings("print(s.REFRESH_COOKIE_SAMESITE)", REFRESH_COOKIE_SAMESITE=given)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    ("module", "given", "refused"),
    [
        ("config.settings.local", {}, True),  # local.py turns Secure off (plain http)
        ("config.settings.local", {"REFRESH_COOKIE_SECURE": "true"}, False),
        ("config.settings.production", {"REFRESH_COOKIE_SECURE": "false"}, False),  # production forces Secure on
    ],
    ids=["local", "local over https", "production"],
)
def test_samesite_none_without_secure_stops_a_server_loading_the_app(module, given, refused):
    # (checked on the final settings: local.py and production.py change Secure after the cookie's own settings)
    overrides = {**GOOD_ENV, "DJANGO_SETTINGS_MODULE": module, "REFRESH_COOKIE_SAMESITE": "None", **given}

    result = settings_process("config.wsgi", "", unset={*UNSET, "REFRESH_COOKIE_SECURE"}, **overrides)

    assert (result.returncode != 0) is refused, result.stderr
    assert ("REFRESH_COOKIE_SAMESITE=None needs REFRESH_COOKIE_SECURE=true" in result.stderr) is refused


def test_email_over_both_starttls_and_implicit_tls_is_refused_at_the_start():
    # (Django would refuse it on every send, in the background: the sign-up succeeds and its mail never leaves)
    result = _import_production_settings(EMAIL_USE_TLS="true", EMAIL_USE_SSL="true")

    assert result.returncode != 0
    assert "EMAIL_USE_TLS and EMAIL_USE_SSL are both on" in result.stderr


@pytest.mark.parametrize(("given", "expected"), [("", "True"), ("false", "False")], ids=["by default", "turned off"])
def test_production_asks_staff_for_their_authenticator_at_the_admin_unless_turned_off(given, expected):
    # (the admin sets passwords and resets second factors: a password alone must not open it in production)
    result = _import_production_settings("print(s.MFA_REQUIRED_FOR_STAFF)", MFA_REQUIRED_FOR_STAFF=given)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_production_takes_a_lowercase_log_level():
    result = _import_production_settings("print(s.LOG_LEVEL)", LOG_LEVEL="info")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "INFO"


# -- gunicorn's config ----------------------------------------------------------------------------------------------
@pytest.fixture
def gunicorn_metrics_dir(monkeypatch, tmp_path):
    """gunicorn.conf.py makes a metrics directory under /tmp unless PROMETHEUS_MULTIPROC_DIR names one."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))


@pytest.mark.parametrize(
    ("variable", "value"),
    [("WEB_CONCURRENCY", "0"), ("WEB_CONCURRENCY", "x"), ("GUNICORN_THREADS", "0"), ("GUNICORN_KEEPALIVE", "-1")],
)
@pytest.mark.usefixtures("gunicorn_metrics_dir")
def test_gunicorns_config_stops_on_a_value_its_setting_cannot_take_and_names_it(variable, value):
    # (gunicorn would start with 0 workers, accept connections and answer none)
    environment = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/0", variable: value}

    result = subprocess.run(
        [sys.executable, "config/gunicorn.conf.py"], cwd=ROOT, env=environment, capture_output=True, text=True
    )

    assert result.returncode == 1
    assert f"gunicorn.conf.py: {variable}={value!r} must be a whole number of at least" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("GUNICORN_REUSE_PORT", "ture", "is not a yes/no value: set it to true or false."),
        ("GUNICORN_ACCESS_LOG", "enabled", "is not a yes/no value: set it to true or false."),
        ("PORT", "99999", "must be a whole number of at least 1 and at most 65535."),
        ("PORT", "http", "must be a whole number of at least 1 and at most 65535."),
    ],
)
@pytest.mark.usefixtures("gunicorn_metrics_dir")
def test_gunicorns_config_stops_on_a_yes_no_or_port_it_cannot_read_and_names_it(variable, value, message):
    # (read loosely, GUNICORN_REUSE_PORT=ture meant off, and PORT=99999 reached gunicorn's bind)
    environment = {**os.environ, variable: value}

    result = subprocess.run(
        [sys.executable, "config/gunicorn.conf.py"], cwd=ROOT, env=environment, capture_output=True, text=True
    )

    assert result.returncode == 1
    assert f"gunicorn.conf.py: {variable}={value!r} {message}" in result.stderr


@pytest.mark.parametrize(("word", "meant"), [("on", True), ("Y", True), ("1", True), ("off", False), ("no", False)])
@pytest.mark.usefixtures("gunicorn_metrics_dir")
def test_gunicorns_config_reads_yes_no_words_as_djangos_settings_do(word, meant):
    environment = {
        **{name: value for name, value in os.environ.items() if name not in ("GUNICORN_BIND", "PORT")},
        "GUNICORN_REUSE_PORT": word,
        "GUNICORN_ACCESS_LOG": word,
        "PORT": "8123",
    }
    read = "import runpy; c = runpy.run_path('config/gunicorn.conf.py'); "
    read += "print(c['reuse_port'], c['accesslog'], c['bind'])"

    result = subprocess.run([sys.executable, "-c", read], cwd=ROOT, env=environment, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == f"{meant} {'-' if meant else None} ['0.0.0.0:8123']"


@pytest.mark.parametrize(("threads", "warned"), [("8", False), ("9", True)])
@pytest.mark.usefixtures("gunicorn_metrics_dir")
def test_gunicorns_config_warns_when_the_request_and_background_threads_outnumber_the_pool(threads, warned):
    # (every email is now sent from the outbox by one of the 2 background threads, each holding a connection)
    environment = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "DB_POOL_MAX_SIZE": "10",
        "GUNICORN_THREADS": threads,
    }

    result = subprocess.run(
        [sys.executable, "config/gunicorn.conf.py"], cwd=ROOT, env=environment, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert ("plus 2 background threads exceed DB_POOL_MAX_SIZE=10" in result.stderr) is warned


# -- the server's own start -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("entry_point", ["config.wsgi", "config.asgi"])
@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RATE_LIMIT_LOGIN_IP", "5/0m", "RATE_LIMIT_LOGIN_IP"),
        ("METRICS_ALLOWED_NETWORKS", "10.0.0.0/8,not-a-network", "not an IP network"),
        ("TRUSTED_PROXY_NETWORKS", "10.0.0.0/8,10.0.0.0/33", "TRUSTED_PROXY_NETWORKS has '10.0.0.0/33', which is"),
    ],
)
def test_a_server_loading_the_app_runs_the_settings_checks_manage_py_runs(entry_point, variable, message, value):
    # (gunicorn runs no system checks: the worker would boot, pass /readyz and answer 500 on every login)
    result = _import_production_settings(
        f"import {entry_point}", DJANGO_SETTINGS_MODULE="config.settings.production", **{variable: value}
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize("entry_point", ["config.wsgi", "config.asgi"])
def test_a_server_refuses_to_trust_proxies_both_by_network_and_by_count_and_says_how_to_fix_it(entry_point):
    result = _import_production_settings(
        f"import {entry_point}",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        TRUSTED_PROXY_COUNT="1",
        TRUSTED_PROXY_NETWORKS="10.0.0.0/8",
    )

    assert result.returncode != 0
    assert "TRUSTED_PROXY_NETWORKS and TRUSTED_PROXY_COUNT=1 are both set" in result.stderr
    assert "set TRUSTED_PROXY_COUNT=0 to trust the networks" in result.stderr


def test_production_reads_the_trusted_proxy_networks_as_a_list_of_trimmed_entries():
    result = _import_production_settings(
        "print(s.TRUSTED_PROXY_NETWORKS, s.TRUSTED_PROXY_COUNT)",
        TRUSTED_PROXY_COUNT="0",
        TRUSTED_PROXY_NETWORKS=" 10.0.0.0/8 , ,2001:db8::/32,",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('10.0.0.0/8', '2001:db8::/32') 0"


def test_a_server_loads_the_app_with_good_settings():
    result = _import_production_settings("import config.wsgi", DJANGO_SETTINGS_MODULE="config.settings.production")

    assert result.returncode == 0, result.stderr
