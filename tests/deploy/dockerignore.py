"""Which files of the build context a .dockerignore leaves out, by Docker's own rules.

A port of moby/patternmatcher (what BuildKit and the classic builder use): patterns are cleaned paths
relative to the context root; ``*`` and ``?`` stay within one path element, ``**`` spans any number;
a pattern that matches a parent directory matches everything under it; ``!`` re-includes; the last
matching pattern wins. https://docs.docker.com/build/concepts/context/#dockerignore-files
"""

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    exclusion: bool  # a `!` line: re-includes what it matches


def _compile(pattern: str) -> re.Pattern[str]:
    out, i = "^", 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):  # `**/` also matches no directory at all
                out += "(.*/)?"
                i += 1
            else:
                out += ".*"
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        else:
            out += re.escape(char)
        i += 1
    return re.compile(out + "$")


def read_patterns(path: Path) -> list[Pattern]:
    """The patterns of a .dockerignore file, comments and blank lines skipped, as Docker reads them."""
    patterns = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        line = posixpath.normpath(line.removeprefix("!").strip())
        if len(line) > 1 and line.startswith("/"):
            line = line[1:]
        patterns.append(Pattern(_compile(line), exclusion))
    return patterns


def is_ignored(patterns: list[Pattern], file: str) -> bool:
    """Whether the file (a path relative to the context root) is left out of the build context."""
    matched = False
    parent = posixpath.dirname(file)
    parents = parent.split("/") if parent else []
    for pattern in patterns:
        if pattern.exclusion != matched:
            continue  # only a `!` pattern can change an ignored file, only another pattern a kept one
        match = bool(pattern.regex.match(file))
        if not match:
            match = any(pattern.regex.match("/".join(parents[: i + 1])) for i in range(len(parents)))
        if match:
            matched = not pattern.exclusion
    return matched
