"""The image build cache: written by CI's image builds on pushes to main, read by pull requests and release builds.

A GitHub Actions cache can be read by runs of the ref that wrote it, and by runs of every other ref only if that ref
is the default branch. A cache written by a tag's run (images.yml) is never read again, and one written by a pull
request would let it poison the release builds: main alone writes it.
"""

from tests.workflows.github import workflow

ON_MAIN = "github.event_name == 'push' && github.ref == 'refs/heads/main'"


def _build(name: str, job: str) -> dict:
    [build] = [
        step
        for step in workflow(name)["jobs"][job]["steps"]
        if step.get("uses", "").startswith("docker/build-push-action@")
    ]
    return build["with"]


def test_ci_writes_the_image_build_cache_on_pushes_to_main_only():
    build = _build("ci.yml", "images")

    assert build["cache-to"] == (
        "${{ " + ON_MAIN + " && format('type=gha,scope={0},mode=max', matrix.component) || '' }}"
    )
    assert build["push"] is False


def test_ci_runs_on_pushes_to_main_so_that_the_cache_is_written():
    triggers = workflow("ci.yml")["on"]

    assert triggers["push"] == {"branches": ["main"]}
    assert "pull_request" in triggers


def test_pull_requests_and_release_builds_read_the_cache_main_writes_and_never_write_one():
    # The scope written above: type=gha,scope={0} with matrix.component
    for name, job in (("ci.yml", "images"), ("images.yml", "build")):
        assert _build(name, job)["cache-from"] == "type=gha,scope=${{ matrix.component }}", name
    assert "cache-to" not in _build("images.yml", "build")


def test_writing_the_cache_needs_no_extra_permission():
    # buildx reaches the cache with the runner's own token, not GITHUB_TOKEN: the workflow stays read-only.
    ci = workflow("ci.yml")

    assert ci["permissions"] == {"contents": "read"}
    assert ci["jobs"]["images"].get("permissions") is None
