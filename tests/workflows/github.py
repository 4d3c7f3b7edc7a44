"""Read the repository's GitHub Actions files and Makefile for the policy tests."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONS = ROOT / ".github" / "actions"
MAKEFILE = ROOT / "Makefile"

OFFICIAL_OWNERS = {"actions", "docker"}  # pinned by major tag; every other owner by full commit SHA
VERSION_TAG = re.compile(r"v\d+(\.\d+){0,2}")
COMMIT_SHA = re.compile(r"[0-9a-f]{40}")
MATRIX_EXPR = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}")
MAKE_CALL = re.compile(r"(?:^|[;&|(]\s*|\bthen\s+|\bdo\s+)make\s+([^;&|)\n#]+)", re.MULTILINE)
DOCKER_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
# `docker://` images a step may run by tag alone, each with its reason. Every other one is pinned by digest
# (NAME:TAG@sha256:...): its publisher can move a tag to other bytes, and a container step gets the job's runtime
# token, the Actions cache's included. None so far.
DOCKER_TAG_ONLY_EXCEPTIONS: dict[str, str] = {}


def load(path: Path) -> dict[str, Any]:
    """A workflow or action file; PyYAML (YAML 1.1) reads the key `on` as True, so it is renamed back."""
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict), f"{path} is not a YAML mapping"
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def workflow(name: str) -> dict[str, Any]:
    return load(WORKFLOWS / name)


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def action_files() -> list[Path]:
    return sorted(ACTIONS.glob("*/action.yml"))


def steps(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(job id, step) for every step of a workflow, or ("composite", step) for a composite action."""
    doc = load(path)
    if "jobs" in doc:
        for job_id, job in doc["jobs"].items():
            for step in job.get("steps", []):
                yield job_id, step
    else:
        for step in doc["runs"].get("steps", []):
            yield "composite", step


def uses_references(path: Path) -> list[str]:
    """Every `uses:` of a workflow (steps and reusable-workflow jobs) or a composite action."""
    refs = [step["uses"] for _, step in steps(path) if "uses" in step]
    doc = load(path)
    refs += [job["uses"] for job in doc.get("jobs", {}).values() if "uses" in job]
    return refs


def pin_violation(ref: str, line: str) -> str | None:
    """Why `uses: ref` (on its source `line`) is not pinned, or None when it is."""
    if ref.startswith("./"):
        return None  # this repository's own action, at the same commit
    if ref.startswith("docker://"):
        image = ref.removeprefix("docker://")
        if DOCKER_DIGEST.search(image) or image in DOCKER_TAG_ONLY_EXCEPTIONS:
            return None
        return "docker image without a digest (NAME:TAG@sha256:...)"
    if "@" not in ref:
        return "no version"
    action, version = ref.rsplit("@", 1)
    owner = action.split("/", 1)[0]
    if COMMIT_SHA.fullmatch(version):
        return None if re.search(r"#\s*v\d", line) else "commit SHA without a `# vX.Y.Z` comment"
    if owner in OFFICIAL_OWNERS and VERSION_TAG.fullmatch(version):
        return None
    if owner in OFFICIAL_OWNERS:
        return f"{version!r} is not a version tag (a branch moves)"
    return f"third-party action pinned to {version!r}, not a full commit SHA"


def source_line(path: Path, ref: str) -> str:
    return next(line for line in path.read_text().splitlines() if re.search(rf"uses:\s*{re.escape(ref)}\b", line))


def make_targets_called(path: Path) -> set[str]:
    """Targets of every `make ...` in the file's run scripts, with `${{ matrix.x }}` expanded to its values."""
    doc = load(path)
    found: set[str] = set()
    for job_id, step in steps(path):
        for args in MAKE_CALL.findall(step.get("run", "")):
            for expanded in _expand_matrix(args, doc.get("jobs", {}).get(job_id, {})):
                found |= {word for word in expanded.split() if not word.startswith("-") and "=" not in word}
    return found


def _expand_matrix(text: str, job: dict[str, Any]) -> set[str]:
    match = MATRIX_EXPR.search(text)
    if not match:
        return {text}
    matrix = job.get("strategy", {}).get("matrix", {})
    key = match.group(1)
    values = list(matrix.get(key, [])) + [entry[key] for entry in matrix.get("include", []) if key in entry]
    assert values, f"make {text}: the job's matrix has no values for {key}"
    return {expanded for value in values for expanded in _expand_matrix(text.replace(match.group(0), str(value)), job)}


def makefile_targets() -> set[str]:
    """Names defined as `name:` rules (not `name :=` variables)."""
    return set(re.findall(r"^([A-Za-z0-9][A-Za-z0-9_.-]*):(?!=)", MAKEFILE.read_text(), re.MULTILINE))


def makefile_variable(name: str) -> str:
    """A `NAME := value` of the Makefile, backslash-continued lines joined."""
    text = MAKEFILE.read_text().replace("\\\n", " ")
    match = re.search(rf"^{re.escape(name)}\s*:?=\s*(.*)$", text, re.MULTILINE)
    assert match, f"the Makefile has no {name}"
    return " ".join(match.group(1).split())
