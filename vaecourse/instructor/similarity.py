"""Identical answers across students, after normalising names, whitespace, comments and docstrings: a list for the instructor only.

For every function exercise, the code that defines its answer name (the last top-level ``def``
or assignment of that name in the notebook) is parsed, its docstrings dropped and every
identifier renamed in order of first appearance (``v0``, ``v1``, ...; attribute names and
constants stay), and the canonical dump is hashed. Comments and whitespace vanish in the parse.
Two answers with the same hash are the same code up to renaming. The untouched stub of the
student edition and value or choice answers (a number or a letter, the same for everyone who
is right) are not listed. The list goes to ``similar_answers.csv`` in the output folder and never
into feedback: same code is a reason to look, not proof of copying (short answers coincide).
"""

from __future__ import annotations

import ast
import csv
import hashlib
from pathlib import Path

from .submissions import Submission, read_notebook

COLUMNS = ("exercise", "group", "students", "count", "nodes")


class _Canonical(ast.NodeTransformer):
    """Renames every identifier to ``v0, v1, ...`` in order of appearance and drops docstrings."""

    def __init__(self):
        self.names: dict[str, str] = {}

    def _name(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id=self._name(node.id), ctx=node.ctx), node)

    def visit_arg(self, node):
        node.arg, node.annotation = self._name(node.arg), None
        return node

    def _body(self, node):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
        return node

    def visit_FunctionDef(self, node):
        node.name = self._name(node.name)
        node.returns = None
        self._body(node)
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        node.name = self._name(node.name)
        self._body(node)
        self.generic_visit(node)
        return node

    def visit_alias(self, node):
        node.asname = self._name(node.asname or node.name.split(".")[0])
        return node


def _defines(node: ast.stmt, name: str) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
    return any(isinstance(t, ast.Name) and t.id == name for t in targets)


def answer_code(sources: list[str], name: str) -> ast.Module | None:
    """The last top-level statement of the cells that defines ``name``."""
    found = None
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if _defines(node, name):
                found = ast.Module(body=[node], type_ignores=[])
    return found


def canonical_digest(tree: ast.Module) -> tuple[str, int]:
    """``(SHA-256 of the renamed, docstring-free dump, number of AST nodes)``."""
    canonical = _Canonical().visit(tree)
    dump = ast.dump(canonical, annotate_fields=False, include_attributes=False)
    return hashlib.sha256(dump.encode()).hexdigest(), sum(1 for _ in ast.walk(canonical))


def _code_cells(path: Path) -> list[str]:
    return [cell.source for cell in read_notebook(path).cells if cell.cell_type == "code"]


def similar_answers(submissions: list[Submission], manifest: dict, stubs: dict[str, list[str]] | None = None) -> list[dict]:
    """Groups of two or more students with the same canonical answer, per function exercise.

    Args:
        stubs: session -> code cells of the student edition (their answers are never listed).
    """
    groups: dict[tuple[str, str], dict] = {}
    for entry in manifest["sessions"]:
        functions = [e for e in entry["exercises"] if e["kind"] == "function"]
        stub_digests = {}
        for exercise in functions:
            tree = answer_code((stubs or {}).get(entry["session"], []), exercise["answer"])
            stub_digests[exercise["id"]] = canonical_digest(tree)[0] if tree else None
        for submission in submissions:
            path = submission.notebooks.get(entry["session"])
            if path is None:
                continue
            try:
                cells = _code_cells(path)
            except (ValueError, OSError):
                continue
            for exercise in functions:
                tree = answer_code(cells, exercise["answer"])
                if tree is None:
                    continue
                digest, nodes = canonical_digest(tree)
                if digest == stub_digests[exercise["id"]]:
                    continue
                group = groups.setdefault((exercise["id"], digest), {"students": [], "nodes": nodes})
                group["students"].append(submission.student)
    listed = [(k, v) for k, v in groups.items() if len(v["students"]) > 1]
    listed.sort(key=lambda kv: (kv[0][0], -kv[1]["nodes"], kv[1]["students"]))
    return [{"exercise": k[0], "group": k[1][:12], "students": sorted(v["students"]), "nodes": v["nodes"]}
            for k, v in listed]


def write_similar_answers(path, submissions: list[Submission], manifest: dict) -> Path:
    """Write the groups of identical answers to ``path`` (a CSV; only a header when there are none)."""
    import nbformat

    from ..grading.editions import student_edition_text
    from .manifest import course_root

    stubs = {}
    for entry in manifest["sessions"]:  # the student edition, made from the course's instructor edition
        source = course_root() / "exercises" / "source" / entry["notebook"]
        if source.is_file():
            nb = nbformat.reads(student_edition_text(source), as_version=4)
            stubs[entry["session"]] = [c.source for c in nb.cells if c.cell_type == "code"]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for group in similar_answers(submissions, manifest, stubs):
            writer.writerow([group["exercise"], group["group"], "; ".join(group["students"]),
                             len(group["students"]), group["nodes"]])
    return path
