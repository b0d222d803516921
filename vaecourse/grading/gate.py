"""The mastery gate at the end of each exercise notebook: summarise the session's checks and record progress.

A session is mastered when the learner earns at least ``MASTERY_THRESHOLD`` (80%) of its points, or
(the practice route) answers ``PRACTICE_STREAK`` (3) fresh practice variants in a row correctly at
level medium or hard while holding at least ``PRACTICE_FLOOR`` (50%) of the points. The gate reads
the latest result of each exercise checked in this kernel
(:func:`~vaecourse.grading.checker.latest_results`) and the kernel's practice streak
(:mod:`~vaecourse.grading.practice_log`); an exercise never checked counts as not attempted, and so does
a result whose id or points are not the registered exercise's (the checker keeps only results of the
registered exercise objects, so ``dataclasses.replace(get_exercise(id), reference=f)`` records nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import result as R
from .checker import latest_results
from .display import show_feedback
from .practice_log import COUNTING_LEVELS, PRACTICE_FLOOR, PRACTICE_STREAK, practice_streak
from .progress import MASTERY_THRESHOLD, record_session
from .registry import exercises_for_session
from .sections import SESSIONS, section_reference


@dataclass(frozen=True)
class GateResult:
    """A session's summary: points, whether the gate is passed, per-exercise results and what to review."""

    session: str
    score: float
    max_score: float
    threshold: float
    results: tuple[R.CheckResult, ...] = field(default_factory=tuple)
    review: tuple[str, ...] = field(default_factory=tuple)
    summary: str = ""
    practice_streak: int = 0
    practice_needed: int = PRACTICE_STREAK
    practice_floor: float = PRACTICE_FLOOR

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0

    @property
    def passed_by_points(self) -> bool:
        return self.fraction >= self.threshold - 1e-9

    @property
    def passed_by_practice(self) -> bool:
        return self.practice_streak >= self.practice_needed and self.fraction >= self.practice_floor - 1e-9

    @property
    def passed(self) -> bool:
        return self.passed_by_points or self.passed_by_practice

    @property
    def passed_by(self) -> str | None:
        """``"points"``, ``"practice"`` or None (not passed)."""
        return "points" if self.passed_by_points else "practice" if self.passed_by_practice else None

    def to_dict(self) -> dict:
        return {
            "session": self.session,
            "score": self.score,
            "max_score": self.max_score,
            "threshold": self.threshold,
            "passed": self.passed,
            "passed_by": self.passed_by,
            "practice": {"streak": self.practice_streak, "needed": self.practice_needed, "floor": self.practice_floor},
            "review": list(self.review),
            "exercises": {
                r.exercise_id: {"status": r.status, "score": r.score, "max_score": r.max_score, "mistake": r.mistake}
                for r in self.results
            },
        }

    def __str__(self) -> str:
        return self.summary

    def __repr__(self) -> str:
        return f"GateResult({self.session!r}, score={self.score:g}/{self.max_score:g}, passed={self.passed})"


def _unchecked(exercise) -> R.CheckResult:
    return R.make_result(exercise, R.NOT_ATTEMPTED, "Not checked in this session yet.", review=(exercise.section,))


def _registered_row(row, exercise) -> R.CheckResult:
    """``row`` if it is a result of this registered exercise with its registered points, else "not checked"."""
    if (
        not isinstance(row, R.CheckResult)
        or row.exercise_id != exercise.id
        or row.max_score != float(exercise.points)
        or not 0.0 <= row.score <= row.max_score
    ):
        return _unchecked(exercise)
    return row


def summarise(
    session: str,
    results: dict[str, R.CheckResult] | None = None,
    threshold: float = MASTERY_THRESHOLD,
    streak: int | None = None,
) -> GateResult:
    """Build the gate's summary from ``results`` and ``streak`` (default: this kernel's checks and practice)."""
    latest = latest_results() if results is None else results
    streak = practice_streak(session) if streak is None else int(streak)
    exercises = exercises_for_session(session)
    rows = tuple(_registered_row(latest.get(e.id), e) for e in exercises)
    score = round(sum(r.score for r in rows), 6)
    max_score = float(sum(e.points for e in exercises))
    review: list[str] = []
    for exercise, row in zip(exercises, rows):
        if not row.passed:
            for label in row.review or (exercise.section,):
                if label not in review:
                    review.append(label)
    info = SESSIONS[session]
    lines = [f"Mastery gate, Session {info.number}: {info.title}", ""]
    for row in rows:
        detail = f" ({row.mistake})" if row.mistake else ""
        lines.append(f"  {row.exercise_id:<28} {row.status + detail:<44} {row.score:g} / {row.max_score:g}")
    gate = GateResult(session, score, max_score, threshold, rows, tuple(review), practice_streak=streak)
    lines += [
        "",
        f"Total: {score:g} / {max_score:g} points ({gate.fraction:.0%}); the gate needs {threshold:.0%}.",
        f"Practice: {streak} fresh variant{'s' if streak != 1 else ''} right in a row; {PRACTICE_STREAK} in a row "
        f"({' or '.join(COUNTING_LEVELS)}) with at least {PRACTICE_FLOOR:.0%} of the points also pass "
        f'(practise("{session}") draws one).',
    ]
    if gate.passed_by_points:
        lines.append(f"Gate passed: Session {info.number} mastered.")
    elif gate.passed:
        lines.append(
            f"Gate passed through practice: Session {info.number} mastered. The sections below are still worth a look:"
        )
        lines += [f"  - {section_reference(label)}" for label in review]
    else:
        if streak >= PRACTICE_STREAK:
            lines.append(
                f"Your practice streak is long enough; the practice route also needs {PRACTICE_FLOOR:.0%} of the points."
            )
        lines.append("Not yet. Review these sections, fix the exercises above and run the checks and this gate again:")
        lines += [f"  - {section_reference(label)}" for label in review]
    return GateResult(session, score, max_score, threshold, rows, tuple(review), "\n".join(lines), streak)


def gate(session: str, *, record: bool = True, quiet: bool = False) -> GateResult:
    """Summarise the session's checks, print the summary and record it in the progress file.

    Args:
        session: ``"s1"`` ... ``"s7"``.
        record: store the result with :func:`~vaecourse.grading.progress.record_session`.
        quiet: do not print.
    """
    result = summarise(session)
    if record:
        try:
            path = record_session(session, result.to_dict())
            note = f"\n(Progress saved to {path}; `python -m vaecourse progress` shows all sessions.)"
        except OSError as exc:  # a read-only home must not break the notebook
            note = f"\n(Progress could not be saved: {exc})"
        result = GateResult(**{**result.__dict__, "summary": result.summary + note})
    if not quiet:
        show_feedback(result.summary, result.review)
    return result
