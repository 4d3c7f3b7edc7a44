"""The admin's login form under the same login rate limits as the API, so it is no side door for guessing.

Device cookies too (login_limits.py): an operator's browser that signed in before is limited on its own bucket, so
failed guesses elsewhere (at the API or here) never lock the operators out of the admin.

With MFA_REQUIRED_FOR_STAFF the form also asks for an authentication code (the authenticator app's, or a recovery
code), checked once the password is right; a wrong one fails the attempt like a wrong password, with the same
message, and counts on the same limits. Staff without an authenticator app are sent to enable one in the dashboard.
"""

import re
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from backend.common.ratelimit import Usage

from .cookies import device_cookie_set
from .login_limits import LOGIN, AccountAttempt, account_attempt, login_email_identity
from .models import User

LOGIN_TEMPLATE = "accounts/admin_login.html"
_TOTP_CODE = re.compile(r"[0-9]{6}")


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's login form (admin.site.login_form); with MFA_REQUIRED_FOR_STAFF, an "Authentication code" too."""

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        if settings.MFA_REQUIRED_FOR_STAFF:
            self.fields["otp"] = forms.CharField(
                label="Authentication code",
                required=False,
                max_length=64,
                help_text="The code your authenticator app shows, or one of your recovery codes.",
                widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
            )
            # One message for a wrong password and a wrong code: the form never tells that the password was right.
            self.error_messages = {
                **self.error_messages,
                "invalid_login": "Please enter the correct %(username)s, password and authentication code for a "
                "staff account. Note that they may be case-sensitive.",
            }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)  # active, and staff
        if settings.MFA_REQUIRED_FOR_STAFF:
            _staff_second_factor_check(self, user)


def _staff_second_factor_check(form: StaffLoginForm, user: User) -> None:
    # Imported here: backend.mfa imports this app's models and services.
    from backend.audit.models import AuditEvent
    from backend.audit.services import audit_on_commit
    from backend.mfa.selectors import totp_confirmed_get
    from backend.mfa.services.recovery_codes import recovery_code_use
    from backend.mfa.services.totp import totp_code_verify

    if totp_confirmed_get(user=user) is None:
        raise ValidationError(
            "Staff sign in to the admin with an authenticator app. Enable it on the Security page of the dashboard "
            f"({settings.FRONTEND_URL}/security) first, then sign in here.",
            code="mfa_not_enrolled",
        )
    answer = form.cleaned_data.get("otp") or ""
    if _TOTP_CODE.fullmatch(re.sub(r"\s", "", answer)):
        right = totp_code_verify(user=user, code=answer)
    else:
        right = recovery_code_use(user=user, code=answer)
    if not right:
        audit_on_commit(event=AuditEvent.Event.MFA_FAILED, user_id=user.pk)
        raise form.get_invalid_login_error()


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
