"""backend.common.db: which transaction each backend gets (the ping behind /readyz: test_health.py)."""

from types import SimpleNamespace

import pytest
from django.db import transaction

from backend.common.db import atomic, atomic_for


def _mongodb_connection(*, in_atomic_block: bool = False) -> SimpleNamespace:
    # atomic_for() only reads these attributes; neither atomic() implementation touches the connection until entered.
    return SimpleNamespace(vendor="mongodb", alias="default", in_atomic_block=in_atomic_block)


def test_mongodb_inside_a_django_atomic_block_runs_without_a_transaction():
    chosen = atomic_for(_mongodb_connection(in_atomic_block=True))

    assert type(chosen) is transaction.Atomic


def test_mongodb_without_transactions_asked_gets_djangos_no_op_atomic():
    chosen = atomic_for(_mongodb_connection(), mongodb_transaction=False)

    assert type(chosen) is transaction.Atomic


def test_mongodb_gets_the_backends_multi_document_transaction():
    from django_mongodb_backend.transaction import Atomic as MongoAtomic

    chosen = atomic_for(_mongodb_connection())

    assert type(chosen) is MongoAtomic
    assert chosen.using == "default"


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
@pytest.mark.parametrize("mongodb_transaction", [True, False])
def test_sql_backends_get_djangos_atomic_whatever_is_asked(vendor, mongodb_transaction):
    chosen = atomic_for(SimpleNamespace(vendor=vendor, alias="default"), mongodb_transaction=mongodb_transaction)

    assert type(chosen) is transaction.Atomic
    assert chosen.using == "default"


@pytest.mark.django_db(transaction=True)
def test_atomic_rolls_back_every_write_of_a_failed_block_and_skips_its_on_commit_callbacks(user):
    # On MongoDB this is the backend's transaction: the CI job runs it against a replica set.
    called: list[str] = []

    def write_then_fail() -> None:
        with atomic():
            user.name = "changed"
            user.save(update_fields=["name"])
            transaction.on_commit(lambda: called.append("on_commit"))
            raise RuntimeError("fail after the write")

    with pytest.raises(RuntimeError, match="fail after the write"):
        write_then_fail()

    user.refresh_from_db()
    assert user.name != "changed"
    assert called == []
