"""A body over the limit is a JSON 413, and the connection it came on still serves the client's next request.

gunicorn answers the 413 with Connection: keep-alive whatever the app does, and closes the connection after it when
more than 64 KiB of the body is left unread: the app reads and drops a refused body up to
BODY_DISCARD_BEYOND_LIMIT over the limit first (backend/common/headers.py).
"""

import http.client
import json

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from backend.common.headers import BODY_DISCARD_BEYOND_LIMIT, ResponseHeadersMiddleware
from tests.e2e.servers import served

LIMIT = 256 * 1024
REFUSED = {"detail": f"Request body too large; the limit is {LIMIT} bytes.", "code": "request_too_large"}


@pytest.fixture(scope="module")
def server_port(tmp_path_factory):
    with served(tmp_path_factory.mktemp("body-limit"), MAX_REQUEST_BODY_BYTES=str(LIMIT)) as url:
        yield int(url.rsplit(":", 1)[1])


def _json_array(size: int) -> bytes:
    return b"[" + b" " * (size - 2) + b"]"


def test_after_a_413_for_a_body_over_the_limit_the_same_connection_answers_the_next_request(server_port):
    connection = http.client.HTTPConnection("127.0.0.1", server_port, timeout=30)
    try:
        # Given a body 300 KB long, over the 256 KiB limit (and more than the 64 KiB gunicorn discards itself)
        connection.request(
            "POST", "/api/tasks/bulk/", body=_json_array(300_000), headers={"Content-Type": "application/json"}
        )
        refused = connection.getresponse()
        assert (refused.status, json.loads(refused.read())) == (413, REFUSED)
        assert refused.getheader("Connection") == "keep-alive"
        local_address = connection.sock.getsockname()

        # When the client sends its next request on the connection it was told is kept alive
        connection.request("GET", "/api/tasks/")
        answered = connection.getresponse()

        # Then it is answered there, not cut off (RemoteDisconnected or a broken pipe before the fix)
        assert (answered.status, json.loads(answered.read())["code"]) == (401, "not_authenticated")
        assert connection.sock.getsockname() == local_address  # the same connection, not a new one
    finally:
        connection.close()


def _not_reached(request: HttpRequest) -> HttpResponse:
    raise AssertionError("a refused body must not reach the view")


@pytest.mark.parametrize("over", [1, BODY_DISCARD_BEYOND_LIMIT])
def test_a_refused_body_up_to_the_discard_allowance_over_the_limit_is_read_to_its_end(settings, over):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    request = RequestFactory().post("/api/tasks/bulk/", data=_json_array(1024 + over), content_type="application/json")

    response = ResponseHeadersMiddleware(_not_reached)(request)

    assert response.status_code == 413
    assert request.META["wsgi.input"].read() == b""  # nothing left on the connection for the next request


def test_a_refused_body_further_over_the_limit_is_left_unread(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    size = 1024 + BODY_DISCARD_BEYOND_LIMIT + 1
    request = RequestFactory().post("/api/tasks/bulk/", data=_json_array(size), content_type="application/json")

    response = ResponseHeadersMiddleware(_not_reached)(request)

    assert response.status_code == 413
    assert len(request.META["wsgi.input"].read()) == size  # gunicorn closes the connection instead


# --- a body sent chunked, without a Content-Length ------------------------------------------------
LENGTH_REQUIRED = {
    "detail": "This request's body was sent without a Content-Length (Transfer-Encoding: chunked); "
    "send it with a Content-Length header.",
    "code": "length_required",
}


def _json(response: http.client.HTTPResponse) -> tuple[int, dict]:
    return response.status, json.loads(response.read())


def _signed_in(connection: http.client.HTTPConnection) -> dict[str, str]:
    """The headers of a new user's requests, registered on the live server."""
    body = json.dumps({"email": "chunked@example.com", "password": "a-Good-passphrase-42"})
    connection.request("POST", "/api/auth/register/", body=body, headers={"Content-Type": "application/json"})
    status, registered = _json(connection.getresponse())
    assert status == 201, registered
    return {"Authorization": f"Bearer {registered['access']}", "Content-Type": "application/json"}


def test_a_chunked_write_is_411_and_writes_nothing_and_the_connection_serves_the_next_request(server_port):
    connection = http.client.HTTPConnection("127.0.0.1", server_port, timeout=30)
    try:
        headers = _signed_in(connection)
        connection.request("POST", "/api/tasks/", body=json.dumps({"title": "before"}), headers=headers)
        status, task = _json(connection.getresponse())
        assert status == 201
        path = f"/api/tasks/{task['id']}/"

        # When a PATCH and a POST send their bodies chunked, without a Content-Length (gunicorn's environ then has
        # HTTP_TRANSFER_ENCODING and no CONTENT_LENGTH; Django's stream stops at a Content-Length of 0)
        body = json.dumps({"title": "after", "status": "done"}).encode()
        connection.request("PATCH", path, body=iter([body]), headers=headers, encode_chunked=True)
        patched = _json(connection.getresponse())
        connection.request("POST", "/api/tasks/", body=iter([b'{"title":', b'"chunked"}']), headers=headers,
                           encode_chunked=True)  # fmt: skip
        posted = _json(connection.getresponse())

        # Then both are 411 length_required (before: a 200 that wrote nothing, and a 400 "title is required"),
        # nothing was written, and the connection still serves the next request, which sends no body
        assert patched == (411, LENGTH_REQUIRED)
        assert posted == (411, LENGTH_REQUIRED)
        local_address = connection.sock.getsockname()
        connection.request("GET", "/api/tasks/", headers={"Authorization": headers["Authorization"]})
        status, listed = _json(connection.getresponse())
        assert status == 200
        assert [(t["title"], t["status"]) for t in listed["results"]] == [("before", "todo")]
        assert connection.sock.getsockname() == local_address
    finally:
        connection.close()


def _chunked(method: str, body: bytes) -> HttpRequest:
    """A request as gunicorn hands over one whose body came chunked: Transfer-Encoding, no CONTENT_LENGTH, and the
    de-chunked body in wsgi.input."""
    request = RequestFactory().generic(method, "/api/tasks/", data=body, content_type="application/json")
    del request.META["CONTENT_LENGTH"]
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    return request


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "GET"])
def test_a_chunked_body_is_refused_with_411_before_any_view_reads_it(method):
    request = _chunked(method, b'{"title": "x"}')

    response = ResponseHeadersMiddleware(_not_reached)(request)

    assert (response.status_code, json.loads(response.content)) == (411, LENGTH_REQUIRED)


def test_a_request_without_transfer_encoding_or_content_length_is_not_refused():
    request = RequestFactory().get("/api/tasks/")
    assert "CONTENT_LENGTH" not in request.META
    assert "HTTP_TRANSFER_ENCODING" not in request.META

    response = ResponseHeadersMiddleware(lambda request: HttpResponse("reached"))(request)

    assert (response.status_code, response.content) == (200, b"reached")
