"""A drawn practice variant: draw it from a skill at a level and seed, check an answer to it, reveal its solution.

``draw_variant(skill, level, seed)`` is a pure function of its arguments::

    >>> v = draw_variant("gaussian_kl", "easy", seed=0)
    >>> v == draw_variant("gaussian_kl", "easy", seed=0)
    True

A variant holds what the learner sees (the prompt, the inputs, the answer's form and tolerance, the
difficulty features); its answer, worked solution and known mistakes are derived from the inputs only
when an answer is checked. Displaying a variant (``repr``, a notebook cell's last line) or reading its
attributes never shows them; :meth:`Variant.solution` and :meth:`Variant.show_solution` do, and a
variant so revealed no longer counts towards a practice streak.

A draw whose mistakes could not be told apart (a mistake that gives the right answer, or two that
agree) is redrawn, so every wrong answer that matches a mistake is named unambiguously; the skills
choose their values so that every advertised problem type survives this. Every checked answer goes
through the course's checker (the variant becomes a :class:`~vaecourse.grading.ValueExercise`, so a
wrong answer that matches a known mistake is named, with the section to review), then into the
session's practice streak (:mod:`vaecourse.grading.practice_log`), which the mastery gate reads, and
into the progress file (``python -m vaecourse progress`` shows it). Practice checks never enter the
graded results.
"""

from __future__ import annotations

import functools
import json
import math
import random
from dataclasses import dataclass
from typing import Any

from ..grading.checker import grade
from ..grading.display import show_feedback
from ..grading.mistakes import entry
from ..grading.exercise import ValueExercise
from ..grading.practice_log import COUNTING_LEVELS, PRACTICE_FLOOR, PRACTICE_STREAK, record_practice
from ..grading.progress import record_practice as save_practice
from ..grading.result import NOT_ATTEMPTED, CheckResult
from ..grading.sections import SESSIONS
from .registry import get_skill
from .skill import LEVELS, PRINT_WIDTH, OneOf, Problem, Range, Skill, wrap

_SEPARATION = 5.0  # a mistake's value must differ from the answer and the others by 5 tolerances
_MAX_DRAWS = 200
_revealed: set[str] = set()  # keys of variants whose answer or worked solution was shown


@dataclass(frozen=True, repr=False)
class Variant:
    """One generated problem as the learner sees it: prompt, inputs, answer form, tolerance, difficulty features.

    The answer, the worked solution and the mistakes are not stored: :meth:`check` derives them from
    the inputs (``frozen_inputs``, the JSON of the inputs the seed drew). ``solution()`` returns the
    answer and ``show_solution()`` prints the worked solution; either marks the variant revealed, and
    a revealed variant's correct answer does not extend the practice streak.
    """

    skill: str
    session: str
    level: str
    seed: int
    title: str
    section: str
    prompt: str
    answer_form: str
    rtol: float
    atol: float
    features: dict[str, Any]
    frozen_inputs: str  # JSON: the inputs cannot be edited after the draw

    @property
    def key(self) -> str:
        """The variant's identity, e.g. ``"gaussian_kl/medium/123"`` (a practice streak counts each once)."""
        return f"{self.skill}/{self.level}/{self.seed}"

    @property
    def inputs(self) -> dict[str, Any]:
        """A fresh copy of the values the prompt states (editing it changes nothing)."""
        return json.loads(self.frozen_inputs)

    def _solved(self) -> Problem:
        return _solve(self.skill, self.level, self.frozen_inputs)

    def _exercise(self) -> ValueExercise:
        """This variant as a grading exercise (its ``expected`` is the answer: not for the learner's eyes)."""
        problem = self._solved()
        answer = problem.answer[0] if len(problem.answer) == 1 else tuple(problem.answer)
        values: dict[str, list] = {}  # one catalogue entry may give several wrong values (sigma for sigma^2 and back)
        for name, _title, _explanation, _section, value in problem.mistakes:
            values.setdefault(name, []).append(value)
        mistakes = tuple(entry(name).made_by(*((lambda v=value: v) for value in made)) for name, made in values.items())
        return ValueExercise(
            id=f"practice/{self.key}",
            session=self.session,
            title=self.title,
            section=self.section,
            expected=lambda: answer,
            answer_form=self.answer_form,
            rtol=self.rtol,
            atol=self.atol,
            hints=get_skill(self.skill).hints,
            mistakes=mistakes,
        )

    def check(self, answer, *, quiet: bool = False):
        """Check ``answer`` (None = not attempted), print the feedback and the practice streak; return the result."""
        return answer_variant(self, answer, quiet=quiet)

    def hint(self, level: int = 1) -> None:
        """Print the skill's hints up to ``level`` (1 = the gentlest); a hint does not stop the variant counting."""
        hints = get_skill(self.skill).hints
        if not hints:
            print(f"No hint for this variant; re-read section {self.section}.")
            return
        shown = hints[: max(1, min(int(level), len(hints)))]
        for number, text in enumerate(shown, start=1):
            print(wrap(f"Hint {number} of {len(hints)} ({self.title}): {text}"))
        if len(shown) < len(hints):
            print(f"(Stuck still? variant.hint({len(shown) + 1}) gives the next one.)")

    def solution(self):
        """The answer (a number or a tuple), for instructors' editions and graders; the variant then no longer counts."""
        reveal(self)
        answer = self._solved().answer
        return answer[0] if len(answer) == 1 else tuple(answer)

    def show(self) -> None:
        print(self.describe())

    def show_solution(self) -> None:
        """Print the worked solution; the variant no longer counts towards a practice streak."""
        reveal(self)
        print(wrap(f"Worked solution ({self.key}):\n{self._solved().worked_solution}"))

    def describe(self) -> str:
        info = SESSIONS[self.session]
        header = f"Practice ({self.title}; Session {info.number}, level {self.level}, variant {self.seed})"
        if len(header) > PRINT_WIDTH:  # break it between the title and where the variant comes from
            header = f"Practice ({self.title};\n  Session {info.number}, level {self.level}, variant {self.seed})"
        return wrap(f"{header}\n{self.prompt}\nAnswer with {self.answer_form}, to at least 4 significant digits.")

    def __str__(self) -> str:
        return self.describe()

    def __repr__(self) -> str:  # a bare variant as a cell's last line shows this, never the answer
        return f"<practice variant {self.key}: variant.show() prints it, variant.check(answer) grades an answer>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))


