"""One feedback file per student (Markdown): each lost point explained with the checker's words and book pointers.

The text comes from the checker's results only, which never contain the reference solution, the
hidden inputs or expected values, and which the grader has already passed through its redactor.
Anything that could come from the student's own files (exception messages, file names) is shown
inside fenced blocks, so it cannot turn into links or HTML when the Markdown is rendered, and the whole
text is stripped of terminal escapes and control characters (:func:`~vaecourse.instructor.gradebook.printable`).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..grading.sections import SECTION_TOPICS, section_url
from .gradebook import is_late, printable

_STATUS_WORDS = {
    "passed": "passed",
    "failed": "not correct yet",
    "error": "error",
    "timeout": "timed out",
    "not_attempted": "not attempted",
}


def _fenced(text: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + "text", text.rstrip(), fence]


def _exercise_block(result: dict, title: str) -> list[str]:
    header = f"### `{result['exercise_id']}` — {title}: {result['score']:g} / {result['max_score']:g}"
    lines = [header, ""]
    if result.get("override"):
        change = result["override"]
        lines += [f"Points set by your instructor: {change['points']:g} (the grader gave {change['was']:g})."
                  + (f" Comment: {change['comment']}" if change["comment"] else ""), ""]
    if result["status"] == "passed":
        return lines + ["Passed.", ""]
    lost = result["max_score"] - result["score"]
    lines.append(f"{_STATUS_WORDS.get(result['status'], result['status']).capitalize()}; {lost:g} point(s) lost.")
    if result.get("mistake"):
        lines.append(f"Named mistake: `{result['mistake']}`.")
    lines += [""] + _fenced(result["feedback"]) + [""]
    labels = [label for label in result.get("review", []) if label in SECTION_TOPICS]
    if labels:
        lines.append("Read again: " + "; ".join(f"[{SECTION_TOPICS[x]}]({section_url(x)})" for x in labels) + ".")
        lines.append("")
    return lines


def render(record: dict, manifest: dict, deadline=None) -> str:
    """The Markdown feedback of one student's record."""
    total, maximum = record["score"], record["max_score"]
    fraction = total / maximum if maximum else 0.0
    threshold = manifest["mastery_threshold"]
    verdict = "mastery reached" if fraction >= threshold - 1e-9 else "not reached yet"
    lines = [
        f"# Feedback for {printable(record['student'], newlines=False)}",
        "",
        f"**Total: {total:g} / {maximum:g} points ({fraction:.0%}).** Mastery needs {threshold:.0%}: {verdict}.",
        "",
        f"Grading status: `{printable(record['status'], newlines=False)}`."
        + (" Submitted after the deadline." if (record.get("lateness") or {}).get("late", is_late(record, deadline)) == "yes"
           else ""),
        "",
    ]
    lateness = record.get("lateness")
    if lateness and lateness["penalty"]:
        lines += [f"**Late penalty:** {lateness['hours_late']:g} h after your deadline: {total:g} points less "
                  f"{lateness['penalty']:g} = **{lateness['final']:g} / {maximum:g} points**.", ""]
    if record["status"] == "missing":  # on the roster, nothing submitted
        lines += ["No submission was received, so every exercise scores 0.", ""]
    elif record.get("problems"):
        lines += ["What went wrong while running your notebook:", ""] + _fenced("\n".join(record["problems"])) + [""]
    by_id = {r["exercise_id"]: r for r in record["results"]}
    for entry in manifest["sessions"]:
        results = [by_id[e["id"]] for e in entry["exercises"] if e["id"] in by_id]
        earned = sum(r["score"] for r in results)
        lines += [f"## {entry['title']} (`{entry['notebook']}`): {earned:g} / {entry['points']:g}", ""]
        for exercise in entry["exercises"]:
            if exercise["id"] in by_id:
                lines += _exercise_block(by_id[exercise["id"]], exercise["title"])
    lines.append("Fix what is listed above, run each check again, then the mastery gate.")
    return printable("\n".join(lines)) + "\n"


def write_feedback(folder: str | Path, record: dict, manifest: dict, deadline=None) -> Path:
    """Write ``folder/STUDENT.md`` and return its path."""
    path = Path(folder) / f"{record['student']}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(record, manifest, deadline), encoding="utf-8")
    return path
