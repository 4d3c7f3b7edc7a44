"""What the app counts: requests, latency, queries, cache lookups, auth events, rate limits."""

import pytest
from django.db import DatabaseError, connection, transaction

from backend.common.signals import cache_lookup, rate_limit_rejected
from tests.backend.accounts.helpers import grace_window_passed, login
from tests.dbvendor import skip_on_mongodb

from .helpers import sample, scrape

# django-mongodb-backend runs no SQL cursors, so Django's execute_wrapper hook never fires there.
SQL_ONLY = skip_on_mongodb("DB query metrics come from connection.execute_wrapper, which SQL backends call")

pytestmark = pytest.mark.django_db


def test_requests_are_counted_and_timed_by_view_method_and_status(client):
    labels = {"view": "healthz", "method": "GET", "status": "200"}
    before_count = sample("http_requests_total", **labels)
    before_timed = sample("http_request_duration_seconds_count", **labels)
    before_inf = sample("http_request_duration_seconds_bucket", le="+Inf", **labels)
    before_405 = sample("http_requests_total", view="healthz", method="POST", status="405")

    for _ in range(3):
        client.get("/healthz")
    client.post("/healthz")  # 405

    assert sample("http_requests_total", **labels) - before_count == 3
    assert sample("http_request_duration_seconds_count", **labels) - before_timed == 3
    assert sample("http_request_duration_seconds_bucket", le="+Inf", **labels) - before_inf == 3
    assert sample("http_requests_total", view="healthz", method="POST", status="405") - before_405 == 1


def test_unknown_paths_and_methods_do_not_create_new_series(client):
    before = sample("http_requests_total", view="<unresolved>", method="OTHER", status="404")

    # A file-like path: any other unknown path is one of the SPA's deep links (the one `spa` view).
    client.generic("BREW", "/no/such/page/123.txt")

    assert sample("http_requests_total", view="<unresolved>", method="OTHER", status="404") - before == 1


@SQL_ONLY
def test_database_queries_are_counted_by_alias_and_vendor(user):
    labels = {"alias": "default", "vendor": connection.vendor}
    before = sample("db_queries_total", **labels)

    list(type(user).objects.all())
    list(type(user).objects.filter(pk=user.pk))

    assert sample("db_queries_total", **labels) - before == 2


@SQL_ONLY
def test_failed_database_queries_are_counted_as_errors(db):
    labels = {"alias": "default", "vendor": connection.vendor}
    before = sample("db_query_errors_total", **labels)

    with (
        pytest.raises(DatabaseError, match=r"(?i)no such table|does not exist"),
        transaction.atomic(),  # a savepoint, so PostgreSQL's test transaction stays usable
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT * FROM no_such_table_here")

    assert sample("db_query_errors_total", **labels) - before == 1


@SQL_ONLY
def test_a_callers_own_execute_wrapper_is_removed_cleanly(user):
    seen = []

    def spy(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        list(type(user).objects.all())

    assert len(seen) == 1
    assert spy not in connection.execute_wrappers
    # Only the app's own remain: the query counter, and on PostgreSQL the broken-read retry (backend/common/db.py).
    own = {"_count_query", "retry_broken_read"} if connection.vendor == "postgresql" else {"_count_query"}
    assert sorted(wrapper.__name__ for wrapper in connection.execute_wrappers) == sorted(own)


def test_rate_limit_rejections_are_counted_by_scope_from_the_signal(client):
    before = sample("rate_limit_rejections_total", scope="login_ip")

    rate_limit_rejected.send(sender=None, scope="login_ip")
    rate_limit_rejected.send(sender=None, scope="login_ip")

    assert sample("rate_limit_rejections_total", scope="login_ip") - before == 2
    body = client.get("/metrics").content.decode()
    assert scrape(body)[("rate_limit_rejections_total", (("scope", "login_ip"),))] == before + 2


def test_cache_hits_and_misses_are_counted_by_cache_from_the_signal(client):
    hit = {"cache": "tasks.list", "result": "hit"}
    miss = {"cache": "tasks.list", "result": "miss"}
    before_hit, before_miss = sample("cache_lookups_total", **hit), sample("cache_lookups_total", **miss)

    cache_lookup.send(sender=None, namespace="tasks.list", hit=True)
    cache_lookup.send(sender=None, namespace="tasks.list", hit=False)
    cache_lookup.send(sender=None, namespace="tasks.list", hit=False)

    assert sample("cache_lookups_total", **hit) - before_hit == 1
    assert sample("cache_lookups_total", **miss) - before_miss == 2
    values = scrape(client.get("/metrics").content.decode())
    assert values[("cache_lookups_total", (("cache", "tasks.list"), ("result", "miss")))] == before_miss + 2


@pytest.mark.django_db(transaction=True)
def test_login_outcomes_reuse_and_revocations_are_counted(user, api_client):
    succeeded = sample("auth_events_total", event="login_succeeded")
    failed = sample("auth_events_total", event="login_failed")
    reused = sample("auth_events_total", event="refresh_reused")
    revoked = sample("auth_sessions_revoked_total")

    assert login(api_client, user.email, "wrong-password").status_code == 401
    response = login(api_client, user.email)
    assert response.status_code == 200
    old_refresh = response.cookies["sad_refresh"].value
    assert api_client.post("/api/auth/refresh/", {}, format="json").status_code == 200
    grace_window_passed()
    replay = api_client.post("/api/auth/refresh/", {"refresh": old_refresh}, format="json")
    assert replay.status_code == 401

    assert sample("auth_events_total", event="login_failed") - failed == 1
    assert sample("auth_events_total", event="login_succeeded") - succeeded == 1
    assert sample("auth_events_total", event="refresh_reused") - reused == 1
    assert sample("auth_sessions_revoked_total") - revoked == 1


def test_every_auth_event_series_exists_before_it_first_happens(client):
    from backend.audit.models import AuditEvent

    values = scrape(client.get("/metrics").content.decode())

    for event in AuditEvent.Event.values:
        assert ("auth_events_total", (("event", event),)) in values


def test_no_metric_of_ours_defines_a_label_prometheus_or_kubernetes_sets(client):
    # These would be renamed exported_<name> on scrape, and every query using them would be wrong.
    reserved = {"namespace", "pod", "container", "job", "instance", "service", "endpoint", "node"}
    client.get("/healthz")
    cache_lookup.send(sender=None, namespace="tasks.list", hit=True)
    rate_limit_rejected.send(sender=None, scope="login_ip")

    values = scrape(client.get("/metrics").content.decode())

    used = {label for _, labels in values for label, _ in labels}
    assert {"view", "cache", "scope", "event"} <= used
    assert used & reserved == set()
