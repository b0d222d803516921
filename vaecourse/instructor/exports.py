"""``vaecourse export``: a gradebook in Canvas's, Moodle's and nbgrader's CSV formats, one total column per assignment.

Each graded output folder (``grades.csv`` and ``grading.json``) is one assignment; its total is the
``final`` column (after overrides and the late penalty). Identities come from the roster.

- **Canvas** ("How do I import grades in the Gradebook?", Canvas Instructor Guide,
  community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807):
  the columns ``Student`` (sortable name, ``Last, First``), ``ID``, ``SIS User ID``,
  ``SIS Login ID``, ``Section``, then one column per assignment. A column whose header is not an
  existing assignment becomes a new assignment (so per-exercise columns would be many), and the
  header ``Name (123)`` updates the assignment whose Canvas id is 123. The second row,
  ``Points Possible``, is the one Canvas's own gradebook export writes.
- **Moodle** ("Grade import", MoodleDocs, docs.moodle.org/en/Grade_import): a CSV whose columns
  are mapped at import time; one identifier column is mapped to a user field ("Email address" to
  ``useremail`` or "ID number" to ``useridnumber``) and each grade column to a grade item. The
  header follows Moodle's own plain-text export: ``First name``, ``Last name``, ``ID number``,
  ``Email address``, then one column per assignment.
- **nbgrader** (``nbgrader export``, ``CsvExportPlugin`` in jupyter/nbgrader,
  nbgrader/plugins/export.py): one row per assignment and student, with the columns
  ``assignment, duedate, timestamp, student_id, last_name, first_name, email, raw_score,
  late_submission_penalty, score, max_score``; a missing submission has an empty timestamp and
  scores of 0.0.
- **detailed**: ``grades.csv`` itself, one column per exercise (what ``vaecourse grade`` writes).

A student not on the roster cannot be matched by a learning platform: they are left out of the
Canvas and Moodle files and reported (they stay in ``grades.csv`` and the nbgrader file).
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path

from .gradebook import parse_time, read_csv
from .roster import load_roster, split_name

FORMATS = ("canvas", "moodle", "nbgrader", "detailed")
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_IDENTITY = ("First name", "Last name", "ID number", "Email address")
NBGRADER_COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score")


@dataclass
class Assignment:
    """One graded assignment: its name, due date, points available and gradebook rows."""

    name: str
    duedate: str | None
    max_score: float
    rows: list[dict]
    folder: Path | None = None


def default_name(manifest: dict) -> str:
    return "VAE " + " ".join(s["session"] for s in manifest["sessions"])


def load_assignment(folder, name: str | None = None) -> Assignment:
    """The assignment graded into ``folder`` (``grades.csv`` and ``grading.json``)."""
    folder = Path(folder)
    try:
        run = json.loads((folder / "grading.json").read_text(encoding="utf-8"))
        rows = read_csv(folder / "grades.csv")
    except (OSError, ValueError) as exc:
        raise ValueError(f"{folder}: not a `vaecourse grade` output folder ({exc})") from None
    return Assignment(name or run.get("assignment") or default_name(run["manifest"]), run.get("deadline"),
                      float(run["manifest"]["total_points"]), rows, folder)


def _number(text) -> str:
    return f"{float(text or 0):g}"


def _nb_float(text) -> str:
    return str(float(text or 0))  # nbgrader writes str(float): 7.0


def _nb_time(text) -> str:
    stamp = parse_time(text) if text else None  # nbgrader stores naive UTC times and writes str(datetime)
    return str(stamp.astimezone(timezone.utc).replace(tzinfo=None)) if stamp else ""


def _identity(student: str, roster: dict | None) -> dict[str, str] | None:
    if roster is None:
        return {"sis_login_id": student}
    return roster.get(student)


def _students(assignments: list[Assignment], roster: dict | None) -> list[str]:
    everyone = {row["student"] for a in assignments for row in a.rows}
    return sorted(roster) if roster is not None else sorted(everyone)


def _off_roster(assignments: list[Assignment], roster: dict | None) -> list[str]:
    return [] if roster is None else sorted({r["student"] for a in assignments for r in a.rows} - set(roster))


def canvas_rows(assignments: list[Assignment], roster: dict | None) -> list[list[str]]:
    """Header, the ``Points Possible`` row, then one row per student (sorted by student id)."""
    table = [[*CANVAS_IDENTITY, *(a.name for a in assignments)],
             ["Points Possible", "", "", "", "", *(_number(a.max_score) for a in assignments)]]
    for student in _students(assignments, roster):
        fields = _identity(student, roster)
        first, last = split_name(fields)
        sortable = f"{last}, {first}" if first and last else (last or first or student)
        scores = [next((_number(r["final"]) for r in a.rows if r["student"] == student), "") for a in assignments]
        table.append([sortable, fields.get("canvas_id", ""), fields.get("sis_user_id", ""),
                      fields.get("sis_login_id", ""), fields.get("section", ""), *scores])
    return table


def moodle_rows(assignments: list[Assignment], roster: dict | None) -> list[list[str]]:
    """Header, then one row per student: names, ID number, email, one grade per assignment."""
    table = [[*MOODLE_IDENTITY, *(a.name for a in assignments)]]
    for student in _students(assignments, roster):
        fields = _identity(student, roster)
        first, last = split_name(fields)
        scores = [next((_number(r["final"]) for r in a.rows if r["student"] == student), "") for a in assignments]
        table.append([first, last, fields.get("id_number") or fields.get("sis_user_id", "") or student,
                      fields.get("email", ""), *scores])
    return table


def nbgrader_rows(assignments: list[Assignment], roster: dict | None) -> list[list[str]]:
    """nbgrader's export: one row per assignment and student (every roster student, as nbgrader does)."""
    table = [list(NBGRADER_COLUMNS)]
    for a in assignments:
        by_student = {r["student"]: r for r in a.rows}
        for student in sorted(set(_students([a], roster)) | set(by_student)):
            fields = (roster or {}).get(student, {})
            first, last = split_name(fields) if fields else ("", "")
            row = by_student.get(student)
            submitted = row is not None and row["status"] != "missing"
            table.append([
                a.name, _nb_time(a.duedate), _nb_time(row["submitted_at"]) if submitted else "", student, last, first,
                fields.get("email", ""), _nb_float(row["total"]) if submitted else "0.0",
                _nb_float(row["late_penalty"]) if submitted else "0.0", _nb_float(row["final"]) if submitted else "0.0",
                _nb_float(a.max_score),
            ])
    return table


