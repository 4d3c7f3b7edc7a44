"""OIDC_PROVIDERS is checked at startup: each mistake stops the start with a message saying how to fix it, never
quoting a client secret."""

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from backend.oidc.config import DEFAULT_SCOPES, providers_parse

GOOD = {
    "id": "google",
    "name": "Google",
    "issuer": "https://accounts.google.com",
    "client_id": "the-client",
    "client_secret": "s3cr3t-value",
}


def _refused(raw) -> str:
    with pytest.raises(ImproperlyConfigured) as refused:
        providers_parse(raw)
    message = str(refused.value)
    assert "s3cr3t-value" not in message
    return message


def test_a_good_provider_gets_the_default_scopes_and_keeps_its_secret_out_of_its_repr():
    [provider] = providers_parse([GOOD])

    assert (provider.id, provider.scopes, provider.client_secret) == ("google", DEFAULT_SCOPES, "s3cr3t-value")
    assert "s3cr3t-value" not in repr(provider)


def test_none_is_the_feature_off():
    assert providers_parse([]) == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"id": "Google Accounts"}, "\"id\" 'Google Accounts' must be a slug"),
        ({"id": ""}, "must be a slug"),
        ({"issuer": "http://accounts.google.com"}, "must use https (http only for 127.0.0.1/localhost)"),
        ({"issuer": "accounts.google.com"}, "must be the provider's https URL"),
        ({"client_id": " "}, "\"client_id\" of provider 'google' is missing or empty"),
        ({"client_secret": ""}, "\"client_secret\" of provider 'google' is missing or empty"),
        ({"name": ""}, "\"name\" of provider 'google' is missing or empty"),
        ({"scopes": "email profile"}, 'must include "openid"'),
        ({"secret": "x"}, "unknown key(s) 'secret'"),
        ({"client_id": 5}, '"client_id" must be a string'),
    ],
)
def test_each_mistake_says_how_to_fix_it(change, words):
    message = _refused([{**GOOD, **change}])

    assert words in message
    assert message.startswith("OIDC_PROVIDERS[0]: ")
    assert "docs/sso.md" in message


def test_two_providers_with_one_id_are_refused():
    message = _refused([GOOD, {**GOOD, "name": "Google again"}])

    assert message.startswith("OIDC_PROVIDERS[1]: \"id\" 'google' is used twice")


@pytest.mark.parametrize("issuer", ["http://127.0.0.1:8080", "http://localhost:9000/realms/x", "http://[::1]:1"])
def test_http_is_accepted_on_loopback_hosts_only(issuer):
    assert providers_parse([{**GOOD, "issuer": issuer}])[0].issuer == issuer


def test_not_a_list_is_refused():
    assert "must be a JSON list of providers" in _refused({"id": "google"})


def test_the_settings_refuse_invalid_json_without_quoting_it():
    environment = {
        **os.environ,
        "OIDC_PROVIDERS": '[{"client_secret": "s3cr3t-value",}',
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "OIDC_PROVIDERS is not valid JSON" in result.stderr
    assert "s3cr3t-value" not in result.stderr


def test_the_settings_read_a_good_list():
    environment = {**os.environ, "OIDC_PROVIDERS": json.dumps([GOOD]), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    code = "import django; django.setup(); from django.conf import settings; print(settings.OIDC_PROVIDERS[0].id)"
    result = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=60)

    assert (result.returncode, result.stdout.strip()) == (0, "google"), result.stderr
