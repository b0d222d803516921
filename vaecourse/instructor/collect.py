"""Runs inside a student's kernel after their notebook: run each assigned answer on the grader's inputs, as plain data.

The kernel judges nothing and cannot: during instructor grading it cannot read the exercise bank (the
references, the mistakes, how cases are drawn). The grader draws each exercise's cases in its own
process and hands the kernel only their inputs (:func:`write_probes`); the cell the grader appends to
the submission calls :func:`collect_answers`, which for every exercise of the manifest looks up the
answer's name (``gaussian_kl``, ``kl_value``...) in the notebook's namespace and reports

- ``missing``: no variable of that name (a renamed function or a deleted cell);
- ``answer``: what the answer is (None, callable, its module, name and parameters) and, for an answer
  that can be run, the :class:`~vaecourse.grading.sandbox.SandboxOutcome` of running it in a forked
  child on the inputs: its records (:func:`~vaecourse.grading.observe.observe`), its value, or (a
  whole-model exercise) what the exercise's probe recorded, and which ``vaecourse`` functions of the
  answer's own name it called (a thin wrapper around the library's own function is flagged);
- ``failed``: the collection itself raised (a namespace the notebook broke).

Only that plain data leaves the kernel; the grader compares it with the reference in its own process
(:mod:`vaecourse.instructor.judge`), so nothing the notebook printed, returned or patched is taken on
trust. :func:`enter_grading_mode` (run before the student's first cell) makes the notebook's own
``check``, ``hint`` and ``gate`` calls say that the grader checks the answers instead.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

COLLECT_FORMAT = "vaecourse-answers/2"
GRADING_MODE_NOTE = "(checked by the instructor's grader after your notebook has run)"
_LIBRARY = str(Path(__file__).resolve().parents[1]) + os.sep  # the vaecourse package
_NOT_LIBRARY = (os.sep + "grading" + os.sep, os.sep + "instructor" + os.sep)


def probe_for(exercise, seed: int) -> dict:
    """What the kernel needs to run an answer (made by the grader): the kind, the names, the case inputs.

    A case's ``summary`` (a function of the bank) stays with the grader, which applies it to the
    recorded output; every other field of a :class:`~vaecourse.grading.observe.Case` is data.
    """
    probe = {"kind": exercise.kind, "names": [exercise.id]}
    if exercise.kind == "function":
        probe["cases"] = [dataclasses.replace(c, summary=None) for c in exercise.cases(seed)]
    if exercise.kind == "model":  # a whole model: its probe (outside the bank) runs it; the judge stays here
        probe.update(probe=exercise.probe, seconds=float(exercise.seconds), names=[])
    return probe


def write_probes(exercises, seed: int, path: Path) -> None:
    """Write :func:`probe_for` of every exercise to ``path``, for :func:`collect_answers` in the kernel.

    Each probe is serialised on its own, so one the kernel cannot load costs only its exercise.
    """
    import torch

    table = {}
    for exercise in exercises:
        buffer = io.BytesIO()
        torch.save(probe_for(exercise, seed), buffer)
        table[exercise.id] = buffer.getvalue()
    torch.save(table, path)


def describe_answer(answer) -> dict:
    """What the answer is, as plain data: enough for the checker's checks that do not run it."""
    info = {"none": answer is None, "ellipsis": answer is Ellipsis, "callable": callable(answer),
            "type": type(answer).__name__[:80], "module": str(getattr(answer, "__module__", "") or "")[:200],
            "name": str(getattr(answer, "__name__", "?"))[:200], "params": None,
            "blank": isinstance(answer, str) and not answer.strip()}
    if info["callable"]:
        try:
            info["params"] = [[p.name, p.kind.name, p.default is not p.empty]
                              for p in inspect.signature(answer).parameters.values()][:32]
        except (TypeError, ValueError):
            pass
    return info


def _traced(run, names: set[str]) -> dict:
    """Run ``run()`` while noting each call of a ``vaecourse`` library function named in ``names``."""
    calls: set[str] = set()

    def profile(frame, event, _arg):
        if event == "call":
            code = frame.f_code
            if code.co_name in names and code.co_filename.startswith(_LIBRARY) and not any(
                part in code.co_filename for part in _NOT_LIBRARY
            ):
                calls.add(f"{Path(code.co_filename).stem}.{code.co_name}")

    sys.setprofile(profile)
    try:
        value = run()
    finally:
        sys.setprofile(None)
    return {"value": value, "library_calls": sorted(calls)}


