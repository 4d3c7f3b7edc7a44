"""The locks are the only source of installed Python packages, and they match their inputs.

Each input (`requirements.in`, `requirements-dev.in`, `bench/requirements.in`, `tools/checkov/requirements.in`,
the last for checkov's own venv) is resolved by `make lock`
into a lock of the same name ending in `.txt`, every package pinned and hashed. `Dockerfile.backend`
installs the runtime lock, `make venv` the dev lock, `make bench` the bench lock, all with hashes
required, so the product does not depend on the day it is installed. `make lock-check` (in `make test`)
resolves every input again and fails on any difference; these tests check the same promises offline.
"""

import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from tests.deploy.dockerfile import instructions

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")
LOCKS = ("requirements", "requirements-dev", "bench/requirements", "tools/checkov/requirements")
# Installed by `python -m venv` itself, not by any lock (uv pip sync leaves them in place).
VENV_SEED = {"pip", "setuptools"}


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


def _read(name: str) -> str:
    return (ROOT / name).read_text()


LOCKED = {base: _pins(_read(f"{base}.txt")) for base in LOCKS}


def _installed() -> dict[str, str]:
    return {canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}


def test_parsers_read_pins_with_extras_and_skip_comments():
    assert _pins("# c\nredis[hiredis]==8.1.0\nDjango_Filter==26.2 \\\n    --hash=sha256:x\n") == {
        "redis": "8.1.0",
        "django-filter": "26.2",
    }
    assert _lock_entries("a==1 \\\n    --hash=sha256:" + "0" * 64 + "\nb==2\n") == {"a==1": ["0" * 64], "b==2": []}


@pytest.mark.parametrize("base", LOCKS)
def test_every_input_pin_is_locked_at_its_version(base):
    pinned = _pins(_read(f"{base}.in"))
    assert pinned, f"{base}.in pins nothing"
    drifted = {
        name: (version, LOCKED[base].get(name)) for name, version in pinned.items() if LOCKED[base].get(name) != version
    }
    assert drifted == {}, f"{base}.in and {base}.txt disagree (pinned, locked): run `make lock`"


@pytest.mark.parametrize("base", LOCKS)
def test_every_locked_package_carries_hashes(base):
    entries = _lock_entries(_read(f"{base}.txt"))
    assert len(entries) == len(LOCKED[base]) > len(_pins(_read(f"{base}.in")))
    assert [entry for entry, hashes in entries.items() if not hashes] == []


@pytest.mark.parametrize(
    ("narrow", "wide"), [("requirements", "requirements-dev"), ("requirements-dev", "bench/requirements")]
)
def test_a_package_in_two_locks_has_one_version(narrow, wide):
    """The dev lock is constrained by the runtime lock and the bench lock by the dev lock."""
    inner, outer = LOCKED[narrow], LOCKED[wide]
    differ = {name: (inner[name], outer[name]) for name in inner.keys() & outer.keys() if inner[name] != outer[name]}
    assert differ == {}, f"{narrow}.txt and {wide}.txt lock different versions: run `make lock`"
    if narrow == "requirements":
        assert inner.keys() <= outer.keys(), "the dev lock must install every runtime package"


def test_the_venv_holds_exactly_the_locked_versions():
    """What the tests run on is the dev lock (plus the bench lock once `make bench` ran): nothing missing,
    nothing at another version, nothing unlocked."""
    installed = _installed()
    dev, bench = LOCKED["requirements-dev"], LOCKED["bench/requirements"]
    assert {
        name: (version, installed.get(name)) for name, version in dev.items() if installed.get(name) != version
    } == {}
    unlocked = {
        name: version
        for name, version in installed.items()
        if name not in VENV_SEED and version not in (dev.get(name), bench.get(name))
    }
    assert unlocked == {}, "installed but not locked (or at another version): run `make venv`"


