"""The instructor commands ``vaecourse assign`` and ``vaecourse grade`` (argument parsing and progress output)."""

from __future__ import annotations

import argparse
import sys

from .execute import Limits


def _assign(args) -> int:
    from .assign import assign

    try:
        late = {"deadline": args.deadline, "grace": args.grace, "penalty": args.late_penalty, "cap": args.late_cap}
        manifest = assign(args.sessions, args.out, root=args.root, cell_timeout=args.cell_timeout,
                          late_policy={k: v for k, v in late.items() if v is not None} or None)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for entry in manifest["sessions"]:
        print(f"wrote {args.out}/{entry['notebook']} ({len(entry['exercises'])} exercises, {entry['points']:g} points)")
    print(f"wrote {args.out}/README.md and {args.out}/manifest.json ({manifest['total_points']:g} points in all)")
    return 0


def _progress(student: str, record: dict, done: int, total: int) -> None:
    print(f"[{done}/{total}] {student}: {record['status']}, {record['score']:g} / {record['max_score']:g}"
          f" ({record['seconds']:.1f} s)", flush=True)


def _policy(args, manifest=None, shard=None):
    from .publish import class_policy, shard_policy

    options = dict(deadline=args.deadline, grace=args.grace, penalty=args.late_penalty, cap=args.late_cap,
                   extensions=args.extensions, roster=args.roster, overrides=args.overrides,
                   formats=args.format or (), assignment=args.assignment)
    return shard_policy(*shard, **options) if shard else class_policy(manifest, **options)


def _report(summary: dict) -> None:
    for key in ("missing", "not_on_roster", "unknown_overrides"):
        if summary.get(key):
            print(f"{key.replace('_', ' ')}: {', '.join(summary[key])}", file=sys.stderr)


def _grade(args) -> int:
    import json
    from pathlib import Path

    from .grade import grade_class
    from .merge import merge
    from .shards import resolve_shard

    try:
        if args.merge:
            run = json.loads((Path(args.merge[0]) / "grading.json").read_text(encoding="utf-8"))
            summary = merge(args.merge, args.out, policy=_policy(args, shard=(args.merge[0], run)))
            _report(summary)
            print(f"merged {len(args.merge)} folders: {len(summary['graded'])} students -> {args.out}/grades.csv")
            for key in ("duplicates", "missing_shards", "missing_students"):
                if summary[key]:
                    print(f"{key.replace('_', ' ')}: {', '.join(summary[key])}", file=sys.stderr)
            return 1 if summary["missing_shards"] or summary["missing_students"] else 0
        if args.submissions is None:
            print("error: give SUBMISSIONS_DIR (or --merge DIR...)", file=sys.stderr)
            return 2
        limits = Limits(
            cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout, check_timeout=args.check_timeout,
            output_chars=args.output_limit, memory_bytes=args.memory_limit * 2**20,
            require_confinement=args.require_confinement,
        )
        manifest = args.manifest or str(Path(args.submissions) / "manifest.json")
        summary = grade_class(args.submissions, args.out, manifest=manifest, workers=args.workers, limits=limits,
                              seed=args.seed, shard=resolve_shard(args.shard, args.shard_count),
                              policy=_policy(args, manifest), on_progress=_progress, force=args.force)
        _report(summary)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    confinement = summary["confinement"] or {}
    missing = confinement.get("not_enforced", []) if summary["ran"] else []
    if missing:  # said once per run: what this machine could not enforce (see the instructors' page)
        print("warning: not enforced on this machine: " + "; ".join(missing) + " (see the safety model on the "
              "instructors' page: run as root with user namespaces and cgroups, or in a container)", file=sys.stderr)
    print(f"graded {len(summary['graded'])} submissions ({summary['ran']} run, {summary['reused']} reused) "
          f"in {summary['seconds']:.1f} s -> {args.out}/grades.csv")
    return 0