def report_answer(probe: dict, answer, name: str, *, seed: int, timeout: float) -> dict:
    """Run ``answer`` on the probe's inputs in a sandboxed child; return the plain-data report."""
    import torch

    from ..grading.observe import observe, observe_value
    from ..grading.sandbox import run_sandboxed

    info = describe_answer(answer)
    report = {"kind": "answer", "answer": info, "outcome": None}
    if info["none"] or info["ellipsis"] or info["blank"] or (probe["kind"] == "function" and not info["callable"]):
        return report  # nothing to run: the grader decides from ``answer`` alone
    names = {name, *probe.get("names", ())}
    torch.manual_seed(seed)  # the same noise for every student, whatever the notebook did before
    if probe["kind"] == "function":
        cases = probe["cases"]
        outcome = run_sandboxed(lambda: _traced(lambda: observe(answer, cases), names), timeout)
    elif probe["kind"] == "model":
        run = probe["probe"]
        outcome = run_sandboxed(lambda: _traced(lambda: run(answer, seed), set()), max(timeout, probe["seconds"]))
    else:
        outcome = run_sandboxed(lambda: _traced(lambda: observe_value(answer), names), timeout)
    report["outcome"] = asdict(outcome)
    return report


def collect_answers(answers: dict[str, str], *, seed: int, timeout: float, path: str, probes: str,
                    namespace=None) -> int:
    """Report every answer named in ``answers`` (exercise id -> variable name) as JSON to ``path``.

    Args:
        answers: for each exercise id, the name the notebook gives the answer.
        seed: the seed of the answers' own randomness (the same for every submission).
        timeout: seconds each answer may run.
        path: where the JSON report goes (a folder the grader reads).
        probes: the file :func:`write_probes` wrote (the inputs of each exercise).
        namespace: the notebook's variables (default: the calling cell's globals).

    Returns:
        The number of answers reported.
    """
    import torch

    namespace = sys._getframe(1).f_globals if namespace is None else namespace
    table = torch.load(probes, weights_only=False)  # written by the grader: trusted data
    reports: dict[str, dict] = {}
    for exercise_id, name in answers.items():
        if name not in namespace:
            reports[exercise_id] = {"kind": "missing", "name": name}
            continue
        try:
            probe = torch.load(io.BytesIO(table[exercise_id]), weights_only=False)
            reports[exercise_id] = report_answer(probe, namespace[name], name, seed=seed, timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - a namespace the notebook broke; reported, never raised
            reports[exercise_id] = {"kind": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]}
    payload = json.dumps({"format": COLLECT_FORMAT, "reports": reports})
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(payload)
    os.replace(partial, path)
    return len(reports)


def collection_cell(answers: dict[str, str], *, seed: int, timeout: float, path: str, probes: str) -> str:
    """The source of the cell the grader appends to a submission to call :func:`collect_answers`."""
    return (
        "__import__('vaecourse.instructor.collect', fromlist=['collect_answers']).collect_answers(\n"
        f"    {answers!r}, seed={int(seed)}, timeout={float(timeout)!r}, path={str(path)!r},\n"
        f"    probes={str(probes)!r}, namespace=globals()\n"
        ")"
    )


def enter_grading_mode() -> None:
    """Make ``check``, ``hint``, ``gate`` and ``practise`` in this kernel say that the grader checks (they need the bank)."""
    import vaecourse.grading as grading
    from vaecourse.grading import checker, gate

    os.environ[checker.GRADING_MODE_ENV] = "1"  # practise() draws nothing (its mistakes live in the bank)

    def check(exercise_id, answer=None, **_):
        print(f"{exercise_id}: {GRADING_MODE_NOTE}")

    def hint(exercise_id, level=1):
        print(f"hints are not shown while grading {GRADING_MODE_NOTE}")

    def gate_(session, **_):
        print(f"mastery gate {session}: {GRADING_MODE_NOTE}")

    for module in (grading, checker):
        module.check, module.hint = check, hint
    grading.gate = gate.gate = gate_
