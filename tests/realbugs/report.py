"""Grade every real-world case and print, per exercise and in total, how many are rejected, named, named right, and accepted.

Run: ``PYTHONPATH=$PWD .venv/bin/python -m tests.realbugs.report`` (``-v`` lists every case with its result;
``--gaps`` prints the cases the checker falls short on, in the form of ``gaps.py``).
"""

from __future__ import annotations

import sys
from collections import defaultdict

from vaecourse.grading import check
from vaecourse.grading.registry import get_exercise

from . import SEED, RealCase, all_cases


def precondition(case: RealCase) -> str | None:
    """Why ``case`` cannot be graded against today's exercise (None if it can)."""
    if case.needs == "free_bits_batch_mean":
        import torch

        exercise = get_exercise(case.exercise)
        kl = torch.tensor([[0.1, 2.0, 0.3], [0.2, 0.1, 1.5]])
        try:
            value = exercise.reference(kl, 0.5)
        except Exception:  # noqa: BLE001 - a changed signature also means "not this definition yet"
            return "free_bits_kl does not take (kl_per_dim, free_bits) yet"
        want = kl.mean(0).clamp(min=0.5).sum()
        if not (isinstance(value, torch.Tensor) and value.shape == want.shape and torch.allclose(value, want)):
            return "free_bits_kl still floors each example's KL (issue 21: floor each dimension's batch-mean KL)"
    return None


def grade_case(case: RealCase):
    """The checker's result for one case, with the seed every case uses."""
    return check(case.exercise, case.fn, seed=SEED, quiet=True)


def verdict(case: RealCase, result) -> tuple[bool, str]:
    """(whether the checker did what the case asks, a short description of what it did)."""
    full = result.score >= result.max_score
    if not case.buggy:
        return result.passed and full, f"{result.status} {result.score:g}/{result.max_score:g}"
    caught = not result.passed and not full
    named = result.mistake is not None
    right = named and (not case.expect or result.mistake in case.expect)
    what = "accepted" if not caught else (f"named {result.mistake}" if named else f"rejected unnamed ({result.status})")
    return caught and right, what


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    misses: list[tuple[str, str]] = []
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for case in all_cases():
        row = rows[case.exercise]
        reason = precondition(case)
        if reason:
            row["skipped"] += 1
            if verbose:
                print(f"  skip  {case.id}: {reason}")
            continue
        result = grade_case(case)
        ok, what = verdict(case, result)
        full = result.score >= result.max_score
        if case.buggy:
            row["bugs"] += 1
            row["rejected"] += int(not result.passed and not full)
            row["named"] += int(not result.passed and not full and result.mistake is not None)
            row["named_right"] += int(ok)
        else:
            row["correct"] += 1
            row["accepted"] += int(ok)
        if not ok:
            misses.append((case.id, what))
        if verbose:
            print(f"  {'ok  ' if ok else 'MISS'}  {case.id} [{case.exercise}]: {what}")
    columns = ("bugs", "rejected", "named", "named_right", "correct", "accepted", "skipped")
    width = max(len(e) for e in rows) + 2
    print("exercise".ljust(width) + "".join(c.rjust(12) for c in columns))
    total = defaultdict(int)
    for exercise, row in rows.items():
        print(exercise.ljust(width) + "".join(str(row[c]).rjust(12) for c in columns))
        for c in columns:
            total[c] += row[c]
    print("total".ljust(width) + "".join(str(total[c]).rjust(12) for c in columns))
    named_share = total["named_right"] / total["bugs"] if total["bugs"] else 0.0
    print(
        f"\n{total['bugs'] + total['correct']} cases graded ({total['skipped']} skipped): "
        f"{total['rejected']}/{total['bugs']} bugs rejected, {total['named']} named, "
        f"{total['named_right']} named right ({named_share:.0%}); "
        f"{total['accepted']}/{total['correct']} correct answers accepted."
    )
    if "--gaps" in argv:
        print("\nGAPS: dict[str, str] = {" + ("" if misses else "}"))
        for case_id, what in misses:
            print(f"    {case_id!r}: {what!r},")
        if misses:
            print("}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
