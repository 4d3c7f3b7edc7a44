"""Operators read the audit trail; nobody edits it."""

import pytest
from django.db import connection
from django.urls import reverse

from backend.audit.models import AuditEvent
from backend.audit.services import audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_audit_admin_requires_staff(client, user):
    client.force_login(user)

    response = client.get(reverse("admin:audit_auditevent_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_rows_cannot_be_added_edited_or_deleted(admin_client, user):
    row = audit_record(event=AuditEvent.Event.LOGOUT, user_id=user.pk)

    assert admin_client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert admin_client.get(reverse("admin:audit_auditevent_delete", args=[row.pk])).status_code == 403
    edit = admin_client.post(reverse("admin:audit_auditevent_change", args=[row.pk]), {"event": "register"})
    assert edit.status_code == 403
    assert AuditEvent.objects.get().event == "logout"


def test_the_detail_page_renders_read_only(admin_client, user):
    row = audit_record(event=AuditEvent.Event.LOGIN_FAILED, user_id=user.pk, email="typed@example.com")

    response = admin_client.get(reverse("admin:audit_auditevent_change", args=[row.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "typed@example.com" in content
    assert 'name="email"' not in content  # text, not an input
    assert 'name="_save"' not in content


def test_the_list_filters_by_event_and_by_user(admin_client):
    alice, bob = UserFactory(email="alice@example.com"), UserFactory(email="bob@example.com")
    audit_record(event=AuditEvent.Event.LOGIN_FAILED, user_id=alice.pk)
    audit_record(event=AuditEvent.Event.LOGOUT, user_id=alice.pk)
    audit_record(event=AuditEvent.Event.LOGIN_FAILED, user_id=bob.pk)
    url = reverse("admin:audit_auditevent_changelist")

    everything = admin_client.get(url)
    by_event = admin_client.get(url, {"event__exact": "login_failed"})
    by_user = admin_client.get(url, {"user__exact": str(alice.pk)})
    by_both = admin_client.get(url, {"event__exact": "login_failed", "user__exact": str(alice.pk)})

    assert everything.status_code == 200
    assert "Sign-in failed" in everything.content.decode()  # the event filter's choices
    assert len(everything.context["cl"].result_list) == 3
    assert {r.user_id for r in by_event.context["cl"].result_list} == {alice.pk, bob.pk}
    assert [r.event for r in by_user.context["cl"].result_list] == ["logout", "login_failed"]
    assert [(r.event, r.user_id) for r in by_both.context["cl"].result_list] == [("login_failed", alice.pk)]


def test_the_list_offers_no_filter_listing_every_user(admin_client, user):
    audit_record(event=AuditEvent.Event.LOGOUT, user_id=user.pk)

    response = admin_client.get(reverse("admin:audit_auditevent_changelist"))

    assert response.status_code == 200
    assert [type(f).__name__ for f in response.context["cl"].filter_specs] == [
        "ChoicesFieldListFilter",
        "DateFieldListFilter",
    ]
    assert response.context["cl"].date_hierarchy is None


def test_a_users_admin_page_links_to_their_audit_events(admin_client, user):
    audit_record(event=AuditEvent.Event.LOGOUT, user_id=user.pk)
    audit_record(event=AuditEvent.Event.LOGOUT, user_id=UserFactory().pk)
    link = f"{reverse('admin:audit_auditevent_changelist')}?user__exact={user.pk}"

    page = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    events = admin_client.get(link)

    assert page.status_code == 200
    assert f'href="{link}"' in page.content.decode()
    assert [row.user_id for row in events.context["cl"].result_list] == [user.pk]


@pytest.mark.parametrize("query", ["ip_address=zz", "ip_address__in=1.2.3.4,zz"])
def test_a_malformed_ip_address_filter_sends_the_list_back_to_its_error_page_instead_of_failing(
    admin_client, user, query
):
    # Given a recorded event, from another address than the filter names
    AuditEvent.objects.create(event=AuditEvent.Event.LOGOUT, user=user, ip_address="10.0.0.1")
    url = reverse("admin:audit_auditevent_changelist")

    # When an operator's URL filters on an IP address that is none
    response = admin_client.get(f"{url}?{query}")

    # Then the admin answers as for any other unusable lookup: back to the list, flagged ?e=1 (PostgreSQL's inet
    # column refuses the value; SQLite keeps addresses as text, where it is merely a value no row has)
    if connection.vendor == "postgresql":
        assert (response.status_code, response["Location"]) == (302, f"{url}?e=1")
    else:
        assert (response.status_code, list(response.context["cl"].result_list)) == (200, [])
