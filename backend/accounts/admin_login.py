"""The admin's login form under the same login rate limits as the API, so it is no side door for guessing.

Device cookies too (login_limits.py): an operator's browser that signed in before is limited on its own bucket, so
failed guesses elsewhere (at the API or here) never lock the operators out of the admin.
"""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from backend.common.ratelimit import Usage

from .cookies import device_cookie_set
from .login_limits import LOGIN, AccountAttempt, account_attempt, login_email_identity


def _refused(attempt: AccountAttempt, refused: Usage) -> HttpResponse:
    if attempt.refused_by_account:
        message = f"{attempt.locked_message()} Reset it at {settings.FRONTEND_URL}/forgot-password"
    else:
        message = f"Too many sign-in attempts from your network. Try again in {attempt.wait_text()}."
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response.headers["Retry-After"] = str(refused.reset_after)
    return response


@csrf_protect
@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """``admin.site.login``, with each POST counted like ``POST /api/auth/login/``: by device, or per client IP and
    per email for a device the account does not know."""
    if request.method != "POST":
        return admin.site.login(request)
    attempt = account_attempt(request, email=str(request.POST.get("username", "")), limits=LOGIN)
    if attempt.refused is not None:
        return _refused(attempt, attempt.refused)
    response = admin.site.login(request)
    # Only failed attempts count: give this one back if it just signed that account in (not merely if someone
    # was already signed in when they posted), and mark this browser as a known device of the account.
    signed_in = getattr(request.user, "email", None)
    if response.status_code == 302 and signed_in is not None and login_email_identity(signed_in) == attempt.identity:
        attempt.refund()
        device_cookie_set(response, account=attempt.account)
    return response
