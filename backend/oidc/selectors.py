"""Reads of connected provider identities."""

from django.db.models import QuerySet
from django.http import Http404

from backend.accounts.models import User
from backend.common.ids import uuid_or_404

from .models import OidcIdentity


def identity_list(*, user: User) -> QuerySet[OidcIdentity]:
    """The account's identities, oldest first (those of providers no longer configured too)."""
    return OidcIdentity.objects.filter(user=user).order_by("created_at", "pk")


def identity_get_for_user(*, user: User, identity_id: str) -> OidcIdentity:
    """The user's own identity; anyone else's, or a malformed id, is a 404 (as if it did not exist)."""
    identity = OidcIdentity.objects.select_related("user").filter(user=user, id=uuid_or_404(identity_id)).first()
    if identity is None:
        raise Http404
    return identity


def identity_export_list(*, user: User) -> list[OidcIdentity]:
    """For the data export: a handful of rows, read whole."""
    return list(identity_list(user=user))


def identity_provider_names(*, user: User) -> tuple[str, ...]:
    """The names of the providers connected to the account, each once, oldest connection first."""
    from .config import provider_name

    providers = identity_list(user=user).values_list("provider", flat=True)
    return tuple(dict.fromkeys(provider_name(provider) for provider in providers))
