"""What an exercise and a known mistake are, and the predicates for mistakes that are behaviours; the bank is written in these.

Three kinds of exercise share the fields ``id``, ``session``, ``title``, ``section`` (the book label
that teaches it), ``points``, ``hints`` and ``mistakes``:

- :class:`FunctionExercise` — the learner implements a function; it is probed on :class:`Case` s
  and compared with a hidden ``reference`` implementation.
- :class:`ValueExercise` — the learner computes a number (or a few); ``expected`` computes it.
- :class:`ChoiceExercise` — the learner picks option letters; wrong options map to misconceptions.

A :class:`Mistake` is recognised by running each of its hidden ``variants`` (implementations that
make the mistake) on the same probes and comparing, or by a ``predicate`` over the records when the
mistake is a behaviour rather than one formula (a cut gradient, an overflow, ignored noise).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

import torch

from .compare import records_agree
from .observe import Case
from .sections import PREREQUISITE_SECTIONS, SECTION_TOPICS, SESSIONS

Predicate = Callable[[list, list, list], bool]


@dataclass(frozen=True)
class Mistake:
    """A known mistake: a stable ``name``, a short ``title``, an ``explanation`` and a book ``section``.

    ``variants`` make the mistake (functions for a FunctionExercise, zero-argument callables giving
    the wrong value for a ValueExercise); ``choices`` are the option letters that reveal it in a
    ChoiceExercise; ``credit`` is the fraction of the points still earned (e.g. right formula,
    unstable arithmetic).
    """

    name: str
    title: str
    explanation: str
    section: str
    variants: tuple[Callable, ...] = ()
    predicate: Predicate | None = None
    choices: frozenset[str] = frozenset()
    credit: float = 0.0
    behaviour: str = ""  # how a behaviour-only entry (no variant) is recognised, e.g. "values times -1"

    def __post_init__(self):
        # "" only for the catalogue's generic entries: they are reviewed in the exercise's own section
        known = self.section in SECTION_TOPICS or self.section in PREREQUISITE_SECTIONS
        assert known or (self.behaviour and not self.section), (self.name, self.section)
        assert self.variants or self.predicate or self.choices or self.behaviour, self.name

    def on(self, *args) -> "Mistake":
        """The same mistake for a value exercise: each variant applied to the fixed inputs ``args``."""
        return replace(self, variants=tuple((lambda v=v: v(*args)) for v in self.variants), predicate=None)

    def made_by(self, *variants: Callable, predicate: Predicate | None = None, choices=()) -> "Mistake":
        """The same entry (id and texts) made, in one exercise, by these ``variants``, ``predicate`` or ``choices``."""
        return replace(self, variants=tuple(variants), predicate=predicate, choices=frozenset(choices))


@dataclass(frozen=True)
class _Base:
    id: str
    session: str
    title: str
    section: str
    hints: tuple[str, ...] = ()
    mistakes: tuple[Mistake, ...] = ()

    def __post_init__(self):
        assert self.session in SESSIONS and self.section in SECTION_TOPICS, (self.id, self.section)
        names = [m.name for m in self.mistakes]
        assert len(names) == len(set(names)), f"duplicate mistake names in {self.id}"


@dataclass(frozen=True)
class FunctionExercise(_Base):
    """Implement a function. ``params`` lists its parameters as the stub shows them."""

    reference: Callable = None
    make_cases: Callable[[int], list[Case]] = None
    params: tuple[str, ...] = ()
    returns: str = ""
    axes: tuple[str, ...] = ()  # what the first argument's axes are, e.g. ("batch", "latent"): names 1/size factors
    differentiable: tuple[int, ...] = ()  # arguments the answer is differentiable in: their gradients are checked
    # scale arguments and their kind ("log sigma^2", "sigma^2", "sigma", "log sigma"): misreadings are named (misreadings.py)
    scale_args: tuple[tuple[int, str], ...] = ()
    points: float = 2.0
    kind: str = field(default="function", init=False)

    def cases(self, seed: int) -> list[Case]:
        """The probe cases for ``seed``; every valid case checks the gradients of the ``differentiable`` arguments."""
        out = []
        for case in self.make_cases(seed):
            # not at the stability cases: a correct answer may take another branch of a kink there (|l| at 0)
            if case.kind in ("fixed", "random") and case.summary is None and not case.grad_args:
                grads = tuple(
                    i
                    for i in self.differentiable
                    if i < len(case.args) and isinstance(case.args[i], torch.Tensor) and case.args[i].is_floating_point()
                )
                case = replace(case, grad_args=grads)
            out.append(case)
        return out


@dataclass(frozen=True)
class ValueExercise(_Base):
    """Compute a value. ``expected()`` computes it with ``vaecourse``; ``answer_form`` says what to give."""

    expected: Callable[[], Any] = None
    answer_form: str = "a number"
    rtol: float = 1e-3
    atol: float = 1e-6
    points: float = 1.0
    kind: str = field(default="value", init=False)


@dataclass(frozen=True)
class ChoiceExercise(_Base):
    """Pick option letters. ``options`` maps letters to statements; ``correct`` is the right set."""

    options: dict[str, str] = field(default_factory=dict)
    correct: frozenset[str] = frozenset()
    multiple: bool = False
    points: float = 1.0
    kind: str = field(default="choice", init=False)

    def __post_init__(self):
        super().__post_init__()
        assert self.correct and self.correct <= set(self.options), self.id
        assert self.multiple or len(self.correct) == 1, self.id


Exercise = FunctionExercise | ValueExercise | ChoiceExercise

# Predicates for mistakes that are behaviours rather than one formula.


def _grad_missing(grad) -> bool:
    if grad is None:
        return True
    data = grad.get("data")
    return data is not None and not any(v != 0 for v in _flatten(data))


def _flatten(data):
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    else:
        yield data


def gradient_cut(student: list, reference: list, cases: list[Case]) -> bool:
    """Values are right everywhere, but a required gradient is missing or zero (detach / no_grad)."""
    by_name = {c.name: c for c in cases}
    if len(student) != len(reference) or not all(
        records_agree(s, r, by_name[s["case"]], with_grads=False) for s, r in zip(student, reference)
    ):
        return False
    return any(
        by_name[s["case"]].grad_args and (s.get("grads") is None or any(_grad_missing(g) for g in s["grads"]))
        for s in student
    )


def unstable_only(student: list, reference: list, cases: list[Case]) -> bool:
    """Right on ordinary inputs, wrong (or NaN/inf) on the stability cases: an overflow or underflow."""
    by_name = {c.name: c for c in cases}
    if len(student) != len(reference):
        return False
    valid = [(s, r) for s, r in zip(student, reference) if by_name[s["case"]].raises is None]
    ordinary = [(s, r) for s, r in valid if by_name[s["case"]].kind != "stability"]
    extreme = [(s, r) for s, r in valid if by_name[s["case"]].kind == "stability"]
    return (
        all(records_agree(s, r, by_name[s["case"]]) for s, r in ordinary)
        and any("raised" not in s and s["value"].get("kind") == r["value"].get("kind") for s, r in extreme)
        and not all(records_agree(s, r, by_name[s["case"]]) for s, r in extreme)
    )


def accepts_invalid_input(student: list, reference: list, cases: list[Case]) -> bool:
    """Right on every valid input, but returns a value (no error) for input it should refuse."""
    by_name = {c.name: c for c in cases}
    if len(student) != len(reference):
        return False
    pairs = [(s, r, by_name[s["case"]]) for s, r in zip(student, reference)]
    return all(records_agree(s, r, c) for s, r, c in pairs if c.raises is None) and any(
        "raised" not in s for s, _, c in pairs if c.raises is not None
    )


def refused_with_other_error(student: list, reference: list, cases: list[Case]) -> bool:
    """Right on every valid input; refuses invalid input, but with another exception than the expected one."""
    by_name = {c.name: c for c in cases}
    if len(student) != len(reference):
        return False
    pairs = [(s, r, by_name[s["case"]]) for s, r in zip(student, reference)]
    invalid = [(s, c) for s, _, c in pairs if c.raises is not None]
    return (
        bool(invalid)
        and all(records_agree(s, r, c) for s, r, c in pairs if c.raises is None)
        and all("raised" in s and s["raised"]["error_type"] != c.raises for s, c in invalid)
    )
