"""Email verification (EMAIL_VERIFICATION mandatory / optional / none), the link read from the email received over
real SMTP and followed through the API."""

import time
from unittest import mock

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from backend.accounts.link_tokens import LINK_TOKEN_MAX_LENGTH
from backend.accounts.models import AuthSession, User
from backend.audit.models import AuditEvent
from backend.common.background import wait_for_background_jobs
from tests.backend.accounts.helpers import login
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.support.settings_process import settings_process
from tests.support.smtp import link_in, link_params, text_body

pytestmark = pytest.mark.django_db(transaction=True)  # email is sent when the transaction commits

REGISTER = "/api/auth/register/"
VERIFY = "/api/auth/email/verify/"
RESEND = "/api/auth/email/verify/resend/"
SUBJECT = "Confirm your email address"
PASSWORD = "a-Long-passphrase-9"


def _register(client: APIClient, email: str):
    return client.post(REGISTER, {"email": email, "password": PASSWORD}, format="json")


def _link_token(smtp, to: str) -> str:
    """The token of the newest verification link emailed to ``to``."""
    message = smtp.wait_for(to=to, subject=SUBJECT)[-1]
    link = link_in(message, "/verify-email")
    assert link.startswith(f"{settings.FRONTEND_URL}/verify-email#token="), link
    return link_params(link)["token"]


def _verify(token: str):
    return APIClient().post(VERIFY, {"token": token}, format="json")


def _resend(email: str, *, address: str = "198.51.100.7"):
    return APIClient(REMOTE_ADDR=address).post(RESEND, {"email": email}, format="json")


# Failure paths -------------------------------------------------------------------------------------------------------


def test_a_tampered_link_is_400_link_invalid_and_verifies_nothing(api_client, smtp):
    # Given a registration and its emailed link
    assert _register(api_client, "tamper@example.com").status_code == 201
    token = _link_token(smtp, "tamper@example.com")

    # When the token is altered (one character of the payload, or of the signature)
    responses = [_verify(token[:3] + ("A" if token[3] != "A" else "B") + token[4:]), _verify(token[:-1] + "x")]

    # Then each is refused as invalid and the address stays unconfirmed
    for response in responses:
        assert response.status_code == 400
        assert response.json() == {
            "detail": "This link is not valid: it was changed, already used, replaced or cancelled.",
            "code": "link_invalid",
        }
    assert User.objects.get().email_verified is False


TOO_LONG = "x" * (LINK_TOKEN_MAX_LENGTH + 1)  # longer than any link's token (link_tokens.py)


@pytest.mark.parametrize("token", ["", "garbage", "a:b:c", TOO_LONG])
def test_a_malformed_token_is_400(token):
    response = _verify(token)

    assert response.status_code == 400
    if token in ("", TOO_LONG):  # not a token at all: a validation error on the field
        assert list(response.json()) == ["token"]
    else:
        assert response.json()["code"] == "link_invalid"


