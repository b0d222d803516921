"""The vocabulary a skill module is written in: a :class:`Skill` (draw, solve, per-level feature ranges), its :class:`Problem`, and number formatting.

A :class:`Skill` pairs a ``draw(rng, level)`` (the surface details: sizes and values) with a
``solve(inputs, level)`` that returns a :class:`Problem`: the prompt, the answer, a worked solution
with the numbers filled in, the known mistakes (catalogue entries by id, through
:func:`~vaecourse.grading.mistakes.practice`) with the values they give, and the *difficulty
features* of the draw. Each level fixes the ranges those features may take (:class:`Range`,
:class:`OneOf`), so variants change their numbers without changing their difficulty.
"""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass
from typing import Any, Callable

from ..grading.sections import SECTION_TOPICS, SESSIONS

# Printed problems fit the book's content column without scrolling: at 1280 px, 74 characters of output
# fit its 688 px, and a dropdown's 666 px.
PRINT_WIDTH = 74

LEVELS = ("easy", "medium", "hard")
DEFAULT_RTOL, DEFAULT_ATOL = 1e-3, 1e-4  # four significant digits, as the prompts ask


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
    mistakes: tuple[tuple[str, str, str, str, tuple[float, ...]], ...] = ()  # catalogue entries: grading.mistakes.practice(id, *value)
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


def wrap(text: str, width: int = PRINT_WIDTH) -> str:
    """``text`` with every line longer than ``width`` broken at spaces, its continuation lines indented like it
    (two more spaces under a ``- `` item); words, paths and numbers are never split."""
    lines = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        more = "  " if line.lstrip().startswith("- ") else ""
        lines.append(textwrap.fill(line, width, initial_indent="", subsequent_indent=indent + more,
                                   break_long_words=False, break_on_hyphens=False))
    return "\n".join(lines)