def _backend_base_images() -> list[str]:
    """The image each FROM of Dockerfile.backend names, without its ``AS stage``."""
    return [
        arguments.partition(" AS ")[0].strip()
        for keyword, arguments in instructions(ROOT / "Dockerfile.backend")
        if keyword == "FROM"
    ]


def test_every_backend_stage_names_the_same_pinned_python_image_literally():
    """The venv built in one stage runs in the other, so both need the same Python; and the tag is written
    out, not an ARG, because Dependabot's docker updater does not resolve ARGs in FROM (dependabot-core#2057)."""
    images = _backend_base_images()
    assert len(images) >= 2, images
    assert len(set(images)) == 1, f"the stages of Dockerfile.backend use different base images: {images}"
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", images[0]), images[0]


def test_the_locks_are_resolved_for_the_images_python():
    """Markers such as ``python_full_version < "3.11.3"`` resolve for the Python the image runs."""
    image = re.fullmatch(r"python:(\d+\.\d+\.\d+)-.*", _backend_base_images()[-1])
    makefile = re.search(r"^LOCK_ENV := LOCK_PYTHON=(\S+) ", _read("Makefile"), re.M)
    assert image
    assert makefile
    assert makefile[1] == image[1], "Makefile LOCK_PYTHON differs from Dockerfile.backend's Python: run `make lock`"
    for base in LOCKS:
        assert f"--python-version {image[1]} " in _read(f"{base}.txt").splitlines()[1], base


def test_every_python_install_uses_a_lock_with_hashes():
    """No install step outside the locks: each pip/uv install names a lock and requires hashes."""
    sources = {"Makefile": _read("Makefile"), "Dockerfile.backend": _read("Dockerfile.backend")}
    sources |= {str(path.relative_to(ROOT)): path.read_text() for path in (ROOT / ".github").rglob("*.y*ml")}
    sources[".ci/run"] = _read(".ci/run")
    installs = [
        (name, line.strip())
        for name, text in sources.items()
        for line in text.replace("\\\n", " ").splitlines()
        if re.search(r"\b(pip|uv pip) (install|sync)\b", line) and not line.lstrip().startswith("#")
    ]
    assert installs, "found no install step to check"
    unhashed = [(name, line) for name, line in installs if "--require-hashes" not in line]
    assert unhashed == []


def _copy_inputs_and_locks(destination: Path) -> None:
    for base in LOCKS:
        for suffix in (".in", ".txt"):
            target = destination / f"{base}{suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / f"{base}{suffix}", target)


def _lock_check(workdir: Path, *locks: str) -> subprocess.CompletedProcess[str]:
    uv = Path(sys.executable).parent / "uv"
    assert uv.exists(), "uv is not in the venv: run `make venv`"
    return subprocess.run(
        [str(ROOT / "scripts" / "lock.sh"), "check", *locks],
        cwd=workdir,
        env={**os.environ, "UV": str(uv), **_lock_env()},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _lock_env() -> dict[str, str]:
    line = re.search(r"^LOCK_ENV := (.*)$", _read("Makefile"), re.M)
    assert line
    return dict(part.split("=", 1) for part in line[1].split() if part.startswith("LOCK_"))


def test_lock_check_fails_when_an_input_changed_without_make_lock(tmp_path):
    """`make lock-check` (in `make test`) passing on the committed locks is the other half of this test."""
    # given: orjson dropped from the runtime input, the lock left as it was
    _copy_inputs_and_locks(tmp_path)
    runtime_in = tmp_path / "requirements.in"
    runtime_in.write_text(re.sub(r"(?m)^orjson==.*\n", "", runtime_in.read_text()))
    # when (`make lock-check` runs all three; the runtime one is enough here and resolves in seconds)
    result = _lock_check(tmp_path, "requirements")
    # then
    assert result.returncode == 1
    assert "-orjson==" in result.stdout
    assert "requirements.txt does not match requirements.in: run `make lock`" in result.stderr
