"""Graded exercises: ``check(exercise_id, answer)`` with mistake-naming feedback, hints and mastery gates; it may import only :mod:`vaecourse.core` and :mod:`vaecourse.data`.

In a notebook::

    from vaecourse.grading import check, hint, gate
    hint("gaussian_kl")                       # a hint, on demand
    result = check("gaussian_kl", gaussian_kl)  # prints feedback; result.passed, .score, .mistake
    gate("s4")                                # the session's mastery gate; records progress

Instructor tools build on :func:`grade` (no printing), :func:`make_student_edition`, the registry
(:func:`exercises_for_session`, :func:`all_mistakes`) and :class:`CheckResult`'s ``to_dict``.

The modules: :mod:`.exercise` (what an exercise and a mistake are), the :mod:`.bank` (one module per
session listing its ``EXERCISES``), :mod:`.registry` (the only importer of the bank, loading it on
first use), :mod:`.checker` (probe, compare, name the mistake), :mod:`.gate`, :mod:`.progress` and
:mod:`.practice_log` (what a learner has done), :mod:`.editions` (student notebooks); the capstone's
whole-model exercises add :mod:`.model_exercise` (graded in parts), :mod:`.vae_probe` (what runs in
the sandbox), :mod:`.vae_judge` and :mod:`.training_judge` (what the grader compares).
"""

from .checker import check, clear_results, grade, hint, latest_results
from .exercise import ChoiceExercise, FunctionExercise, Mistake, ValueExercise
from .gate import MASTERY_THRESHOLD, GateResult, gate, summarise
from .practice_log import PRACTICE_FLOOR, PRACTICE_STREAK
from .registry import all_exercises, all_mistakes, exercises_for_session, get_exercise
from .result import STATUSES, CheckResult
from .sections import SESSIONS


def __getattr__(name):  # lazy, so that ``python -m vaecourse.grading.editions`` runs the module once
    if name in ("make_student_edition", "student_notebook"):
        from . import editions

        return getattr(editions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MASTERY_THRESHOLD",
    "PRACTICE_FLOOR",
    "PRACTICE_STREAK",
    "SESSIONS",
    "STATUSES",
    "CheckResult",
    "ChoiceExercise",
    "FunctionExercise",
    "GateResult",
    "Mistake",
    "ValueExercise",
    "all_exercises",
    "all_mistakes",
    "check",
    "clear_results",
    "exercises_for_session",
    "gate",
    "get_exercise",
    "grade",
    "hint",
    "latest_results",
    "make_student_edition",
    "student_notebook",
    "summarise",
]
