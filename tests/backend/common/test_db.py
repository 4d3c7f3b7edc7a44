"""backend.common.db: which transaction each backend gets, and the database ping behind /readyz."""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection, transaction

from backend.common.db import atomic, atomic_for, is_mongodb

ROOT = Path(__file__).resolve().parents[3]


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
    assert is_mongodb() is (connection.vendor == "mongodb")


def test_readyz_on_mongodb_is_503_naming_the_database_when_nothing_answers():
    # A separate process configured for MongoDB on a loopback port where nothing listens: the ping fails fast.
    code = (
        "import django, json; django.setup();"
        "from django.test import Client; r = Client().get('/readyz', HTTP_HOST='localhost');"
        "print(r.status_code, json.dumps(r.json(), sort_keys=True))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PYTEST_XDIST_WORKER"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL="mongodb://127.0.0.1:9/none",
        MONGODB_SERVER_SELECTION_TIMEOUT_MS="300",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    )
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {
        "status": "unavailable",
        "checks": {"database": "failed", "cache": "ok"},
        "failed": ["database"],
    }
