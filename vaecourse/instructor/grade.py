"""``vaecourse grade``: grade a class in parallel, each submission in its own process, resumable and repeatable.

Writes to ``out``: ``results/STUDENT.json`` (the full record, written atomically as each student
finishes), ``feedback/STUDENT.md``, ``grades.csv`` and ``grading.json`` (the run's settings and the
list of submissions, which ``--merge`` uses to check that shards fit together). A record whose
fingerprint — the manifest, the checker, the limits, the seed and the bytes of the graded files —
is unchanged is reused, so an interrupted run resumes where it stopped and a re-run of a finished
class only rewrites the CSV; ``force`` (``vaecourse grade --force [STUDENT ...]``) regrades everyone
or the named students. Every submission is graded with the same seed, so a re-run gives identical
grades. The grader checks its own files (the checker and its bank) before it reuses anything and
after each student: a record made while they were changed or unreadable is a ``grader_error``,
never a score, and is graded again on the next run. Working folders (``vcg-PID-*``) and control
groups that a killed grader left behind are removed at the start of the next run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .execute import Limits
from .gradebook import parse_time
from .manifest import checker_digest, course_root, load_manifest, manifest_digest, sha256_bytes
from .pool import RunnerPool
from .quota import remove_stale as remove_stale_groups
from .publish import ClassPolicy, class_policy, publish
from .runner import RECORD_FORMAT, grade_submission, remove_tree, write_json_atomic
from .similarity import write_similar_answers
from .submissions import Submission, discover, select_shard

RUN_FORMAT = "vaecourse-grading-run/1"


def default_seed(manifest: dict) -> int:
    """``VAECOURSE_CHECK_SEED`` if set, else a seed derived from the manifest (the same on every run)."""
    value = os.environ.get("VAECOURSE_CHECK_SEED", "").strip()
    return int(value) if value else int(manifest_digest(manifest)[:8], 16) % 2**31


def fingerprint(submission: Submission, settings: dict) -> str:
    """What a record depends on: the grading settings and the bytes of the files graded."""
    files = [(p.name, sha256_bytes(p.read_bytes())) for p in submission.files()]
    payload = {"settings": settings, "files": files, "malformed": submission.malformed, "problems": submission.problems}
    return sha256_bytes(json.dumps(payload, sort_keys=True, default=str).encode())


def grader_problem(expected_digest: str) -> str | None:
    """Why the checker's files are not the ones this run started with (changed or unreadable), or None."""
    try:
        digest = checker_digest()
    except OSError as exc:
        return f"the checker's files could not be read ({type(exc).__name__}: {exc.filename or exc})"
    return None if digest == expected_digest else "the checker's files changed while grading"


def remove_stale_folders(folder: str | None = None) -> list[Path]:
    """Remove ``vcg-PID-*`` working folders whose grader process (PID) no longer runs; return them."""
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob("vcg-*-*"):
        try:
            pid = int(path.name.split("-")[1])
            os.kill(pid, 0)
            continue  # its grader still runs
        except ProcessLookupError:
            pass
        except (ValueError, IndexError, PermissionError):
            continue
        if path.is_dir() and not path.is_symlink():
            remove_tree(path)
            removed.append(path)
    return removed


def _forced(force, mine: list[Submission]) -> set[str]:
    """The students to regrade whatever their records: everyone for ``True``, else the named ones."""
    if force is None or force is False:
        return set()
    if force is True or (isinstance(force, (list, tuple, set)) and not force):
        return {s.student for s in mine}
    names = {force} if isinstance(force, str) else set(force)
    unknown = sorted(names - {s.student for s in mine})
    if unknown:
        raise ValueError(f"force names students with no submission here: {', '.join(unknown)}")
    return names


def _fallback_record(submission: Submission, manifest: dict, fp: str, status: str, problem: str) -> dict:
    from ..grading import get_exercise
    from ..grading import result as R

    message = f"Your submission could not be graded: {problem}."
    results = [R.make_result(get_exercise(e["id"]), R.ERROR if status != "timeout" else R.TIMEOUT, message).to_dict()
               for entry in manifest["sessions"] for e in entry["exercises"]]
    return {
        "format": RECORD_FORMAT, "student": submission.student, "fingerprint": fp, "status": status,
        "submitted_at": submission.submitted_at.isoformat() if submission.submitted_at else None,
        "problems": submission.problems + [problem], "flags": [], "results": results, "score": 0.0,
        "max_score": float(sum(r["max_score"] for r in results)), "executions": {}, "seconds": 0.0,
    }


