from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "backend.mfa"
    label = "mfa"
    verbose_name = "Multi-factor authentication"
