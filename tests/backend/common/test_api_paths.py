"""Whether a request is the API's is read from its path_info, the path after the deployment's prefix (SCRIPT_NAME),
as the URLconf reads it: under a prefix, the 404 handler, the admin-only middleware, the response headers and the
admin sign-in audit all take ``/prefix/api/...`` (and ``/prefix/api``) for the API, and nothing else."""

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from backend.audit.models import AuditEvent
from backend.audit.receivers import on_user_login_failed
from backend.common.exceptions import handler404
from backend.common.headers import ResponseHeadersMiddleware
from backend.common.middleware import AdminSessionMiddleware

PREFIX = "/prefix"


def _request(path_info: str) -> HttpRequest:
    return RequestFactory().get(path_info, SCRIPT_NAME=PREFIX)


def _answered_as_api(path_info: str) -> tuple[bool, bool, bool, bool]:
    """What each of the four checks made of a request for ``path_info`` under PREFIX: the API's or not."""
    not_found = handler404(_request(path_info))
    json_404 = not_found["Content-Type"] == "application/json"

    request = _request(path_info)
    AdminSessionMiddleware(lambda request: HttpResponse())(request)
    no_admin_session = not hasattr(request, "session")

    headers = ResponseHeadersMiddleware(lambda request: HttpResponse())(_request(path_info))
    private = headers.get("Cache-Control") == "private, no-store"

    before = AuditEvent.objects.filter(event=AuditEvent.Event.LOGIN_FAILED).count()
    on_user_login_failed(sender=None, credentials={"username": "someone@example.com"}, request=_request(path_info))
    not_audited = AuditEvent.objects.filter(event=AuditEvent.Event.LOGIN_FAILED).count() == before

    return json_404, no_admin_session, private, not_audited


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path_info", "is_api"),
    [("/api/tasks/", True), ("/api", True), ("/admin/login/", False), ("/apiary/", False)],
)
def test_under_a_prefix_every_check_takes_the_path_after_it_for_the_api_or_not(path_info, is_api):
    # Given a deployment under /prefix, when a request for /prefix<path_info> reaches each check
    answers = _answered_as_api(path_info)

    # Then all four agree, with the URLconf: the API's exactly when path_info is /api or under /api/
    assert answers == (is_api, is_api, is_api, is_api)
