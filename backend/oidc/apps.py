from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "backend.oidc"
    label = "oidc"
    verbose_name = "Sign-in with OpenID Connect providers"
