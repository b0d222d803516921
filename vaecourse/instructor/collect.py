"""Runs inside a student's kernel after their notebook: observe each assigned answer, as plain data.

The grader appends one cell to the submission that calls :func:`collect_answers`. For every exercise
of the manifest it looks up the answer's name (``gaussian_kl``, ``kl_value``...) in the notebook's
namespace and runs the checker on it exactly as a learner's ``check`` would, while recording what
the answer did (:func:`~vaecourse.grading.sandbox.recording_outcomes`): the records of the answer
on the checker's cases, or the exception, timeout or flood of output. Only that plain data leaves
the kernel; the grader judges it again in its own process, where no student code runs
(:mod:`vaecourse.instructor.judge`), so nothing printed or returned by the notebook — including its
own ``check`` calls — is taken on trust.

Each report has a ``kind``:

- ``missing``: no variable of that name (a renamed function or a deleted cell);
- ``outcome``: what running the answer produced (a :class:`~vaecourse.grading.sandbox.SandboxOutcome`);
- ``precheck``: the checker decided without running the answer (not attempted, not a function,
  wrong parameters, the library's own function); only a zero score is accepted from it;
- ``failed``: the collection itself raised (a namespace the notebook broke).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict

COLLECT_FORMAT = "vaecourse-answers/1"


def report_answer(exercise, answer, *, seed: int, timeout: float) -> dict:
    """Grade ``answer`` with the checker while recording its sandbox outcome; return the plain-data report."""
    import torch

    from ..grading.checker import grade
    from ..grading.sandbox import OutcomeRecorded, recording_outcomes

    torch.manual_seed(seed)  # the same noise for every student, whatever the notebook did before
    with recording_outcomes(stop=True) as outcomes:  # judging happens in the grader: stop once recorded
        try:
            result = grade(exercise, answer, seed=seed, timeout=timeout)
        except OutcomeRecorded:
            result = None
    if outcomes:
        return {"kind": "outcome", "outcome": asdict(outcomes[-1])}
    return {"kind": "precheck", "result": result.to_dict()}


def collect_answers(answers: dict[str, str], *, seed: int, timeout: float, path: str, namespace=None) -> int:
    """Report every answer named in ``answers`` (exercise id -> variable name) as JSON to ``path``.

    Args:
        answers: for each exercise id, the name the notebook gives the answer.
        seed: the checker's seed (the same for every submission: identical re-runs).
        timeout: seconds each answer may run.
        path: where the JSON report goes (inside the submission's working directory).
        namespace: the notebook's variables (default: the calling cell's globals).

    Returns:
        The number of answers reported.
    """
    from ..grading.registry import get_exercise

    namespace = sys._getframe(1).f_globals if namespace is None else namespace
    reports: dict[str, dict] = {}
    for exercise_id, name in answers.items():
        if name not in namespace:
            reports[exercise_id] = {"kind": "missing", "name": name}
            continue
        try:
            reports[exercise_id] = report_answer(get_exercise(exercise_id), namespace[name], seed=seed, timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - a namespace the notebook broke; reported, never raised
            reports[exercise_id] = {"kind": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]}
    payload = json.dumps({"format": COLLECT_FORMAT, "reports": reports})
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(payload)
    os.replace(partial, path)
    return len(reports)


def collection_cell(answers: dict[str, str], *, seed: int, timeout: float, path: str) -> str:
    """The source of the cell the grader appends to a submission to call :func:`collect_answers`."""
    return (
        "__import__('vaecourse.instructor.collect', fromlist=['collect_answers']).collect_answers(\n"
        f"    {answers!r}, seed={int(seed)}, timeout={float(timeout)!r}, path={str(path)!r}, namespace=globals()\n"
        ")"
    )
