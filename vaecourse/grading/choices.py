"""Grading multiple-choice answers: parse option letters and name the misconception behind a wrong one."""

from __future__ import annotations

import re

from . import result as R
from .observe import observe_value
from .sandbox import run_sandboxed

_SEPARATORS = re.compile(r"[\s,;/()\[\]{}'\"+&]+|\band\b")


def parse_letters(encoded: dict) -> set[str] | None:
    """Option letters from an encoded answer: ``"b"``, ``"(B)"``, ``"a, c"``, ``["a", "c"]`` or ``{"a", "c"}``.

    Returns None when the answer is not made of single letters (e.g. a sentence or a number).
    """
    if encoded.get("kind") == "str":
        text = encoded["value"].strip().lower()
    elif encoded.get("kind") == "sequence" and all(item.get("kind") == "str" for item in encoded["items"]):
        text = " ".join(item["value"] for item in encoded["items"]).lower()
    else:
        return None
    tokens = [t for t in _SEPARATORS.split(text) if t]
    if not tokens:
        return None
    if len(tokens) == 1 and tokens[0].isalpha() and 1 < len(tokens[0]) <= 6 and len(set(tokens[0])) == len(tokens[0]):
        tokens = list(tokens[0])  # "ac" means a and c
    if any(len(t) != 1 or not t.isalpha() for t in tokens):
        return None
    return set(tokens)


def grade_choice(exercise, answer, timeout: float) -> R.CheckResult:
    """Grade option letters for a :class:`~vaecourse.grading.exercise.ChoiceExercise`."""
    if answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip()):
        return R.make_result(
            exercise,
            R.NOT_ATTEMPTED,
            "Not attempted yet: set the answer to the letter of your choice and run the check again.",
        )
    outcome = run_sandboxed(lambda: observe_value(answer), timeout)
    if outcome.status != "ok":
        return R.make_result(
            exercise, R.ERROR, f"Your answer could not be read ({outcome.error_type or outcome.status})."
        )
    letters = parse_letters(outcome.value)
    valid = ", ".join(f'"{k}"' for k in exercise.options)
    if letters is None or not letters <= set(exercise.options):
        how = "one letter" if not exercise.multiple else 'letters, e.g. "a, c"'
        return R.make_result(exercise, R.FAILED, f"Answer with {how} from {valid}.")
    if not exercise.multiple and len(letters) != 1:
        return R.make_result(exercise, R.FAILED, "Choose exactly one option.")
    if letters == set(exercise.correct):
        return R.make_result(exercise, R.PASSED, "Correct.")
    for letter in sorted(letters - exercise.correct):
        for mistake in exercise.mistakes:
            if letter in mistake.choices:
                title = f'option "{letter}" — {mistake.title}'
                message = f"Mistake found: {title}.\n{mistake.explanation}"
                return R.make_result(exercise, R.FAILED, message, mistake=mistake.name, review=(mistake.section,))
    if letters < exercise.correct:
        return R.make_result(
            exercise,
            R.FAILED,
            "Everything you chose is true, but at least one more option is true too.",
            review=(exercise.section,),
        )
    return R.make_result(exercise, R.FAILED, "Not correct yet.", review=(exercise.section,))
