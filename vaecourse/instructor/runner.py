"""Grade one submission in its own process: run each notebook confined, judge its answers, write the record.

``vaecourse grade`` keeps one ``python -P -m vaecourse.instructor.runner --serve`` per worker
(:mod:`~vaecourse.instructor.pool`) and sends it one job at a time; ``runner JOB.json`` grades a single
job. The record (``results/STUDENT.json``) is written atomically, so an interrupted class resumes
by skipping the records already there.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path

RECORD_FORMAT = "vaecourse-grade/1"
# From least to most severe; a row shows the most severe status of its notebooks.
STATUS_ORDER = ("ok", "cell_error", "missing_answers", "not_attempted", "timeout", "crashed", "malformed", "grader_error")
_PR_SET_CHILD_SUBREAPER, _PR_SET_PDEATHSIG = 36, 1


def _become_subreaper() -> None:
    """Orphans of the kernel (a daemon a notebook forked) become our children, so we can stop them."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def _stop_descendants() -> None:
    import psutil

    for child in psutil.Process().children(recursive=True):
        try:
            child.send_signal(signal.SIGKILL)
        except psutil.Error:
            pass
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                break
        except ChildProcessError:
            break


def remove_tree(path: Path) -> None:
    def retry(function, name, _exc):
        try:
            os.chmod(os.path.dirname(name), 0o700)
            os.chmod(name, 0o700)
            function(name)
        except OSError:
            pass

    shutil.rmtree(path, onerror=retry)


def write_json_atomic(path: Path, data: dict) -> None:
    """Write ``data`` as JSON to ``path`` through a temporary file and a rename (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, path)


def _secret_texts(entry: dict) -> tuple[list[str], list[str]]:
    """Hidden regions of the session's instructor edition and the student edition's text, when at hand."""
    import nbformat

    from ..grading.editions import hidden_regions, student_edition_text
    from .manifest import course_root

    source = course_root() / "exercises" / "source" / entry["notebook"]
    if not source.is_file():
        return [], []
    return hidden_regions(nbformat.read(str(source), as_version=4)), [student_edition_text(source)]


def _notebook_status(execution: dict, results: list) -> str:
    if execution["status"] != "ok":
        return execution["status"]
    if execution["timed_out_cells"]:
        return "timeout"
    if execution["missing_answers"]:
        return "missing_answers"
    if execution["cell_errors"]:
        return "cell_error"
    return "ok"


def grade_notebook(job: dict, entry: dict, nb, path: Path, private: Path) -> tuple[list, dict, list[str]]:
    """Run one session's notebook ``nb`` (read from ``path``) and judge its answers: (results, execution, flags)."""
    from ..grading import get_exercise
    from .execute import Limits, execute_notebook
    from .judge import Redactor, integrity_flags, judge_report, redacted

    from .collect import write_probes

    workdir, io = private / "w", private / "io"
    workdir.mkdir(parents=True)
    io.mkdir(mode=0o700)
    os.chmod(private.parent, 0o711)  # the kernel's own user passes through to its folders (and sees nothing else)
    shutil.copyfile(path, workdir / entry["notebook"])  # the only file the kernel's folder holds
    limits = Limits(**job["limits"])
    answers = {e["id"]: e["answer"] for e in entry["exercises"]}
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    exercises = [get_exercise(e["id"]) for e in entry["exercises"]]
    write_probes(exercises, job["seed"], io / "probes.pt")  # the answers' inputs, drawn here
    execution = execute_notebook(nb, answers, workdir, private, seed=job["seed"], limits=limits,
                                 protected=[Path(p) for p in job["protected"]], probes=io / "probes.pt")
    _stop_descendants()
    hidden, public = _secret_texts(entry)
    redact = Redactor.for_exercises(exercises, hidden, public)
    reports = execution.pop("reports")
    execution["reports_ok"] = isinstance(reports, dict)
    reports = reports if isinstance(reports, dict) else {}
    execution["missing_answers"] = sorted(
        e["answer"] for e in entry["exercises"]
        if isinstance(reports.get(e["id"]), dict) and reports[e["id"]].get("kind") == "missing"
    )
    results, flags = [], integrity_flags(code)
    for exercise in exercises:
        report = reports.get(exercise.id)
        result, found = judge_report(exercise, report, seed=job["seed"], timeout=limits.check_timeout)
        results.append(redacted(result, redact))
        flags += found
    for error in execution["cell_errors"]:
        error["evalue"] = redact(error["evalue"])[:300]
    execution["status_row"] = _notebook_status(execution, results)
    return results, execution, flags


