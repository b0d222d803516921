"""The assignment manifest: which sessions were assigned, their exercises, points, answer names and hashes.

``vaecourse assign`` writes ``manifest.json`` beside the student notebooks; ``vaecourse grade`` reads
it to know what to grade. For each session it records the student notebook's file name and SHA-256,
and for each exercise its id, kind, points, book section and the **answer name**: the variable the
notebook passes to ``check`` (``check("gaussian_kl", gaussian_kl)`` -> ``gaussian_kl``), which the
grader looks up in the student's kernel. ``checker_sha256`` fingerprints the checker and its bank,
so grading with a different checker than the one assigned is reported.
"""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

import nbformat

MANIFEST_FORMAT = "vaecourse-assignment/1"
MANIFEST_NAME = "manifest.json"


def course_root() -> Path:
    """The course repository that holds ``exercises/`` (the folder above the ``vaecourse`` package)."""
    return Path(__file__).resolve().parents[2]  # this file is <course>/vaecourse/instructor/manifest.py


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checker_digest() -> str:
    """SHA-256 over the source of the checker and its exercise bank (``vaecourse/grading``)."""
    from .. import grading

    folder = Path(grading.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def answer_names(nb) -> dict[str, str]:
    """Exercise id -> answer variable, from the notebook's ``check("id", name)`` calls, in order.

    Raises:
        ValueError: a ``check`` call whose answer is not a plain name, or an id checked twice
            with different names.
    """
    names: dict[str, str] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            is_check = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check"
            if not is_check or len(node.args) < 2 or not isinstance(node.args[0], ast.Constant):
                continue
            exercise_id, answer = node.args[0].value, node.args[1]
            if not isinstance(answer, ast.Name):
                raise ValueError(f"cell {index}: check({exercise_id!r}, ...) must pass a plain name, got {ast.unparse(answer)!r}")
            if names.get(exercise_id, answer.id) != answer.id:
                raise ValueError(f"cell {index}: {exercise_id!r} is checked with two names")
            names[exercise_id] = answer.id
    return names


def session_entry(session: str, student_text: str) -> dict:
    """The manifest entry of one session, from the text of its student edition."""
    from ..grading import SESSIONS, exercises_for_session

    nb = nbformat.reads(student_text, as_version=4)
    names = answer_names(nb)
    exercises = []
    for exercise in exercises_for_session(session):
        if exercise.id not in names:
            raise ValueError(f"the {session} notebook has no check({exercise.id!r}, ...) call")
        exercises.append({
            "id": exercise.id,
            "kind": exercise.kind,
            "title": exercise.title,
            "points": float(exercise.points),
            "answer": names[exercise.id],
            "section": exercise.section,
        })
    info = SESSIONS[session]
    return {
        "session": session,
        "title": info.title,
        "notebook": Path(info.notebook).name,
        "notebook_sha256": sha256_bytes(student_text.encode("utf-8")),
        "points": float(sum(e["points"] for e in exercises)),
        "exercises": exercises,
    }


def build_manifest(entries: list[dict]) -> dict:
    """The whole manifest from the sessions' entries (in the order given)."""
    from importlib.metadata import version

    from ..grading import MASTERY_THRESHOLD

    return {
        "format": MANIFEST_FORMAT,
        "vaecourse_version": version("vaecourse"),  # the installed distribution's, which vaecourse.__version__ repeats
        "checker_sha256": checker_digest(),
        "mastery_threshold": MASTERY_THRESHOLD,
        "total_points": float(sum(e["points"] for e in entries)),
        "sessions": entries,
    }


def load_manifest(source) -> dict:
    """A manifest from a path (file, or folder holding ``manifest.json``) or a dict; ValueError if invalid."""
    if isinstance(source, dict):
        manifest = source
    else:
        path = Path(source)
        path = path / MANIFEST_NAME if path.is_dir() else path
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"manifest {path}: cannot be read as JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"manifest must have format {MANIFEST_FORMAT!r}; was it written by `vaecourse assign`?")
    seen: set[str] = set()
    for entry in manifest.get("sessions", []):
        for exercise in entry["exercises"]:
            if exercise["id"] in seen:
                raise ValueError(f"manifest lists exercise {exercise['id']!r} twice")
            seen.add(exercise["id"])
    if not seen:
        raise ValueError("manifest lists no exercises")
    return manifest


# Fields that change what is done with grades, not the grades: editing them re-grades nobody.
NOT_GRADED = ("late_policy",)


def manifest_digest(manifest: dict) -> str:
    """SHA-256 of the manifest's canonical JSON without ``NOT_GRADED`` (grades made with different manifests never mix)."""
    graded = {k: v for k, v in manifest.items() if k not in NOT_GRADED}
    return sha256_bytes(json.dumps(graded, sort_keys=True).encode("utf-8"))


def exercise_columns(manifest: dict) -> list[dict]:
    """Every exercise of the manifest, in session then notebook order (the gradebook's columns)."""
    return [dict(e, session=s["session"]) for s in manifest["sessions"] for e in s["exercises"]]
