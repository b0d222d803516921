"""``check(exercise_id, answer)``: grade one answer in stages and name the mistake if it is a known one.

A function answer runs in a sandboxed child (:mod:`~vaecourse.grading.sandbox`) on fixed, seeded
cases and on cases drawn from a fresh seed, then its records are compared with the hidden
reference's (:mod:`~vaecourse.grading.compare`). A wrong answer is matched against the exercise's
catalogue of known mistakes; a match is reported by name with an explanation and the book section
that covers it. The checker never raises on a learner's answer and never shows the reference's
code, the hidden inputs or the expected values.

Environment: ``VAECOURSE_CHECK_SEED`` fixes the randomized cases (graders want identical re-runs),
``VAECOURSE_CHECK_TIMEOUT`` changes the time limit (seconds), ``VAECOURSE_RESULTS_PATH`` makes every
check append its result as one JSON line to that file (how ``vaecourse grade`` collects results).
"""

from __future__ import annotations

import inspect
import json
import os
import secrets
from dataclasses import replace

from . import result as R
from .choices import grade_choice
from .compare import describe_value, first_difference, numbers_close, records_agree
from .diagnose import Diagnosis, diagnose
from .display import show_feedback
from .exercise import Exercise, FunctionExercise, ValueExercise, gradient_cut
from .observe import IN_PLACE_READINGS, Case, as_floats, encode, observe, observe_value
from .practice_log import clear_practice
from .misreadings import misreading_variants
from .mistakes import GRADIENT_CUT
from .model_exercise import grade_model
from .registry import get_exercise
from .sandbox import DEFAULT_TIMEOUT_S, OUTPUT_LIMIT_CHARS, SandboxOutcome, run_sandboxed
from .trusted_records import observed

SEED_ENV = "VAECOURSE_CHECK_SEED"
TIMEOUT_ENV = "VAECOURSE_CHECK_TIMEOUT"
RESULTS_ENV = "VAECOURSE_RESULTS_PATH"
# Set in a kernel that the instructor's grader runs: the bank is out of its reach, so practice is not drawn there.
GRADING_MODE_ENV = "VAECOURSE_GRADING_MODE"

_latest: dict[str, R.CheckResult] = {}  # this kernel's latest result per exercise, read by the gate
NOT_ATTEMPTED_MESSAGE = "Not attempted yet: fill in your answer above, run that cell, then run this check again."


def latest_results() -> dict[str, R.CheckResult]:
    """The latest result of each exercise checked in this Python process."""
    return dict(_latest)


def clear_results() -> None:
    """Forget the results (and practice streaks) recorded in this process: a fresh start for the gate, or a grader."""
    _latest.clear()
    clear_practice()


def _registered(exercise) -> bool:
    try:
        return get_exercise(exercise.id) is exercise
    except KeyError:
        return False


def _default_seed() -> int:
    value = os.environ.get(SEED_ENV, "").strip()
    return int(value) if value else secrets.randbelow(2**31)


def _default_timeout() -> float:
    value = os.environ.get(TIMEOUT_ENV, "").strip()
    return float(value) if value else DEFAULT_TIMEOUT_S


def _sandbox_failure(exercise: Exercise, outcome: SandboxOutcome, timeout: float) -> R.CheckResult | None:
    """A result for a timeout, crash, escaped exception or flood of output; None if the run was fine."""
    if outcome.status == "timeout":
        return R.make_result(
            exercise,
            R.TIMEOUT,
            f"Your code did not finish within {timeout:g} seconds (an infinite loop?), so it scores 0.",
        )
    if outcome.status in ("crashed", "error"):
        at = f" ({outcome.error_line})" if outcome.error_line else ""
        return R.make_result(
            exercise, R.ERROR, f"Your code stopped the check: {outcome.error_type}{at}: {outcome.error_message}"
        )
    if outcome.output_chars > OUTPUT_LIMIT_CHARS:
        return R.make_result(
            exercise,
            R.ERROR,
            f"Your code printed {outcome.output_chars:,} characters (the limit is {OUTPUT_LIMIT_CHARS:,}); remove the prints and check again.",
        )
    return None