@functools.lru_cache(maxsize=256)
def _solve(skill: str, level: str, frozen_inputs: str) -> Problem:
    return get_skill(skill).solve(json.loads(frozen_inputs), level)


def features_out_of_range(features: dict[str, Any], spec: dict[str, Range | OneOf]) -> list[str]:
    """The features that are missing from ``features`` or fall outside ``spec``'s ranges (empty if all fit)."""
    problems = [f"{name} missing" for name in spec if name not in features]
    problems += [
        f"{name}={features[name]!r} not in {spec[name]}"
        for name in spec
        if name in features and features[name] not in spec[name]
    ]
    problems += [f"{name} has no range" for name in features if name not in spec]
    return problems


def _separated(problem: Problem) -> bool:
    """True if every mistake's value is far (in the check's tolerance) from the answer and from the others."""

    def far(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        if len(a) != len(b):
            return True
        return any(
            not (math.isfinite(x) and math.isfinite(y))
            or abs(x - y) > _SEPARATION * (problem.atol + problem.rtol * abs(y))
            for x, y in zip(a, b)
        )

    values = [problem.answer] + [m[4] for m in problem.mistakes]
    return all(far(values[i], values[j]) for i in range(len(values)) for j in range(i + 1, len(values)))


def draw_variant(skill: str, level: str = "medium", seed: int = 0) -> Variant:
    """The variant of ``skill`` at ``level`` (``easy``, ``medium`` or ``hard``) that ``seed`` picks.

    Raises:
        ValueError: an unknown skill or level.
    """
    found = get_skill(skill)
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    rng = random.Random(f"{skill}/{level}/{int(seed)}")  # a string seed is hashed with SHA-512: stable everywhere
    for _ in range(_MAX_DRAWS):
        inputs = found.draw(rng, level)
        problem = found.solve(inputs, level)
        if _separated(problem):
            return make_variant(found, level, int(seed), inputs, problem)
    raise AssertionError(f"no separable draw for {skill}/{level}/{seed}")  # internal: the draws are too narrow


def variant_from_inputs(skill: str, level: str, **inputs) -> Variant:
    """The variant with these exact inputs (e.g. the book's worked example); its seed is -1."""
    found = get_skill(skill)
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    return make_variant(found, level, -1, inputs, found.solve(inputs, level))


def make_variant(skill: Skill, level: str, seed: int, inputs: dict, problem: Problem) -> Variant:
    return Variant(
        skill=skill.name,
        session=skill.session,
        level=level,
        seed=seed,
        title=skill.title,
        section=skill.section,
        prompt=problem.prompt,
        answer_form=problem.answer_form,
        rtol=problem.rtol,
        atol=problem.atol,
        features=dict(problem.features),
        frozen_inputs=json.dumps(inputs, sort_keys=True),
    )


def reveal(variant: Variant) -> None:
    """Mark ``variant`` as solved for the learner: answering it afterwards does not count towards the streak."""
    _revealed.add(variant.key)


def _counts(variant: Variant) -> bool:
    """False for a revealed variant, the book's fixed example (seed -1), or one whose inputs its seed did not draw."""
    if variant.key in _revealed or variant.seed < 0:
        return False
    return draw_variant(variant.skill, variant.level, variant.seed).frozen_inputs == variant.frozen_inputs


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
    result = grade(variant._exercise(), answer)
    revealed = not _counts(variant)
    record = record_practice(variant.session, variant.key, variant.level, result.status, revealed=revealed)
    lines = [result.feedback]
    if result.status != NOT_ATTEMPTED:
        if result.passed and revealed:
            lines.append(
                "    (Its answer or worked solution was shown first, or it is not a freshly drawn variant, "
                "so this one does not extend the streak.)"
            )
        elif result.passed and variant.level not in COUNTING_LEVELS:
            lines.append("    (An easy variant: a warm-up that leaves the streak as it is.)")
        elif not result.passed:
            reveal(variant)  # the feedback shows the worked solution
            lines.append(
                f"    Worked solution, to compare with yours:\n"
                + "\n".join("      " + line for line in variant._solved().worked_solution.splitlines())
            )
        lines.append(streak_message(variant.session, record))
        try:
            save_practice(variant.session, record.to_dict())
        except OSError as exc:  # a read-only home must not break the notebook
            lines.append(f"(Practice could not be saved: {exc})")
    if not quiet:
        show_feedback("\n".join(lines), result.review)
    return result
