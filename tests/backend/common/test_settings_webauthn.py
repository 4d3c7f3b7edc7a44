"""Configuration: production refuses passkeys over http or bound to a domain the browsers refuse; the WebAuthn
origins and RP ID checks themselves."""

import pytest

from config.production_checks import webauthn_origins_problem, webauthn_rp_id_problem
from tests.backend.common.helpers import import_production_settings as _import_production_settings


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
        # auth.py's defaults for a laptop's http://127.0.0.1:8000: browsers offer no passkeys on the IP origin
        ("localhost", ["http://127.0.0.1:8000", "http://localhost:8000"]),
        ("localhost", ["http://[::1]:8080", "http://localhost:8080"]),
    ],
)
def test_the_rp_id_accepts_the_origins_host_or_a_parent_domain(rp_id, origins):
    assert webauthn_rp_id_problem(rp_id, origins) is None