def _signature_problem(exercise: FunctionExercise, answer, cases: list[Case]) -> str | None:
    try:
        signature = inspect.signature(answer)
    except (TypeError, ValueError):  # builtins and some C functions have none: let the calls decide
        return None
    for count in sorted({len(c.args) for c in cases}):
        try:
            signature.bind(*range(count))
        except TypeError:
            return (
                f"Your function's parameters {signature} cannot take the {count} positional arguments the "
                f"exercise passes: ({', '.join(exercise.params[:count])})."
            )
    return None


def _variant_records(exercise: FunctionExercise, cases: list[Case], seed: int, what: str = "cases") -> list[tuple]:
    """Each catalogued variant's records on the cases of ``seed`` (trusted code, run here in the grader's process, once per seed)."""
    variants = [(m, v) for m in exercise.mistakes for v in m.variants] + misreading_variants(exercise)
    return observed(exercise, seed, f"variants on {what}", variants, cases)


def _reference_records(exercise: FunctionExercise, cases: list[Case], seed: int, what: str = "cases") -> list[dict]:
    """The hidden reference's records on the cases of ``seed`` (run here, in the grader's process, once per seed)."""
    return observed(exercise, seed, f"reference on {what}", [(None, exercise.reference)], cases)[0][1]


def _diagnosis_result(
    exercise: FunctionExercise, found: Diagnosis, cases: list[Case], student: list, reference: list
) -> R.CheckResult:
    mistake = found.mistake
    describe = {c.name: c.describe for c in cases}
    by_name = {c.name: c for c in cases}
    others = [
        s["case"]
        for s, r in zip(student, reference)
        if s["case"] not in found.cases and not records_agree(s, r, by_name[s["case"]])
    ]
    message = f"Mistake found: {mistake.title}."
    if found.note:
        message += f"\n{found.note}"
    message += f"\n{mistake.explanation}"
    message += "\nDecided on: " + "; ".join(describe[n] for n in found.cases if n in describe) + "."
    credit = mistake.credit if found.exact else 0.0
    if not found.exact and others:
        message += (
            "\nYour answer also differs, perhaps for another reason, on: "
            + "; ".join(describe[n] for n in others)
            + ". Fix the mistake above first, then check again."
        )
    elif credit:
        message += f"\nPartial credit: {credit:.0%} of the points."
    return R.make_result(
        exercise, R.FAILED, message, credit=credit, mistake=mistake.name, review=(mistake.section or exercise.section,)
    )


# What torch says when NumPy is asked for a tensor that is part of a graph (``.numpy()``, ``np.asarray``, ``np.exp``).
_NUMPY_ON_GRAPH = "numpy() on Tensor that requires grad"


def _numpy_on_graph(exercise: FunctionExercise, student: list, cases: list[Case]) -> list[str]:
    """The inputs whose gradient the answer cuts by converting them to NumPy (torch refuses where they require grad)."""
    by_name = {c.name: c for c in cases}
    decided = [
        s["case"]
        for s in student
        if by_name[s["case"]].grad_args and _NUMPY_ON_GRAPH in s.get("raised", {}).get("error_message", "")
    ]
    return sorted({exercise.params[i].split("=")[0] for n in decided for i in by_name[n].grad_args})