def grade_submission(job: dict) -> dict:
    """The record of one student: per-exercise results, status, problems and flags (plain data)."""
    from ..grading import get_exercise
    from ..grading import result as R
    from .submissions import read_notebook

    start = time.monotonic()
    results, executions, flags, statuses = [], {}, [], []
    problems = list(job["problems"])
    for entry in job["manifest"]["sessions"]:
        session = entry["session"]
        why = job["malformed"].get(session)
        path = job["notebooks"].get(session)
        if why is None and path is not None:
            try:
                nb = read_notebook(Path(path))
            except (OSError, ValueError) as exc:  # unreadable after all (changed while grading)
                why = str(exc)
        if why is None and path is not None:
            private = Path(job["private"]) / session
            try:
                found, execution, new_flags = grade_notebook(job, entry, nb, Path(path), private)
            finally:
                remove_tree(private)
            results += found
            executions[session] = execution
            flags += new_flags
            statuses.append(execution["status_row"])
            problems += [f"{session}: {p}" for p in _execution_problems(execution)]
        if why is not None:
            statuses.append("malformed")
            problems.append(f"{session}: {why}")
            for e in entry["exercises"]:
                message = f"Your notebook for this session could not be graded: {why}."
                results.append(R.make_result(get_exercise(e["id"]), R.ERROR, message))
    status = max(statuses, key=STATUS_ORDER.index)
    if status in ("ok", "cell_error", "missing_answers") and all(r.status == R.NOT_ATTEMPTED for r in results):
        status = "not_attempted"
    return {
        "format": RECORD_FORMAT,
        "student": job["student"],
        "fingerprint": job["fingerprint"],
        "status": status,
        "submitted_at": job["submitted_at"],
        "problems": problems,
        "flags": sorted(set(flags)),
        "results": [r.to_dict() for r in results],
        "score": round(sum(r.score for r in results), 6),
        "max_score": float(sum(r.max_score for r in results)),
        "executions": executions,
        "seconds": round(time.monotonic() - start, 2),
    }


def _execution_problems(execution: dict) -> list[str]:
    found = []
    if execution["problem"]:
        found.append(execution["problem"])
    for cell in execution["timed_out_cells"]:
        found.append(f"cell {cell} ran past its time limit and was interrupted")
    others = [e for e in execution["cell_errors"] if e["cell"] not in execution["timed_out_cells"]]
    if others:
        found.append("cells raised: " + ", ".join(f"{e['cell']} ({e['ename']})" for e in others[:8]))
    if execution["output_dropped"]:
        found.append(f"{execution['output_dropped']:,} characters of output dropped (limit reached)")
    if execution["missing_answers"]:
        found.append("answers not defined (renamed or deleted?): " + ", ".join(execution["missing_answers"]))
    if not execution["reports_ok"] and execution["status"] == "ok":
        found.append("the answers could not be collected after the notebook ran")
    return found


def serve() -> None:
    """Grade the job whose path arrives on each line of stdin; reply ``done`` (or ``error ...``) per line."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything else printed goes to the log, never into the replies
    sys.stdout = sys.stderr
    _become_subreaper()
    if sys.platform.startswith("linux"):  # a killed grader takes its runners (and so their kernels) with it
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            job = json.loads(Path(line.strip()).read_text(encoding="utf-8"))
            write_json_atomic(Path(job["record_path"]), grade_submission(job))
            reply = "done"
        except Exception as exc:  # noqa: BLE001 - one job's grader fault must not stop the others
            traceback.print_exc()
            reply = " ".join(f"error {type(exc).__name__}: {exc}".split())
        finally:
            _stop_descendants()
        replies.write(reply + "\n")
        replies.flush()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--serve"]:
        serve()
        return 0
    job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    _become_subreaper()
    write_json_atomic(Path(job["record_path"]), grade_submission(job))
    return 0


if __name__ == "__main__":
    sys.exit(main())
