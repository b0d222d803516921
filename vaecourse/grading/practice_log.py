"""The run of correct fresh practice variants per session: the mastery gate's second route.

A learner who is stuck below the gate's points threshold needs fresh problems of the same kind, not
the same exercises again. :mod:`vaecourse.practice` draws such variants; every checked answer is
recorded here, in this Python process (like :func:`~vaecourse.grading.checker.latest_results`), and
the gate reads the session's current streak:

- a correct answer to a variant at a counting level (``medium`` or ``hard``) extends the streak;
- a correct ``easy`` variant is a warm-up: recorded, but the streak neither grows nor breaks;
- a wrong answer (failed, error, timeout) at any level resets the streak to 0;
- "not attempted" changes nothing, and a variant counts once: answering the same variant again, or
  one whose worked solution was shown first, leaves the streak as it is.

The gate passes with ``PRACTICE_STREAK`` correct variants in a row *and* at least
``PRACTICE_FLOOR`` of the session's points (see :mod:`~vaecourse.grading.gate`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .result import ERROR, FAILED, NOT_ATTEMPTED, PASSED, TIMEOUT

PRACTICE_STREAK = 3
"""Correct fresh variants in a row (medium or hard) that, with ``PRACTICE_FLOOR`` of the points, pass a gate."""

PRACTICE_FLOOR = 0.5
"""Fraction of a session's points still needed on the practice route: practice stands in for the last
stretch to the threshold, not for implementing the session's functions at all."""

COUNTING_LEVELS = ("medium", "hard")


@dataclass
class PracticeRecord:
    """One session's practice in this process: the current and best streak and what was answered."""

    session: str
    streak: int = 0
    best_streak: int = 0
    answered: int = 0
    correct: int = 0
    counted: list[str] = field(default_factory=list)  # keys of the variants already counted (each counts once)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("counted")
        data["needed"] = PRACTICE_STREAK
        return data


_records: dict[str, PracticeRecord] = {}


def practice_record(session: str) -> PracticeRecord:
    """This process's practice record for ``session`` (an empty one if nothing was answered)."""
    return _records.get(session) or PracticeRecord(session)


def practice_streak(session: str) -> int:
    """Correct fresh variants of ``session`` answered in a row in this process."""
    return practice_record(session).streak


def record_practice(session: str, key: str, level: str, status: str, *, revealed: bool = False) -> PracticeRecord:
    """Record one checked variant (``key`` identifies it, e.g. ``"gaussian_kl/medium/123"``); return the record.

    Args:
        session: ``"s1"`` ... ``"s7"``.
        key: the variant's identity; a key already counted does not count again.
        level: ``easy``, ``medium`` or ``hard``.
        status: the check's status (``passed``, ``failed``, ``error``, ``timeout``, ``not_attempted``).
        revealed: the worked solution was shown before the answer, so a correct answer does not count.
    """
    if status not in (PASSED, FAILED, ERROR, TIMEOUT, NOT_ATTEMPTED):
        raise ValueError(f"status must be a check status, got {status!r}")
    record = _records.setdefault(session, PracticeRecord(session))
    if status == NOT_ATTEMPTED or key in record.counted:
        return record
    record.counted.append(key)
    record.answered += 1
    if status == PASSED:
        record.correct += 1
        if level in COUNTING_LEVELS and not revealed:
            record.streak += 1
            record.best_streak = max(record.best_streak, record.streak)
    else:
        record.streak = 0
    return record


def clear_practice() -> None:
    """Forget the practice recorded in this process (called by ``clear_results``)."""
    _records.clear()