def _grade_numpy_answer(
    exercise: FunctionExercise, answer, cases: list[Case], seed: int, names: list[str], timeout: float
) -> R.CheckResult:
    """Grade an answer that converts inputs requiring grad to NumPy: its values on plain inputs, then the cut gradient.

    On inputs that require grad torch refuses ``.numpy()``, so the answer's values are read again on the same
    cases without gradients: right values are the cut gradient (named as such); wrong ones are diagnosed as any
    answer's, and the feedback adds that the NumPy round-trip cuts the gradient too.
    """
    cut = (
        f"Your code converts {' and '.join(f'`{n}`' for n in names)} to NumPy, and torch refused (\"Can't call numpy() "
        "on Tensor that requires grad\"): the checker passes inputs that require gradients, as training does, and NumPy "
        "values carry none. This exercise's answer must stay differentiable: torch operations on the inputs."
    )
    own = next((m for m in exercise.mistakes if m.predicate is gradient_cut), GRADIENT_CUT)
    plain = [replace(c, grad_args=()) for c in cases]
    outcome = run_sandboxed(lambda: observe(answer, plain), timeout)
    reference = _reference_records(exercise, plain, seed, "cases without gradients")
    failure = _sandbox_failure(exercise, outcome, timeout)
    if failure:
        return failure
    student = outcome.value
    difference = first_difference(student, reference, plain)
    if difference is None:
        note = f"No gradient reaches {' and '.join(f'`{n}`' for n in names)}: {cut[0].lower()}{cut[1:]}"
        decided = tuple(c.name for c in cases if c.grad_args)
        return _diagnosis_result(exercise, Diagnosis(own, decided, exact=True, note=note), plain, student, reference)
    found = diagnose(exercise, student, reference, plain, _variant_records(exercise, plain, seed, "cases without gradients"))
    if found is not None:
        note = (found.note + "\n" if found.note else "") + "Besides, no gradient reaches the inputs: " + cut[0].lower() + cut[1:]
        return _diagnosis_result(exercise, Diagnosis(found.mistake, found.cases, exact=False, note=note), plain, student, reference)
    return R.make_result(exercise, R.FAILED, f"{difference.message}\n{cut}", review=(exercise.section,))


def _mistake_result(exercise: Exercise, mistake) -> R.CheckResult:
    message = f"Mistake found: {mistake.title}.\n{mistake.explanation}"
    if mistake.credit:
        message += f"\nPartial credit: {mistake.credit:.0%} of the points."
    return R.make_result(
        exercise, R.FAILED, message, credit=mistake.credit, mistake=mistake.name,
        review=(mistake.section or exercise.section,),
    )


def _passed_message(exercise: FunctionExercise, cases: list[Case]) -> str:
    kinds = [c.kind for c in cases]
    fixed, randomized = kinds.count("fixed"), kinds.count("random")
    parts = [f"correct on {fixed} fixed and {randomized} randomized case{'s' if randomized != 1 else ''}"]
    if any(c.grad_args for c in cases):
        names = sorted({exercise.params[i].split("=")[0] for c in cases for i in c.grad_args})
        parts.append(f"the gradients reaching {' and '.join(names)} are right")
    if "stability" in kinds:
        parts.append("stable on extreme inputs")
    if "sampling" in kinds:
        sampled = any(c.grad_args for c in cases if c.kind == "sampling")
        parts.append("draws noise with the right distribution when none is given" + (", and gradients flow through it" if sampled else ""))
    if "invalid" in kinds:
        parts.append("refuses invalid input with a clear error")
    return "Well done: " + "; ".join(parts) + "."


