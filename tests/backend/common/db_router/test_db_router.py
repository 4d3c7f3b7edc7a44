"""The read-replica router's decisions and the lifecycle of a request's pin (backend/common/db_router.py).

These run in the ordinary legs with no replica server: they check where the router *would* send each
query. tests/replicas/ sends real queries to a real streaming replica.
"""

import logging
import threading

import pytest
from django.db import connections, transaction
from django.urls import reverse

from backend.accounts.authentication import SessionJWTAuthentication
from backend.accounts.models import User
from backend.common.db_router import (
    PRIMARY_PATH_PREFIXES,
    ReplicaRouter,
    replica_note_write,
    replica_pin_if_recent_writer,
    routing_current,
)
from backend.tasks.models import Task
from tests.backend.common.db_router.conftest import DOWN, REPLICA_DB, REPLICAS, during_request

pytestmark = REPLICA_DB


# ------------------------------------------------------------------------------
# Where reads and writes go
# ------------------------------------------------------------------------------
def test_reads_outside_a_request_go_to_the_primary(router):
    # Management commands, migrations, background jobs and the shell have no routing state.
    assert routing_current() is None
    assert router.db_for_read(Task) == "default"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_read_of_a_writing_method_goes_to_the_primary(router, method):
    assert during_request(lambda _: router.db_for_read(Task), method=method) == "default"


@pytest.mark.parametrize("path", ["/api/auth/me/", "/api/auth/sessions/", "/admin/tasks/task/"])
def test_auth_endpoints_and_the_admin_read_from_the_primary_even_on_get(router, path):
    assert during_request(lambda _: router.db_for_read(Task), path=path) == "default"


def test_the_primary_path_prefixes_match_the_real_auth_and_admin_urls():
    assert reverse("auth-me").startswith(PRIMARY_PATH_PREFIXES[0])
    assert reverse("auth-sessions").startswith(PRIMARY_PATH_PREFIXES[0])
    assert reverse("admin:index").startswith(PRIMARY_PATH_PREFIXES[1])


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_requests_read_from_one_replica_for_the_whole_request(router, method):
    reads = during_request(lambda _: [router.db_for_read(Task) for _ in range(20)], method=method)
    assert reads[0] in REPLICAS
    assert set(reads) == {reads[0]}


def test_requests_spread_over_the_replicas(router):
    chosen = {during_request(lambda _: router.db_for_read(Task)) for _ in range(200)}
    assert chosen == set(REPLICAS)


def test_after_a_write_the_rest_of_the_request_reads_from_the_primary(router):
    def view(_):
        before = router.db_for_read(Task)
        written = router.db_for_write(Task)
        return before, written, router.db_for_read(Task), routing_current().pinned_by

    before, written, after, reason = during_request(view)
    assert (before in REPLICAS, written, after, reason) == (True, "default", "default", "write")


def test_reads_inside_a_transaction_go_to_the_primary(router):
    # transaction=True (pytestmark): no test-wide transaction, so the first read is really outside one.
    def view(_):
        outside = router.db_for_read(Task)
        with transaction.atomic():
            return outside, router.db_for_read(Task)

    outside, inside = during_request(view)
    assert (outside in REPLICAS, inside) == (True, "default")


def test_a_replica_that_refuses_connections_sends_the_reads_to_the_primary_with_a_warning(caplog):
    router = ReplicaRouter(replicas=[DOWN])

    def view(_):
        return router.db_for_read(Task), routing_current().pinned_by

    with caplog.at_level(logging.WARNING, logger="backend.common.db_router"):
        assert during_request(view) == ("default", "replicas_unavailable")
    assert [record.getMessage().split(" (")[0] for record in caplog.records] == ["Read replica replica_down"]
    assert "remove it from DATABASE_REPLICA_URLS" in caplog.records[0].getMessage()


def test_a_replica_that_refused_is_skipped_for_a_while_and_the_others_take_its_reads(caplog):
    router = ReplicaRouter(replicas=[DOWN, "replica_0"])

    with caplog.at_level(logging.WARNING, logger="backend.common.db_router"):
        chosen = {during_request(lambda _: router.db_for_read(Task)) for _ in range(40)}
    assert chosen == {"replica_0"}
    assert len(caplog.records) <= 1  # tried at most once in the window, not once per request


def test_a_replica_is_tried_again_after_the_retry_window(monkeypatch, caplog):
    from backend.common import db_router

    monkeypatch.setattr(db_router, "REPLICA_RETRY_SECONDS", 0.0)  # the window is over at once
    router = ReplicaRouter(replicas=[DOWN])
    with caplog.at_level(logging.WARNING, logger="backend.common.db_router"):
        during_request(lambda _: router.db_for_read(Task))
        during_request(lambda _: router.db_for_read(Task))
    assert len(caplog.records) == 2


def test_without_replicas_every_read_goes_to_the_primary():
    assert during_request(lambda _: ReplicaRouter(replicas=[]).db_for_read(Task)) == "default"


def test_migrations_run_on_the_primary_only(router):
    assert router.allow_migrate("default", "tasks", "task") is True
    assert [router.allow_migrate(alias, "tasks", "task") for alias in REPLICAS] == [False, False]


def test_objects_read_from_a_replica_may_relate_to_objects_of_the_primary(router):
    task, user, stranger = Task(), User(), User()
    task._state.db, user._state.db, stranger._state.db = "replica_1", "default", "analytics"
    assert router.allow_relation(task, user) is True
    assert router.allow_relation(task, stranger) is None  # not ours to decide


