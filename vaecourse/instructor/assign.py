"""``vaecourse assign``: write the student notebooks of chosen sessions, a README for students and the manifest.

The student notebooks are generated afresh from the instructor editions (``exercises/source``) with
:func:`~vaecourse.grading.editions.student_notebook`, so they hold no solution and no hidden test;
the assignment folder is safe to hand out as it is.
"""

from __future__ import annotations

import json
from pathlib import Path

from .manifest import MANIFEST_NAME, build_manifest, course_root, session_entry

README_NAME = "README.md"


def _late_lines(manifest: dict) -> list[str]:
    """The README's deadline section, from the manifest's late policy (never the per-student extensions)."""
    from .late import late_policy

    if not manifest.get("late_policy"):
        return []
    policy = late_policy({"late_policy": {k: v for k, v in manifest["late_policy"].items() if k != "extensions"}})
    if policy.deadline is None:
        return []
    rule = (f"each started {policy.period} after that costs {policy.rate:g}% of the points, at most {policy.cap:g}%"
            if policy.rate else "late work is marked late")
    grace = f" (with {policy.grace} of grace)" if policy.grace else ""
    return ["## Deadline", "", f"Due {policy.deadline.isoformat()}{grace}; {rule}.", ""]


def _student_readme(manifest: dict, cell_timeout: float | None) -> str:
    threshold = f"{manifest['mastery_threshold']:.0%}"
    lines = [
        "# Your assignment",
        "",
        "Graded exercise notebooks of the Variational Autoencoders course.",
        "",
        "| Notebook | Session | Points | Exercises |",
        "| --- | --- | --- | --- |",
    ]
    for entry in manifest["sessions"]:
        ids = ", ".join(f"`{e['id']}` ({e['points']:g})" for e in entry["exercises"])
        lines.append(f"| `{entry['notebook']}` | {entry['title']} | {entry['points']:g} | {ids} |")
    lines += [
        "",
        "## How to work",
        "",
        "1. Install the course package (`pip install -e .` in the course repository, or as your instructor says).",
        "2. Open each notebook, fill in every stub (replace the `raise NotImplementedError` line, or set the",
        "   answer that is `None`), run its cell, then run the check cell below it. `check` tells you what is",
        "   wrong and names a classic mistake when it recognises one; `hint(\"exercise_id\")` gives a hint.",
        "3. The mastery gate at the end of each notebook sums your points: you master a session with at least",
        f"   {threshold} of them.",
        "",
        *_late_lines(manifest),
        "## How to submit",
        "",
        "- Hand in the notebook file(s) under the same name(s), e.g. a folder named with your student id that",
        "  holds them, or just the notebook if the assignment has one.",
        "- Keep the names the exercises give (functions and answer variables): the grader looks them up by name,",
        "  and a renamed function or a deleted cell scores 0.",
        "- Only the notebooks are graded; other files are ignored. Your notebook runs top to bottom in a fresh",
        "  kernel, in an empty folder, without network access"
        + (f", and each cell may run at most {cell_timeout:g} s." if cell_timeout else "."),
        "- Run *Restart & Run All* before you submit: what does not run from a fresh kernel does not count.",
        "",
        f"Assigned with vaecourse {manifest['vaecourse_version']}; `{MANIFEST_NAME}` tells the grader what was assigned.",
    ]
    return "\n".join(lines) + "\n"


def assign(sessions: list[str], out: str | Path, *, root: str | Path | None = None,
           cell_timeout: float | None = None, late_policy: dict | None = None) -> dict:
    """Write the student editions of ``sessions`` to ``out`` with ``README.md`` and ``manifest.json``.

    Args:
        sessions: session keys, e.g. ``["s1", "s4"]`` (order kept, duplicates dropped).
        out: the assignment folder (created if needed).
        root: the course repository holding ``exercises/source`` (default: the one ``vaecourse``
            is installed from).
        cell_timeout: the per-cell limit you will grade with, stated in the README (optional).
        late_policy: ``{"deadline", "grace", "penalty", "cap"}`` as :mod:`~vaecourse.instructor.late`
            reads them, kept in the manifest and stated in the README (optional).

    Returns:
        The manifest (also written to ``out/manifest.json``).

    Raises:
        ValueError: an unknown session, or an instructor notebook that cannot be made into a
            student edition.
    """
    from ..grading import SESSIONS
    from ..grading.editions import student_edition_text

    if not sessions:
        raise ValueError("sessions must name at least one session, e.g. ['s4']")
    unknown = [s for s in sessions if s not in SESSIONS]
    if unknown:
        raise ValueError(f"sessions must be among {', '.join(SESSIONS)}; got {', '.join(unknown)}")
    if late_policy:
        from .late import late_policy as parse_policy

        parse_policy({"late_policy": late_policy})  # refuses a bad policy before anything is written
    root = Path(root) if root is not None else course_root()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for session in dict.fromkeys(sessions):
        source = root / SESSIONS[session].source_notebook
        if not source.is_file():
            raise ValueError(f"the instructor edition {source} is missing; pass root= the course repository")
        text = student_edition_text(source)
        entry = session_entry(session, text)
        (out / entry["notebook"]).write_text(text, encoding="utf-8")
        entries.append(entry)
    manifest = build_manifest(entries)
    if late_policy:
        manifest["late_policy"] = {k: v for k, v in late_policy.items() if v is not None}
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    (out / README_NAME).write_text(_student_readme(manifest, cell_timeout), encoding="utf-8")
    return manifest
