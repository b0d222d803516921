"""Practise in a notebook: ``practise("s4")`` draws a fresh variant of a session's skills in turn and prints it.

Answer it with ``variant.check(answer)`` (:mod:`vaecourse.practice.variant` grades it and keeps the
streak). Fresh seeds come from the operating system; with ``VAECOURSE_CHECK_SEED`` set (graders,
tests) they are that seed plus a counter, so a re-run draws the same sequence of variants.
"""

from __future__ import annotations

import os
import secrets

from ..grading.checker import GRADING_MODE_ENV, SEED_ENV
from ..grading.practice_log import COUNTING_LEVELS
from .registry import skills_for_session
from ..grading.sections import SESSIONS
from .skill import LEVELS, wrap
from .variant import Variant, draw_variant

_draws: dict[str, int] = {}  # variants drawn per session in this process (to rotate through the skills)


def _fresh_seed(session: str) -> int:
    fixed = os.environ.get(SEED_ENV, "").strip()
    if fixed:
        return (int(fixed) + 7919 * _draws.get(session, 0)) % 2**31
    return secrets.randbelow(2**31)


class NotDrawn:
    """What :func:`practise` returns while the instructor's grader runs the notebook: every call says so."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: print(f"variant.{name}: {NOT_DRAWN_NOTE}")

    def __repr__(self) -> str:
        return f"<practice variant not drawn: {NOT_DRAWN_NOTE}>"


NOT_DRAWN_NOTE = "practice is not drawn while the instructor's grader runs your notebook (it grades only the exercises)"


def practise(
    session: str, level: str = "medium", *, skill: str | None = None, seed: int | None = None, quiet: bool = False
) -> Variant | NotDrawn:
    """Draw a fresh practice variant for ``session`` (``"s1"`` ... ``"s7"``), print it and return it.

    Args:
        session: the session whose skills to practise.
        level: ``easy`` (a warm-up: does not extend the streak), ``medium`` (default) or ``hard``.
        skill: one of :func:`skills_for_session` (default: the session's skills in turn).
        seed: pick a particular variant (default: a fresh one).
        quiet: do not print the problem.

    Returns:
        The :class:`Variant`; answer it with ``variant.check(answer)``. In a kernel that the
        instructor's grader runs (``VAECOURSE_GRADING_MODE`` set), a :class:`NotDrawn` that says so.
    """
    if os.environ.get(GRADING_MODE_ENV, "").strip():
        print(f"practise({session!r}): {NOT_DRAWN_NOTE}.")
        return NotDrawn()
    names = skills_for_session(session)
    if not names:
        with_practice = sorted({s for s in SESSIONS if skills_for_session(s)})
        raise ValueError(
            f"session {session} has no practice variants (its exercises are whole models); "
            f"session must be one of {', '.join(with_practice)}"
        )
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
        print(f"{variant.describe()}\n" + wrap(f"(This {level} variant {counts} the practice streak; answer with variant.check(your_answer).)"))
    return variant
