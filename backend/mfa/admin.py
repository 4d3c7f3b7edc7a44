"""The second factors on the admin's user page (read only) and "Reset second factors" (a button there, with a
confirmation page, and an action on the user list); UserAdmin (backend/accounts/admin.py) mixes them in. Factors
have no admin of their own: an operator never needs a secret or a credential, only to see what an account has and
to remove it all."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from backend.accounts.models import User
from backend.common.admin_display import request_operator, time_or_never
from backend.common.ids import uuid_or_404

from .services.reset import mfa_reset
from .status_selectors import mfa_factors_get

RESET_URL_NAME = "accounts_user_reset_second_factors"


def _reset_message(count: int) -> str:
    return (
        f"Removed the second factors of {count} user(s); they sign in with their password alone until they set up "
        "new ones."
    )


def factors_html(user: User) -> SafeString:
    """The user's factors as a list: the app's state, the recovery codes left, each passkey. Never a secret."""
    factors = mfa_factors_get(user=user)
    totp = factors["totp"]
    if totp["enabled"]:
        app = format_html("enabled since {}", time_or_never(totp["confirmed_at"]))
    else:
        app = format_html("{}", "set up, not confirmed" if totp["pending"] else "none")
    codes = factors["recovery_codes"]
    passkeys = format_html_join(
        "",
        "<li>{} (added {}, last used {})</li>",
        (
            (passkey.name, time_or_never(passkey.created_at), time_or_never(passkey.last_used_at))
            for passkey in factors["passkeys"]
        ),
    )
    return format_html(
        "<ul><li>Authenticator app: {}</li><li>Recovery codes: {} of {} unused</li>"
        "<li>Passkeys: {}<ul>{}</ul></li></ul>",
        app,
        codes["remaining"],
        codes["total"],
        len(factors["passkeys"]) or "none",
        passkeys,
    )


class UserSecondFactorsAdminMixin:
    """For the User ModelAdmin: the ``second_factors`` read-only field, its reset page and the reset action."""

    admin_site: admin.AdminSite

    @admin.display(description="Second factors")
    def second_factors(self, user: User) -> SafeString:
        if user.pk is None:
            return format_html("{}", "-")
        reset_url = reverse(f"admin:{RESET_URL_NAME}", args=[user.pk])
        return format_html('{}<a class="button" href="{}">Reset second factors</a>', factors_html(user), reset_url)

    def get_urls(self) -> list[URLPattern]:
        reset = path(
            "<path:object_id>/reset-second-factors/",
            self.admin_site.admin_view(self.reset_second_factors_view),
            name=RESET_URL_NAME,
        )
        return [reset, *super().get_urls()]  # type: ignore[misc]

    def reset_second_factors_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET: what would be removed, and a confirm button; POST: remove it (the operator is the audit's actor)."""
        user = get_object_or_404(User, pk=uuid_or_404(object_id))  # a malformed id is a 404, as Django's admin pages
        if not self.has_change_permission(request, user):  # type: ignore[attr-defined]
            raise PermissionDenied
        change_url = reverse("admin:accounts_user_change", args=[user.pk])
        if request.method == "POST":
            mfa_reset(user=user, actor=request_operator(request))
            self.message_user(request, _reset_message(1), messages.SUCCESS)  # type: ignore[attr-defined]
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": User._meta,
            "title": "Reset second factors",
            "subject": user,
            "second_factors": factors_html(user),
            "change_url": change_url,
        }
        return TemplateResponse(request, "mfa/admin_reset_second_factors.html", context)

    @admin.action(description="Reset second factors of the selected users", permissions=["change"])
    def reset_second_factors(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        if self.operators_refused(request, queryset):  # type: ignore[attr-defined]  # the user admin's ranks
            return
        operator = request_operator(request)
        count = sum(mfa_reset(user=user, actor=operator) for user in queryset)
        self.message_user(request, _reset_message(count), messages.SUCCESS)  # type: ignore[attr-defined]
