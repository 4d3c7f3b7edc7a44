"""Shared fixtures: users, signed-in API clients, and a clean cache per test."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from backend.accounts.services import IssuedSession, session_start
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _clean_cache():
    """Each test starts with an empty cache and fresh rate-limit counters (Redis keys are prefixed per xdist worker)."""
    _clear_cache()
    yield
    _clear_cache()


def _clear_cache() -> None:
    from backend.common.outage import reset_outage_reports
    from backend.common.ratelimit import reset_local_counters

    reset_local_counters()
    reset_outage_reports()
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")  # only this worker's KEY_PREFIX
    else:
        cache.clear()


@pytest.fixture
def rates(settings):
    """Set some rate-limit scopes for one test: ``rates(login_ip="2/1m")``."""

    def set_rates(**scopes: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **scopes}

    return set_rates


@pytest.fixture
def throwaway_redis(tmp_path, settings):
    """A private redis-server as the default cache (production-like options); the test may stop it."""
    from tests.support.redis_server import RedisServer

    server = RedisServer(tmp_path)
    settings.CACHES = server.cache_settings()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def admin_client(client, db):
    """Django's test client signed in to the admin as a superuser."""
    from backend.accounts.models import User

    admin = User.objects.create_superuser(email="root@example.com", password="an-Admin-passphrase-1")
    client.force_login(admin)
    return client


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


def signed_in_client(user, *, amr: tuple[str, ...] = ("pwd",)) -> tuple[APIClient, IssuedSession]:
    """An APIClient carrying a real access token of a real session for ``user``, signed in with ``amr``'s methods
    (the password alone by default; an account with a second factor signs in with two, e.g. ``("pwd", "otp")``).
    ``user`` is read again first, as a sign-in reads its account: a session starts only for credentials as they
    are stored (session_start)."""
    user.refresh_from_db()
    issued = session_start(user=user, user_agent="pytest", ip_address="127.0.0.1", amr=amr)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.tokens.access}")
    return client, issued


@pytest.fixture
def auth_client(user) -> APIClient:
    client, _ = signed_in_client(user)
    return client


@pytest.fixture
def other_client(other_user) -> APIClient:
    client, _ = signed_in_client(other_user)
    return client


@pytest.fixture(scope="session")
def smtp_server():
    """One real SMTP server per xdist worker (tests/support/smtp.py)."""
    from tests.support.smtp import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def smtp(smtp_server, settings):
    """Every test sends its email over real SMTP to this worker's server, emptied for the test: read it with
    ``smtp.wait_for(to=...)`` and ``tests.support.smtp.link_in``."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_server.host
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    smtp_server.clear()
    yield smtp_server
    smtp_server.clear()


@pytest.fixture(autouse=True)
def _finish_background_jobs():
    """No test leaves work running into the next one (e.g. an email landing in its outbox)."""
    yield
    from backend.common.background import wait_for_background_jobs

    wait_for_background_jobs()
