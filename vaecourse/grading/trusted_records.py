"""The records of trusted code on an exercise's cases (its reference and its catalogued variants), observed once per seed.

A wrong answer is diagnosed by comparing its records with those of the reference and of every
catalogued variant on the same cases (:mod:`~vaecourse.grading.diagnose`). Those records depend only
on the exercise and its cases, that is on the exercise and the seed: the cases are drawn from the
seed with a generator of their own, and a case whose function may draw noise seeds torch's generator
for the call (``Case.rng_seed``). A grader checking a class on one seed, or a test suite checking
hundreds of answers, therefore needs them once per (exercise, seed), not once per answer: observing
the 40-odd variants of an exercise was most of the time of grading a wrong answer.

The exception is a function that draws from torch's global generator where no case seeds it (the
variant of a mistake that ignores the given noise): its records change from call to call. A function
whose observation moved that generator is observed afresh at every check, as without the memo, and in
the same order, so it draws the same noise as it did before.

Only trusted code runs here, in the process that calls the checker, exactly as without the memo; the
learner's answer still runs in the sandbox at every check. An entry is tied to the exercise object
itself (a changed copy, such as ``dataclasses.replace(exercise, ...)``, is another exercise with
records of its own). Records are plain data that the checker only reads; they are shared between
checks, not copied (copying the megabytes of a sampling exercise's records cost as much as observing
them), and ``tests/test_trusted_records.py`` checks that grading leaves them as they were observed.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

import torch

from .observe import Case, observe

MAX_ENTRIES = 64  # (exercise, seed, what) entries kept; the largest holds a few MB of records

_memo: OrderedDict[tuple, tuple] = OrderedDict()


def observed(exercise, seed: int, what: str, functions: list[tuple[object, Callable]], cases: list[Case]) -> list[tuple]:
    """``[(label, observe(fn, cases)) for label, fn in functions]``, observed once for ``exercise`` at ``seed``.

    ``what`` names the functions and the cases (e.g. ``"variants on cases"``); the same ``what`` must
    always come with the same functions in the same order. Each call gets a list of its own.
    """
    key = (id(exercise), int(seed), what)
    entry = _memo.get(key)
    if entry is None or entry[0] is not exercise or len(entry[1]) != len(functions):  # ids of collected objects recur
        first, kept = [], []
        for _, fn in functions:
            records, drew = _observe_watching_the_generator(fn, cases)
            first.append(records)
            kept.append(None if drew else records)  # None: draws its own noise, observed at every check
        _memo[key] = (exercise, kept)
        while len(_memo) > MAX_ENTRIES:
            _memo.popitem(last=False)
        return [(label, records) for (label, _), records in zip(functions, first)]
    _memo.move_to_end(key)
    return [(label, observe(fn, cases) if records is None else records) for (label, fn), records in zip(functions, entry[1])]


def _observe_watching_the_generator(fn: Callable, cases: list[Case]) -> tuple[list[dict], bool]:
    """``fn``'s records, and whether observing it moved torch's global generator (drew noise no case seeded)."""
    before = torch.default_generator.get_state()
    records = observe(fn, cases)
    return records, not torch.equal(before, torch.default_generator.get_state())


def entries() -> list[tuple]:
    """``(exercise, seed, what, records)`` for every entry, oldest first; ``None`` for a function observed at every check."""
    return [(exercise, key[1], key[2], list(kept)) for key, (exercise, kept) in _memo.items()]


def forget() -> None:
    """Drop every memoized record."""
    _memo.clear()