# ------------------------------------------------------------------------------
# The pin's lifecycle: per request, per thread
# ------------------------------------------------------------------------------
def test_the_routing_state_is_gone_after_the_request_even_when_the_view_raises(router):
    def failing(_):
        router.db_for_write(Task)
        raise RuntimeError("view failed")

    with pytest.raises(RuntimeError):
        during_request(failing)
    assert routing_current() is None
    assert router.db_for_read(Task) == "default"  # outside a request again


def test_a_pin_does_not_leak_into_the_next_request_on_the_same_thread(router):
    during_request(lambda _: router.db_for_write(Task))
    assert during_request(lambda _: router.db_for_read(Task)) in REPLICAS


def test_a_pin_in_one_thread_does_not_move_another_threads_reads(router):
    both_in_request = threading.Barrier(2, timeout=10)
    pinned_has_written = threading.Event()
    reads: dict[str, str] = {}

    def writer(_):
        both_in_request.wait()
        router.db_for_write(Task)
        pinned_has_written.set()
        reads["writer"] = router.db_for_read(Task)

    def reader(_):
        both_in_request.wait()
        pinned_has_written.wait(timeout=10)
        reads["reader"] = router.db_for_read(Task)

    def serve(view):
        try:
            during_request(view)
        finally:
            connections.close_all()  # this thread's own connections

    threads = [threading.Thread(target=serve, args=(view,)) for view in (writer, reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert reads["writer"] == "default"
    assert reads["reader"] in REPLICAS


# ------------------------------------------------------------------------------
# Recent writers: the per-user marker in the shared cache
# ------------------------------------------------------------------------------
def _pinned_by_after_check(user_id) -> str | None:
    def view(_):
        replica_pin_if_recent_writer(user_id)
        return routing_current().pinned_by

    return during_request(view)


def test_a_user_whose_data_just_changed_reads_from_the_primary(replicas_on, user, other_user):
    replica_note_write(user.pk)
    assert _pinned_by_after_check(user.pk) == "recent_write"
    assert _pinned_by_after_check(str(user.pk)) == "recent_write"  # the token's claim is a string
    assert _pinned_by_after_check(other_user.pk) is None


def test_no_marker_is_left_without_replicas_or_with_a_zero_window(settings, user):
    settings.DATABASE_REPLICA_ALIASES = []
    replica_note_write(user.pk)
    settings.DATABASE_REPLICA_ALIASES = REPLICAS
    assert _pinned_by_after_check(user.pk) is None

    settings.DATABASE_REPLICA_PIN_SECONDS = 0
    replica_note_write(user.pk)
    settings.DATABASE_REPLICA_PIN_SECONDS = 5
    assert _pinned_by_after_check(user.pk) is None


def test_a_request_that_wrote_marks_its_signed_in_user(replicas_on, router, user):
    during_request(lambda _: router.db_for_write(Task), user=user)
    assert _pinned_by_after_check(user.pk) == "recent_write"


def test_a_request_that_only_read_leaves_no_marker(replicas_on, router, user):
    during_request(lambda _: router.db_for_read(Task), user=user)
    assert _pinned_by_after_check(user.pk) is None


def test_when_redis_cannot_answer_the_request_stays_on_the_primary(replicas_on, throwaway_redis, user):
    throwaway_redis.stop()
    assert _pinned_by_after_check(user.pk) == "cache_unavailable"


def test_a_task_write_marks_its_owner(replicas_on, user, django_capture_on_commit_callbacks):
    from backend.tasks.services import task_create

    with django_capture_on_commit_callbacks(execute=True):
        task_create(owner=user, title="fresh")
    assert _pinned_by_after_check(user.pk) == "recent_write"


def test_signing_in_marks_the_user_so_the_new_tokens_find_their_rows(
    replicas_on, user, django_capture_on_commit_callbacks
):
    from backend.accounts.services import session_start

    with django_capture_on_commit_callbacks(execute=True):
        session_start(user=user)
    assert _pinned_by_after_check(user.pk) == "recent_write"


class RecordingRouter(ReplicaRouter):
    """Records where ReplicaRouter would send each read, and sends it to the one database the leg has."""

    decisions: list[tuple[str, str]] = []

    def db_for_read(self, model, **hints):
        RecordingRouter.decisions.append((model.__name__, super().db_for_read(model, **hints)))
        return "default"


def test_authentication_pins_a_recent_writer_before_reading_their_user_row(settings, user):
    from tests.conftest import signed_in_client

    _, issued = signed_in_client(user)  # before replicas are "on": signing in leaves no marker
    settings.DATABASE_REPLICA_ALIASES = REPLICAS
    settings.DATABASE_ROUTERS = [f"{__name__}.RecordingRouter"]

    def authenticate(request):
        RecordingRouter.decisions = []
        request.META["HTTP_AUTHORIZATION"] = f"Bearer {issued.tokens.access}"
        authenticated, _ = SessionJWTAuthentication().authenticate(request)
        assert authenticated == user
        return RecordingRouter.decisions

    # The session row is read with an explicit primary alias (never routed); the user row is routed.
    first = during_request(authenticate)
    assert [model for model, _ in first] == ["User"]
    assert first[0][1] in REPLICAS
    replica_note_write(user.pk)
    assert during_request(authenticate) == [("User", "default")]
