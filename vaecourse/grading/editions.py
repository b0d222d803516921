"""Generate the student edition of an exercise notebook from its instructor source.

The instructor source (``exercises/source/sN_*.ipynb``) marks what learners must not see:

- in code cells, lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (replaced by one
  ``# YOUR CODE HERE`` comment at the same indentation; the stub after the region stays, e.g.
  ``raise NotImplementedError`` or ``answer = None`` placed before it), and lines between
  ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` (removed);
- in Markdown cells, text between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` (removed).

Outputs and execution counts are cleared, cells left empty are dropped, and the notebook metadata
records ``vaecourse.edition = "student"``. When ``_config.yml`` names the course's repository
(``repository.url``), the edition also opens with a collapsed cell that installs ``vaecourse`` from it in
Colab only, and its first Markdown cell links to the notebook in Colab (:mod:`.links`). The result is byte-for-byte reproducible, so a test can
assert that the committed student editions equal what this module generates.

Regenerate them all: ``python -m vaecourse.grading.editions`` (``--check`` only reports drift).
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

from .links import CourseLinks, colab_install_cell, colab_url, course_links, read_links
from .sections import SESSIONS

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MD_BEGIN_SOLUTION, MD_END_SOLUTION = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
STUB_COMMENT = "# YOUR CODE HERE"
_CODE_MARKERS = {BEGIN_SOLUTION: END_SOLUTION, BEGIN_HIDDEN: END_HIDDEN}


class EditionError(ValueError):
    """A source notebook whose markers are unbalanced or nested."""


def _regions(lines: list[str], markers: dict[str, str], where: str):
    """Yield ``(begin, end, marker)`` line indices of each marked region; raise EditionError if unbalanced."""
    open_at, open_marker = None, None
    for i, line in enumerate(lines):
        text = line.strip()
        if text in markers:
            if open_at is not None:
                raise EditionError(f"{where}: line {i + 1}: {text!r} inside an open {open_marker!r} region")
            open_at, open_marker = i, text
        elif text in markers.values():
            if open_at is None or markers[open_marker] != text:
                raise EditionError(f"{where}: line {i + 1}: {text!r} without its opening marker")
            yield open_at, i, open_marker
            open_at, open_marker = None, None
    if open_at is not None:
        raise EditionError(f"{where}: line {open_at + 1}: {open_marker!r} is never closed")


def strip_code(source: str, where: str = "cell") -> str:
    """A code cell's source with its solution regions replaced by a stub comment and hidden tests removed."""
    lines = source.splitlines()
    out, cursor = [], 0
    for begin, end, marker in _regions(lines, _CODE_MARKERS, where):
        out.extend(lines[cursor:begin])
        if marker == BEGIN_SOLUTION:
            indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
            out.append(indent + STUB_COMMENT)
        cursor = end + 1
    out.extend(lines[cursor:])
    return "\n".join(out).strip("\n")


def strip_markdown(source: str, where: str = "cell") -> str:
    lines = source.splitlines()
    out, cursor = [], 0
    for begin, end, _ in _regions(lines, {MD_BEGIN_SOLUTION: MD_END_SOLUTION}, where):
        out.extend(lines[cursor:begin])
        cursor = end + 1
    out.extend(lines[cursor:])
    return "\n".join(out).strip("\n")


def hidden_regions(source_notebook) -> list[str]:
    """The text of every solution and hidden-test region of a source notebook (what must not leak)."""
    texts = []
    for index, cell in enumerate(source_notebook.cells):
        lines = cell.source.splitlines()
        markers = _CODE_MARKERS if cell.cell_type == "code" else {MD_BEGIN_SOLUTION: MD_END_SOLUTION}
        for begin, end, _ in _regions(lines, markers, f"cell {index}"):
            texts.append("\n".join(lines[begin + 1 : end]))
    return texts


