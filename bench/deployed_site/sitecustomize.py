"""Imported at start-up by the bench's gunicorns (bench/deployed.py puts this directory first on PYTHONPATH): the
packages the development virtualenv has but production's image does not (requirements.txt, the full hashed lock)
cannot be imported, as in production.

Without this the bench measured more than production runs: libraries import optional packages when they find them
(structlog loads rich for tracebacks, DRF loads requests, qrcode loads Pillow), which a worker then holds in memory
and, for some, pays for per call. A hard import of a package production lacks fails here as it would there.
"""

import importlib.abc
import importlib.metadata
import re
import sys
from pathlib import Path
from typing import Any

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def hidden_modules(requirements: str) -> frozenset[str]:
    """Top-level modules of installed distributions that ``requirements`` (a pip lock) does not list."""
    shipped = {_normal(m.group(1)) for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==", requirements, re.MULTILINE)}
    installed = importlib.metadata.packages_distributions()
    return frozenset(top for top, dists in installed.items() if not any(_normal(d) in shipped for d in dists))


class _Hide(importlib.abc.MetaPathFinder):
    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r} (not in requirements.txt)", name=fullname)
        return None


if REQUIREMENTS.is_file():
    sys.meta_path.insert(0, _Hide(hidden_modules(REQUIREMENTS.read_text())))
