"""The built SPA at / and its deep links; the API, admin and static paths keep their own answers."""

import pytest
from django.test import Client

INDEX = b'<!doctype html><html><head><script type="module" src="/assets/index-AbC123xy.js"></script></head></html>'


@pytest.fixture
def built_spa(settings, tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_bytes(INDEX)
    (tmp_path / "assets" / "index-AbC123xy.js").write_text("console.log('app')")
    settings.SPA_DIST_DIR = str(tmp_path)
    return tmp_path


def test_unbuilt_spa_is_a_503_saying_how_to_build_it(settings, tmp_path, client):
    settings.SPA_DIST_DIR = str(tmp_path / "missing")
    response = client.get("/")
    assert response.status_code == 503
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert b"make run" in response.content
    assert b"npm run build" in response.content


@pytest.mark.parametrize("path", ["/api/nope/", "/api/tasks/x/y/z/", "/api"])
def test_unknown_api_paths_stay_json_404(built_spa, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize("path", ["/assets/missing-abc12345.js", "/static/nope.css", "/robots.txt"])
def test_missing_files_are_404_not_the_app(built_spa, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert INDEX not in response.content


@pytest.mark.parametrize(
    "path", ["/", "/tasks", "/tasks?status=done&page=2", "/account", "/reset-password?uid=a&token=b"]
)
def test_root_and_deep_links_serve_index_html_uncached(built_spa, client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.content == INDEX
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"


def test_index_is_get_or_head_only(built_spa, client):
    assert client.head("/tasks").status_code == 200
    assert client.post("/tasks").status_code == 405


def test_hashed_assets_are_served_immutable(built_spa):
    client = Client()  # a new handler, so the middleware sees this build directory
    response = client.get("/assets/index-AbC123xy.js")
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert "immutable" in response["Cache-Control"]
    assert "max-age=315360000" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == b"console.log('app')"


def test_admin_is_still_the_admin(built_spa, client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"Django administration" in response.content
    assert client.get("/admin").status_code == 301
