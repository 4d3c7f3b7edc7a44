"""The admin's login form under the same login rate limits as the API, so it is no side door for guessing.

Device cookies too (login_limits.py): an operator's browser that signed in before is limited on its own bucket, so
failed guesses elsewhere (at the API or here) never lock the operators out of the admin.

The form also asks for an authentication code (the authenticator app's, or a recovery code), checked once the
password is right, from every account that has a second factor: the admin is no side door that a password alone
opens either (an operator signed in here could reset their own factors). A wrong code fails the attempt like a wrong
password, with the same message, and counts on the same limits (and an authenticator code on the account's own,
second_factor.py). A passkey cannot be checked by this form: an account whose only factor is a passkey signs in
here with a recovery code, or enables the app. With MFA_REQUIRED_FOR_STAFF, staff without an authenticator app are
sent to enable one in the dashboard.
"""

import re
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from backend.common.ratelimit import Usage

from .cookies import device_cookie_set
from .login_limits import LOGIN, AccountAttempt, account_attempt, login_email_identity
from .models import User

LOGIN_TEMPLATE = "accounts/admin_login.html"
_TOTP_CODE = re.compile(r"[0-9]{6}")
# The form's error when the right password came with a code that could not be checked at all: no failed sign-in.
SECOND_FACTOR_UNCHECKED = "mfa_unavailable"


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's login form (admin.site.login_form), with an "Authentication code" for accounts that have a second
    factor (the page cannot know the account before it is posted, so the field is always there)."""

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        help_text = "The code your authenticator app shows, or one of your recovery codes."
        if not settings.MFA_REQUIRED_FOR_STAFF:
            help_text = f"If your account has two-step verification: {help_text[0].lower()}{help_text[1:]}"
        self.fields["otp"] = forms.CharField(
            label="Authentication code",
            required=False,
            max_length=64,
            help_text=help_text,
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
        _staff_second_factor_check(self, user)


def _staff_second_factor_check(form: StaffLoginForm, user: User) -> None:
    # Imported here: backend.mfa imports this app's models and services.
    from backend.audit.models import AuditEvent
    from backend.audit.services import audit_on_commit
    from backend.mfa.errors import AuthenticatorCodesLocked, MfaStateConflict
    from backend.mfa.selectors import SIGN_IN_CHOICE_RECOVERY_CODE, SIGN_IN_CHOICE_TOTP, mfa_methods
    from backend.mfa.services.recovery_codes import recovery_code_use
    from backend.mfa.services.second_factor import authenticator_code_check

    methods = mfa_methods(user=user)
    if SIGN_IN_CHOICE_TOTP not in methods and settings.MFA_REQUIRED_FOR_STAFF:
        raise ValidationError(
            "Staff sign in to the admin with an authenticator app. Enable it on the Security page of the dashboard "
            f"({settings.FRONTEND_URL}/security) first, then sign in here.",
            code="mfa_not_enrolled",
        )
    if not methods:
        return  # no second factor: the password alone signs this account in, here as at the API
    if SIGN_IN_CHOICE_TOTP not in methods and SIGN_IN_CHOICE_RECOVERY_CODE not in methods:
        raise ValidationError(
            "This account's second factor is a passkey, which this form cannot check. Enable the authenticator app "
            f"on the Security page of the dashboard ({settings.FRONTEND_URL}/security), then sign in here.",
            code="mfa_passkey_only",
        )
    answer = form.cleaned_data.get("otp") or ""
    if SIGN_IN_CHOICE_TOTP in methods and _TOTP_CODE.fullmatch(re.sub(r"\s", "", answer)):
        try:
            # (the admin's login view always gives the form its request)
            right = authenticator_code_check(
                cast(HttpRequest, form.request), user=user, code=answer, after_password=True
            )
        except AuthenticatorCodesLocked as locked:
            raise ValidationError(str(locked.detail), code="mfa_codes_locked") from locked
        except MfaStateConflict as unavailable:
            # The secret is under a key MFA_ENCRYPTION_KEYS no longer lists (docs/operations.md): a DRF error, which
            # this plain Django form would turn into a 500. The code was not checked: the count of it is given back
            # (authenticator_code_check), and so is this sign-in attempt (admin_login). A recovery code still
            # works here; a passkey, as the API's message would suggest, does not.
            raise ValidationError(
                "Your authenticator app cannot be checked right now. Sign in with one of your recovery codes "
                "instead, or ask another operator to reset your second factors.",
                code=SECOND_FACTOR_UNCHECKED,
            ) from unavailable
    else:
        right = recovery_code_use(user=user, code=answer)
    if not right:
        audit_on_commit(event=AuditEvent.Event.MFA_FAILED, user_id=user.pk)
        raise form.get_invalid_login_error()


def refused_response(attempt: AccountAttempt, refused: Usage) -> HttpResponse:
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
        return refused_response(attempt, attempt.refused)
    response = admin.site.login(request)
    # Only failed attempts count: give this one back if it just signed that account in (not merely if someone
    # was already signed in when they posted), and mark this browser as a known device of the account.
    signed_in = getattr(request.user, "email", None)
    if response.status_code == 302 and signed_in is not None and login_email_identity(signed_in) == attempt.identity:
        attempt.refund()
        device_cookie_set(response, account=attempt.account)
    elif _second_factor_unchecked(response):
        attempt.refund()  # the right password, and a code nothing could check: no guess was made
    return response


def _second_factor_unchecked(response: HttpResponse) -> bool:
    form = (getattr(response, "context_data", None) or {}).get("form")
    return isinstance(form, StaffLoginForm) and form.has_error(NON_FIELD_ERRORS, SECOND_FACTOR_UNCHECKED)
