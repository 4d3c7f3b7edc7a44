"""requirements.lock, which Dockerfile.backend installs with --require-hashes, matches requirements.txt.

The image installs the lock and the tests run on the venv `make venv` builds from requirements.txt, so a
lock that drifts from requirements.txt (or from what the tests ran on) would ship untested packages.
`make lock` regenerates it.
"""

import re
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _pins(text: str) -> dict[str, str]:
    return {canonicalize_name(match[1]): match[2] for line in text.splitlines() if (match := PIN.match(line.strip()))}


def _lock_entries(text: str) -> dict[str, list[str]]:
    """Each locked package's ``name==version`` line and the hashes that follow it."""
    entries: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if match := PIN.match(line):
            current = entries.setdefault(f"{canonicalize_name(match[1])}=={match[2]}", [])
        elif current is not None and (hashed := re.search(r"--hash=sha256:([0-9a-f]{64})", line)):
            current.append(hashed[1])
    return entries


REQUIREMENTS = _pins((ROOT / "requirements.txt").read_text())
LOCK_TEXT = (ROOT / "requirements.lock").read_text()
LOCKED = _pins(LOCK_TEXT)


def test_parsers_read_pins_with_extras_and_skip_comments():
    assert _pins("# c\nredis[hiredis]==8.1.0\nDjango_Filter==26.2 \\\n    --hash=sha256:x\n") == {
        "redis": "8.1.0",
        "django-filter": "26.2",
    }


def test_every_requirement_is_locked_at_its_pinned_version():
    assert REQUIREMENTS, "requirements.txt pins nothing"
    drifted = {
        name: (version, LOCKED.get(name)) for name, version in REQUIREMENTS.items() if LOCKED.get(name) != version
    }
    assert drifted == {}, "requirements.txt and requirements.lock disagree (pinned, locked): run `make lock`"


def test_every_locked_package_carries_hashes():
    entries = _lock_entries(LOCK_TEXT)
    assert len(entries) == len(LOCKED) > len(REQUIREMENTS)
    assert [entry for entry, hashes in entries.items() if not hashes] == []


def test_the_tests_run_on_the_locked_versions():
    """Every locked package is installed here at the locked version: the image ships what was tested."""
    installed = {}
    for name in LOCKED:
        try:
            installed[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed[name] = None
    assert {name: (LOCKED[name], version) for name, version in installed.items() if version != LOCKED[name]} == {}


def test_the_lock_is_resolved_for_the_images_python():
    """Markers such as ``python_full_version < "3.11.3"`` resolve for the Python the image runs."""
    image = re.search(r"^ARG PYTHON_IMAGE=python:(\d+\.\d+\.\d+)-", (ROOT / "Dockerfile.backend").read_text(), re.M)
    makefile = re.search(r"^LOCK_PYTHON := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert image
    assert makefile
    assert makefile[1] == image[1], "Makefile LOCK_PYTHON differs from Dockerfile.backend's Python: run `make lock`"