def grade_function(exercise: FunctionExercise, answer, seed: int, timeout: float) -> R.CheckResult:
    if answer is None or answer is Ellipsis:
        return R.make_result(exercise, R.NOT_ATTEMPTED, NOT_ATTEMPTED_MESSAGE)
    if not callable(answer):
        return R.make_result(
            exercise,
            R.FAILED,
            f"Expected a function, got a {type(answer).__name__}; pass the function itself, without calling it.",
        )
    module = getattr(answer, "__module__", None) or ""
    if module == "vaecourse" or module.startswith("vaecourse."):
        return R.make_result(
            exercise,
            R.FAILED,
            f"That is the course library's own function ({module}.{getattr(answer, '__name__', '?')}); the exercise asks for your implementation.",
            mistake="library_function_submitted",
        )
    cases = exercise.cases(seed)
    problem = _signature_problem(exercise, answer, cases)
    if problem:
        return R.make_result(exercise, R.FAILED, problem, review=(exercise.section,))
    reference = _reference_records(exercise, cases, seed)
    expected_errors = [c.raises for c in cases]
    got_errors = [r.get("raised", {}).get("error_type") for r in reference]
    assert got_errors == expected_errors, f"the reference of {exercise.id} raised: {reference}"
    outcome = run_sandboxed(lambda: observe(answer, cases), timeout)
    failure = _sandbox_failure(exercise, outcome, timeout)
    if failure:
        return failure
    student = outcome.value
    if any(r.get("raised", {}).get("error_type") == "NotImplementedError" for r in student):
        return R.make_result(exercise, R.NOT_ATTEMPTED, NOT_ATTEMPTED_MESSAGE)
    mutated = sorted({i for r in student for i in r.get("mutated", ())})
    if mutated:
        names = ", ".join(f"`{exercise.params[i].split('=')[0]}`" for i in mutated)
        became = {i: {_reading(r, i) for r in student if i in r.get("mutated", ())} - {""} for i in mutated}
        after = "".join(  # one known map on every case: say what the input became, and what that does to later uses
            f" After the call `{n}` holds {next(iter(hows)).format(x=n)}: every later use of `{n}` in your function reads "
            f"those values, not the input."
            for i, hows in became.items()
            if len(hows) == 1 and None not in hows and (n := exercise.params[i].split("=")[0])
        )
        return R.make_result(
            exercise,
            R.FAILED,
            f"Your function changed its input {names} in place (an in-place operation such as `x += ...`, "
            f"`x.mul_(...)` or `x[...] = ...`).{after} Callers reuse their tensors: compute new ones instead.",
            mistake="mutated_input",
            review=(exercise.section,),
        )
    difference = first_difference(student, reference, cases)
    if difference is None:
        return R.make_result(exercise, R.PASSED, _passed_message(exercise, cases))
    numpy_cut = _numpy_on_graph(exercise, student, cases) if difference.code == "raised" else []
    if numpy_cut:
        return _grade_numpy_answer(exercise, answer, cases, seed, numpy_cut, timeout)
    found = diagnose(exercise, student, reference, cases, _variant_records(exercise, cases, seed))
    if found is not None:
        return _diagnosis_result(exercise, found, cases, student, reference)
    if difference.code == "raised":
        return R.make_result(exercise, R.ERROR, difference.message, review=(exercise.section,))
    return R.make_result(exercise, R.FAILED, difference.message, review=(exercise.section,))


def _reading(record: dict, i: int) -> str | None:
    """What input ``i`` became in place, as the record says, if it is one of the checker's own readings (else None)."""
    try:
        how = dict(record.get("mutated_as", ())).get(i)
    except (TypeError, ValueError):  # a forged record: not pairs
        return None
    return how if isinstance(how, str) and how in IN_PLACE_READINGS else None


def grade_value(exercise: ValueExercise, answer, timeout: float) -> R.CheckResult:
    if answer is None or answer is Ellipsis:
        return R.make_result(exercise, R.NOT_ATTEMPTED, NOT_ATTEMPTED_MESSAGE)
    outcome = run_sandboxed(lambda: observe_value(answer), timeout)
    failure = _sandbox_failure(exercise, outcome, timeout)
    if failure:
        return failure
    got = as_floats(outcome.value)
    want = as_floats(encode(exercise.expected()))
    if got is None or len(got) != len(want):
        return R.make_result(
            exercise, R.FAILED, f"Expected {exercise.answer_form}; got {describe_value(outcome.value)}."
        )
    if numbers_close(got, want, exercise.rtol, exercise.atol):
        return R.make_result(exercise, R.PASSED, "Correct.")
    for mistake in exercise.mistakes:
        if any(numbers_close(got, as_floats(encode(v())), exercise.rtol, exercise.atol) for v in mistake.variants):
            return _mistake_result(exercise, mistake)
    shown = ", ".join(f"{v:.6g}" for v in got)
    # a practice variant's id ("practice/...") is no exercise id: its hints are variant.hint()
    pointer = "variant.hint()" if exercise.id.startswith("practice/") else f"hint({exercise.id!r})"
    return R.make_result(
        exercise,
        R.FAILED,
        f"Not correct yet: you gave {shown}. Check each step; {pointer} may help.",
        review=(exercise.section,),
    )


