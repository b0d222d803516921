"""Golden outputs for the book's MyST notebooks, so nbval can compare the numbers the text states.

MyST sources store no outputs, and nbval compares a cell's fresh output with the output stored in the
notebook. This tool keeps, for every cell marked ``# NBVAL_CHECK_OUTPUT``, its expected text output
in ``tests/golden/`` and writes the ``.ipynb`` that nbval runs with those outputs filled in:

    python tests/notebook_golden.py prepare _build/nbval   # pair every page, insert golden outputs
    python tests/notebook_golden.py update [PAGE.md ...]   # execute pages, store their outputs

``prepare`` refuses a page whose golden file is missing or whose checked cells changed since the
last ``update`` (run ``make golden`` after editing such a cell, and review the diff).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT / "tests" / "golden"
MARKER = "NBVAL_CHECK_OUTPUT"
TEXT_MIME = "text/plain"


class GoldenError(RuntimeError):
    """A golden file is missing or out of date."""


# A number as printed: optional sign, digits with an optional fraction, optional exponent. The
# lookarounds keep it from starting inside a word or a hex digest such as ``dd117564e3``.
NUMBER = re.compile(r"(?<![\w.])([-+]?)(\d+(?:\.\d*)?|\.\d+)([eE][-+]?\d+)?(?!\w)(?!\.\d)")
ROUNDOFF_FLOOR = 1e-10   # below this a printed value is round-off, not a result
FULL_REPR_DIGITS = 15    # a float printed with this many significant digits shows its rounding tail


def roundoff_numbers(text: str) -> list[str]:
    """The printed numbers in ``text`` whose digits only round-off decides, each with the reason.

    Flagged: a nonzero value below ``ROUNDOFF_FLOOR`` (``2.2e-15``, ``0.000000000003``) unless it is a
    stated bound (``< 1e-12``); a float shown with ``FULL_REPR_DIGITS`` or more significant digits
    (``0.30000000000000004``); and a signed zero (``-0.000``, ``+0.00``), whose sign is round-off.
    """
    found = []
    for match in NUMBER.finditer(text):
        sign, mantissa, exponent = match.groups()
        shown = match.group(0)
        value = float(mantissa + (exponent or ""))
        stated_bound = re.search(r"(<|<=|>|>=|≤|≥)[ \t]*$", text[: match.start()]) is not None
        digits = mantissa.replace(".", "").lstrip("0")
        if value == 0.0:
            if sign and "." in mantissa:
                found.append(f"{shown} (a signed zero: its sign is round-off)")
        elif value < ROUNDOFF_FLOOR and not stated_bound:
            found.append(f"{shown} (below {ROUNDOFF_FLOOR:.0e}: a round-off residual; print the bound it meets)")
        elif len(digits) >= FULL_REPR_DIGITS and "." in mantissa:
            found.append(f"{shown} ({len(digits)} significant digits: the last ones are round-off)")
    return found


def output_text(outputs) -> str:
    """The text nbval compares: streams and ``text/plain`` results, joined."""
    parts = []
    for output in outputs:
        text = output.get("text") if output.get("output_type") == "stream" else output.get("data", {}).get(TEXT_MIME)
        parts.append("".join(text) if isinstance(text, list) else (text or ""))
    return "".join(parts)


def book_pages(root: Path = ROOT) -> list[Path]:
    """Every MyST notebook of the book: ``.md`` files under book/ with a kernelspec header."""
    pages = []
    for path in sorted((root / "book").rglob("*.md")):
        head = path.read_text(encoding="utf-8")[:2000]
        if head.startswith("---") and "\nkernelspec:" in head:
            pages.append(path)
    return pages


def golden_path(page: Path, root: Path = ROOT, golden_dir: Path = GOLDEN_DIR) -> Path:
    relative = page.resolve().relative_to(root)
    return golden_dir / (str(relative.with_suffix("")).replace("/", "__") + ".json")


def checked_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code" and MARKER in cell.source]


def source_digest(source: str) -> str:
    return hashlib.sha256(source.strip().encode()).hexdigest()[:16]


def text_outputs(outputs) -> list[dict]:
    """Keep what nbval compares as text: streams and the text/plain of results; drop images.

    Streams of one name are merged into one output, as nbval does before comparing: how printed text
    is split into chunks depends on timing, and would otherwise churn the golden files.
    """
    kept, streams = [], {}
    for output in outputs:
        if output.get("output_type") == "stream":
            if output["name"] in streams:
                streams[output["name"]]["text"] += output["text"]
                continue
            streams[output["name"]] = {"output_type": "stream", "name": output["name"], "text": output["text"]}
            kept.append(streams[output["name"]])
        elif output.get("output_type") in ("execute_result", "display_data") and TEXT_MIME in output.get("data", {}):
            kept.append({"output_type": output["output_type"], "data": {TEXT_MIME: output["data"][TEXT_MIME]},
                         "metadata": {}, **({"execution_count": None} if output["output_type"] == "execute_result" else {})})
    return kept


def prepare(out_dir: Path, root: Path = ROOT, golden_dir: Path = GOLDEN_DIR) -> list[Path]:
    """Write ``out_dir/<page>.ipynb`` for every page, checked cells carrying their golden outputs."""
    written, problems = [], []
    for page in book_pages(root):
        notebook = jupytext.read(page)
        cells = checked_cells(notebook)
        target = out_dir / page.resolve().relative_to(root).with_suffix(".ipynb")
        if cells:
            golden_file = golden_path(page, root, golden_dir)
            if not golden_file.exists():
                problems.append(f"{page.relative_to(root)}: no golden outputs ({golden_file.relative_to(root)})")
                continue
            golden = json.loads(golden_file.read_text())["cells"]
            digests = [source_digest(cell.source) for cell in cells]
            if digests != [entry["source_digest"] for entry in golden]:
                problems.append(f"{page.relative_to(root)}: its {MARKER} cells changed since the golden outputs were stored")
                continue
            for number, (cell, entry) in enumerate(zip(cells, golden), start=1):
                cell.outputs = [nbformat.from_dict(output) for output in entry["outputs"]]
                cell.execution_count = number  # nbval skips comparing cells it thinks were never run
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        written.append(target)
    if problems:
        raise GoldenError("golden outputs are out of date; run `make golden` and review the diff:\n  " + "\n  ".join(problems))
    return written


def update(pages: list[Path], root: Path = ROOT, golden_dir: Path = GOLDEN_DIR, timeout: int = 300) -> list[Path]:
    """Execute each page and store the text outputs of its checked cells."""
    from nbclient import NotebookClient

    # The Makefile's default thread count; checked outputs must not depend on it (roundoff_numbers).
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    written = []
    for page in pages:
        notebook = jupytext.read(page)
        cells = checked_cells(notebook)
        golden_file = golden_path(page, root, golden_dir)
        if not cells:
            golden_file.unlink(missing_ok=True)
            continue
        NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(page.parent)}}).execute()
        for number, cell in enumerate(cells, start=1):
            flagged = roundoff_numbers(output_text(text_outputs(cell.outputs)))
            if flagged:
                raise GoldenError(f"{page.relative_to(root)}, checked cell {number}: prints round-off digits, "
                                  f"which differ between machines: {'; '.join(flagged)}")
        entries = [{"first_line": cell.source.strip().splitlines()[1] if len(cell.source.strip().splitlines()) > 1 else "",
                    "source_digest": source_digest(cell.source), "outputs": text_outputs(cell.outputs)} for cell in cells]
        golden_file.parent.mkdir(parents=True, exist_ok=True)
        golden_file.write_text(json.dumps({"page": str(page.resolve().relative_to(root)), "cells": entries}, indent=1) + "\n")
        written.append(golden_file)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare").add_argument("out_dir", type=Path)
    sub.add_parser("update").add_argument("pages", type=Path, nargs="*")
    args = parser.parse_args(argv)
    try:
        if args.command == "prepare":
            print(f"{len(prepare(args.out_dir))} notebook(s) written to {args.out_dir}")
        else:
            pages = [p.resolve() for p in args.pages] or book_pages()
            for path in update(pages):
                print(f"stored {path.relative_to(ROOT)}")
    except GoldenError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
