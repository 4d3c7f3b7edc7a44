"""The bench's clients refresh their 5-minute access tokens as the SPA does (bench/tokens.py)."""

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from bench.tokens import REFRESH_PATH, Clients, Credentials, token_expiry, token_lifetime


def _jwt(**claims: float) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(claims)}.signature"


def test_expiry_and_lifetime_are_read_from_the_claims():
    token = _jwt(iat=1000, exp=1300)
    assert token_expiry(token) == 1300
    assert token_lifetime(token) == 300


def test_only_tokens_expiring_within_the_window_are_due():
    clients = Clients(
        {"soon": Credentials(_jwt(iat=0, exp=1050), "r1"), "later": Credentials(_jwt(iat=0, exp=1300), "r2")}
    )
    assert clients.due(within=100, now=1000) == ["soon"]
    assert clients.due(within=400, now=1000) == ["soon", "later"]


@pytest.fixture
def server() -> Iterator[tuple[str, list[dict]]]:
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append({"path": self.path, "body": body, "proto": self.headers.get("X-Forwarded-Proto")})
            payload = json.dumps({"access": _jwt(iat=0, exp=2000), "user": {}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Set-Cookie", "__Host-sad_refresh=rotated; Path=/api/auth/; Secure; HttpOnly")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    httpd.shutdown()


def test_a_refresh_posts_the_refresh_token_and_keeps_the_rotated_one(server):
    url, seen = server
    clients = Clients({"writer": Credentials(_jwt(iat=0, exp=10), "first")}, headers={"X-Forwarded-Proto": "https"})

    clients.refresh_due(url, within=60)

    assert seen == [{"path": REFRESH_PATH, "body": {"refresh": "first"}, "proto": "https"}]
    assert clients.credentials["writer"].refresh == "rotated"
    assert token_expiry(clients.access_tokens()["writer"]) == 2000
    assert clients.refreshes == 1
