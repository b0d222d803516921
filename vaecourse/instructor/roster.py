"""The class roster: who should have submitted, with the names and ids that learning platforms match grades on.

``--roster FILE`` is a CSV with a ``student`` column (the id a submission's folder is named by;
``student_id``, ``id`` and ``username`` are accepted for it) and any of ``name`` (or ``first_name``
and ``last_name``), ``email``, ``sis_user_id``, ``sis_login_id``, ``canvas_id`` (Canvas's own user
id, its gradebook's ``ID`` column), ``id_number`` (Moodle's ID number) and ``section``. Every roster
student gets a gradebook row: one who did not submit gets a record of 0 points with status
``missing``; a submission from a student not on the roster is graded and kept, and reported.
"""

from __future__ import annotations

import csv
from pathlib import Path

FIELDS = ("name", "first_name", "last_name", "email", "sis_user_id", "sis_login_id", "canvas_id", "id_number", "section")
_ID_NAMES = ("student", "student_id", "id", "username")
MISSING_MESSAGE = "No submission was received."


def load_roster(path) -> dict[str, dict[str, str]]:
    """student id -> the roster's fields for that student (empty strings where the file has none).

    Raises:
        ValueError: no id column, an empty id, or a student listed twice.
    """
    path = Path(path)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = {(name or "").strip().lower().replace(" ", "_"): name for name in reader.fieldnames or []}
        key = next((header[n] for n in _ID_NAMES if n in header), None)
        if key is None:
            raise ValueError(f"roster {path} needs a student id column (one of {', '.join(_ID_NAMES)}); found {reader.fieldnames}")
        roster: dict[str, dict[str, str]] = {}
        for line, row in enumerate(reader, start=2):
            student = (row.get(key) or "").strip()
            if not student:
                if any((v or "").strip() for v in row.values()):
                    raise ValueError(f"roster {path}:{line}: the student id is empty")
                continue
            if student in roster:
                raise ValueError(f"roster {path}:{line}: {student!r} is listed twice")
            roster[student] = {f: (row.get(header[f]) or "").strip() if f in header else "" for f in FIELDS}
    return roster


def split_name(fields: dict[str, str]) -> tuple[str, str]:
    """``(first, last)`` from ``first_name``/``last_name``, else from ``name`` (its last word is the last name)."""
    if fields.get("first_name") or fields.get("last_name"):
        return fields.get("first_name", ""), fields.get("last_name", "")
    words = fields.get("name", "").split()
    return (" ".join(words[:-1]), words[-1]) if len(words) > 1 else ("", " ".join(words))


def missing_record(student: str, manifest: dict) -> dict:
    """The record of a roster student with no submission: every exercise 0, status ``missing``."""
    results = [{
        "exercise_id": e["id"], "session": s["session"], "status": "not_attempted", "score": 0.0,
        "max_score": float(e["points"]), "passed": False, "mistake": None, "review": [], "feedback": MISSING_MESSAGE,
    } for s in manifest["sessions"] for e in s["exercises"]]
    return {
        "student": student, "status": "missing", "submitted_at": None, "problems": [MISSING_MESSAGE], "flags": [],
        "results": results, "score": 0.0, "max_score": float(sum(r["max_score"] for r in results)), "executions": {},
    }


def reconcile(records: dict[str, dict], roster: dict | None, manifest: dict) -> tuple[dict[str, dict], list[str]]:
    """``(records with a missing record for each roster student who did not submit, students not on the roster)``."""
    if roster is None:
        return records, []
    merged = dict(records)
    for student in roster:
        merged.setdefault(student, missing_record(student, manifest))
    return merged, sorted(set(records) - set(roster))
