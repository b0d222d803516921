"""Turn the untrusted answer reports of a student's kernel into grades, with the checker, in the grader's process.

No student code runs here. A report of kind ``outcome`` holds what the answer did on the checker's
cases; it is replayed into the very same :func:`~vaecourse.grading.checker.grade` that a learner's
``check`` uses (:func:`~vaecourse.grading.sandbox.replaying_outcome`), so the reference, the
comparison and the catalogue of mistakes all run here, on the grader's own copy of the cases. The
kernel can therefore not claim a pass: to earn points, its records must match the reference's
outputs on those cases, which is what a correct answer does. A ``precheck`` report (the checker
decided without running the answer) is accepted only as a zero score.

Everything shown to the student passes :class:`Redactor`, which withholds any line of the instructor
edition's solutions and hidden tests and of the hidden reference implementations (an answer could
raise an exception whose message quotes them), and :func:`integrity_flags` lists code that reaches
for the grader's internals, for a person to look at.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import re

from ..grading import result as R
from ..grading.checker import grade
from ..grading.sandbox import SandboxOutcome, replaying_outcome
from ..grading.sections import SECTION_TOPICS

_OUTCOME_STATUSES = ("ok", "error", "timeout", "crashed")
_PRECHECK_MISTAKES = (None, "library_function_submitted")
_MIN_SECRET_CHARS = 12
_FLAG_PATTERNS = (
    ("grading.bank", "imports the checker's hidden reference implementations"),
    ("_reference", "names a hidden reference implementation"),
    ("exercises/source", "opens the instructor edition"),
    ("vaecourse.instructor", "touches the grader's own modules"),
    ("recording_outcomes", "touches the grader's recording hook"),
    ("replaying_outcome", "touches the grader's replay hook"),
    ("collect_answers", "touches the grader's collection"),
    ("run_sandboxed", "touches the checker's sandbox"),
    (".answers-", "looks for the grader's answers file"),
    ("VAECOURSE_", "reads the grader's settings"),
)


def _submitted(*args):  # stands in for the answer when its recorded outcome is replayed; never called
    raise AssertionError("a replayed answer is never called")


_submitted.__module__ = "submission"


class Redactor:
    """Withholds secret lines (solutions, hidden tests, hidden references) from text shown to students.

    >>> Redactor({"return 0.5 * per_dimension.sum(dim=-1)"})("raised: return 0.5 * per_dimension.sum(dim=-1)")
    'raised: [withheld]'
    """

    def __init__(self, secrets: set[str]):
        forms = set()
        for line in secrets:
            forms.add(line)
            forms.add(json.dumps(line)[1:-1])  # as it appears inside a notebook's JSON text
        self.secrets = sorted(forms, key=len, reverse=True)

    @classmethod
    def for_exercises(cls, exercises, hidden_texts=(), public_texts=()) -> "Redactor":
        """Secret lines of the exercises' references and of ``hidden_texts``, minus lines in ``public_texts``."""
        texts = list(hidden_texts)
        for exercise in exercises:
            reference = getattr(exercise, "reference", None) or getattr(exercise, "expected", None)
            try:
                texts.append(inspect.getsource(reference))
            except (OSError, TypeError):
                pass
        public = {line.strip() for text in public_texts for line in text.splitlines()}
        return cls({
            line.strip()
            for text in texts
            for line in text.splitlines()
            if len(line.strip()) >= _MIN_SECRET_CHARS and line.strip() not in public
        })

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, "[withheld]")
        lines = text.split("\n")  # a line cut short (a truncated message) still quotes part of a secret
        for i, line in enumerate(lines):
            piece = line.strip().removesuffix("...").strip()
            if len(piece) >= _MIN_SECRET_CHARS and piece != "[withheld]" and any(piece in s for s in self.secrets):
                lines[i] = "[withheld]"
        return "\n".join(lines)


