"""Django's SQLite backend whose case-insensitive lookups fold every letter, not only ASCII ones.

``ENGINE: backend.common.sqlite3`` (config/settings/base.py sets it for every SQLite URL: the local default).
SQLite's ``LIKE`` ignores the case of ASCII letters only, so a task search for "élan" missed "Élan" here while
PostgreSQL found it. Here ``iexact``, ``icontains``, ``istartswith`` and ``iendswith`` compare both sides through
Python's ``str.casefold()`` (Unicode's caseless matching), registered as a function on every new connection, in the
shape of Django's PostgreSQL backend, which compares ``UPPER()`` of both sides: the column through
``lookup_cast``, the value through the operator. Everything else is Django's ``django.db.backends.sqlite3``.

Casefolding is not PostgreSQL's letter-by-letter ``UPPER()``: here "ß" matches "ss" (so an address change to
``a@strasse.de`` finds ``a@straße.de`` taken, which mail delivery treats as the same domain), and PostgreSQL matches
a few pairs this does not (the dotless i, U+0131, with "I"). The ASCII letters, and nearly every other, fold alike.

Only lookups: ``Lower()`` (the title ordering, the unique index on an address) stays SQLite's ASCII ``lower()``,
because an index or constraint built on a function of our own could not be written by any other SQLite client.
"""

from typing import Any

from django.db.backends.sqlite3 import base as django_sqlite3
from django.db.backends.sqlite3.operations import DatabaseOperations as DjangoSQLiteOperations

CASEFOLD = "sad_casefold"
CASE_INSENSITIVE_LOOKUPS = ("iexact", "icontains", "istartswith", "iendswith")


def casefold(value: Any) -> Any:
    """The function SQLite calls: text casefolded; anything else (NULL, a number) as it is, as UPPER() leaves it."""
    return value.casefold() if isinstance(value, str) else value


class DatabaseOperations(DjangoSQLiteOperations):
    def lookup_cast(self, lookup_type: str, internal_type: str | None = None) -> str:
        if lookup_type in CASE_INSENSITIVE_LOOKUPS:
            return f"{CASEFOLD}(%s)"
        return super().lookup_cast(lookup_type, internal_type)


class DatabaseWrapper(django_sqlite3.DatabaseWrapper):
    ops_class = DatabaseOperations
    operators = {
        **django_sqlite3.DatabaseWrapper.operators,
        **dict.fromkeys(CASE_INSENSITIVE_LOOKUPS, f"LIKE {CASEFOLD}(%s) ESCAPE '\\'"),
    }
    # When the value is an expression (another column, say), not a parameter: Django's own patterns with UPPER()
    # replaced by the same function.
    pattern_ops = {
        **django_sqlite3.DatabaseWrapper.pattern_ops,
        "icontains": rf"LIKE '%%' || {CASEFOLD}({{}}) || '%%' ESCAPE '\'",
        "istartswith": rf"LIKE {CASEFOLD}({{}}) || '%%' ESCAPE '\'",
        "iendswith": rf"LIKE '%%' || {CASEFOLD}({{}}) ESCAPE '\'",
    }

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        connection.create_function(CASEFOLD, 1, casefold, deterministic=True)
        return connection
