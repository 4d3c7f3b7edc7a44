"""/api/auth/oidc/ endpoints: sign-in with OpenID Connect providers (docs/sso.md)."""

from backend.common.urls import api_path

from . import apis

urlpatterns = [
    api_path("auth/oidc/providers/", apis.ProvidersApi.as_view(), name="auth-oidc-providers"),
    api_path("auth/oidc/callback/", apis.CallbackApi.as_view(), name="auth-oidc-callback"),
    api_path("auth/oidc/identities/", apis.IdentitiesApi.as_view(), name="auth-oidc-identities"),
    api_path(
        "auth/oidc/identities/(?P<identity_id>[^/]+)/",
        apis.IdentityDetailApi.as_view(),
        name="auth-oidc-identity-detail",
    ),
    api_path("auth/oidc/(?P<provider>[^/]+)/start/", apis.StartApi.as_view(), name="auth-oidc-start"),
]
