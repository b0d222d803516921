"""The late policy: a deadline, a grace period, a penalty per day or hour up to a cap, and per-student extensions.

A student's deadline is the class deadline, or their extension (a later time, or a duration added
to the class deadline). A submission ``t`` after that deadline ``d`` is late; past the grace
period ``g`` it loses, for each started period (day or hour) after ``d + g``, ``rate`` percent of
the points available, at most ``cap`` percent:

.. math:: n = \\lceil (t - d - g) / \\text{period} \\rceil, \\qquad
          \\text{penalty} = \\tfrac{\\min(n \\cdot \\text{rate},\\ \\text{cap})}{100} \\cdot \\text{max}, \\qquad
          \\text{final} = \\max(0, \\text{raw} - \\text{penalty})

(nbgrader's export subtracts its ``late_submission_penalty`` from the raw score the same way).
The policy comes from the manifest's optional ``late_policy`` object, whose fields the command
line's ``--deadline``, ``--grace``, ``--late-penalty``, ``--late-cap`` and ``--extensions`` replace::

    "late_policy": {"deadline": "2030-03-01T23:59+01:00", "grace": "15m", "penalty": "10%/day",
                    "cap": "50%", "extensions": {"alice": "48h", "bob": "2030-03-04T12:00+01:00"}}
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .gradebook import parse_time

PERIODS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text) -> timedelta:
    """``"90s"``, ``"15m"``, ``"2h"``, ``"3d"``, ``"1w"`` (or a number of hours) -> timedelta.

    >>> parse_duration("15m")
    datetime.timedelta(seconds=900)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", str(text))
    if not match:
        raise ValueError(f"a duration must look like 15m, 2h or 3d, got {text!r}")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2) or "h"])


def parse_penalty(text) -> tuple[float, str]:
    """``"10%/day"`` or ``"2%/hour"`` -> ``(10.0, "day")``: percent of the points available per period."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*(?:/|per)\s*(day|hour)s?\s*", str(text))
    if not match:
        raise ValueError(f"a late penalty must look like 10%/day or 2%/hour, got {text!r}")
    return float(match.group(1)), match.group(2)


def parse_percent(text) -> float:
    """``"50%"`` or ``50`` -> 50.0, between 0 and 100."""
    try:
        value = float(str(text).strip().rstrip("%"))
    except ValueError:
        raise ValueError(f"a percentage must look like 50%, got {text!r}") from None
    if not 0 <= value <= 100:
        raise ValueError(f"a percentage must lie in [0, 100], got {text!r}")
    return value


@dataclass(frozen=True)
class LatePolicy:
    """When a submission is late and what it costs (see the module docstring for the formula)."""

    deadline: datetime | None = None
    grace: timedelta = timedelta(0)
    rate: float = 0.0  # percent of the points available, per started period after the grace
    period: str = "day"
    cap: float = 100.0  # percent: the most a late submission can lose
    extensions: dict[str, datetime] = field(default_factory=dict)  # student -> their own deadline

    def deadline_for(self, student: str) -> datetime | None:
        return self.extensions.get(student, self.deadline)

    def assess(self, student: str, submitted: datetime | None, raw: float, maximum: float) -> dict:
        """``{late, hours_late, periods, penalty, final}`` for one submission (``late`` is yes/no, or empty)."""
        deadline = self.deadline_for(student)
        if deadline is None or submitted is None:
            return {"late": "", "hours_late": 0.0, "periods": 0, "penalty": 0.0, "final": raw}
        overdue = submitted - deadline
        past_grace = overdue - self.grace
        periods = math.ceil(past_grace / PERIODS[self.period]) if past_grace > timedelta(0) else 0
        penalty = min(periods * self.rate, self.cap) / 100 * maximum
        return {
            "late": "yes" if overdue > timedelta(0) else "no",
            "hours_late": round(max(overdue, timedelta(0)).total_seconds() / 3600, 2),
            "periods": periods,
            "penalty": round(penalty, 6),
            "final": round(max(0.0, raw - penalty), 6),
        }

    def describe(self) -> str:
        """One line for the feedback and the run summary."""
        if self.deadline is None:
            return "no deadline"
        text = f"deadline {self.deadline.isoformat()}"
        if self.grace:
            text += f", grace {self.grace}"
        if self.rate:
            text += f", {self.rate:g}% of the points per {self.period} late (at most {self.cap:g}%)"
        return text

    def to_dict(self) -> dict:
        return {
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "grace": f"{self.grace.total_seconds():g}s", "penalty": f"{self.rate:g}%/{self.period}",
            "cap": f"{self.cap:g}%", "extensions": {s: d.isoformat() for s, d in sorted(self.extensions.items())},
        }


def _extension(deadline: datetime | None, student: str, value) -> datetime:
    text = str(value).strip()
    if re.fullmatch(r"\d+(?:\.\d+)?\s*[smhdw]?", text):
        if deadline is None:
            raise ValueError(f"extension for {student!r} is a duration ({text}) but there is no deadline")
        return deadline + parse_duration(text)
    try:
        return parse_time(text)
    except ValueError:
        raise ValueError(f"extension for {student!r} must be a time (ISO 8601) or a duration (48h), got {text!r}") from None


def load_extensions(path) -> dict[str, str]:
    """A CSV with columns ``student`` and ``extension`` (a time or a duration such as ``48h``)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"student", "extension"} <= set(reader.fieldnames):
            raise ValueError(f"extensions file {path} needs the columns student,extension; found {reader.fieldnames}")
        return {row["student"].strip(): row["extension"] for row in reader if row["student"].strip()}


def late_policy(manifest: dict, *, deadline=None, grace=None, penalty=None, cap=None, extensions=None) -> LatePolicy:
    """The manifest's ``late_policy`` with any field given here in its place.

    Args:
        deadline: ISO 8601 time (or datetime); grace: a duration (``15m``); penalty: ``10%/day``;
        cap: ``50%``; extensions: a dict student -> time or duration, or the path of a CSV of them.
    """
    spec = dict(manifest.get("late_policy") or {})
    for key, value in (("deadline", deadline), ("grace", grace), ("penalty", penalty), ("cap", cap)):
        if value is not None:
            spec[key] = value
    if extensions is not None:
        spec["extensions"] = extensions if isinstance(extensions, dict) else load_extensions(Path(extensions))
    unknown = set(spec) - {"deadline", "grace", "penalty", "cap", "extensions"}
    if unknown:
        raise ValueError(f"late_policy has unknown fields {sorted(unknown)}; allowed: deadline, grace, penalty, cap, extensions")
    when = spec.get("deadline")
    when = when if isinstance(when, datetime) or when is None else parse_time(when)
    rate, period = parse_penalty(spec["penalty"]) if spec.get("penalty") else (0.0, "day")
    return LatePolicy(
        deadline=when,
        grace=parse_duration(spec["grace"]) if spec.get("grace") else timedelta(0),
        rate=rate, period=period,
        cap=parse_percent(spec["cap"]) if spec.get("cap") not in (None, "") else 100.0,
        extensions={s: _extension(when, s, v) for s, v in (spec.get("extensions") or {}).items()},
    )