@pytest.mark.parametrize("body", [{}, {"token": None}, {"token": 7}, {"email": "x@example.com"}])
def test_a_verify_body_without_a_token_string_is_400_naming_the_field(body):
    response = APIClient().post(VERIFY, body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["token"]


@pytest.mark.parametrize("body", [{}, {"email": "nope"}, {"email": ["a@example.com"]}])
def test_a_resend_body_without_an_email_is_400_naming_the_field(body):
    response = APIClient().post(RESEND, body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["email"]


def test_an_expired_link_is_400_link_expired(smtp):
    # Given a link minted longer ago than EMAIL_LINK_MAX_AGE_SECONDS (the signing clock set back when it was made)
    user = UserFactory(email="late@example.com")
    long_ago = time.time() - settings.EMAIL_LINK_MAX_AGE_SECONDS - 60
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        assert _resend(user.email).status_code == 202
        assert wait_for_background_jobs()  # the link is minted off the request path (email_queue_unseen)
    token = _link_token(smtp, user.email)

    # When it is followed
    response = _verify(token)

    # Then it is refused as expired, and nothing changed
    assert response.status_code == 400
    assert response.json() == {"detail": "This link has expired. Ask for a new one.", "code": "link_expired"}
    user.refresh_from_db()
    assert user.email_verified is False


def test_a_link_works_once(api_client, smtp):
    # Given a link already followed
    _register(api_client, "once@example.com")
    token = _link_token(smtp, "once@example.com")
    assert _verify(token).status_code == 200

    # When it is followed again
    response = _verify(token)

    # Then it is refused and verified once only
    assert response.status_code == 400
    assert response.json()["code"] == "link_invalid"
    assert AuditEvent.objects.filter(event=AuditEvent.Event.EMAIL_VERIFIED).count() == 1


def test_a_link_for_an_address_the_account_no_longer_has_is_invalid(api_client, smtp):
    # Given a link, and then the account's address changed (by the admin, say)
    _register(api_client, "before@example.com")
    token = _link_token(smtp, "before@example.com")
    User.objects.filter(email="before@example.com").update(email="after@example.com")

    # When the old link is followed
    response = _verify(token)

    # Then it does not confirm the new address
    assert response.status_code == 400
    assert response.json()["code"] == "link_invalid"
    assert User.objects.get().email_verified is False


def test_a_link_of_a_deactivated_account_is_invalid(api_client, smtp):
    _register(api_client, "off@example.com")
    token = _link_token(smtp, "off@example.com")
    user = User.objects.get()
    user.is_active = False
    user.save()

    response = _verify(token)

    assert response.status_code == 400
    assert response.json()["code"] == "link_invalid"


def test_resend_answers_the_same_for_an_unverified_an_unknown_and_a_verified_address(smtp):
    # Given an unconfirmed account and a confirmed one
    UserFactory(email="pending@example.com")
    UserFactory(email="done@example.com", email_verified=True)

    # When a new link is asked for each, and for an address with no account
    responses = [_resend(email) for email in ("pending@example.com", "nobody@example.com", "done@example.com")]

    # Then the answers are identical, and only the unconfirmed address gets an email
    assert [(r.status_code, r.content, r.get("Content-Type")) for r in responses] == [(202, b"", None)] * 3
    wait_for_background_jobs()
    assert [(m["To"], m["Subject"]) for m in smtp.messages] == [("pending@example.com", SUBJECT)]


def test_resend_is_limited_per_client_address(rates):
    rates(email_verify_resend_ip="2/1h")

    statuses = [_resend(f"n{n}@example.com").status_code for n in range(3)]

    assert statuses == [202, 202, 429]
    response = _resend("n9@example.com")
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_resend_is_limited_per_address_and_sends_nothing_when_refused(rates, smtp):
    # Given one link asked for an account from a client address
    rates(email_verify_resend_email_ip="1/1h", email_verify_resend_ip="100/1h")
    UserFactory(email="spam@example.com")
    assert _resend("SPAM@example.com").status_code == 202

    # When another is asked from the same address, and one from elsewhere
    again, elsewhere = _resend("spam@example.com"), _resend("spam@example.com", address="198.51.100.8")

    # Then the first is refused and the second sent: two emails in all
    assert (again.status_code, again.json()["code"]) == (429, "throttled")
    assert elsewhere.status_code == 202
    wait_for_background_jobs()
    assert len(smtp.wait_for(to="spam@example.com", count=2)) == 2


def test_an_unknown_verification_mode_stops_the_settings_with_the_allowed_values():
    result = settings_process(
        "config.settings.test", "print('loaded')", unset=frozenset(), EMAIL_VERIFICATION="sometimes"
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: EMAIL_VERIFICATION='sometimes': use one of mandatory, optional, none" in (
        result.stderr
    )


# mandatory -----------------------------------------------------------------------------------------------------------


def test_mandatory_registration_is_202_signs_nobody_in_and_emails_a_link(settings, api_client, smtp):
    settings.EMAIL_VERIFICATION = "mandatory"

    response = _register(api_client, "  Must@Example.com ")

    assert response.status_code == 202
    user = User.objects.get()
    body = response.json()
    assert body == {
        "user": {
            "id": str(user.pk),
            "email": "must@example.com",
            "email_verified": False,
            "name": "",
            "date_joined": body["user"]["date_joined"],
        },
        "email_verification_required": True,
    }
    assert settings.REFRESH_COOKIE_NAME not in response.cookies
    assert AuthSession.objects.count() == 0
    assert list(AuditEvent.objects.values_list("event", "user_id", "session_id")) == [("register", user.pk, None)]
    [message] = smtp.wait_for(to="must@example.com", subject=SUBJECT)
    assert "The link works once, for 3 days." in text_body(message)


def test_mandatory_sign_in_with_the_right_password_is_403_until_the_address_is_confirmed(settings, smtp):
    # Given a registration while verification is mandatory
    settings.EMAIL_VERIFICATION = "mandatory"
    _register(APIClient(), "gate@example.com")

    # When signing in with a wrong password, and with the right one
    wrong = login(APIClient(), "gate@example.com", "not-the-password")
    right = login(APIClient(), "gate@example.com", PASSWORD)

    # Then the wrong one is the usual 401 (nothing told), the right one a 403 with no session
    assert wrong.status_code == 401
    assert right.status_code == 403
    assert right.json() == {
        "detail": "Confirm your email address first: follow the link we emailed you, or ask for a new one.",
        "code": "email_not_verified",
    }
    assert settings.REFRESH_COOKIE_NAME not in right.cookies
    assert AuthSession.objects.count() == 0

    # And once the emailed link is followed, sign-in works
    verified = _verify(_link_token(smtp, "gate@example.com"))
    assert verified.status_code == 200
    assert verified.json() == {"email": "gate@example.com", "email_verified": True}
    signed_in = login(APIClient(), "gate@example.com", PASSWORD)
    assert signed_in.status_code == 200
    assert signed_in.json()["user"]["email_verified"] is True


def test_mandatory_refusal_does_not_count_as_a_failed_sign_in(settings, rates):
    settings.EMAIL_VERIFICATION = "mandatory"
    rates(login_email_ip="2/15m")
    _register(APIClient(), "patient@example.com")

    statuses = [login(APIClient(), "patient@example.com", PASSWORD).status_code for _ in range(4)]

    assert statuses == [403, 403, 403, 403]


# optional and none ---------------------------------------------------------------------------------------------------


def test_optional_registration_signs_in_and_the_emailed_link_confirms_the_address(api_client, smtp):
    # Given verification optional (the default): registering signs in at once
    assert settings.EMAIL_VERIFICATION == "optional"
    registered = _register(api_client, "opt@example.com")
    assert registered.status_code == 201
    assert registered.json()["user"]["email_verified"] is False
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {registered.json()['access']}")

    # When the emailed link is followed
    response = _verify(_link_token(smtp, "opt@example.com"))

    # Then the address is confirmed, audited, and me/ says so
    assert response.status_code == 200
    assert response.json() == {"email": "opt@example.com", "email_verified": True}
    user = User.objects.get()
    assert list(AuditEvent.objects.filter(event="email_verified").values_list("user_id", flat=True)) == [user.pk]
    assert api_client.get("/api/auth/me/").json()["email_verified"] is True


def test_optional_sign_in_is_allowed_before_the_address_is_confirmed(user):
    response = login(APIClient(), user.email, DEFAULT_PASSWORD)

    assert response.status_code == 200
    assert response.json()["user"]["email_verified"] is False


def test_none_registration_sends_nothing_and_leaves_the_address_unconfirmed(settings, api_client, smtp):
    settings.EMAIL_VERIFICATION = "none"

    response = _register(api_client, "quiet@example.com")

    assert response.status_code == 201
    assert response.json()["user"]["email_verified"] is False
    wait_for_background_jobs()
    assert smtp.messages == []
    assert login(api_client, "quiet@example.com", PASSWORD).status_code == 200
