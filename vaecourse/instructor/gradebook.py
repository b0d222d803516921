"""The gradebook ``grades.csv``: one row per student from the grading records, and the lateness rule.

Columns: ``student``; one column per exercise id with the points earned; ``total``, ``max``,
``percent``, ``mastered`` (``yes`` when ``total / max`` reaches the mastery threshold);
``mistakes`` (``exercise:mistake_name`` for every catalogued mistake recognised); ``status``;
``late`` (``yes``/``no``, empty without a deadline); ``late_penalty`` and ``final`` (``total`` less
the penalty of the late policy, :mod:`~vaecourse.instructor.late`); ``submitted_at`` (UTC);
``problems`` (what went wrong with the files or the run); ``flags`` (code worth a look by hand);
``overrides`` (points set by hand, :mod:`~vaecourse.instructor.overrides`); ``on_roster``
(``yes``/``no``, empty without a roster, :mod:`~vaecourse.instructor.roster`).

Status, most severe first: ``grader_error`` (a fault of the grader, retried on the next run),
``malformed`` (a notebook missing, not a notebook, invalid JSON, no code cells), ``crashed`` (the
kernel died or would not start), ``timeout`` (a cell or the notebook hit its time limit),
``not_attempted`` (no exercise attempted), ``missing_answers`` (an answer name is not defined:
renamed or deleted), ``cell_error`` (a cell raised; the rest still ran and was graded), ``ok``; and
``missing`` (on the roster, nothing submitted).
"""

from __future__ import annotations

import csv
import re
from datetime import datetime, timezone
from pathlib import Path

from .manifest import exercise_columns

SUMMARY_COLUMNS = ("total", "max", "percent", "mastered", "mistakes", "status", "late", "late_penalty", "final",
                   "submitted_at", "problems", "flags", "overrides", "on_roster")


def columns(manifest: dict) -> list[str]:
    """The CSV header for ``manifest``."""
    return ["student", *(e["id"] for e in exercise_columns(manifest)), *SUMMARY_COLUMNS]


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time; without a zone it is taken as this computer's local time."""
    if not text:
        return None
    stamp = datetime.fromisoformat(str(text))
    return stamp if stamp.tzinfo else stamp.astimezone()


def is_late(record: dict, deadline: datetime | None) -> str:
    """``yes``/``no`` against ``deadline``, or ``""`` when there is none (or no submission time)."""
    submitted = parse_time(record.get("submitted_at"))
    if deadline is None or submitted is None:
        return ""
    return "yes" if submitted > deadline else "no"


_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text, *, newlines: bool = True) -> str:
    """``text`` without terminal escapes and control characters (tabs and, if ``newlines``, line breaks kept).

    >>> printable("Evil\x1b[31mError\x07")
    'EvilError'
    """
    text = _CONTROL.sub("", _ANSI.sub("", str(text).replace("\r\n", "\n")))
    return text if newlines else " ".join(text.split())


def _cell(text: str) -> str:
    """One printable line, and never a spreadsheet formula (text could come from a student's files)."""
    text = printable(text, newlines=False)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def row(record: dict, manifest: dict, deadline: datetime | None = None) -> dict[str, str]:
    """The CSV row of one student's record."""
    by_id = {r["exercise_id"]: r for r in record["results"]}
    total, maximum = record["score"], record["max_score"]
    fraction = total / maximum if maximum else 0.0
    out = {"student": _cell(record["student"])}
    for exercise in exercise_columns(manifest):
        result = by_id.get(exercise["id"])
        out[exercise["id"]] = f"{result['score']:g}" if result else "0"
    submitted = parse_time(record.get("submitted_at"))
    lateness = record.get("lateness") or {"late": is_late(record, deadline), "penalty": 0.0, "final": total}
    out.update({
        "total": f"{total:g}",
        "max": f"{maximum:g}",
        "percent": f"{100 * fraction:.1f}",
        "mastered": "yes" if fraction >= manifest["mastery_threshold"] - 1e-9 else "no",
        "mistakes": _cell("; ".join(f"{r['exercise_id']}:{r['mistake']}" for r in record["results"] if r.get("mistake"))),
        "status": _cell(record["status"]),
        "late": lateness["late"],
        "late_penalty": f"{lateness['penalty']:g}",
        "final": f"{lateness['final']:g}",
        "submitted_at": submitted.astimezone(timezone.utc).isoformat(timespec="seconds") if submitted else "",
        "problems": _cell("; ".join(record.get("problems", []))),
        "flags": _cell("; ".join(record.get("flags", []))),
        "overrides": _cell("; ".join(record.get("overrides", []))),
        "on_roster": record.get("on_roster", ""),
    })
    return out


def write_csv(path: str | Path, records: list[dict], manifest: dict, deadline: datetime | None = None) -> Path:
    """Write ``grades.csv`` with one row per record, sorted by student id."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns(manifest))
        writer.writeheader()
        for record in sorted(records, key=lambda r: r["student"]):
            writer.writerow(row(record, manifest, deadline))
    partial.replace(path)
    return path


def read_csv(path: str | Path) -> list[dict[str, str]]:
    """The rows of a ``grades.csv`` (for checks and merges)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
