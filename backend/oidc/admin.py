"""The operators' view of connected provider identities: read-only, under each user (accounts/admin.py), as its
second factors are. Not an inline: an inline formset would make every save of the user form carry its management
form, and nothing here is for an operator to edit (an identity proves a sign-in at the provider; its owner
disconnects it from the account page)."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from backend.accounts.models import User
from backend.common.admin_display import time_or_never

from .config import provider_name
from .selectors import identity_list


class UserOidcIdentitiesAdminMixin:
    """For the User ModelAdmin: the ``sign_in_providers`` read-only field."""

    @admin.display(description="Sign-in providers")
    def sign_in_providers(self, user: User) -> SafeString:
        if user.pk is None:
            return format_html("{}", "-")
        identities = list(identity_list(user=user))
        if not identities:
            return format_html("{}", "none")
        rows = format_html_join(
            "",
            "<li>{} ({}): subject {}, email {}, connected {}, last used {}</li>",
            (
                (
                    provider_name(identity.provider),
                    identity.provider,
                    identity.subject,
                    identity.email or "-",
                    time_or_never(identity.created_at),
                    time_or_never(identity.last_used_at),
                )
                for identity in identities
            ),
        )
        return format_html("<ul>{}</ul>", rows)
