"""Database helpers that behave the same on PostgreSQL, SQLite and MongoDB.

On MongoDB (django-mongodb-backend), ``django.db.transaction.atomic()`` is a no-op by design and
``select_for_update()`` is ignored; multi-document transactions come from the backend's own ``atomic()``, which
needs a replica set or a sharded cluster.
https://www.mongodb.com/docs/languages/python/django-mongodb/current/interact-data/transactions/
"""

from contextlib import AbstractContextManager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from .outage import is_database_outage

MONGODB_VENDOR = "mongodb"


def atomic(using: str | None = None, *, mongodb_transaction: bool = True) -> AbstractContextManager[Any]:
    """A transaction around a multi-step write, committed or rolled back as one, with ``transaction.on_commit``
    callbacks run after the commit.

    SQL: Django's ``transaction.atomic``. MongoDB: the backend's multi-document transaction, unless
    ``mongodb_transaction=False`` or a Django ``atomic`` block (e.g. the admin's, a no-op on MongoDB) is already
    open; then the block runs without one and on_commit callbacks run at once. Use ``mongodb_transaction=False``
    for blocks whose correctness rests on single-document compare-and-set writes: inside a MongoDB transaction a
    lost race fails as a write conflict instead of matching nothing.
    """
    return atomic_for(connections[using or DEFAULT_DB_ALIAS], mongodb_transaction=mongodb_transaction)


def atomic_for(connection: BaseDatabaseWrapper, *, mongodb_transaction: bool = True) -> AbstractContextManager[Any]:
    """The context manager :func:`atomic` picks for ``connection`` (split out so the choice is testable)."""
    if connection.vendor != MONGODB_VENDOR:
        return transaction.atomic(using=connection.alias)
    if not mongodb_transaction or connection.in_atomic_block:
        # The backend's commit runs on_commit callbacks and Django forbids that inside its own atomic block.
        return transaction.atomic(using=connection.alias)
    from django_mongodb_backend import transaction as mongodb_transaction_module  # only ever on MongoDB

    return mongodb_transaction_module.atomic(using=connection.alias)


def database_ping(using: str = DEFAULT_DB_ALIAS) -> None:
    """One round trip to the database server; raises if it does not answer."""
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor == MONGODB_VENDOR:
        # The backend keeps one MongoClient per process and implements no is_usable(): ask the server.
        connection.connection.admin.command("ping")
    elif not connection.is_usable():
        raise ConnectionError("database connection is not usable")


def retry_broken_read(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """An execute wrapper (PostgreSQL): a read that fails because its connection is broken runs once more on a
    fresh connection.

    Only a single SELECT outside any transaction: it changes nothing and no transaction state is lost, so running
    it again is safe whether or not the server saw the first attempt. Writes and statements inside ``atomic()``
    are never retried; their failure reaches the client as a 503. The pool checks each connection before handing
    it out (``CONN_HEALTH_CHECKS``), so this covers a connection that broke after that check.
    """
    try:
        return execute(sql, params, many, context)
    except DatabaseError as exc:
        connection = context["connection"]
        cursor = context["cursor"]
        retryable = (
            not many
            and not connection.in_atomic_block
            and sql.lstrip().upper().startswith("SELECT")
            and getattr(cursor.cursor, "name", None) is None  # not a server-side cursor (iterator())
            and is_database_outage(exc)
        )
        if not retryable:
            raise
        connection.close()  # the pool discards the broken connection
        connection.ensure_connection()  # a checked one, or the outage's own error (raised from this one)
        cursor.cursor = connection.create_cursor()
        return execute(sql, params, many, context)


def install_read_retry(sender: Any, *, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created receiver: PostgreSQL connections retry broken reads once (``retry_broken_read``).

    Inserted first (outermost), like the query counter, so a caller's ``connection.execute_wrapper()`` (which pops
    the last wrapper) still removes its own."""
    if connection.vendor == "postgresql" and retry_broken_read not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, retry_broken_read)
