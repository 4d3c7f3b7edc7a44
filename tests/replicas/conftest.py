"""Read replicas end to end (``make test-replicas``): a throwaway primary and streaming replica per module."""

from tests.support.pg_replication import pg_replication  # noqa: F401 - the fixture, for this directory's tests