def write_export(fmt: str, assignments: list[Assignment], path, roster: dict | None = None) -> list[str]:
    """Write ``path`` in format ``fmt``; return the students left out (not on the roster)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "detailed":
        if len(assignments) != 1 or assignments[0].folder is None:
            raise ValueError("the detailed format is one assignment's grades.csv: give exactly one folder")
        shutil.copyfile(assignments[0].folder / "grades.csv", path)
        return []
    table = {"canvas": canvas_rows, "moodle": moodle_rows, "nbgrader": nbgrader_rows}[fmt](assignments, roster)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table)
    return [] if fmt == "nbgrader" else _off_roster(assignments, roster)


def _export(args) -> int:
    try:
        names = list(args.name or [])
        assignments = [load_assignment(f, names[i] if i < len(names) else None) for i, f in enumerate(args.folders)]
        roster_path = args.roster or next((a.folder / "roster.csv" for a in assignments
                                           if (a.folder / "roster.csv").is_file()), None)
        roster = load_roster(roster_path) if roster_path else None
        for fmt in args.format:
            path = Path(args.out) / f"{fmt}.csv"
            left_out = write_export(fmt, assignments, path, roster)
            print(f"wrote {path}")
            if left_out:
                print(f"not on the roster, left out of {fmt}: {', '.join(left_out)}", file=sys.stderr)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def add_parser(subparsers) -> None:
    """Register ``export``."""
    parser = subparsers.add_parser("export", help="write graded folders as Canvas, Moodle or nbgrader gradebooks")
    parser.add_argument("folders", nargs="+", metavar="GRADED_DIR", help="`vaecourse grade` output folders, one per assignment")
    parser.add_argument("--format", nargs="+", choices=FORMATS, default=["canvas", "moodle", "nbgrader"])
    parser.add_argument("--out", required=True, help="folder for FORMAT.csv")
    parser.add_argument("--roster", default=None, help="roster CSV (default: the roster.csv a graded folder holds)")
    parser.add_argument("--name", nargs="+", default=None, metavar="NAME",
                        help="assignment column names, one per folder (Canvas: 'Name (123)' updates assignment 123)")
    parser.set_defaults(func=_export)
