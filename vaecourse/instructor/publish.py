"""What a grading run hands out, from its records: roster, overrides and late policy applied, then feedback, ``grades.csv`` and exports.

``vaecourse grade`` and ``--merge`` both end here, so a merged class is published exactly as one
graded on one machine. The records in ``results/`` stay as the grader wrote them: the roster, the
overrides file and the late policy are read again and applied to copies on every run.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .exports import Assignment, default_name, write_export
from .feedback import write_feedback
from .gradebook import parse_time, read_csv, write_csv
from .late import LatePolicy, late_policy
from .manifest import load_manifest
from .overrides import apply_overrides, load_overrides, unknown_students
from .roster import load_roster, reconcile


@dataclass
class ClassPolicy:
    """The instructor's settings that change grades after grading: late policy, roster, overrides, exports."""

    late: LatePolicy = field(default_factory=LatePolicy)
    roster: dict | None = None
    roster_path: Path | None = None
    overrides: dict = field(default_factory=dict)
    overrides_path: Path | None = None
    formats: tuple[str, ...] = ()
    assignment: str | None = None


def class_policy(manifest: dict, *, deadline=None, grace=None, penalty=None, cap=None, extensions=None,
                 roster=None, overrides=None, formats=(), assignment=None) -> ClassPolicy:
    """A :class:`ClassPolicy` from the manifest's ``late_policy`` and the command line's options (paths or values)."""
    manifest = load_manifest(manifest)
    return ClassPolicy(
        late=late_policy(manifest, deadline=deadline, grace=grace, penalty=penalty, cap=cap, extensions=extensions),
        roster=load_roster(roster) if roster else None, roster_path=Path(roster) if roster else None,
        overrides=load_overrides(overrides, manifest) if overrides else {},
        overrides_path=Path(overrides) if overrides else None,
        formats=tuple(formats or ()), assignment=assignment,
    )


def shard_policy(folder, run: dict, **options) -> ClassPolicy:
    """The policy a graded ``folder`` (its ``grading.json`` is ``run``) was published with, ``options`` replacing parts.

    The late policy, roster and overrides file a shard was graded with are kept in its folder, so
    ``--merge`` applies them again without being told; an option given here (e.g. ``roster=``) wins.
    """
    folder = Path(folder)
    manifest = dict(run["manifest"])
    if run.get("late_policy"):
        manifest["late_policy"] = run["late_policy"]
    for name in ("roster", "overrides"):
        if options.get(name) is None and (folder / f"{name}.csv").is_file():
            options[name] = folder / f"{name}.csv"
    return class_policy(manifest, **options)


def adjust(record: dict, policy: ClassPolicy) -> dict:
    """A copy of ``record`` with its overrides applied and ``lateness`` (raw, penalty, final) and ``on_roster`` set."""
    student = record["student"]
    record = dict(apply_overrides(record, policy.overrides.get(student, {})))
    submitted = parse_time(record.get("submitted_at")) if record["status"] != "missing" else None
    record["lateness"] = policy.late.assess(student, submitted, record["score"], record["max_score"])
    record["on_roster"] = "" if policy.roster is None else ("yes" if student in policy.roster else "no")
    return record


def publish(out, records: dict[str, dict], manifest: dict, policy: ClassPolicy) -> dict:
    """Write ``out/feedback/``, ``out/grades.csv``, ``out/roster.csv``, ``out/overrides.csv`` and ``out/exports/FORMAT.csv``.

    Returns:
        ``{"missing": roster students without a submission, "not_on_roster": submissions from
        students the roster lacks, "unknown_overrides": students the overrides name but no record has,
        "assignment": the export column name}``.
    """
    out = Path(out)
    everyone, not_on_roster = reconcile(records, policy.roster, manifest)
    adjusted = [adjust(record, policy) for record in everyone.values()]
    for record in adjusted:
        write_feedback(out / "feedback", record, manifest, policy.late.deadline_for(record["student"]))
    write_csv(out / "grades.csv", adjusted, manifest, policy.late.deadline)
    for source, name in ((policy.roster_path, "roster.csv"), (policy.overrides_path, "overrides.csv")):
        if source and source.resolve() != (out / name).resolve():
            shutil.copyfile(source, out / name)  # `vaecourse export` and `--merge` find them here
    name = policy.assignment or default_name(manifest)
    assignment = Assignment(name, policy.late.deadline.isoformat() if policy.late.deadline else None,
                            float(manifest["total_points"]), read_csv(out / "grades.csv"), out)
    for fmt in policy.formats:
        write_export(fmt, [assignment], out / "exports" / f"{fmt}.csv", policy.roster)
    return {
        "assignment": name,
        "missing": sorted(s for s in everyone if s not in records),
        "not_on_roster": not_on_roster,
        "unknown_overrides": unknown_students(policy.overrides, everyone),
        "late_policy": policy.late.to_dict(),
    }
