"""The admin's own "Change password" page (``/admin/password_change/``, for the signed-in operator) as the same change
as the API's (``POST /api/auth/password/``): Django's page would set the password and leave every API session of
the account alive, with unlimited guesses at the old password.

Here the change signs every other session out (the API's and the admin's; Django then keeps the page's own admin
session), is recorded and announced to the owner, and each POST counts on the account's sign-in limits like a
sign-in (given back once the old password is right): a wrong old password is a failed sign-in, and is recorded.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic

from .admin_login import refused_response
from .cookies import device_cookie_set
from .emails.notices import notify_password_changed
from .login_limits import LOGIN, AccountAttempt, account_attempt, device_account
from .services import sessions_revoke_for_user


class OwnPasswordChangeForm(AdminPasswordChangeForm):
    def clean_old_password(self) -> str:
        try:
            return super().clean_old_password()
        except ValidationError:
            audit_on_commit(event=AuditEvent.Event.PASSWORD_CHECK_FAILED, user_id=self.user.pk)
            raise

    def save(self, commit: bool = True) -> Any:
        with atomic():
            user = super().save(commit=commit)
            if commit:
                # Sets the user's new revocation key on ``user`` too: Django's view then keeps this admin session.
                sessions_revoke_for_user(user=user, audit_event=None)
                audit_on_commit(event=AuditEvent.Event.PASSWORD_CHANGED, user_id=user.pk)
                notify_password_changed(user=user)
        return user


class _CountedPasswordChangeView(PasswordChangeView):
    """Django's view with the attempt given back as soon as the old password is right (a new password refused,
    or a typo in its confirmation, is no failed sign-in), and this browser kept a known device of the account: the
    change retired every device cookie (login_limits.account_key), and it has just proved the password."""

    attempt: AccountAttempt | None = None
    form_class = OwnPasswordChangeForm

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if self.attempt is not None:
            self.attempt.refund()
        device_cookie_set(response, account=device_account(form.user))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        if self.attempt is not None and "old_password" not in form.errors:
            self.attempt.refund()
        return super().form_invalid(form)


def _password_change(request: HttpRequest) -> HttpResponseBase:
    """``admin.site.password_change`` with the view above, each POST counted on the account's sign-in limits."""
    request.current_app = admin.site.name
    attempt = None
    if request.method == "POST":
        attempt = account_attempt(request, email=request.user.email, limits=LOGIN, count_client=False)  # type: ignore[union-attr]
        if attempt.refused is not None:
            return refused_response(attempt, attempt.refused)
    view = _CountedPasswordChangeView.as_view(
        attempt=attempt,
        success_url=reverse("admin:password_change_done", current_app=admin.site.name),
        extra_context=admin.site.each_context(request),
    )
    return view(request)


# The admin's own checks first: a signed-in, active staff member (else to the login page), CSRF, never cached.
admin_password_change = admin.site.admin_view(_password_change)
