from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "backend.common"
    label = "common"

    def ready(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        from . import checks  # noqa: F401  (registers the system checks)
        from .db import install_read_retry
        from .outage import database_outage

        # A connection made ends a database outage (one log line); PostgreSQL reads on a broken one retry once.
        connection_created.connect(database_outage.answered, weak=False, dispatch_uid="common.database_outage")
        connection_created.connect(install_read_retry, dispatch_uid="common.read_retry")
        for connection in connections.all(initialized_only=True):  # opened before this ran
            install_read_retry(sender=None, connection=connection)
