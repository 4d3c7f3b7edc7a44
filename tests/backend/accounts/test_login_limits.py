"""Sign-in limits by device (OWASP's device cookies): nobody's failed guesses lock the owner out of the browsers
they signed in from; devices the account does not know are limited per address, and by a per-account ceiling."""

import re

import pytest
from rest_framework.test import APIClient

from backend.audit.models import AuditEvent
from backend.common.background import wait_for_background_jobs
from tests.factories import DEFAULT_PASSWORD
from tests.support.smtp import link_in, link_params

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login/"
DEVICE_COOKIE = "__Host-sad_device"  # the test settings' cookies are Secure
NEW_PASSWORD = "a-Brand-new-passphrase-5"


def _login(client: APIClient, email: str, password: str = DEFAULT_PASSWORD):
    return client.post(LOGIN, {"email": email, "password": password}, format="json")


def _browser(address: str) -> APIClient:
    """A browser at ``address`` with its own cookie jar (a device cookie, once it has signed in)."""
    return APIClient(REMOTE_ADDR=address)


def _known_browser(user, address: str = "203.0.113.10") -> APIClient:
    browser = _browser(address)
    assert _login(browser, user.email).status_code == 200
    return browser


def _guess_from_many_addresses(email: str, count: int) -> list[int]:
    return [_login(_browser(f"198.51.100.{n}"), email, "wrong-guess").status_code for n in range(count)]


def test_a_successful_sign_in_gives_the_browser_a_signed_host_only_device_cookie(api_client, user):
    # Given a browser signing in
    response = _login(api_client, user.email)

    # Then it gets a long-lived device cookie that only this host can set (the __Host- prefix: Secure, Path=/, no
    # Domain), that scripts cannot read, and that does not carry the address in clear
    cookie = response.cookies[DEVICE_COOKIE]
    assert (cookie["path"], cookie["secure"], cookie["httponly"], cookie["samesite"]) == ("/", True, True, "Strict")
    assert cookie["domain"] == ""
    assert int(cookie["max-age"]) == 365 * 24 * 60 * 60
    assert user.email not in cookie.value


def test_a_failed_sign_in_gives_no_device_cookie(api_client, user):
    response = _login(api_client, user.email, "wrong-guess")

    assert response.status_code == 401
    assert DEVICE_COOKIE not in response.cookies