def _text(value, limit: int) -> str | None:
    return None if value is None else str(value)[:limit]


def outcome_from_report(data) -> SandboxOutcome:
    """A :class:`SandboxOutcome` from untrusted plain data; ValueError if it is not one."""
    if not isinstance(data, dict) or data.get("status") not in _OUTCOME_STATUSES:
        raise ValueError("not a sandbox outcome")
    output_chars, seconds = data.get("output_chars", 0), data.get("seconds", 0.0)
    if not isinstance(output_chars, int) or output_chars < 0 or not isinstance(seconds, (int, float)):
        raise ValueError("bad counters in a sandbox outcome")
    return SandboxOutcome(
        status=data["status"],
        value=data.get("value"),
        error_type=_text(data.get("error_type"), 80),
        error_message=_text(data.get("error_message"), 600),
        error_line=_text(data.get("error_line"), 300),
        output_chars=output_chars,
        seconds=float(seconds) if math.isfinite(seconds) else 0.0,
    )


def _unreadable(exercise, why: str) -> R.CheckResult:
    return R.make_result(
        exercise, R.ERROR, f"The grader could not read what your answer did ({why}), so it scores 0."
    )


def _from_precheck(exercise, data) -> tuple[R.CheckResult, list[str]]:
    if not isinstance(data, dict) or data.get("status") not in R.STATUSES:
        return _unreadable(exercise, "an unreadable report"), []
    if data["status"] == R.PASSED or data.get("mistake") not in _PRECHECK_MISTAKES:
        return _unreadable(exercise, "a report the checker cannot have made"), ["forged report for " + exercise.id]
    review = tuple(label for label in data.get("review", ()) if label in SECTION_TOPICS)
    feedback = _text(data.get("feedback"), 2000) or ""
    return R.CheckResult(exercise.id, data["status"], 0.0, float(exercise.points), feedback,
                         data.get("mistake"), review, exercise.session), []


def judge_report(exercise, report, *, seed: int, timeout: float) -> tuple[R.CheckResult, list[str]]:
    """Grade one exercise from its untrusted report; return the result and any integrity flags."""
    kind = report.get("kind") if isinstance(report, dict) else None
    if report is None:
        why = "no answer was collected: the notebook did not finish, or its state broke the collection"
        return _unreadable(exercise, why), []
    if kind == "missing":
        name = _text(report.get("name"), 80)
        return R.make_result(
            exercise, R.NOT_ATTEMPTED,
            f"No variable named `{name}` existed when your notebook finished. Keep the name the exercise "
            "gives (a renamed function, or a deleted cell, cannot be graded).",
            review=(exercise.section,),
        ), []
    if kind == "precheck":
        return _from_precheck(exercise, report.get("result"))
    if kind != "outcome":
        return _unreadable(exercise, "collecting it failed"), []
    try:
        outcome = outcome_from_report(report.get("outcome"))
        with replaying_outcome(outcome):
            return grade(exercise, _submitted, seed=seed, timeout=timeout), []
    except Exception:  # noqa: BLE001 - malformed or forged records must only cost this answer
        return _unreadable(exercise, "malformed records"), ["malformed records for " + exercise.id]


def redacted(result: R.CheckResult, redactor: Redactor) -> R.CheckResult:
    """``result`` with its feedback passed through ``redactor``."""
    return dataclasses.replace(result, feedback=redactor(result.feedback))


def integrity_flags(code_sources: list[str]) -> list[str]:
    """Reasons to look at a notebook by hand: code that names the grader's or checker's internals."""
    code = "\n".join(code_sources)
    flags = [f"{reason} ({pattern!r})" for pattern, reason in _FLAG_PATTERNS if pattern in code]
    if re.search(r"\b(os\.(setsid|kill|killpg|fork)|ctypes|signal\.signal)\b", code):
        flags.append("uses process or signal control (os.setsid/kill/fork, ctypes or signal handlers)")
    return flags
