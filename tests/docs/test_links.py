"""README.md and docs/*.md stay true to the repository.

Every relative link resolves to a file in the repository, and a ``#anchor`` into a Markdown file to one
of its headings (as GitHub slugs them); every ``make TARGET`` named in backticks is a Makefile target; and
docs/testing.md lists the steps of ``make test`` in the Makefile's order.
"""

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.workflows.github import ROOT, makefile_targets, makefile_variable

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*([^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
HTML_ID = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
SHELL_FENCES = {"sh", "bash", "shell", "console"}
MAKE_WORD = re.compile(r"(?<![\w./-])make(?![\w.-])")
TARGET = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def split_fences(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text with fenced code blocks blanked out (line count kept), and each block as (info, body)."""
    prose: list[str] = []
    blocks: list[tuple[str, str]] = []
    fence: str | None = None
    info, body = "", []
    for line in text.splitlines():
        match = FENCE.match(line)
        if fence is None and match:
            fence, info, body = match.group(1), match.group(2).lower(), []
            prose.append("")
        elif fence is not None and line.strip().startswith(fence) and not line.strip().strip(fence[0]):
            blocks.append((info, "\n".join(body)))
            fence = None
            prose.append("")
        elif fence is not None:
            body.append(line)
            prose.append("")
        else:
            prose.append(line)
    return "\n".join(prose), blocks


def without_code_spans(prose: str) -> str:
    return CODE_SPAN.sub(lambda match: " " * len(match.group(0)), prose)


def link_targets(text: str) -> list[str]:
    """Targets of inline and reference links outside code, in order."""
    prose = without_code_spans(split_fences(text)[0])
    return [*LINK.findall(prose), *REFERENCE.findall(prose)]


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text lowercased, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = text.replace("`", "").replace("*", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor a Markdown file offers: its headings' slugs (repeats get -1, -2, ...) and HTML ids."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for heading in HEADING.findall(split_fences(text)[0]):
        slug = github_slug(heading)
        found.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return found | set(HTML_ID.findall(text))


def broken_links(path: Path, *, root: Path = ROOT) -> list[str]:
    """``target: reason`` for each relative link of ``path`` that does not resolve inside ``root``."""
    problems = []
    text = path.read_text()
    for target in link_targets(text):
        if SCHEME.match(target) or target.startswith("<"):
            continue  # http(s):, mailto: ... are not files of the repository
        file_part, _, anchor = unquote(target).partition("#")
        if file_part.startswith("/"):
            resolved = (root / file_part.lstrip("/")).resolve()
        else:
            resolved = (path.parent / file_part).resolve() if file_part else path.resolve()
        if not resolved.is_relative_to(root.resolve()):
            problems.append(f"{target}: outside the repository")
        elif not resolved.exists():
            problems.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text()):
            problems.append(f"{target}: no heading with this anchor in {resolved.relative_to(root.resolve())}")
    return problems


def make_targets_named(text: str) -> list[str]:
    """Targets of every ``make ...`` in backticks: code spans, and shell code blocks (comments cut)."""
    prose, blocks = split_fences(text)
    commands = [span for _, span in CODE_SPAN.findall(prose)]
    for info, body in blocks:
        if info in SHELL_FENCES:
            commands += [line.split("#", 1)[0] for line in body.splitlines()]
    targets = []
    for command in commands:
        for match in MAKE_WORD.finditer(command):
            for word in command[match.end() :].split():
                if "=" in word or word.startswith("-"):
                    continue  # VAR=value, -j2
                if not TARGET.fullmatch(word):
                    break  # `|`, `&&`, a path: the make command ended
                targets.append(word)
    return targets


# ------------------------------------------------------------------------------
# The checks can fail: the extractors on small documents
# ------------------------------------------------------------------------------
def test_github_slugs_drop_punctuation_and_code_marks():
    assert github_slug("Caching and ETags") == "caching-and-etags"
    assert github_slug("A request from end to end: `GET /api/tasks/`") == "a-request-from-end-to-end-get-apitasks"
    assert github_slug("Throwaway servers: `scripts/with-services.sh`") == "throwaway-servers-scriptswith-servicessh"
    assert github_slug("What differs from PostgreSQL, and what is not supported") == (
        "what-differs-from-postgresql-and-what-is-not-supported"
    )
    assert github_slug("The steps of `make test`") == "the-steps-of-make-test"
    assert github_slug("See [the API](api.md)") == "see-the-api"


def test_repeated_headings_get_numbered_anchors_and_code_blocks_have_no_headings():
    text = "# Title\n\n## Usage\n\n```sh\n# not a heading\n```\n\n## Usage\n"
    assert anchors(text) == {"title", "usage", "usage-1"}


def test_broken_links_and_missing_anchors_are_reported(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## Real heading\n")
    (tmp_path / "Makefile").write_text("")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "# Page\n\n"
        "[fine](other.md#real-heading), [also fine](../Makefile), [here](#page), [web](https://example.com/x)\n"
        "[gone](missing.md) and [bad anchor](other.md#no-such-heading) and [bad local](#nowhere)\n"
        "![image](images/none.png) and [escape](../../outside.md)\n"
        "`[in a code span](ignored.md)`\n\n"
        "```md\n[in a code block](ignored.md)\n```\n"
    )
    assert broken_links(page, root=tmp_path) == [
        "missing.md: no such file",
        "other.md#no-such-heading: no heading with this anchor in docs/other.md",
        "#nowhere: no heading with this anchor in docs/page.md",
        "images/none.png: no such file",
        "../../outside.md: outside the repository",
    ]


def test_make_targets_are_read_from_code_spans_and_shell_blocks_only():
    text = (
        "`make` alone lists them; `make bench QUICK=1`, `PORT=9000 make run`, `make lint check`.\n"
        "`npm run build | tee log` and `cmake all` and `make -j2 frontend-build && make nonesuch`.\n"
        "In prose make ignored is not read.\n\n"
        "```sh\nmake test   # lint, then make nothing\n```\n\n"
        "```\nMakefile    every command (make lists them)\n```\n"
    )
    assert make_targets_named(text) == ["bench", "run", "lint", "check", "frontend-build", "nonesuch", "test"]


# ------------------------------------------------------------------------------
# The real documents
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(document):
    assert broken_links(document) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_make_target_named_is_defined_in_the_makefile(document):
    named = make_targets_named(document.read_text())
    assert sorted(set(named) - makefile_targets()) == []


def test_the_documents_cover_the_readme_and_every_page_under_docs():
    assert ROOT / "README.md" in DOCUMENTS
    assert {path.name for path in DOCUMENTS} >= {"api.md", "architecture.md", "testing.md"}


def test_testing_md_lists_the_steps_of_make_test_in_the_makefiles_order():
    text = (ROOT / "docs" / "testing.md").read_text()
    section = text.split("## The steps of `make test`", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\d+\.\s+`([\w-]+)`", section, re.MULTILINE)
    assert listed == makefile_variable("TEST_STEPS").split()
