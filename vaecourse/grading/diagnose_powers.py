"""Name an answer whose values are the reference's times a power of a scale argument (sigma^3 where sigma^2 belongs).

For an exercise that declares scale arguments (``scale_args``: a standard deviation, a variance, ...),
the answer is read, case by case, as ``answer = k * s^p * reference`` with ``s`` that case's scale
argument (one number per case), ``p`` a non-zero multiple of 1/2 between -4 and 4, and ``k`` 1 or one
known per-case factor (a sign, 2, 1/2, 1/D, 1/B, or a catalogued mistake's own factor such as a sum
for a mean). The power is fitted over cases with different scales and then checked exactly on every
ordinary case, so it is sound: the answer's formula has that argument to another power. Where one of
the exercise's own entries shows the same power (e.g. "divided by sigma instead of sigma^2"), that
entry is named; otherwise the generic ``scale_power_wrong``, with the power found.
"""

from __future__ import annotations

import math

import torch

from .mistakes import GENERIC_BY_NAME

_POWERS = tuple(p / 2 for p in range(-8, 9) if p != 0)


def _scale_of(args, i) -> float | None:
    """The case's scale argument as one positive number (a float, a 0-d tensor or a tensor of one value), or None."""
    if i >= len(args):
        return None
    a = args[i]
    if isinstance(a, torch.Tensor):
        if a.numel() == 0 or not bool((a == a.flatten()[0]).all()):
            return None
        a = float(a.flatten()[0])
    if not isinstance(a, (int, float)) or isinstance(a, bool) or not a > 0:
        return None
    return float(a)


def _said(p: float) -> str:
    return str(int(p)) if p == int(p) else f"{p:g}"


def scale_power(exercise, student, reference, ordinary, atoms, variant_records, tensor, close, Diagnosis):
    """The exercise's entry or ``scale_power_wrong`` for an answer equal to k * s^p * reference on every ordinary case."""
    if not exercise.scale_args:
        return None
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    pairs = {}
    for c in ordinary:
        if c.name not in s_by or c.name not in r_by:
            return None
        ts, tr = tensor(s_by[c.name]), tensor(r_by[c.name])
        if ts is None or tr is None or ts.shape != tr.shape or not bool(torch.isfinite(ts).all()) or not bool(torch.isfinite(tr).all()):
            return None
        pairs[c.name] = (ts, tr, c)
    if len(pairs) < 2:
        return None
    factors = [(None, {n: 1.0 for n in pairs})] + [
        (m, {n: a for n, (a, b) in maps.items()}) for m, maps in atoms if all(abs(b) < 1e-12 for _, b in maps.values())
    ]
    for i, label in exercise.scale_args:
        scales = {n: _scale_of(c.args, i) for n, (_, _, c) in pairs.items()}
        if any(v is None for v in scales.values()) or max(abs(math.log(v)) for v in scales.values()) < 0.05:
            continue
        logs = [math.log(v) for v in scales.values()]
        if max(logs) - min(logs) < 0.05:  # one scale on every case: a power cannot be told from a constant
            continue
        for atom, k in factors:
            if not all(n in k for n in pairs):
                continue
            for p in _POWERS:
                if all(close(ts, k[n] * scales[n] ** p * tr, c, loose=10.0) for n, (ts, tr, c) in pairs.items()):
                    return _named(exercise, label, p, atom, pairs, scales, variant_records, tensor, close, Diagnosis)
    return None


def _named(exercise, label, p, atom, pairs, scales, variant_records, tensor, close, Diagnosis):
    decided = tuple(pairs)
    for mistake, records in variant_records:  # an entry of the exercise's own with this power names it
        if mistake.name in GENERIC_BY_NAME:
            continue
        by = {r["case"]: r for r in records}
        values = {n: tensor(by[n]) if n in by else None for n in pairs}
        if all(
            (v := values[n]) is not None and v.shape == tr.shape and close(v, scales[n] ** p * tr, c, loose=10.0)
            for n, (_, tr, c) in pairs.items()
        ):
            note = f"Your values also show a second mistake: {atom.title}." if atom else ""
            return Diagnosis(mistake, decided, note=note)
    power = label if abs(p) == 1 else f"{label}^{_said(abs(p))}"
    how = (
        f"your formula divides by {power} once too often (e.g. by {label}^3 where {label}^2 belongs)"
        if p == -1
        else f"your formula has an extra factor 1/{power}"
        if p < 0
        else f"your formula lacks the factor 1/{power} (or multiplies by {label} where it should divide)"
    )
    note = f"On every case checked your values are the expected ones times {label}^{_said(p)} (cases with different {label} decided it): {how}."
    if atom:
        note += f" Your values also show a second mistake: {atom.title}."
    return Diagnosis(GENERIC_BY_NAME["scale_power_wrong"], decided, note=note)
