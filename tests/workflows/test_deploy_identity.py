"""How the deploy reaches the clusters and which refs may reach production, run as GitHub would run them.

The exec credential plugin (.github/actions/deploy-overlay/github-oidc-token.sh) is run against a local stand-in for
GitHub's OIDC token endpoint; the production job's gate step is run with the refs GitHub would give it.
"""

import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.workflows.github import ROOT, workflow

PLUGIN = ROOT / ".github" / "actions" / "deploy-overlay" / "github-oidc-token.sh"
BASH = shutil.which("bash") or "/bin/bash"


class _TokenEndpoint(BaseHTTPRequestHandler):
    requests: list[tuple[str, dict, str]] = []

    def do_GET(self):
        url = urlsplit(self.path)
        self.requests.append((url.path, parse_qs(url.query), self.headers.get("Authorization", "")))
        body = json.dumps({"value": "eyJ.fresh-oidc-token"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def token_endpoint():
    _TokenEndpoint.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/token?api-version=2.0"
    finally:
        server.shutdown()


def _plugin(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PLUGIN)], env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True, timeout=30
    )


def test_the_plugin_hands_kubectl_a_fresh_token_for_the_clusters_audience(token_endpoint):
    result = _plugin(
        {
            "ACTIONS_ID_TOKEN_REQUEST_URL": token_endpoint,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-request-token",
            "OIDC_AUDIENCE": "https://k8s.example.com",
        }
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": {"token": "eyJ.fresh-oidc-token"},
    }
    [(path, query, authorization)] = _TokenEndpoint.requests
    assert path == "/token"
    assert query == {"api-version": ["2.0"], "audience": ["https://k8s.example.com"]}
    assert authorization == "Bearer runner-request-token"


def test_without_id_token_permission_the_plugin_says_what_is_missing():
    result = _plugin({"OIDC_AUDIENCE": "kubernetes"})

    assert result.returncode == 1
    assert "id-token: write" in result.stderr


def _gate(ref: str, ref_type: str, protected: str, image_tag: str) -> subprocess.CompletedProcess[str]:
    [step] = [
        s for s in workflow("deploy.yml")["jobs"]["production"]["steps"] if s.get("name", "").startswith("Production")
    ]
    env = {
        "PATH": os.environ["PATH"],
        "REF": ref,
        "REF_TYPE": ref_type,
        "REF_PROTECTED": protected,
        "IMAGE_TAG": image_tag,
    }
    return subprocess.run([BASH, "-e", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=30)


def test_production_deploys_a_protected_version_tag_with_its_own_images():
    assert _gate("refs/tags/v1.2.3", "tag", "true", "1.2.3").returncode == 0


@pytest.mark.parametrize(
    ("ref", "ref_type", "protected", "image_tag", "message"),
    [
        ("refs/heads/main", "branch", "true", "1.2.3", "only from a v* tag"),
        ("refs/tags/nightly", "tag", "true", "1.2.3", "only from a v* tag"),
        ("refs/tags/v1.2.3", "tag", "false", "1.2.3", "not a protected tag"),
        ("refs/tags/v1.2.3", "tag", "true", "sha-" + "a" * 40, "is not the version of refs/tags/v1.2.3"),
        ("refs/tags/v1.2.3", "tag", "true", "1.2.4", "is not the version of refs/tags/v1.2.3"),
    ],
)
def test_production_refuses_any_other_ref_or_image(ref, ref_type, protected, image_tag, message):
    result = _gate(ref, ref_type, protected, image_tag)

    assert result.returncode == 1
    assert message in result.stderr


def test_the_gate_runs_before_anything_touches_the_cluster():
    steps = workflow("deploy.yml")["jobs"]["production"]["steps"]

    assert steps[0]["name"].startswith("Production deploys only a protected v* tag")
    assert steps[0]["env"] == {
        "REF": "${{ github.ref }}",
        "REF_TYPE": "${{ github.ref_type }}",
        "REF_PROTECTED": "${{ github.ref_protected }}",
        "IMAGE_TAG": "${{ needs.images.outputs.tag }}",
    }


def test_the_credentials_step_builds_a_kubeconfig_with_no_secret_in_it():
    action = (ROOT / ".github" / "actions" / "deploy-overlay" / "action.yml").read_text()

    assert '--exec-command="$GITHUB_ACTION_PATH/github-oidc-token.sh"' in action
    assert "kubectl auth whoami" in action
    assert Path(PLUGIN).stat().st_mode & 0o111, "the plugin must be executable"
