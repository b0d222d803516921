"""The catalogue of graded exercises: every bank module listed once, loaded on first use, looked up by id or session.

Each bank module defines its exercises and lists them in ``EXERCISES``; only this module imports
the bank (nothing registers itself on import, so no bank module imports back). The bank loads on
the first lookup, not with :mod:`vaecourse.grading`, because a learner's ``check`` and ``hint``
should not pay for building every session's exercises when a notebook starts.
"""

from __future__ import annotations

import functools

from .exercise import Exercise, Mistake
from .sections import SESSIONS


@functools.cache
def _bank() -> tuple:
    """The bank's modules, in session order and, within a session, in notebook order."""
    from .bank import s1_bayes, s2_elbo, s3_estimators, s3_reparameterization, s4_gaussian_kl, s4_likelihoods
    from .bank import s5_evaluation, s5_practice, s6_collapse, s7_diffusion, s8_capstone

    return (
        s1_bayes,
        s2_elbo,
        s3_reparameterization,
        s3_estimators,
        s4_gaussian_kl,
        s4_likelihoods,
        s5_practice,
        s5_evaluation,
        s6_collapse,
        s7_diffusion,
        s8_capstone,
    )


@functools.cache
def _catalogue() -> dict[str, Exercise]:
    # In session order and, within a session, in notebook order: all_exercises returns this order.
    bank = _bank()
    exercises: dict[str, Exercise] = {}
    for module in bank:
        for exercise in module.EXERCISES:
            if exercise.id in exercises:
                raise ValueError(f"exercise id {exercise.id!r} is defined twice (in {module.__name__})")
            exercises[exercise.id] = exercise
    return exercises


def practice_only_mistakes() -> list[Mistake]:
    """The mistakes only the practice variants meet (each bank module's ``PRACTICE_MISTAKES``), in bank order."""
    return [m for module in _bank() for m in getattr(module, "PRACTICE_MISTAKES", ())]


def all_exercises() -> list[Exercise]:
    """Every exercise, in session order and, within a session, in notebook order."""
    return list(_catalogue().values())


def exercises_for_session(session: str) -> list[Exercise]:
    """The exercises of one session (``"s1"`` ... ``"s7"``), in notebook order."""
    if session not in SESSIONS:
        raise ValueError(f"session must be one of {', '.join(SESSIONS)}, got {session!r}")
    return [e for e in all_exercises() if e.session == session]


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise with this id; KeyError (with close matches) if there is none."""
    exercises = _catalogue()
    try:
        return exercises[exercise_id]
    except (KeyError, TypeError):
        import difflib

        close = difflib.get_close_matches(str(exercise_id), list(exercises), n=3)
        suggestion = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"no exercise with id {exercise_id!r}{suggestion}") from None


def all_mistakes() -> list[tuple[Exercise, Mistake]]:
    """Every catalogued mistake with its exercise (the catalogue the tests parametrize over)."""
    return [(e, m) for e in all_exercises() for m in e.mistakes]
