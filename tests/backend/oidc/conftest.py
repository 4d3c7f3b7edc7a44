"""A real OpenID provider per test (tests/support/oidc_provider.py), configured as the app's only provider."""

import pytest

from tests.support.oidc_provider import OidcProvider


@pytest.fixture
def idp(settings):
    with OidcProvider() as provider:
        settings.OIDC_PROVIDERS = [provider.provider_config()]
        yield provider
