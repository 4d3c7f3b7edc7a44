"""Driving the sign-in with a provider as the SPA does: start, follow the provider's redirect, post the callback."""

import jwt
from django.conf import settings
from rest_framework.test import APIClient

from backend.accounts.models import AuthSession
from backend.common.background import wait_for_background_jobs

PROVIDERS = "/api/auth/oidc/providers/"
CALLBACK = "/api/auth/oidc/callback/"
IDENTITIES = "/api/auth/oidc/identities/"
COOKIE = "__Host-sad_oidc"  # the test settings make cookies Secure: the flow cookie has the __Host- prefix
OIDC_FAILED = {
    "detail": "The sign-in with the provider could not be completed. Start again.",
    "code": "oidc_failed",
}
UNAVAILABLE = {
    "detail": "The sign-in provider cannot be reached right now. Try again in a moment.",
    "code": "oidc_provider_unavailable",
}
ACCOUNT_EXISTS = {
    "detail": "An account already uses this address: sign in with it, then connect Test IdP from your account page.",
    "code": "oidc_account_exists",
}
EMAIL_UNVERIFIED = {
    "detail": "Test IdP did not confirm your email address, so no account can be created with it. Confirm it at "
    "Test IdP, or sign up with your email and a password.",
    "code": "oidc_email_unverified",
}
IDENTITY_TAKEN = {
    "detail": "This Test IdP account is already connected to another account here. Sign in to that account and "
    "disconnect it there first.",
    "code": "oidc_identity_taken",
}


def start_url(provider: str = "testidp") -> str:
    return f"/api/auth/oidc/{provider}/start/"


def start(client: APIClient, *, intent: str | None = None, provider: str = "testidp"):
    body = {} if intent is None else {"intent": intent}
    return client.post(start_url(provider), body, format="json")


def started(client: APIClient, idp, *, intent: str | None = None) -> tuple[str, str]:
    """Start a flow and approve it at the provider: the ``code`` and ``state`` its redirect carries."""
    response = start(client, intent=intent)
    assert response.status_code == 200, response.content
    return idp.authorize(response.json()["authorization_url"])


def callback(client: APIClient, code: str, state: str):
    return client.post(CALLBACK, {"code": code, "state": state}, format="json")


def sign_in(client: APIClient, idp, *, intent: str | None = None):
    """The whole flow from one browser (``client`` keeps the cookie between the calls)."""
    code, state = started(client, idp, intent=intent)
    return callback(client, code, state)


def cookie_cleared(response) -> bool:
    morsel = response.cookies.get(COOKIE)
    return morsel is not None and morsel.value == "" and str(morsel["max-age"]) == "0"


def session_of(response) -> AuthSession:
    """The session whose access token ``response`` carries."""
    claims = jwt.decode(response.json()["access"], options={"verify_signature": False})
    return AuthSession.objects.get(pk=claims["sid"])


def emails_settled() -> None:
    assert wait_for_background_jobs()


def redirect_uri() -> str:
    return f"{settings.FRONTEND_URL}/login/oidc/callback"
