"""Sphinx extension: the rendered pages show a code cell without the checks that only the tests read.

Each page is a notebook whose cells also test it: ``# NBVAL_CHECK_OUTPUT`` marks a cell whose printed
numbers nbval compares with ``tests/golden/`` (tests/notebook_golden.py finds the marker in the
source and hashes the source), and ``assert`` statements check that a trained or sampled result
says what the text claims. Both stay in the ``.md`` source and run in every build and test; this
extension only removes them from the code a reader sees (and copies) on the built page:

- the marker line ``# NBVAL_CHECK_OUTPUT``;
- every ``assert`` statement, with its continuation lines, at any depth;
- a ``for`` or ``with`` block whose body is nothing but such checks;
- a comment line directly above a removed check that introduces it (``# ... check ...``-style
  comments are the checks' own: the comment block is removed only when the statement right after it
  is a removed check).

A cell that holds nothing but checks disappears from the page (its container is removed). Cells
whose source does not parse (none should) are left as they are.
"""

from __future__ import annotations

import ast

from docutils import nodes

MARKER = "# NBVAL_CHECK_OUTPUT"


def _check_only(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Assert):
        return True
    if isinstance(statement, ast.With) or (isinstance(statement, ast.For) and not statement.orelse):
        return all(_check_only(inner) for inner in statement.body)
    return False


def _checks(body: list[ast.stmt]):
    """Yield the check-only statements of a block, recursing into the statements that are not."""
    for statement in body:
        if _check_only(statement):
            yield statement
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(statement, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], (ast.stmt, ast.excepthandler)):
                yield from _checks(inner)


def strip_checks(source: str) -> str:
    """``source`` without the marker line and the check-only statements (see the module docstring)."""
    lines = source.split("\n")
    drop = {i for i, line in enumerate(lines) if line.strip() == MARKER}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "\n".join(line for i, line in enumerate(lines) if i not in drop)
    for statement in _checks(tree.body):
        first, last = statement.lineno - 1, statement.end_lineno - 1
        drop.update(range(first, last + 1))
        above = first - 1
        while above >= 0 and lines[above].strip().startswith("#") and lines[above].strip() != MARKER:
            drop.add(above)
            above -= 1
    kept = [line for i, line in enumerate(lines) if i not in drop]
    while kept and not kept[-1].strip():
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept)


def hide_checks(app, doctree) -> None:
    for block in list(doctree.findall(nodes.literal_block)):
        parent = block.parent
        if parent is None or "cell_input" not in parent.get("classes", []):
            continue
        text = block.astext()
        if MARKER not in text and "assert" not in text:
            continue
        stripped = strip_checks(text)
        if stripped == text:
            continue
        if not stripped.strip():
            cell = parent.parent
            if cell is not None and "cell" in cell.get("classes", []) and len(cell.children) == 1:
                cell.parent.remove(cell)
            else:
                parent.remove(block)
            continue
        block.rawsource = stripped
        block.children = []
        block += nodes.Text(stripped)


def setup(app):
    app.connect("doctree-read", hide_checks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
