"""Turn the untrusted answer reports of a student's kernel into grades, with the checker, in the grader's process.

No student code runs here, and the student's kernel never judges: it only runs each answer on the
inputs the grader drew (:mod:`~vaecourse.instructor.collect`) and reports what it did. Here the very
same :func:`~vaecourse.grading.checker.grade` that a learner's ``check`` uses judges that report
(:func:`~vaecourse.grading.sandbox.replaying_outcome`): the checks that need no run see a stand-in
with the answer's reported kind, module and parameters (:func:`stand_in`); the reference, the
comparison and the catalogue of mistakes run here, on the grader's own cases. Records are first
checked against those cases (:func:`checked_records`: one per case, in order, of the right shape), so
a kernel that patches the observer or the checker gains nothing; a forged or malformed report scores
0 and is flagged. An answer that called the ``vaecourse`` function of the same name (a thin wrapper
around the library's own solution) scores 0 with the mistake ``library_function_submitted`` and is
flagged for the instructor.

Everything shown to the student passes :class:`Redactor`, which withholds any line of the instructor
edition's solutions and hidden tests and of the hidden reference implementations (an answer could
raise an exception whose message quotes them), and :func:`integrity_flags` lists code that reaches
for the grader's internals or the exercises' answers, for a person to look at.
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

_OUTCOME_STATUSES = ("ok", "error", "timeout", "crashed")
_MIN_SECRET_CHARS = 12
_PARAMETER_KINDS = {kind.name: kind for kind in (
    inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.VAR_POSITIONAL,
    inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_KEYWORD)}
_FLAG_PATTERNS = (
    ("get_exercise", "looks up an exercise object (its reference, expected value or correct options)"),
    ("all_exercises", "looks up the exercise objects (their references, expected values or correct options)"),
    ("exercises_for_session", "looks up the exercise objects (their references, expected values or correct options)"),
    ("grading.registry", "imports the registry of exercises (their references)"),
    (".reference", "names an exercise's reference implementation"),
    (".expected(", "calls an exercise's expected value"),
    (".correct", "reads an exercise's correct options"),
    ("grading.observe", "touches the checker's observer"),
    ("grading.sandbox", "touches the checker's sandbox"),
    ("grading.checker", "touches the checker's internals"),
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


def stand_in(info: dict):
    """An object the checker's no-run checks see as the reported answer: None, a value, or a function
    with the answer's module, name and parameters (calling it is an error: the kernel ran the answer)."""
    if info.get("none"):
        return None
    if info.get("ellipsis"):
        return Ellipsis
    if info.get("blank"):
        return ""
    if not info.get("callable"):
        name = str(info.get("type", "object"))
        return type(name if name.isidentifier() else "object", (), {})()

    def submitted(*args, **kwargs):
        raise AssertionError("a replayed answer is never called")

    submitted.__module__ = str(info.get("module", "submission"))[:200]
    submitted.__name__ = submitted.__qualname__ = str(info.get("name", "answer"))[:200]
    params = info.get("params")
    if isinstance(params, list):
        try:
            submitted.__signature__ = inspect.Signature([
                inspect.Parameter(str(n), _PARAMETER_KINDS[str(k)],
                                  default=0 if d else inspect.Parameter.empty)
                for n, k, d in params
            ])
        except (KeyError, TypeError, ValueError):
            raise ValueError("a malformed parameter list") from None
    return submitted


def _summarised(record: dict, case) -> dict:
    """Apply the case's summary (a function of the bank, kept here) to the recorded output."""
    value = record.get("value")
    try:
        data = value.get("data") if isinstance(value, dict) and value.get("kind") in ("tensor", "array") else None
        if data is None:
            raise ValueError("no output data to summarise")
        import torch

        from ..grading.observe import encode

        output = torch.tensor(data, dtype=torch.float64).reshape([int(n) for n in value["shape"]])
        return {**record, "value": encode(case.summary(output))}
    except Exception:  # noqa: BLE001 - the output could not be summarised: wrong type or shape
        return {**record, "value": {**(value if isinstance(value, dict) else {"kind": "other"}), "data": None},
                "summary_failed": True}


