"""The admin's login form under the same login rate limits as the API, so it is no side door for guessing."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from backend.common.ratelimit import Usage, rate_limit_hit, rate_limit_refund
from backend.common.request_meta import client_ip
from backend.common.signals import rate_limit_rejected

from .models import normalize_email


def _refused(usage: Usage) -> HttpResponse:
    rate_limit_rejected.send(sender=None, scope=usage.scope)
    response = HttpResponse(
        f"Too many sign-in attempts. Try again in {usage.reset_after} seconds.",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response.headers["Retry-After"] = str(usage.reset_after)
    return response


@csrf_protect
@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """``admin.site.login``, with each POST counted per client IP and per email like ``POST /api/auth/login/``."""
    if request.method != "POST" or not settings.RATE_LIMIT_ENABLED:
        return admin.site.login(request)
    by_ip = rate_limit_hit("login_ip", client_ip(request) or "unknown")
    if not by_ip.allowed:
        return _refused(by_ip)
    email = normalize_email(str(request.POST.get("username", ""))[:254])
    by_email = rate_limit_hit("login_email", email)
    if not by_email.allowed:
        return _refused(by_email)
    response = admin.site.login(request)
    if request.user.is_authenticated:
        rate_limit_refund(by_email, email)  # only failed attempts count against the email
    return response
