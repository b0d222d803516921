"""Practise in a notebook: ``practise("s4")`` draws a fresh variant, ``variant.check(answer)`` grades it and keeps the streak.

Every checked answer goes through the course's checker (the variant becomes a
:class:`~vaecourse.grading.ValueExercise`, so a wrong answer that matches a known mistake is named,
with the section to review), then into the session's practice streak
(:mod:`vaecourse.grading.practice_log`), which the mastery gate reads, and into the progress file
(``python -m vaecourse progress`` shows it). Practice checks never enter the graded results.

Fresh seeds come from the operating system; with ``VAECOURSE_CHECK_SEED`` set (graders, tests) they
are that seed plus a counter, so a re-run draws the same sequence of variants.
"""

from __future__ import annotations

import os
import secrets

from ..grading.checker import SEED_ENV, grade
from ..grading.practice_log import COUNTING_LEVELS, PRACTICE_FLOOR, PRACTICE_STREAK, record_practice
from ..grading.progress import record_practice as save_practice
from ..grading.result import NOT_ATTEMPTED, CheckResult
from ..grading.sections import SESSIONS
from .variant import LEVELS, Variant, draw_variant, skills_for_session

_draws: dict[str, int] = {}  # variants drawn per session in this process (to rotate through the skills)
_revealed: set[str] = set()  # keys of variants whose worked solution was shown


def _fresh_seed(session: str) -> int:
    fixed = os.environ.get(SEED_ENV, "").strip()
    if fixed:
        return (int(fixed) + 7919 * _draws.get(session, 0)) % 2**31
    return secrets.randbelow(2**31)


def practise(
    session: str, level: str = "medium", *, skill: str | None = None, seed: int | None = None, quiet: bool = False
) -> Variant:
    """Draw a fresh practice variant for ``session`` (``"s1"`` ... ``"s7"``), print it and return it.

    Args:
        session: the session whose skills to practise.
        level: ``easy`` (a warm-up: does not extend the streak), ``medium`` (default) or ``hard``.
        skill: one of :func:`skills_for_session` (default: the session's skills in turn).
        seed: pick a particular variant (default: a fresh one).
        quiet: do not print the problem.

    Returns:
        The :class:`Variant`; answer it with ``variant.check(answer)``.
    """
    names = skills_for_session(session)
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    if skill is not None and skill not in names:
        raise ValueError(f"skill must be one of {', '.join(names)} for session {session}, got {skill!r}")
    count = _draws.get(session, 0)
    chosen = skill or names[count % len(names)]
    variant = draw_variant(chosen, level, _fresh_seed(session) if seed is None else int(seed))
    _draws[session] = count + 1
    if not quiet:
        counts = "counts towards" if level in COUNTING_LEVELS else "is a warm-up outside"
        print(
            f"{variant.describe()}\n(This {level} variant {counts} the practice streak; answer with variant.check(your_answer).)"
        )
    return variant


def reveal(variant: Variant) -> None:
    """Mark ``variant`` as solved for the learner: answering it afterwards does not count towards the streak."""
    _revealed.add(variant.key)


def streak_message(session: str, record) -> str:
    info = SESSIONS[session]
    done = " Enough for the gate's practice route." if record.streak >= PRACTICE_STREAK else ""
    return (
        f"Practice streak, Session {info.number}: {record.streak} of {PRACTICE_STREAK} fresh variants right in a row "
        f"(best {record.best_streak}; {record.correct} of {record.answered} right).{done} With {PRACTICE_STREAK} in a row "
        f'and at least {PRACTICE_FLOOR:.0%} of the points, gate("{session}") passes.'
    )


def answer_variant(variant: Variant, answer, *, quiet: bool = False) -> CheckResult:
    """Grade ``answer`` for ``variant`` with the course's checker, record the streak and progress, print the feedback."""
    result = grade(variant.exercise(), answer)
    revealed = variant.key in _revealed
    record = record_practice(variant.session, variant.key, variant.level, result.status, revealed=revealed)
    lines = [result.feedback]
    if result.status != NOT_ATTEMPTED:
        if result.passed and revealed:
            lines.append("    (The worked solution was shown first, so this one does not extend the streak.)")
        elif result.passed and variant.level not in COUNTING_LEVELS:
            lines.append("    (An easy variant: a warm-up that leaves the streak as it is.)")
        elif not result.passed:
            lines.append(
                f"    Worked solution, to compare with yours:\n"
                + "\n".join("      " + line for line in variant.worked_solution.splitlines())
            )
        lines.append(streak_message(variant.session, record))
        try:
            save_practice(variant.session, record.to_dict())
        except OSError as exc:  # a read-only home must not break the notebook
            lines.append(f"(Practice could not be saved: {exc})")
    if not quiet:
        print("\n".join(lines))
    return result
