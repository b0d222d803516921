"""What a term library is: the terms an exercise's answer is read in, the reference's coefficients, and what changed ones mean.

Bank modules declare them (``TERM_LIBRARIES``, next to the exercise); :mod:`vaecourse.grading.diagnose_terms`
reads answers with them. This module imports nothing of the package, so both may import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Reading:
    """The answer's coefficients ``coefs`` (term label -> value) that make the catalogued mistake ``mistake`` (its id)."""

    coefs: dict
    mistake: str


@dataclass(frozen=True)
class Whole:
    """A factor on the whole answer (``factor(*args)`` per case, e.g. -1 or the number of samples) and the mistake it makes."""

    factor: Callable
    mistake: str
    said: str  # how the note writes it before the bracket: "-1 *", "L *"


@dataclass(frozen=True)
class Reduction:
    """A batch reduction (``reduce(column, *args)`` maps a (B,) column to one number) that makes a one-number answer, and its mistake."""

    reduce: Callable
    mistake: str
    said: str  # how the note writes it: "the mean over the batch of"


@dataclass(frozen=True)
class TermLibrary:
    """Candidate ``terms`` (label, function of the inputs), the ``reference`` coefficients, ``readings`` and ``wholes``."""

    noun: str  # what the answer is, for the note: "your bound", "your estimate"
    terms: tuple[tuple[str, Callable], ...]
    reference: dict
    readings: tuple[Reading, ...]
    wholes: tuple[Whole, ...] = ()
    reductions: tuple[Reduction, ...] = ()  # read a one-number answer as a batch reduction of the terms
    simple: tuple[float, ...] = ()  # coefficients read as simple beside 0, +-1, +-2, +-1/2 (e.g. +-1/4)
