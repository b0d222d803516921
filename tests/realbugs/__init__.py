"""Real buggy (and real correct) VAE code from public repositories and issue threads, adapted to the exercises.

Each module of this package holds the cases of one topic. A case is a function written with the
exercise's signature whose computation is the one a public source shipped or reported (only names
are adapted), registered with :func:`bug` or :func:`correct` together with its source. The tests in
``tests/test_realbugs.py`` grade every case with the same ``check`` the notebooks call: a bug must be
rejected and named (with one of the ``expect`` ids where given); a correct answer must pass.

``expect`` lists the mistake ids that count as the right name (with the generic entry of the same
behaviour added, see ``GENERIC_ALTERNATIVES``). Ids marked ``# proposed`` in a module
do not exist in today's catalogue; they are the name the checker is asked to give. ``gaps.py`` says,
for each case the checker falls short on today, what it does instead: the test is then a strict
xfail, so when the checker starts catching a case its entry there must be removed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

SEED = 2101  # the seed of the randomized cases every case is graded with


@dataclass(frozen=True)
class RealCase:
    """One real-world answer: the function, the exercise it answers, where it comes from, and what is wrong."""

    id: str
    exercise: str
    source: str  # repository + file, or repository + issue/PR number
    fn: Callable
    wrong: str | None = None  # what is wrong; None for a correct answer
    expect: tuple[str, ...] = ()  # acceptable mistake ids (empty: any name will do)
    needs: str | None = None  # a precondition on the exercise (see test_realbugs.precondition)

    @property
    def buggy(self) -> bool:
        return self.wrong is not None


_REGISTRY: dict[str, list[RealCase]] = {}

# The checker names a mistake by its exercise's entry when one fits and otherwise by a generic entry that
# describes the same behaviour in any exercise; either is the right name.
GENERIC_ALTERNATIVES = {
    "kl_batch_mean": ("reduced_over_batch",),
    "bernoulli_default_mean_reduction": ("reduced_over_batch",),
    "bernoulli_batch_reduced": ("reduced_over_batch",),
    "eval_batch_mean": ("reduced_over_batch",),
    "iwae_batch_inside_log": ("reduced_over_batch",),
    # a mean over everything is also one number where (B,) is due
    "kl_mean_over_everything": ("mean_over_everything", "reduced_over_batch"),
    "kl_mean_over_latent": ("mean_over_last_axis",),
    "bernoulli_mean_over_pixels": ("mean_over_last_axis",),
    "kl_wrong_sign": ("sign_flipped",),
    "eval_elbo_negated": ("sign_flipped",),
    "kl_missing_half": ("factor_two",),
    "gradient_cut": ("gradient_cut",),
    "bernoulli_unstable_log_sigmoid": ("unstable_at_extremes",),
    "iwae_no_max_shift": ("unstable_at_extremes",),
}


def _with_generic(expect) -> tuple[str, ...]:
    names = list(expect)
    for name in expect:
        names += [g for g in GENERIC_ALTERNATIVES.get(name, ()) if g not in names]
    return tuple(names)


def _register(exercise, source, wrong, expect, needs):
    def decorate(fn):
        module = fn.__module__.rsplit(".", 1)[-1]
        case = RealCase(fn.__name__, exercise, source, fn, wrong, _with_generic(expect), needs)
        _REGISTRY.setdefault(module, []).append(case)
        return fn

    return decorate


def bug(exercise: str, source: str, wrong: str, expect=(), needs: str | None = None):
    """Register the decorated function as a real bug for ``exercise``."""
    return _register(exercise, source, wrong, expect, needs)


def correct(exercise: str, source: str, needs: str | None = None):
    """Register the decorated function as a correct answer for ``exercise`` written in a real style."""
    return _register(exercise, source, None, (), needs)


MODULES = ("kl", "reparam", "likelihood", "iwae", "evaluation", "collapse", "diffusion", "estimators", "heldout")


def all_cases() -> list[RealCase]:
    """Every case of every module, in module order."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
    cases = [c for name in MODULES for c in _REGISTRY.get(name, [])]
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases
