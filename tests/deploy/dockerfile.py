"""Just enough of a Dockerfile reader for the tests to start what an image starts.

The tests take the final stage's ENV, USER, WORKDIR, COPY, RUN and ENTRYPOINT/CMD from the
Dockerfile itself, so a change there (another settings module, a new start command, a different
user) changes what the tests run, instead of the tests quietly testing an old copy of it.
Supports what our Dockerfiles use: continuation lines, comments, ARG defaults in FROM, ENV in
KEY=value form with $VAR references, exec-form (JSON) ENTRYPOINT/CMD/HEALTHCHECK and COPY [--from=...].
"""

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass
class Stage:
    """One FROM ... stage: what `docker run` of an image built up to it would use."""

    base: str
    name: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    user: str | None = None
    workdir: str = "/"
    # (sources, destination) of each COPY from the build context (not --from another stage or image).
    copies: list[tuple[list[str], str]] = field(default_factory=list)
    # (sources, destination, stage or image) of each COPY --from=...
    copies_from: list[tuple[list[str], str, str]] = field(default_factory=list)
    # Each RUN's shell command with the ENV in force at that point.
    runs: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    # HEALTHCHECK's options (--interval=30s -> {"interval": "30s"}) and its exec-form command.
    healthcheck_options: dict[str, str] = field(default_factory=dict)
    healthcheck: list[str] = field(default_factory=list)

    @property
    def command(self) -> list[str]:
        """ENTRYPOINT + CMD, as the container runs them (the base image's own are assumed replaced or absent)."""
        return [*self.entrypoint, *self.cmd]


def expand(value: str, variables: dict[str, str]) -> str:
    """``$NAME`` / ``${NAME}`` replaced from ``variables``; unknown names are left as they are."""
    return _VAR.sub(lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), value)


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # comments (and parser directives) may also sit between continuation lines
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        result.append((keyword.upper(), arguments.strip()))
        pending = ""
    if pending:
        raise ValueError(f"{path}: the last instruction ends with a line continuation")
    return result


def _exec_form(arguments: str, path: Path, keyword: str) -> list[str]:
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        value = None
    if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
        raise ValueError(f"{path}: {keyword} must use the exec (JSON array) form, got: {arguments}")
    return value


def _env_pairs(arguments: str) -> list[tuple[str, str]]:
    tokens = shlex.split(arguments)
    if tokens and "=" not in tokens[0]:
        return [(tokens[0], " ".join(tokens[1:]))]  # legacy `ENV KEY value`
    return [tuple(token.split("=", 1)) for token in tokens]  # type: ignore[misc]


def _copy_arguments(arguments: str) -> tuple[list[str], str, str | None]:
    tokens = shlex.split(arguments)
    source_stage = None
    while tokens and tokens[0].startswith("--"):
        flag = tokens.pop(0)
        if flag.startswith("--from="):
            source_stage = flag.removeprefix("--from=")
    return tokens[:-1], tokens[-1], source_stage


def final_stage(path: Path, *, base_env: dict[str, str]) -> Stage:
    """The last stage of the Dockerfile at ``path``; ``base_env`` stands for the base image's ENV (e.g. PATH)."""
    args: dict[str, str] = {}
    stage: Stage | None = None
    for keyword, arguments in instructions(path):
        if keyword == "ARG" and stage is None:
            name, _, default = arguments.partition("=")
            args[name] = default
        elif keyword == "FROM":
            image, _, alias = expand(arguments, args).partition(" AS ")
            stage = Stage(base=image.strip(), name=alias.strip() or None, env=dict(base_env))
        elif stage is None:
            continue  # parser-level instructions before the first FROM
        elif keyword == "ENV":
            for name, value in _env_pairs(arguments):
                stage.env[name] = expand(value, stage.env)
        elif keyword == "USER":
            stage.user = expand(arguments, stage.env)
        elif keyword == "WORKDIR":
            stage.workdir = expand(arguments, stage.env)
        elif keyword == "COPY":
            sources, destination, source_stage = _copy_arguments(arguments)
            if source_stage is None:
                stage.copies.append((sources, destination))
            else:
                stage.copies_from.append((sources, destination, source_stage))
        elif keyword == "RUN":
            stage.runs.append((arguments, dict(stage.env)))
        elif keyword == "ENTRYPOINT":
            stage.entrypoint = _exec_form(arguments, path, keyword)
            stage.cmd = []  # Docker resets an inherited CMD when a stage sets ENTRYPOINT
        elif keyword == "CMD":
            stage.cmd = _exec_form(arguments, path, keyword)
        elif keyword == "HEALTHCHECK":
            options, _, command = arguments.partition("CMD ")
            for option in options.split():
                name, _, value = option.removeprefix("--").partition("=")
                stage.healthcheck_options[name] = value
            stage.healthcheck = _exec_form(command.strip(), path, keyword) if command else []
    if stage is None:
        raise ValueError(f"{path}: no FROM instruction")
    return stage


def user_ids(user: str | None) -> tuple[int, int] | None:
    """``USER uid[:gid]`` as numbers (None when unset); a name instead of a number is an error."""
    if user is None:
        return None
    uid, _, gid = user.partition(":")
    if not uid.isdigit() or (gid and not gid.isdigit()):
        raise ValueError(f"USER {user}: use a numeric uid[:gid] (Kubernetes runAsNonRoot needs one)")
    return int(uid), int(gid or uid)
