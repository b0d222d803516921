"""Benchmark of ``vaecourse grade``: wall time to grade a class of Session 4 submissions, and seconds per submission.

Run from the repository root (a quiet machine gives the meaningful numbers)::

    python benchmarks/bench_grading.py                    # 40 submissions, 2 workers
    python benchmarks/bench_grading.py --students 8       # a smoke run

The class is the demo class of :mod:`vaecourse.instructor.demo` (right, partly right, three
catalogued mistakes, a wrong choice, untouched stubs, in turn). Each submission runs in its own
confined kernel with the default limits; the grader's processes stay warm across submissions. It
prints the wall time, the wall time per submission (the throughput figure), the median time one
submission occupies a worker, and the gradebook's status counts, then re-runs the class to time the
resume path (every record reused).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from vaecourse.instructor import grade_class  # noqa: E402
from vaecourse.instructor.demo import write_demo_class  # noqa: E402
from vaecourse.instructor.gradebook import read_csv  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", default=None, help="write the class and the gradebook here (default: a temporary folder)")
    parser.add_argument("--save", default=None, help="also write the numbers to this JSON file (the book's page reads one)")
    args = parser.parse_args(argv)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-grading-"))
    submissions, manifest = write_demo_class(folder, args.students)
    load_before = os.getloadavg()[0]
    print(f"{args.students} submissions of Session 4, {args.workers} workers, {os.cpu_count()} CPU cores; "
          f"load average before: {load_before:.2f}")
    start = time.perf_counter()
    summary = grade_class(submissions, folder / "graded", manifest=manifest, workers=args.workers,
                          on_progress=lambda s, r, done, total: print(f"  [{done}/{total}] {s}: {r['status']}, "
                                                                      f"{r['score']:g} / {r['max_score']:g}", flush=True))
    wall = time.perf_counter() - start
    records = [json.loads(p.read_text()) for p in (folder / "graded" / "results").glob("*.json")]
    busy = statistics.median(r["seconds"] for r in records)
    rows = read_csv(folder / "graded" / "grades.csv")
    statuses = collections.Counter(r["status"] for r in rows)
    totals = collections.Counter(r["total"] for r in rows)
    start = time.perf_counter()
    again = grade_class(submissions, folder / "graded", manifest=manifest, workers=args.workers)
    resume = time.perf_counter() - start
    print(f"graded {len(rows)} submissions in {wall:.1f} s: {wall / len(rows):.2f} s per submission (wall / count)")
    print(f"median time one submission occupies a worker: {busy:.2f} s; load average after: {os.getloadavg()[0]:.2f}")
    print(f"statuses: {dict(statuses)}; totals: {dict(sorted(totals.items()))}")
    print(f"re-run with every record reused ({again['reused']} reused, {again['ran']} run): {resume:.2f} s")
    print(f"confinement: Landlock ABI {(summary['confinement'] or {}).get('landlock_abi', 0)}; output in {folder}")
    if args.save:
        numbers = {
            "students": len(rows), "workers": args.workers, "cpu_cores": os.cpu_count(), "wall_s": round(wall, 1),
            "per_submission_s": round(wall / len(rows), 2), "median_busy_s": round(busy, 2), "resume_s": round(resume, 2),
            "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2),
            "landlock_abi": (summary["confinement"] or {}).get("landlock_abi", 0), "statuses": dict(statuses),
            "date": time.strftime("%Y-%m-%d"),
        }
        Path(args.save).write_text(json.dumps(numbers, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
