"""The admin's login form under the same login rate limits as the API, so it is no side door for guessing."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from backend.common.ratelimit import Usage, rate_limit_hit, rate_limit_refund
from backend.common.signals import rate_limit_rejected
from backend.common.throttles import client_rate_identity

from .login_limits import login_email_identity


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
    by_ip = rate_limit_hit("login_ip", client_rate_identity(request))
    if not by_ip.allowed:
        return _refused(by_ip)
    email = login_email_identity(str(request.POST.get("username", "")))
    by_email = rate_limit_hit("login_email", email)
    if not by_email.allowed:
        return _refused(by_email)
    response = admin.site.login(request)
    # Only failed attempts count against the email: give this one back if it just signed that account in
    # (not merely if someone was already signed in when they posted).
    signed_in = getattr(request.user, "email", None)
    if response.status_code == 302 and signed_in is not None and login_email_identity(signed_in) == email:
        rate_limit_refund(by_email, email)
    return response