def add_parser(subparsers) -> None:
    """Register ``assign`` and ``grade``."""
    defaults = Limits()
    assign = subparsers.add_parser("assign", help="write the student notebooks, README and manifest of sessions")
    assign.add_argument("sessions", nargs="+", metavar="SESSION", help="session keys, e.g. s1 s4")
    assign.add_argument("--out", required=True, help="the assignment folder to write")
    assign.add_argument("--root", default=None, help="the course repository (default: where vaecourse is installed from)")
    assign.add_argument("--cell-timeout", type=float, default=None, help="state this per-cell limit in the README")
    assign.add_argument("--deadline", default=None, help="ISO 8601 time, kept in the manifest's late policy and the README")
    assign.add_argument("--grace", default=None, help="late policy: grace period (e.g. 15m)")
    assign.add_argument("--late-penalty", default=None, help="late policy: e.g. 10%%/day or 2%%/hour")
    assign.add_argument("--late-cap", default=None, help="late policy: the most lost, e.g. 50%%")
    assign.set_defaults(func=_assign)

    grade = subparsers.add_parser("grade", help="grade a class of submissions (or --merge shards' results)")
    grade.add_argument("submissions", nargs="?", metavar="SUBMISSIONS_DIR", help="one folder or notebook per student")
    grade.add_argument("--out", required=True, help="output folder: grades.csv, feedback/, results/")
    grade.add_argument("--manifest", default=None,
                       help="the assignment's manifest.json (default: SUBMISSIONS_DIR/manifest.json)")
    grade.add_argument("--workers", type=int, default=None, help="submissions graded at once (default: CPU cores)")
    grade.add_argument("--cell-timeout", type=float, default=defaults.cell_timeout,
                       help="seconds per cell (default %(default)s)")
    grade.add_argument("--notebook-timeout", type=float, default=defaults.notebook_timeout,
                       help="seconds for all cells of a notebook (default %(default)s)")
    grade.add_argument("--check-timeout", type=float, default=defaults.check_timeout,
                       help="seconds each answer may run when collected (default %(default)s)")
    grade.add_argument("--output-limit", type=int, default=defaults.output_chars, help="output characters kept per notebook")
    grade.add_argument("--memory-limit", type=int, default=defaults.memory_bytes // 2**20,
                       help="MiB of address space per kernel")
    grade.add_argument("--require-confinement", action="store_true", help="refuse to run notebooks without Landlock and namespaces")
    grade.add_argument("--seed", type=int, default=None,
                       help="the checker's seed (default: VAECOURSE_CHECK_SEED or from the manifest)")
    grade.add_argument("--shard", default=None,
                       help="grade every N-th submission starting at the I-th: I/N (1-based); default: from "
                            "SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX when set, else 1/1")
    grade.add_argument("--shard-count", type=int, default=None,
                       help="N for JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's completions; or VAECOURSE_SHARD_COUNT)")
    grade.add_argument("--deadline", default=None, help="ISO 8601 time; later submissions are marked late")
    grade.add_argument("--grace", default=None, help="late by less than this costs nothing (e.g. 15m, 2h)")
    grade.add_argument("--late-penalty", default=None, help="percent of the points per started day or hour late: 10%%/day")
    grade.add_argument("--late-cap", default=None, help="the most a late submission loses, e.g. 50%% (default 100%%)")
    grade.add_argument("--extensions", default=None, metavar="CSV", help="student,extension (a time, or a duration: 48h)")
    grade.add_argument("--roster", default=None, metavar="CSV", help="every student of the class (student id, name, email, SIS ids, section)")
    grade.add_argument("--overrides", default=None, metavar="CSV", help="student,exercise,points,comment set by hand")
    grade.add_argument("--format", nargs="+", default=None, choices=("canvas", "moodle", "nbgrader", "detailed"),
                       help="also write exports/FORMAT.csv")
    grade.add_argument("--assignment", default=None, help="the assignment's column name in the exports")
    grade.add_argument("--force", nargs="*", default=None, metavar="STUDENT",
                       help="regrade even where a record could be reused: everyone, or only the students named")
    grade.add_argument("--merge", nargs="+", default=None, metavar="DIR", help="merge these shard output folders into --out")
    grade.set_defaults(func=_grade)

    from .exports import add_parser as add_export
    from .gradescope import add_parser as add_gradescope

    add_export(subparsers)
    add_gradescope(subparsers)