def grade_class(submissions_dir, out, *, manifest=None, workers: int | None = None, limits: Limits | None = None,
                seed: int | None = None, shard: tuple[int, int] = (1, 1), deadline=None, on_progress=None,
                policy: ClassPolicy | None = None, force=None) -> dict:
    """Grade every submission (of this shard) in ``submissions_dir``; write the gradebook to ``out``.

    Args:
        submissions_dir: one folder (or one ``.ipynb``) per student, named by student id.
        out: output folder (``grades.csv``, ``feedback/``, ``results/``, ``grading.json``).
        manifest: the manifest (path or dict); default ``submissions_dir/manifest.json``.
        workers: submissions graded at once (default: the number of CPU cores).
        limits: time, output and memory limits (:class:`~vaecourse.instructor.execute.Limits`).
        seed: the checker's seed (default: ``VAECOURSE_CHECK_SEED``, else derived from the manifest).
        shard: ``(I, N)``: grade only every N-th submission starting at the I-th.
        deadline: an aware ``datetime`` or ISO string; later submissions are marked late.
        on_progress: called as ``on_progress(student, record, done, total)`` after each student.
        policy: late policy, roster, overrides and exports (:func:`~vaecourse.instructor.publish.class_policy`);
            default: the manifest's late policy with ``deadline`` in place of its deadline.
        force: regrade whatever the records say: ``True`` (or an empty list) for everyone, or a list
            of student ids (ValueError for a name without a submission).

    Returns:
        The run summary that is also written to ``out/grading.json``.
    """
    manifest = load_manifest(manifest if manifest is not None else Path(submissions_dir) / "manifest.json")
    limits = limits or Limits()
    seed = default_seed(manifest) if seed is None else int(seed)
    deadline = parse_time(deadline) if isinstance(deadline, str) else deadline
    policy = policy or class_policy(manifest, deadline=deadline)
    deadline = policy.late.deadline
    out = Path(out)
    (out / "results").mkdir(parents=True, exist_ok=True)
    everyone = discover(submissions_dir, manifest)
    mine = select_shard(everyone, shard)
    settings = {"manifest": manifest_digest(manifest), "checker": checker_digest(), "seed": seed,
                "limits": dataclasses.asdict(limits), "format": RECORD_FORMAT}
    if checker_digest() != manifest.get("checker_sha256"):
        print("warning: the checker differs from the one the manifest was assigned with", file=sys.stderr)
    remove_stale_folders()
    remove_stale_groups()
    forced = _forced(force, mine)
    start, records, todo = time.monotonic(), {}, []
    for submission in mine:
        fp = fingerprint(submission, settings)
        path = out / "results" / f"{submission.student}.json"
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        reusable = isinstance(old, dict) and old.get("fingerprint") == fp and old.get("status") != "grader_error"
        if reusable and submission.student not in forced and old.get("student") == submission.student:
            records[submission.student] = old
        else:
            todo.append((submission, fp, path))
    runner = RunnerPool(out / "logs")
    protected = [Path(submissions_dir).resolve(), out.resolve(), course_root() / "exercises"]

    def job_for(submission: Submission, fp: str, path: Path) -> dict:
        notebooks = len(submission.notebooks)
        n_answers = sum(len(e["exercises"]) for e in manifest["sessions"])
        hard = 60 + notebooks * (limits.notebook_timeout + limits.collection_budget(n_answers) + 90)
        private = Path(tempfile.mkdtemp(prefix=f"vcg-{os.getpid()}-"))
        job = {
            "student": submission.student, "fingerprint": fp, "manifest": manifest, "seed": seed,
            "limits": dataclasses.asdict(limits), "private": str(private), "record_path": str(path.resolve()),
            "notebooks": {s: str(p.resolve()) for s, p in submission.notebooks.items()},
            "malformed": submission.malformed, "problems": submission.problems,
            "submitted_at": submission.submitted_at.isoformat() if submission.submitted_at else None,
            "protected": [str(p) for p in protected],
        }
        try:
            if not submission.notebooks:  # nothing to run: no process needed
                write_json_atomic(path, grade_submission(job))
                why = None
            else:
                why = runner.run(job, hard)
        finally:
            remove_tree(private)
        if why == "aborted" or runner.aborted:
            return None
        tampered = grader_problem(settings["checker"])
        if tampered is not None:  # judged by a changed or unreadable checker: never a score, never reused
            why = tampered
        if why is not None:
            status = "timeout" if why.startswith("the grader stopped it") else "grader_error"
            write_json_atomic(path, _fallback_record(submission, manifest, fp, status, why))
        return json.loads(path.read_text(encoding="utf-8"))

    done = len(records)
    with ThreadPoolExecutor(max_workers=max(1, workers or os.cpu_count() or 1)) as pool:
        futures = {pool.submit(job_for, *item): item[0] for item in todo}
        try:
            for future in as_completed(futures):
                record = future.result()
                if record is None:
                    continue
                records[record["student"]] = record
                done += 1
                if on_progress:
                    on_progress(record["student"], record, done, len(mine))
        except BaseException:
            for future in futures:
                future.cancel()
            runner.kill_all()
            raise
        finally:
            runner.close()
    published = publish(out, records, manifest, policy)  # reused records too: the policy may have changed
    write_similar_answers(out / "similar_answers.csv", everyone, manifest)
    confinement = next((e.get("confinement") for r in records.values() for e in r["executions"].values()), None)
    summary = {
        "format": RUN_FORMAT, "manifest": manifest, "manifest_sha256": settings["manifest"], "seed": seed,
        "limits": settings["limits"], "shard": list(shard), "deadline": deadline.isoformat() if deadline else None,
        "students": [s.student for s in everyone], "graded": [s.student for s in mine],
        "reused": len(mine) - len(todo), "ran": len(todo), "seconds": round(time.monotonic() - start, 2),
        "workers": workers or os.cpu_count(), "confinement": confinement, **published,
    }
    write_json_atomic(out / "grading.json", summary)
    return summary