def test_registering_makes_the_browser_a_known_device_of_the_new_account(api_client):
    response = api_client.post(
        "/api/auth/register/", {"email": "new@example.com", "password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 201
    assert response.cookies[DEVICE_COOKIE].value


def test_guesses_from_many_addresses_never_lock_out_a_browser_the_owner_signed_in_from(user, rates):
    # Given the owner's browser, known to the account, and guesses from many addresses that lock every unknown device
    rates(login_email="3/15m", login_email_ip="2/15m")
    owner = _known_browser(user)
    statuses = _guess_from_many_addresses(user.email, 6)
    assert statuses == [401] * 3 + [429] * 3
    assert _login(_browser("203.0.113.99"), user.email).json()["code"] == "login_locked"

    # When the owner signs in from their browser, even from another network
    owner.defaults["REMOTE_ADDR"] = "192.0.2.77"
    response = _login(owner, user.email)

    # Then they are in
    assert response.status_code == 200


def test_one_address_locks_out_only_itself_from_an_account(user, rates):
    # Given failures from one address, up to the per-(account, address) limit
    rates(login_email_ip="2/15m")
    for _ in range(2):
        assert _login(_browser("198.51.100.7"), user.email, "wrong-guess").status_code == 401

    # When the right password comes from that address, and from another one, both from unknown devices
    same = _login(_browser("198.51.100.7"), user.email)
    other = _login(_browser("198.51.100.8"), user.email)

    # Then only that address is locked out of the account: one client can no longer keep accounts locked for all
    assert (same.status_code, other.status_code) == (429, 200)


def test_a_locked_out_unknown_device_is_told_how_long_to_wait_and_about_the_password_reset(user, rates):
    rates(login_email_ip="2/15m")
    for _ in range(2):
        _login(_browser("198.51.100.7"), user.email, "wrong-guess")

    response = _login(_browser("198.51.100.7"), user.email)

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "login_locked"
    assert re.search(r"Try again in 1[45] minutes, or reset your password", body["detail"]), body["detail"]
    assert "devices it has not signed in from" in body["detail"]
    assert 840 <= int(response["Retry-After"]) <= 900


def test_the_account_ceiling_holds_unknown_devices_from_every_address(user, rates):
    rates(login_email="3/15m", login_email_ip="100/15m")
    _guess_from_many_addresses(user.email, 3)

    response = _login(_browser("192.0.2.1"), user.email)

    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"


def test_a_known_device_is_limited_on_its_own_bucket(user, rates):
    # Given the owner's known browser, which then fails twice (its limit)
    rates(login_email_device="2/15m")
    owner = _known_browser(user)
    for _ in range(2):
        assert _login(owner, user.email, "wrong-guess").status_code == 401

    # When it tries again, and another (unknown) device tries
    again = _login(owner, user.email)
    elsewhere = _login(_browser("192.0.2.5"), user.email)

    # Then that device waits, and its failures cost the unknown devices nothing
    assert again.status_code == 429
    assert again.json()["code"] == "login_locked"
    assert "from this device" in again.json()["detail"]
    assert elsewhere.status_code == 200


def test_a_device_cookie_of_another_account_or_a_forged_one_counts_as_an_unknown_device(user, other_user, rates):
    rates(login_email_ip="1/15m")
    theirs = _known_browser(other_user, "198.51.100.40")
    forged = _browser("198.51.100.41")
    forged.cookies[DEVICE_COOKIE] = theirs.cookies[DEVICE_COOKIE].value[:-2] + "xx"

    for browser in (theirs, forged):
        assert _login(browser, user.email, "wrong-guess").status_code == 401
        assert _login(browser, user.email).status_code == 429


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["password_reset", "sign_out_everywhere", "deleted_and_registered_again"])
def test_device_cookies_handed_out_before_a_reset_a_sign_out_everywhere_or_a_deletion_count_as_unknown(
    user, rates, change
):
    from backend.accounts.models import User
    from backend.accounts.services import sessions_revoke_for_user, user_delete
    from backend.accounts.services.password_reset import password_reset_confirm
    from tests.backend.accounts.helpers import reset_link_parts
    from tests.factories import UserFactory

    # Given someone who once had the password and kept the device cookies of several sign-ins
    rates(login_email_ip="1/15m")
    stocked = [_known_browser(user, f"198.51.100.{60 + n}") for n in range(3)]

    # When the owner resets the password, signs out everywhere, or the account is deleted and the address
    # registered again
    if change == "password_reset":
        password_reset_confirm(**reset_link_parts(user), new_password=NEW_PASSWORD)
    elif change == "sign_out_everywhere":
        sessions_revoke_for_user(user=User.objects.get(pk=user.pk))
    else:
        user_delete(user=User.objects.get(pk=user.pk))
        UserFactory(email=user.email)

    # Then each cookie is an unknown device again: limited per address (one guess here), not on a bucket of its own
    for browser in stocked:
        assert _login(browser, user.email, "wrong-guess").status_code == 401
        assert _login(browser, user.email, "wrong-again").status_code == 429


def test_a_password_change_keeps_the_browser_that_made_it_a_known_device(user, rates):
    from tests.conftest import signed_in_client

    # Given the owner's known browser, which changes the password through the API
    rates(login_email_ip="1/15m", login_email_device="5/15m")
    owner = _known_browser(user)
    api, _ = signed_in_client(user)
    api.cookies = owner.cookies
    changed = api.post(
        "/api/auth/password/",
        {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert changed.status_code == 204
    owner.cookies[DEVICE_COOKIE] = changed.cookies[DEVICE_COOKIE].value

    # Then its failed sign-ins still count on its own bucket, not on the per-address one
    statuses = [_login(owner, user.email, f"wrong-{n}").status_code for n in range(3)]
    assert statuses == [401, 401, 401]
    assert _login(owner, user.email, NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize("known", [True, False], ids=["known-device", "unknown-device"])
def test_signing_out_everywhere_keeps_the_browser_that_asked_a_known_device_only_if_it_was_one(user, rates, known):
    from tests.conftest import signed_in_client

    # Given a browser with a session of the account, which is or is not a known device of it
    rates(login_email_ip="1/15m")
    browser, _ = signed_in_client(user)
    if known:
        browser.cookies = _known_browser(user).cookies

    # When it signs out everywhere (which retires every device cookie of the account)
    response = browser.post("/api/auth/logout-all/", {}, format="json")

    # Then a known device gets a new cookie (its failed sign-ins stay on its own bucket); an unknown one gets none
    assert response.status_code == 204
    assert (DEVICE_COOKIE in response.cookies) is known
    if known:
        browser.cookies[DEVICE_COOKIE] = response.cookies[DEVICE_COOKIE].value
        browser.credentials()
        statuses = [_login(browser, user.email, f"wrong-{n}").status_code for n in range(3)]
        assert statuses == [401, 401, 401]


def test_someone_sharing_the_owners_address_cannot_use_up_its_login_limit_for_the_owners_browser(user, rates):
    # Given the owner's known browser and someone else behind the same address exhausting the per-address limit
    rates(login_ip="3/5m")
    owner = _known_browser(user, "198.51.100.50")
    statuses = [_login(_browser("198.51.100.50"), f"x{n}@example.com", "wrong").status_code for n in range(4)]
    assert statuses[-1] == 429

    # When the owner signs in again from that address
    # Then their browser is limited on its own bucket, not the address's
    assert _login(owner, user.email).status_code == 200


@pytest.mark.django_db(transaction=True)  # the audit rows are written on commit
def test_the_rate_limit_headers_do_not_tell_how_many_sign_ins_failed_elsewhere(user, rates):
    # Given three failed sign-ins to the account from other addresses (the per-account ceiling counts them)
    rates(login_email="7/15m", login_email_ip="5/15m", login_ip="20/5m")
    _guess_from_many_addresses(user.email, 3)

    # When someone else tries from an address of their own
    response = _login(_browser("192.0.2.77"), user.email, "wrong-guess")

    # Then the headers show their own address's count, not the account's ceiling (7, with 3 left)
    assert response.status_code == 401
    assert (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"]) == ("5", "4")


def test_the_start_of_a_lockout_is_audited_once(user, rates):
    rates(login_email_ip="2/15m")
    statuses = [_login(_browser("198.51.100.9"), user.email, "wrong-guess").status_code for _ in range(5)]

    assert statuses == [401, 401, 429, 429, 429]
    locked = AuditEvent.objects.filter(event=AuditEvent.Event.LOGIN_LOCKED)
    assert list(locked.values_list("user_id", "email", "ip_address")) == [(user.pk, user.email, "198.51.100.9")]
    assert AuditEvent.objects.filter(event=AuditEvent.Event.LOGIN_FAILED).count() == 2


def _reset_link_params(smtp, to: str) -> tuple[str, str]:
    [message] = smtp.wait_for(to=to, subject="Reset your password")
    query = link_params(link_in(message, "/reset-password"))
    return query["uid"], query["token"]


@pytest.mark.django_db(transaction=True)
def test_the_browser_that_resets_the_password_signs_in_while_unknown_devices_are_locked_out(user, rates, smtp):
    # Given sign-in from unknown devices locked out, and the owner on a browser the account does not know
    rates(login_email="2/15m")
    _guess_from_many_addresses(user.email, 2)
    owner = _browser("203.0.113.20")
    assert _login(owner, user.email).status_code == 429

    # When they reset the password from that browser, following the emailed link
    assert owner.post("/api/auth/password-reset/", {"email": user.email}, format="json").status_code == 202
    uid, token = _reset_link_params(smtp, user.email)
    body = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    assert owner.post("/api/auth/password-reset/confirm/", body, format="json").status_code == 204

    # Then that browser is a known device of the account, and signs in
    assert _login(owner, user.email, NEW_PASSWORD).status_code == 200
    assert _login(_browser("203.0.113.21"), user.email, NEW_PASSWORD).status_code == 429


@pytest.mark.django_db(transaction=True)  # email is sent on commit
def test_others_cannot_use_up_the_reset_emails_of_a_browser_the_owner_signed_in_from(user, rates, smtp):
    # Given the owner's known browser, and reset requests for the account from many addresses up to the ceiling
    rates(password_reset_email="2/1h", password_reset_email_ip="1/1h", password_reset_ip="100/1h")
    owner = _known_browser(user)
    statuses = [
        _browser(f"198.51.100.{n}").post("/api/auth/password-reset/", {"email": user.email}, format="json").status_code
        for n in range(3)
    ]
    assert statuses == [202, 202, 429]
    wait_for_background_jobs()
    smtp.clear()

    # When the owner asks for a reset email from their browser
    response = owner.post("/api/auth/password-reset/", {"email": user.email}, format="json")

    # Then it is sent
    assert response.status_code == 202
    wait_for_background_jobs()
    assert [(message["To"], message["Subject"]) for message in smtp.messages] == [(user.email, "Reset your password")]


def test_reset_emails_from_one_address_are_limited_per_account_and_address(user, rates):
    rates(password_reset_email_ip="1/1h", password_reset_ip="100/1h")
    first, second = (
        _browser("198.51.100.60").post("/api/auth/password-reset/", {"email": user.email}, format="json")
        for _ in range(2)
    )
    elsewhere = _browser("198.51.100.61").post("/api/auth/password-reset/", {"email": user.email}, format="json")

    assert (first.status_code, second.status_code, elsewhere.status_code) == (202, 429, 202)
