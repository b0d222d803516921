"""Real buggy (and real correct) VAE code from public repositories and issue threads, adapted to the exercises.

Each module of this package holds the cases of one topic. A case is a function written with the
exercise's signature whose computation is the one a public source shipped or reported (only names
are adapted), registered with :func:`bug` or :func:`correct` together with its source. The tests in
``tests/test_realbugs.py`` grade every case with the same ``check`` the notebooks call: a bug must be
rejected and named (with one of the ``expect`` ids where given); a correct answer must pass.

``expect`` lists the mistake ids that count as the right name. Ids marked ``# proposed`` in a module
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


def _register(exercise, source, wrong, expect, needs):
    def decorate(fn):
        module = fn.__module__.rsplit(".", 1)[-1]
        _REGISTRY.setdefault(module, []).append(RealCase(fn.__name__, exercise, source, fn, wrong, tuple(expect), needs))
        return fn

    return decorate


def bug(exercise: str, source: str, wrong: str, expect=(), needs: str | None = None):
    """Register the decorated function as a real bug for ``exercise``."""
    return _register(exercise, source, wrong, expect, needs)


def correct(exercise: str, source: str, needs: str | None = None):
    """Register the decorated function as a correct answer for ``exercise`` written in a real style."""
    return _register(exercise, source, None, (), needs)


MODULES = ("kl", "reparam", "likelihood", "iwae", "evaluation", "collapse", "diffusion", "estimators")


def all_cases() -> list[RealCase]:
    """Every case of every module, in module order."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
    cases = [c for name in MODULES for c in _REGISTRY.get(name, [])]
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases
