"""The admin's own "Change password" page (``/admin/password_change/``, for the signed-in operator) as the same change
as the API's (``POST /api/auth/password/``): Django's page would set the password and leave every API session of
the account alive, with unlimited guesses at the old password.

Here the change signs every other session out (the API's and the admin's; Django then keeps the page's own admin
session), is recorded and announced to the owner, and each POST counts on the account's sign-in limits like a
sign-in (given back when it succeeds): a wrong old password is a failed sign-in, and is recorded.
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

from backend.audit.models import AuditEvent
from backend.audit.services import audit_on_commit
from backend.common.db import atomic

from .admin_login import refused_response
from .emails import notify_password_changed
from .login_limits import LOGIN, account_attempt
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


def _password_change(request: HttpRequest) -> HttpResponseBase:
    """``admin.site.password_change`` with the form above, each POST counted on the account's sign-in limits."""
    request.current_app = admin.site.name
    view = PasswordChangeView.as_view(
        form_class=OwnPasswordChangeForm,
        success_url=reverse("admin:password_change_done", current_app=admin.site.name),
        extra_context=admin.site.each_context(request),
    )
    if request.method != "POST":
        return view(request)
    attempt = account_attempt(request, email=request.user.email, limits=LOGIN, count_client=False)  # type: ignore[union-attr]
    if attempt.refused is not None:
        return refused_response(attempt, attempt.refused)
    response = view(request)
    if response.status_code == 302:  # changed: the old password was right
        attempt.refund()
    return response


# The admin's own checks first: a signed-in, active staff member (else to the login page), CSRF, never cached.
admin_password_change = admin.site.admin_view(_password_change)
