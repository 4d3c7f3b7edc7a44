from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "backend.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import checks, schema  # noqa: F401  register the startup checks and the OpenAPI auth extension
        from .models import User
        from .receivers import user_deleted, user_saved

        post_save.connect(user_saved, sender=User, dispatch_uid="accounts.user_saved")
        post_delete.connect(user_deleted, sender=User, dispatch_uid="accounts.user_deleted")
