"""Running an image's command on this machine as its container would run: image paths mapped to
local ones, a read-only root filesystem with only a temp dir writable, the image's USER."""

import os
import re
import shutil
import subprocess
from pathlib import Path

# Run in a private mount namespace: "/" read-only, TMPDIR ($0) a writable bind mount of itself.
READ_ONLY_ROOT = 'mount --make-rprivate / && mount --bind "$0" "$0" && mount -o remount,bind,ro / && exec "$@"'


class PathMap:
    """Rewrites an image's absolute paths (``/tmp``, ``/app``...) to this machine's, on path boundaries."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self._map = mapping
        self._pattern = re.compile(r"(?<![\w./-])(" + "|".join(map(re.escape, mapping)) + r")(?=[/:;\s\"']|$)")

    def __call__(self, value: str) -> str:
        return self._pattern.sub(lambda m: self._map[m.group(1)], value)


def read_only_root(tmp: Path) -> list[str] | None:
    """The argv prefix that runs a command the way a container with readOnlyRootFilesystem and a writable
    /tmp would: nothing but ``tmp`` can be written, even by root. None where that cannot be set up (not root).

    Files the caller opened before (log files passed as stdout) stay writable.
    """
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return None
    prefix = ["unshare", "--mount", "--", "/bin/sh", "-c", READ_ONLY_ROOT, str(tmp)]
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False)
    return prefix if probe.returncode == 0 else None


def as_user(user: tuple[int, int]) -> list[str]:
    """The argv prefix that drops to ``user`` (uid, gid) with no supplementary groups (after read_only_root)."""
    return ["setpriv", f"--reuid={user[0]}", f"--regid={user[1]}", "--clear-groups"]


def snapshot(tree: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``tree`` with its size and mtime, to see what a process wrote."""
    return {str(p.relative_to(tree)): (p.stat().st_size, p.stat().st_mtime_ns) for p in tree.rglob("*") if p.is_file()}
