"""Points set by hand: an overrides CSV (student, exercise, points, comment) applied to the records on every run.

The grading records in ``results/`` are never changed: every run (and every ``--merge``) reads
the file again and applies it to a copy, so an override survives re-grading, and removing its
line restores the grader's score. The overridden exercise keeps what the grader found and gains
``override = {"points", "was", "comment"}``; the record's score is summed again and its
``overrides`` lists them, for the gradebook's ``overrides`` column and the student's feedback.
"""

from __future__ import annotations

import copy
import csv
from .manifest import exercise_columns

COLUMNS = ("student", "exercise", "points", "comment")


def load_overrides(path, manifest: dict) -> dict[str, dict[str, dict]]:
    """student -> exercise id -> ``{"points", "comment"}`` from the CSV at ``path``.

    Raises:
        ValueError: a missing column, an exercise the manifest does not list, points that are not a
            number in ``[0, max]``, or the same student and exercise twice.
    """
    maxima = {e["id"]: e["points"] for e in exercise_columns(manifest)}
    found: dict[str, dict[str, dict]] = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not set(COLUMNS[:3]) <= {f.strip() for f in reader.fieldnames}:
            raise ValueError(f"overrides file {path} needs the columns {', '.join(COLUMNS)}; found {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            student, exercise = row["student"], row["exercise"]
            if not student:
                continue
            if exercise not in maxima:
                raise ValueError(f"{path}:{line}: exercise {exercise!r} is not in the manifest ({', '.join(maxima)})")
            try:
                points = float(row["points"])
            except ValueError:
                raise ValueError(f"{path}:{line}: points must be a number, got {row['points']!r}") from None
            if not 0 <= points <= maxima[exercise]:
                raise ValueError(f"{path}:{line}: points for {exercise} must lie in [0, {maxima[exercise]:g}], got {points:g}")
            if exercise in found.get(student, {}):
                raise ValueError(f"{path}:{line}: {student} / {exercise} is overridden twice")
            found.setdefault(student, {})[exercise] = {"points": points, "comment": row.get("comment", "")}
    return found


def apply_overrides(record: dict, overrides: dict[str, dict]) -> dict:
    """A copy of ``record`` with the points of ``overrides`` (exercise id -> points, comment) in place."""
    if not overrides:
        return record
    record = copy.deepcopy(record)
    applied = []
    for result in record["results"]:
        change = overrides.get(result["exercise_id"])
        if change is None:
            continue
        result["override"] = {"points": change["points"], "was": result["score"], "comment": change["comment"]}
        result["score"] = change["points"]
        applied.append(f"{result['exercise_id']}: {result['override']['was']:g} -> {change['points']:g}"
                       + (f" ({change['comment']})" if change["comment"] else ""))
    record["score"] = float(sum(r["score"] for r in record["results"]))
    record["overrides"] = applied
    return record


def unknown_students(overrides: dict, students) -> list[str]:
    """Students the overrides name that no record has (a typo, or a student who is not in the class)."""
    return sorted(set(overrides) - set(students))
