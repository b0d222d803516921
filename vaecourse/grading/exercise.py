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


def nondeterministic(student: list, reference: list, cases: list[Case]) -> bool:
    """Two calls with the same inputs (including the noise) give different results."""
    return any(s.get("deterministic") is False for s in student)


def _noise_layouts(student: list, reference: list, cases: list[Case]):
    """For an answer right wherever the noise is given: each sampling case's summary (numbers as listed in its
    ``expected_summary``: the draws' mean, std and excess kurtosis, then, where the case gives them, how the draws are
    laid out), the expected one and its tolerances; None if the answer is wrong elsewhere or a summary is missing."""
    by_name = {c.name: c for c in cases}
    if len(student) != len(reference):
        return None
    sampling = [(s, by_name[s["case"]]) for s in student if by_name[s["case"]].expected_summary is not None]
    others = [(s, r, by_name[s["case"]]) for s, r in zip(student, reference) if by_name[s["case"]].expected_summary is None]
    if not sampling or not all(records_agree(s, r, c, with_grads=False) for s, r, c in others):
        return None
    summaries = []
    for s, case in sampling:
        got = s.get("value", {}).get("items") if "raised" not in s else None
        n = len(case.expected_summary)
        if not got or len(got) != n or n < 3:
            return None
        atol = case.summary_atol if isinstance(case.summary_atol, tuple) else (case.summary_atol,) * n
        summaries.append((tuple(g.get("value") for g in got), case.expected_summary, atol))
    return summaries


def _noise_summaries(student: list, reference: list, cases: list[Case]):
    """``_noise_layouts``' (mean, std, excess kurtosis) of each sampling case, where the draws are laid out as they should
    be (mu's shape, no noise shared): only then do the moments describe the distribution of one draw."""
    layouts = _noise_layouts(student, reference, cases)
    if layouts is None or any(None in got[3:] or any(abs(g - e) > t for g, e, t in zip(got[3:], want[3:], atol[3:])) for got, want, atol in layouts):
        return None
    return [(got[:3], want[:3], atol[:3]) for got, want, atol in layouts]


def _noise_laid_out(which: int):
    """A predicate: right wherever the noise is given, and the drawn noise's layout number ``which`` (3: 1 if the output
    has mu's shape; 4: share of rows equal to the row before; 5: share of rows with all entries equal) says it is wrong."""

    def predicate(student: list, reference: list, cases: list[Case]) -> bool:
        layouts = _noise_layouts(student, reference, cases)
        if not layouts or any(len(got) <= which or got[which] is None for got, _, _ in layouts):
            return False
        if which == 3:
            return all(got[3] == 0.0 for got, _, _ in layouts)
        return all(got[3] == 1.0 and got[which] >= 0.5 for got, _, _ in layouts)

    predicate.__name__ = ("noise_wrong_shape", "noise_shared_by_batch", "noise_shared_by_dims")[which - 3]
    return predicate


noise_wrong_shape, noise_shared_by_batch, noise_shared_by_dims = (_noise_laid_out(i) for i in (3, 4, 5))


def noise_misscaled(student: list, reference: list, cases: list[Case]) -> bool:
    """Right wherever the noise is given; the drawn noise has the right mean and shape of tails but the wrong spread."""
    summaries = _noise_summaries(student, reference, cases)
    if summaries is None:
        return False
    for (mean, std, kurt), (m0, s0, k0), atol in summaries:
        if None in (mean, std, kurt) or abs(mean - m0) > atol[0] or abs(kurt - k0) > atol[2] or abs(std - s0) <= atol[1]:
            return False
    return True


def noise_ignored(student: list, reference: list, cases: list[Case]) -> bool:
    """The given noise does not decide the output: two equal calls differ, or eps = 0 and eps = 1 give the same output.

    The second test uses the cases named ``noise-0`` and ``noise-1`` (the same other arguments, every
    noise value 0 or 1, the same seed for noise drawn anyway), where the reference's outputs differ.
    """
    if nondeterministic(student, reference, cases):
        return True
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    by_name = {c.name: c for c in cases}
    if not all(n in s_by and n in r_by for n in ("noise-0", "noise-1")):
        return False
    s0, s1, r0, r1 = s_by["noise-0"], s_by["noise-1"], r_by["noise-0"], r_by["noise-1"]
    if any("raised" in rec for rec in (s0, s1, r0, r1)):
        return False
    case = by_name["noise-1"]
    return records_agree(s0, s1, case, with_grads=False) and not records_agree(r0, r1, case, with_grads=False)


UNIFORM_EXCESS_KURTOSIS = -1.2  # of any uniform distribution, whatever its range


def noise_uniform(student: list, reference: list, cases: list[Case]) -> bool:
    """Right wherever the noise is given; the drawn noise has a uniform's excess kurtosis (-1.2), whatever its mean and spread."""
    summaries = _noise_summaries(student, reference, cases)
    if summaries is None:
        return False
    for (_, _, kurt), (_, _, k0), atol in summaries:
        if kurt is None or abs(kurt - UNIFORM_EXCESS_KURTOSIS) > atol[2] or abs(kurt - k0) <= atol[2]:
            return False
    return True