def add_public_links(nb, path: str, links: CourseLinks) -> None:
    """Links that need a public address, only when ``_config.yml`` names it: the published page to read
    first (``html.baseurl``), and Colab (``repository.url`` on GitHub: a link, and the install cell first)."""
    first_markdown = next((cell for cell in nb.cells if cell.cell_type == "markdown"), None)
    session = next((s for s in SESSIONS.values() if s.notebook == path), None)
    extra = []
    if links.book_url and session is not None:
        extra.append(f"Online: [the published page]({links.book_url.rstrip('/')}/{session.page}.html).")
    url = colab_url(path, links)
    if url is not None:
        extra.append(f"[Open in Colab]({url}): this notebook there (its first, hidden cell installs the course's package).")
        nb.cells.insert(0, colab_install_cell(links))
    if first_markdown is not None and extra:
        first_markdown.source += "\n\n" + " ".join(extra)


def student_notebook(source_notebook, path: str = "", links: CourseLinks | None = None) -> nbformat.NotebookNode:
    """The student edition of an instructor notebook (a new notebook; the input is not modified).

    ``path`` is the edition's path in the repository (e.g. ``exercises/s4_gaussian_kl.ipynb``); with it and
    a repository in ``links``, the edition gets its links to the published book and to Colab (:func:`add_public_links`).
    """
    nb = copy.deepcopy(source_notebook)
    cells = []
    for index, cell in enumerate(nb.cells):
        where = f"cell {index} ({cell.get('id', '?')})"
        if cell.cell_type == "code":
            cell.source = strip_code(cell.source, where)
            cell.outputs = []
            cell.execution_count = None
        elif cell.cell_type == "markdown":
            cell.source = strip_markdown(cell.source, where)
        if cell.source.strip():
            cells.append(cell)
    nb.cells = cells
    meta = dict(nb.metadata.get("vaecourse", {}))
    meta["edition"] = "student"
    nb.metadata["vaecourse"] = meta
    if path and links is not None:
        add_public_links(nb, path, links)
    return nb


def _edition_path(src: Path) -> str:
    """``exercises/source/sN.ipynb`` -> ``exercises/sN.ipynb``, the path the student edition has in the repository."""
    return f"{src.parent.parent.name}/{src.name}" if src.parent.name == "source" else ""


def student_edition_text(src: str | Path, links: CourseLinks | None = None) -> str:
    """The student edition of the notebook at ``src`` as the exact text that is written to disk.

    ``links``: the course's addresses (default: this checkout's ``_config.yml``).
    """
    source = nbformat.read(str(src), as_version=4)
    links = course_links() if links is None else links
    return nbformat.writes(student_notebook(source, _edition_path(Path(src)), links)) + "\n"


def make_student_edition(src: str | Path, dst: str | Path, links: CourseLinks | None = None) -> Path:
    """Write the student edition of the instructor notebook ``src`` to ``dst``; return ``dst``.

    Raises:
        EditionError: unbalanced or nested markers in ``src`` (naming the cell and line).
    """
    text = student_edition_text(src, links)
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(text, encoding="utf-8")
    return dst


def edition_pairs(root: str | Path = ".") -> list[tuple[Path, Path]]:
    """``(instructor source, student edition)`` paths of the sessions under ``root``."""
    root = Path(root)
    return [(root / s.source_notebook, root / s.notebook) for s in SESSIONS.values()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vaecourse.grading.editions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=".", help="the repository root (default: the current directory)")
    parser.add_argument(
        "--check", action="store_true", help="only report student editions that differ from their sources"
    )
    args = parser.parse_args(argv)
    config = Path(args.root) / "_config.yml"
    links = read_links(config) if config.is_file() else CourseLinks()
    stale = []
    for src, dst in edition_pairs(args.root):
        expected = student_edition_text(src, links)
        if args.check:
            if not dst.exists() or dst.read_text(encoding="utf-8") != expected:
                stale.append(dst)
        else:
            make_student_edition(src, dst, links)
            print(f"wrote {dst}")
    for path in stale:
        print(f"stale: {path} (run python -m vaecourse.grading.editions)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
