from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "backend.observability"
    label = "observability"
    verbose_name = "Observability"

    def ready(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        from backend.common.signals import cache_lookup, database_request_refused, rate_limit_rejected

        from . import checks, metrics  # noqa: F401 (checks registers itself)

        rate_limit_rejected.connect(metrics.on_rate_limit_rejected, dispatch_uid="metrics.rate_limit")
        cache_lookup.connect(metrics.on_cache_lookup, dispatch_uid="metrics.cache_lookup")
        database_request_refused.connect(
            metrics.on_database_request_refused, dispatch_uid="metrics.database_request_refused"
        )
        connection_created.connect(metrics.on_connection_created, dispatch_uid="metrics.db_queries")
        # Connections opened before this ran (e.g. by an earlier app's ready()) count too.
        for connection in connections.all(initialized_only=True):
            metrics.on_connection_created(sender=None, connection=connection)
