"""An account's identities at OpenID Connect providers (docs/sso.md)."""

from django.conf import settings
from django.db import models

from backend.common.models import BaseModel


class OidcIdentity(BaseModel):
    """The account ``user`` signs in to as ``subject`` (the ID token's ``sub``, stable and never reassigned by the
    provider) at the provider configured as ``provider`` (OIDC_PROVIDERS' id). One account per identity: (provider,
    subject) is unique, which also settles two sign-ins creating an account for one identity at once. No token of
    the provider is kept: the sign-in needs none after it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities")
    provider = models.SlugField(max_length=32, db_index=False)  # the unique constraint indexes it first
    subject = models.CharField(max_length=255)
    # The provider's email claim at the last sign-in, shown to tell identities apart; not the account's address.
    email = models.CharField(max_length=254, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="oidc_identity_provider_subject_uniq")
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="oidc_identity_user_idx")]
        verbose_name = "sign-in provider identity"
        verbose_name_plural = "sign-in provider identities"

    def __str__(self) -> str:
        return f"{self.provider} identity"  # not the subject or the email
