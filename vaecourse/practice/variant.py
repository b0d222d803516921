"""Seeded practice variants: a skill draws fresh inputs at one of three levels and solves them with ``vaecourse``.

A :class:`Skill` pairs a ``draw(rng, level)`` (the surface details: sizes and values) with a
``solve(inputs, level)`` that returns a :class:`Problem`: the prompt, the answer, a worked solution
with the numbers filled in, the known mistakes with the values they give, and the *difficulty
features* of the draw. Each level fixes the ranges those features may take (:class:`Range`,
:class:`OneOf`), so variants change their numbers without changing their difficulty. A draw whose
mistakes could not be told apart (a mistake that gives the right answer, or two that agree) is
redrawn, so every wrong answer that matches a mistake is named unambiguously.

``draw_variant(skill, level, seed)`` is a pure function of its arguments::

    >>> v = draw_variant("gaussian_kl", "easy", seed=0)
    >>> v == draw_variant("gaussian_kl", "easy", seed=0)
    True
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any, Callable

from ..grading.exercise import Mistake, ValueExercise
from ..grading.sections import SECTION_TOPICS, SESSIONS

LEVELS = ("easy", "medium", "hard")
DEFAULT_RTOL, DEFAULT_ATOL = 1e-3, 1e-4  # four significant digits, as the prompts ask
_SEPARATION = 5.0  # a mistake's value must differ from the answer and the others by 5 tolerances
_MAX_DRAWS = 200


@dataclass(frozen=True)
class Range:
    """A numeric feature's allowed interval, both ends included."""

    low: float
    high: float

    def __contains__(self, value) -> bool:
        return isinstance(value, (int, float)) and self.low - 1e-12 <= value <= self.high + 1e-12


@dataclass(frozen=True)
class OneOf:
    """A categorical feature's allowed values."""

    values: tuple

    def __contains__(self, value) -> bool:
        return value in self.values


@dataclass(frozen=True)
class Problem:
    """What ``solve`` returns: everything about one drawn problem except its identity."""

    prompt: str
    answer: tuple[float, ...]
    answer_form: str
    worked_solution: str
    features: dict[str, Any]
    mistakes: tuple[tuple[str, str, str, str, tuple[float, ...]], ...] = ()  # name, title, explanation, section, value
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL


@dataclass(frozen=True)
class Skill:
    """A kind of problem a session trains, with its generator, solver and per-level feature ranges."""

    name: str
    session: str
    title: str
    section: str
    levels: dict[str, dict[str, Range | OneOf]]
    draw: Callable[[random.Random, str], dict]
    solve: Callable[[dict, str], Problem]
    hints: tuple[str, ...] = ()

    def __post_init__(self):
        assert self.session in SESSIONS and self.section in SECTION_TOPICS, self.name
        assert tuple(self.levels) == LEVELS, self.name


@dataclass(frozen=True)
class Variant:
    """One generated problem: its prompt, inputs, answer, tolerance, worked solution and difficulty features."""

    skill: str
    session: str
    level: str
    seed: int
    title: str
    section: str
    prompt: str
    inputs: dict[str, Any]
    answer: float | tuple[float, ...]
    answer_form: str
    rtol: float
    atol: float
    worked_solution: str
    features: dict[str, Any]
    mistakes: tuple[Mistake, ...] = field(
        default=(), repr=False, compare=False
    )  # their values are compared via the inputs
    hints: tuple[str, ...] = field(default=(), repr=False)

    @property
    def key(self) -> str:
        """The variant's identity, e.g. ``"gaussian_kl/medium/123"`` (a practice streak counts each once)."""
        return f"{self.skill}/{self.level}/{self.seed}"

    def exercise(self) -> ValueExercise:
        """This variant as a grading exercise: ``grading.check(variant.exercise(), answer)`` names mistakes."""
        answer = self.answer
        return ValueExercise(
            id=f"practice/{self.key}",
            session=self.session,
            title=self.title,
            section=self.section,
            expected=lambda: answer,
            answer_form=self.answer_form,
            rtol=self.rtol,
            atol=self.atol,
            hints=self.hints,
            mistakes=self.mistakes,
        )

    def check(self, answer, *, quiet: bool = False):
        """Check ``answer`` (None = not attempted), print the feedback and the practice streak; return the result."""
        from .session import answer_variant

        return answer_variant(self, answer, quiet=quiet)

    def show(self) -> None:
        print(self.describe())

    def show_solution(self) -> None:
        """Print the worked solution; the variant no longer counts towards a practice streak."""
        from .session import reveal

        reveal(self)
        print(f"Worked solution ({self.key}):\n{self.worked_solution}")

    def describe(self) -> str:
        info = SESSIONS[self.session]
        header = f"Practice ({self.title}; Session {info.number}, level {self.level}, variant {self.seed})"
        return f"{header}\n{self.prompt}\nAnswer with {self.answer_form}, to at least 4 significant digits."

    def __str__(self) -> str:
        return self.describe()


_SKILLS: dict[str, Skill] = {}


def register_skill(*skills: Skill) -> None:
    for skill in skills:
        assert skill.name not in _SKILLS, skill.name
        _SKILLS[skill.name] = skill


def _load() -> None:
    from . import skills_bayes, skills_collapse, skills_diffusion, skills_elbo  # noqa: F401 (they register)
    from . import skills_evaluation, skills_gaussian, skills_reparam  # noqa: F401


def all_skills() -> list[Skill]:
    """Every skill, in session order."""
    _load()
    return sorted(_SKILLS.values(), key=lambda s: list(SESSIONS).index(s.session))


def get_skill(name: str) -> Skill:
    _load()
    if name not in _SKILLS:
        raise ValueError(f"skill must be one of {', '.join(_SKILLS)}, got {name!r}")
    return _SKILLS[name]


def skills_for_session(session: str) -> list[str]:
    """The names of the skills a session's practice draws from, e.g. ``skills_for_session("s4")``."""
    if session not in SESSIONS:
        raise ValueError(f"session must be one of {', '.join(SESSIONS)}, got {session!r}")
    return [s.name for s in all_skills() if s.session == session]


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
    mistakes = tuple(
        Mistake(name, title, explanation, section, variants=((lambda v=value: v),))
        for name, title, explanation, section, value in problem.mistakes
    )
    answer = problem.answer[0] if len(problem.answer) == 1 else tuple(problem.answer)
    return Variant(
        skill=skill.name,
        session=skill.session,
        level=level,
        seed=seed,
        title=skill.title,
        section=skill.section,
        prompt=problem.prompt,
        inputs=dict(inputs),
        answer=answer,
        answer_form=problem.answer_form,
        rtol=problem.rtol,
        atol=problem.atol,
        worked_solution=problem.worked_solution,
        features=dict(problem.features),
        mistakes=mistakes,
        hints=skill.hints,
    )


def fmt(x: float, digits: int = 4) -> str:
    """A number for prompts and worked solutions: ``digits`` decimals, trailing zeros dropped (``-0`` is ``0``)."""
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def par(x: float, digits: int = 4) -> str:
    """Like :func:`fmt`, with a negative number in parentheses, for products and powers: ``(-0.9)^2``."""
    text = fmt(x, digits)
    return f"({text})" if text.startswith("-") else text


def fmt_seq(values, digits: int = 4) -> str:
    return "(" + ", ".join(fmt(v, digits) for v in values) + ")"
