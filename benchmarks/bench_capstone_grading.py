"""Benchmark of ``vaecourse grade`` on the capstone (Session 8): seconds per submission, each in its own confined kernel.

Run from the repository root (a quiet machine gives the meaningful numbers)::

    python benchmarks/bench_capstone_grading.py               # 3 submissions, 1 worker
    python benchmarks/bench_capstone_grading.py --keep runs/capstone-grading

The class: a right submission (the instructor edition's solutions), one whose loss averages over pixels
(the bug of keras-team/keras#3373), and the untouched student edition. A submission's time covers
running its notebook (which trains the model twice, once per exercise, and checks it) and the grader's
collection, which trains each model again under the checker's budget.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from vaecourse.grading.editions import BEGIN_HIDDEN, END_HIDDEN, BEGIN_SOLUTION, END_SOLUTION  # noqa: E402
from vaecourse.instructor import grade_class  # noqa: E402
from vaecourse.instructor.assign import assign  # noqa: E402
from vaecourse.instructor.gradebook import read_csv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PIXEL_MEAN = "F.binary_cross_entropy_with_logits(logits, x, reduction=\"none\").sum(-1)  # (B,)"


def solved_notebook(keras_bug: bool = False):
    """The instructor edition with its hidden tests and markers removed: what a right submission holds."""
    nb = nbformat.read(str(ROOT / "exercises/source/s8_capstone.ipynb"), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines, keep, hidden = [], [], False
        for line in cell.source.splitlines():
            text = line.strip()
            if text == BEGIN_HIDDEN:
                hidden = True
            elif text == END_HIDDEN:
                hidden = False
            elif not hidden and text not in (BEGIN_SOLUTION, END_SOLUTION):
                keep.append(line)
        lines = keep
        cell.source = "\n".join(lines)
        if keras_bug and cell.source.startswith("def loss("):
            cell.source = cell.source.replace(PIXEL_MEAN, "F.binary_cross_entropy_with_logits(logits, x, reduction=\"none\").mean(-1)")
            assert cell.source.count(".mean(-1)") == 1
    nb.metadata["vaecourse"]["edition"] = "student"
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--keep", default=None, help="write the class and the gradebook here (default: a temporary folder)")
    parser.add_argument("--save", default=None, help="also write the numbers to this JSON file (the book's page reads one)")
    args = parser.parse_args(argv)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-capstone-"))
    manifest = assign(["s8"], folder / "assignment")
    name = manifest["sessions"][0]["notebook"]
    notebooks = {
        "right": solved_notebook(),
        "pixel_mean_bug": solved_notebook(keras_bug=True),
        "untouched": nbformat.read(str(folder / "assignment" / name), as_version=4),
    }
    for student, nb in notebooks.items():
        (folder / "submissions" / student).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(folder / "submissions" / student / name))
    load_before = os.getloadavg()[0]
    print(f"{len(notebooks)} capstone submissions, {args.workers} worker(s), {os.cpu_count()} CPU cores; "
          f"load average before: {load_before:.2f}")
    start = time.perf_counter()
    grade_class(folder / "submissions", folder / "graded", manifest=folder / "assignment" / "manifest.json",
                workers=args.workers)
    wall = time.perf_counter() - start
    seconds = {}
    for row in read_csv(folder / "graded" / "grades.csv"):
        record = json.loads((folder / "graded" / "results" / f"{row['student']}.json").read_text())
        seconds[row["student"]] = record["seconds"]
        print(f"  {row['student']:<16} {row['status']:<14} {row['total']:>5} / {row['max']}  "
              f"{record['seconds']:6.1f} s  mistakes: {row['mistakes'] or '-'}")
    load_after = os.getloadavg()[0]
    print(f"graded {len(notebooks)} submissions in {wall:.1f} s; load average after: {load_after:.2f}")
    if args.save:
        result = {"date": time.strftime("%Y-%m-%d"), "workers": args.workers, "cpu_cores": os.cpu_count(),
                  "wall_s": round(wall, 1), "load_before": round(load_before, 1), "load_after": round(load_after, 1),
                  **{f"{student}_s": round(value, 1) for student, value in seconds.items()}}
        Path(args.save).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