def _well_formed(record) -> bool:
    if not isinstance(record, dict) or not isinstance(record.get("case"), str):
        return False
    if "raised" in record:
        raised = record["raised"]
        return isinstance(raised, dict) and isinstance(raised.get("error_type"), str)
    return isinstance(record.get("value"), dict) and isinstance(record["value"].get("kind"), str)


def checked_records(records, cases) -> list[dict]:
    """The kernel's records if they fit the grader's cases (one per case, in order), summaries applied.

    Raises ValueError otherwise: a record for another case, one too many or too few (fewer only when
    the last one is the stub's NotImplementedError), or a record without a value or an exception.
    """
    if not isinstance(records, list) or not all(map(_well_formed, records)) or len(records) > len(cases):
        raise ValueError("records of the wrong form")
    if [r["case"] for r in records] != [c.name for c in cases[: len(records)]]:
        raise ValueError("records for other cases than the grader's")
    stub = bool(records) and records[-1].get("raised", {}).get("error_type") == "NotImplementedError"
    if len(records) < len(cases) and not stub:
        raise ValueError("records missing")
    return [_summarised(r, c) if c.summary is not None and "raised" not in r else r for r, c in zip(records, cases)]


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


def _library_result(exercise, calls: list[str]) -> R.CheckResult:
    return R.make_result(
        exercise, R.FAILED,
        f"Your answer calls the course library's own {', '.join(calls)}, which is the solution itself; "
        "the exercise asks for your implementation, so it scores 0.",
        mistake="library_function_submitted", review=(exercise.section,),
    )


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
    if kind == "failed":
        return _unreadable(exercise, "collecting it failed"), []
    if kind != "answer":
        return _unreadable(exercise, "a report the collection cannot have made"), ["forged report for " + exercise.id]
    try:
        answer = stand_in(report.get("answer") if isinstance(report.get("answer"), dict) else {})
        data = report.get("outcome")
        if data is None:  # nothing was run: only the checks that need no run can decide
            outcome = SandboxOutcome(status="crashed", error_type="GraderError", error_message="the answer was not run")
            calls = []
        else:
            outcome = outcome_from_report(data)
            calls = []
            if outcome.status == "ok":
                value = outcome.value
                if not isinstance(value, dict) or not isinstance(value.get("library_calls", []), list):
                    raise ValueError("not a traced run")
                calls = [str(c)[:120] for c in value.get("library_calls", [])][:8]
                inner = value.get("value")
                if exercise.kind == "function":
                    inner = checked_records(inner, exercise.cases(seed))
                outcome = dataclasses.replace(outcome, value=inner)
        if calls:
            return _library_result(exercise, calls), [f"{exercise.id}: the answer calls the library's {', '.join(calls)}"]
        with replaying_outcome(outcome):
            result = grade(exercise, answer, seed=seed, timeout=timeout)
        if data is None and result.status not in (R.NOT_ATTEMPTED, R.FAILED):
            raise ValueError("an answer that needed running was not run")
        return result, []
    except Exception:  # noqa: BLE001 - malformed or forged records must only cost this answer
        return _unreadable(exercise, "malformed records"), ["malformed records for " + exercise.id]


def redacted(result: R.CheckResult, redactor: Redactor) -> R.CheckResult:
    """``result`` with its feedback passed through ``redactor``."""
    return dataclasses.replace(result, feedback=redactor(result.feedback))


def integrity_flags(code_sources: list[str]) -> list[str]:
    """Reasons to look at a notebook by hand: code that names the grader's or checker's internals."""
    code = "\n".join(code_sources)
    flags = [f"{reason} ({pattern!r})" for pattern, reason in _FLAG_PATTERNS if pattern in code]
    if re.search(r"\b(os\.(setsid|kill|killpg|fork|posix_spawn)|ctypes|signal\.signal)\b|getattr\(\s*os\b", code):
        flags.append("uses process or signal control (os.setsid/kill/fork, ctypes or signal handlers)")
    return flags
