"""Which collations a PostgreSQL server has: ICU's exist only on servers built with ICU (Debian's and the official
images are), and an expression that names a missing one fails every query it is in (backend.tasks.models)."""

from django.db.backends.base.base import BaseDatabaseWrapper

# Whether each alias's server has a collation, by (alias, name): asked once per process, not per query.
_collations_present: dict[tuple[str, str], bool] = {}


def collation_present(connection: BaseDatabaseWrapper, name: str) -> bool:
    """Whether the PostgreSQL server behind ``connection`` has the collation ``name`` (in pg_catalog, usable with the
    database's encoding). PostgreSQL only: callers ask from their ``as_postgresql``."""
    key = (connection.alias, name)
    if key not in _collations_present:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_collation WHERE collname = %s"
                " AND collnamespace = 'pg_catalog'::regnamespace"
                " AND collencoding IN (-1, pg_char_to_encoding(getdatabaseencoding())))",
                [name],
            )
            _collations_present[key] = bool(cursor.fetchone()[0])
    return _collations_present[key]
