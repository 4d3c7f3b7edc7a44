"""Rate limits at the API: 429 bodies and headers, the switch that turns every limit off, and the configured
scopes."""

import pytest

from tests.backend.accounts.helpers import login as _login

pytestmark = pytest.mark.django_db


def test_a_throttled_request_is_429_json_with_retry_after_and_limit_headers(api_client, rates):
    rates(login_ip="2/1m")
    for _ in range(2):
        assert _login(api_client, "nobody@example.com", "wrong").status_code == 401

    response = _login(api_client, "nobody@example.com", "wrong")

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert set(body) == {"detail", "code"}
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["X-RateLimit-Limit"] == "2"
    assert response["X-RateLimit-Remaining"] == "0"


def test_limited_responses_count_down_the_callers_limit(auth_client, rates):
    rates(user="10/1m")

    first = auth_client.get("/api/tasks/")
    second = auth_client.get("/api/tasks/")

    assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("10", "9")
    assert second["X-RateLimit-Remaining"] == "8"
    assert 1 <= int(second["X-RateLimit-Reset"]) <= 60


def test_with_several_limits_the_headers_report_the_one_closest_to_refusing(api_client, rates):
    # A login counts against anon (per IP, roomy here) and login_ip (tight).
    rates(anon="100/1m", login_ip="3/1m")

    response = _login(api_client, "nobody@example.com", "wrong")

    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("3", "2")


def test_the_switch_turns_every_limit_and_header_off(api_client, rates, settings):
    settings.RATE_LIMIT_ENABLED = False
    rates(login_ip="1/1m", login_email="1/1m", anon="1/1m")

    statuses = [_login(api_client, "x@example.com", "wrong").status_code for _ in range(3)]
    response = _login(api_client, "x@example.com", "wrong")

    assert statuses == [401, 401, 401]
    assert "X-RateLimit-Limit" not in response


def test_limits_are_on_by_default_in_the_settings():
    from config.settings import base

    assert base.RATE_LIMIT_ENABLED is True
    assert set(base.RATE_LIMITS) == {
        "anon",
        "user",
        "login_ip",
        "login_email_device",
        "login_email_ip",
        "login_email",
        "register_ip",
        "password_reset_ip",
        "password_reset_email_device",
        "password_reset_email_ip",
        "password_reset_email",
        "password_change_session",
        "refresh_ip",
        "refresh_session",
        "email_verify_ip",
        "email_verify_resend_ip",
        "email_verify_resend_email_device",
        "email_verify_resend_email_ip",
        "email_verify_resend_email",
        "email_change_ip",
        "email_change_user",
        "email_change_confirm_ip",
        "export_user",
        "authenticator_code_account",
        "passkey_options_ip",
        "login_code_ip",
        "login_code_email_device",
        "login_code_email_ip",
        "login_code_email",
        "oidc_start_ip",
        "oidc_callback_ip",
    }


def test_a_malformed_rate_in_the_environment_fails_the_system_check(rates):
    from backend.common.checks import check_rate_limits

    rates(login_ip="lots")

    errors = check_rate_limits()

    assert [e.id for e in errors] == ["common.E001"]
    assert "RATE_LIMIT_LOGIN_IP" in errors[0].hint
