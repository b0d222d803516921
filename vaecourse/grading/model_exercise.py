"""Whole-model exercises: the learner's code runs once in the sandbox on the checker's inputs, and the grader scores its plain-data record part by part.

A :class:`ModelExercise` (the capstone's "build and train your own VAE") is graded like a
:class:`~vaecourse.grading.exercise.FunctionExercise` in one respect that matters for confinement:
the learner's code runs in exactly one :func:`~vaecourse.grading.sandbox.run_sandboxed` call, whose
task (``probe``) returns plain data, and everything that compares — the references, the thresholds,
the catalogue of mistakes — runs afterwards in the grader (``judge``). ``vaecourse grade`` therefore
judges a replayed record without running student code, as for every other exercise.

``judge(record, seed)`` returns one :class:`PartResult` per part; the exercise's score is the sum of
the parts' points, so a learner whose loss is right but whose training collapses keeps the loss's points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from . import result as R
from .exercise import _Base
from .sandbox import OUTPUT_LIMIT_CHARS, run_sandboxed

NOT_ATTEMPTED_MESSAGE = "Not attempted yet: fill in the classes and functions above, run their cells, then run this check again."


@dataclass(frozen=True)
class PartResult:
    """One graded part: its ``title``, ``points`` and ``earned``, a message, and the mistake it names (if any)."""

    title: str
    points: float
    earned: float
    message: str
    mistake: str | None = None
    review: tuple[str, ...] = ()
    attempted: bool = True

    @property
    def passed(self) -> bool:
        return self.earned >= self.points - 1e-9


@dataclass(frozen=True)
class ModelExercise(_Base):
    """Build (and train) a whole model; graded by behaviour, with partial credit per part.

    ``probe(answer, seed)`` runs in the sandboxed child and returns plain data (it must live outside the
    bank: ``vaecourse grade`` runs it in the student's kernel, which cannot read the bank); ``judge(record, seed)``
    runs in the grader and returns the :class:`PartResult` s; ``seconds`` is the time limit the
    probe needs (it trains a model), used when the caller's limit is shorter; ``required`` names the
    parts whose stub alone makes the answer "not attempted" (code the exercise gives counts for nothing);
    ``reference()`` builds a correct answer (tests and the instructor edition use it).
    """

    probe: Callable[[Any, int], dict] = None
    judge: Callable[[dict, int], list[PartResult]] = None
    reference: Callable[[], Any] = None
    answer_form: str = ""
    points: float = 10.0
    seconds: float = 90.0
    required: tuple[str, ...] = ()  # titles of parts that must be attempted for the answer to count as attempted
    kind: str = field(default="model", init=False)


def _failure(exercise: ModelExercise, outcome, timeout: float) -> R.CheckResult | None:
    if outcome.status == "timeout":
        return R.make_result(
            exercise, R.TIMEOUT,
            f"Your code did not finish within {timeout:g} seconds (training past its budget, or a loop that never ends), so it scores 0.",
        )
    if outcome.status in ("crashed", "error"):
        at = f" ({outcome.error_line})" if outcome.error_line else ""
        return R.make_result(exercise, R.ERROR, f"Your code stopped the check: {outcome.error_type}{at}: {outcome.error_message}")
    if outcome.output_chars > OUTPUT_LIMIT_CHARS:
        return R.make_result(
            exercise, R.ERROR,
            f"Your code printed {outcome.output_chars:,} characters (the limit is {OUTPUT_LIMIT_CHARS:,}); remove the prints and check again.",
        )
    return None


def _summary(parts: list[PartResult]) -> str:
    lines = []
    for number, p in enumerate(parts, start=1):
        mark = "[pass]" if p.passed else "[todo]" if not p.attempted else "[part]" if p.earned else "[fail]"
        lines.append(f"{mark} {number}. {p.title} ({p.earned:g} / {p.points:g}): {p.message}")
    return "\n".join(lines)


def grade_model(exercise: ModelExercise, answer, seed: int, timeout: float) -> R.CheckResult:
    """Run ``exercise.probe`` on ``answer`` in the sandbox once, then judge its record part by part."""
    if answer is None or answer is Ellipsis:
        return R.make_result(exercise, R.NOT_ATTEMPTED, NOT_ATTEMPTED_MESSAGE)
    timeout = max(float(timeout), exercise.seconds)
    outcome = run_sandboxed(lambda: exercise.probe(answer, seed), timeout)
    failure = _failure(exercise, outcome, timeout)
    if failure:
        return failure
    record = outcome.value if isinstance(outcome.value, dict) else {}
    parts = exercise.judge(record, seed)
    if not any(p.attempted for p in parts) or any(not p.attempted for p in parts if p.title in exercise.required):
        return R.make_result(exercise, R.NOT_ATTEMPTED, NOT_ATTEMPTED_MESSAGE)
    earned = sum(p.earned for p in parts)
    status = R.PASSED if all(p.passed for p in parts) else R.FAILED
    mistake = next((p.mistake for p in parts if p.mistake), None)
    review = tuple(dict.fromkeys(label for p in parts if not p.passed for label in p.review))
    heading = "Well done: every part passes." if status == R.PASSED else "Some parts do not pass yet:"
    return R.make_result(
        exercise, status, heading + "\n" + _summary(parts), credit=earned / exercise.points, mistake=mistake,
        review=review,
    )