def grade(exercise: Exercise, answer, *, seed: int | None = None, timeout: float | None = None) -> R.CheckResult:
    """Grade ``answer`` for ``exercise`` without printing or recording (see :func:`check`)."""
    seed = _default_seed() if seed is None else int(seed)
    timeout = _default_timeout() if timeout is None else float(timeout)
    if exercise.kind == "function":
        return grade_function(exercise, answer, seed, timeout)
    if exercise.kind == "value":
        return grade_value(exercise, answer, timeout)
    if exercise.kind == "model":  # a whole model, graded in parts (model_exercise.py)
        return grade_model(exercise, answer, seed, timeout)
    return grade_choice(exercise, answer, timeout)


def check(
    exercise_id, answer, *, seed: int | None = None, timeout: float | None = None, quiet: bool = False
) -> R.CheckResult:
    """Check ``answer`` (a function, value or option letters) for an exercise; print and return the result.

    Args:
        exercise_id: e.g. ``"gaussian_kl"`` (or an exercise object, for generated variants).
        answer: the learner's function (not called: pass ``gaussian_kl``, not ``gaussian_kl(...)``),
            value, or option letter(s). ``None`` means not attempted.
        seed: seed of the randomized cases (default: ``VAECOURSE_CHECK_SEED`` or a fresh one).
        timeout: seconds the answer may run (default: ``VAECOURSE_CHECK_TIMEOUT`` or 10).
        quiet: do not print the feedback.

    Returns:
        A :class:`~vaecourse.grading.result.CheckResult`; ``result.passed``, ``result.score``,
        ``result.mistake`` and ``result.feedback`` say how it went.
    """
    try:
        exercise = exercise_id if hasattr(exercise_id, "kind") else get_exercise(exercise_id)
    except KeyError as exc:
        message = f"[error] {exc.args[0]}"
        if not quiet:
            print(message)
        return R.CheckResult(str(exercise_id), R.ERROR, 0.0, 0.0, message)
    try:
        result = grade(exercise, answer, seed=seed, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - a bug of the checker must not look like the learner's
        result = R.make_result(
            exercise,
            R.ERROR,
            f"The checker itself failed ({type(exc).__name__}: {exc}). This is a bug in the course, not in your answer; please report it.",
        )
    if _registered(exercise):  # the gate trusts only the registered exercise, never a changed copy
        _latest[exercise.id] = result
    path = os.environ.get(RESULTS_ENV, "").strip()
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(result.to_dict()) + "\n")
    if not quiet:
        show_feedback(result.feedback, result.review)
    return result


def hint(exercise_id: str, level: int = 1) -> None:
    """Print the exercise's hints up to ``level`` (1 = the gentlest)."""
    try:
        exercise = get_exercise(exercise_id)
    except KeyError as exc:
        print(f"[error] {exc.args[0]}")
        return
    if not exercise.hints:
        print(f"No hint for {exercise_id}; re-read {exercise.section}.")
        return
    shown = exercise.hints[: max(1, min(level, len(exercise.hints)))]
    for number, text in enumerate(shown, start=1):
        print(f"Hint {number} of {len(exercise.hints)} for {exercise_id}: {text}")
    if len(shown) < len(exercise.hints):
        print(f"(Stuck still? hint({exercise_id!r}, {len(shown) + 1}) gives the next one.)")
