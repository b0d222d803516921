"""Predicates that read a wrong answer as the reference moved in one direction: a log floored at log(eps), or shifted by one constant.

Both look only at values (never at code), and both hold only when every ordinary case agrees:

- :func:`floored_at_extremes`: right on the ordinary cases, never below the reference anywhere, and far
  above it (more than one unit) on an extreme case, with finite values there. An epsilon added inside a
  log, log(p + eps), or a clamp of p to [eps, 1 - eps] does exactly this: each log only rises, and it
  stops near log(eps) where the true value keeps falling.
- :func:`offset_by_constant`: on every ordinary case, every value is the reference plus the same
  constant c (not 0; the cases differ in their sizes, so c is no log K or 1/B of theirs). A fixed
  shift added before an exponential and never taken back out (log mean exp(a + 600)) does this.
"""

from __future__ import annotations

import torch

from .compare import records_agree
from .observe import Case


def _values(rec: dict) -> torch.Tensor | None:
    """A record's tensor value as float64, or None (raised, not a tensor, no data)."""
    if "raised" in rec:
        return None
    value = rec.get("value") or {}
    if value.get("kind") != "tensor" or value.get("data") is None or value.get("dtype") == "bool":
        return None
    return torch.tensor(value["data"], dtype=torch.float64).reshape(value["shape"])


def _split(student, reference, cases):
    by_name = {c.name: c for c in cases}
    valid = [(s, r, by_name[s["case"]]) for s, r in zip(student, reference) if by_name[s["case"]].raises is None]
    ordinary = [t for t in valid if t[2].kind != "stability" and t[2].summary is None]
    extreme = [t for t in valid if t[2].kind == "stability"]
    return ordinary, extreme


def _tol(case: Case, ref: torch.Tensor) -> torch.Tensor:
    return 10.0 * (case.atol + case.rtol * ref.abs())


def floored_at_extremes(student: list, reference: list, cases: list[Case]) -> bool:
    """Right on ordinary inputs; at the extremes never below the reference and, with finite values, far above it."""
    if len(student) != len(reference):
        return False
    ordinary, extreme = _split(student, reference, cases)
    if not ordinary or not extreme or not all(records_agree(s, r, c, with_grads=False) for s, r, c in ordinary):
        return False
    raised = False
    for s, r, c in extreme:
        ts, tr = _values(s), _values(r)
        if ts is None or tr is None or ts.shape != tr.shape or not bool(torch.isfinite(tr).all()):
            return False
        finite = torch.isfinite(ts)
        if bool((ts[finite] < tr[finite] - _tol(c, tr[finite])).any()):
            return False  # below the reference somewhere: not a floor
        raised |= bool((ts[finite] > tr[finite] + 1.0).any())
    return raised


def offset_by_constant(student: list, reference: list, cases: list[Case]) -> bool:
    """On every ordinary case (at least two, of different sizes) each value is the reference plus one constant c != 0."""
    if len(student) != len(reference):
        return False
    ordinary, _ = _split(student, reference, cases)
    diffs, sizes = [], set()
    for s, r, c in ordinary:
        ts, tr = _values(s), _values(r)
        if ts is None or tr is None or ts.shape != tr.shape or not bool(torch.isfinite(ts).all()):
            return False
        diffs.append((ts - tr, c, tr))
        sizes.add(tuple(tr.shape) + tuple(tuple(a.shape) for a in c.args if isinstance(a, torch.Tensor)))
    if len(diffs) < 2 or len(sizes) < 2:
        return False
    # each case's own offset (its values rounded at the answer's magnitude), then one offset shared by all cases
    offsets = [(float(d.mean()), _tol(c, torch.maximum(tr.abs(), (tr + d).abs()))) for d, c, tr in diffs]
    if not all(bool(((d - o).abs() <= t).all()) and bool((d.abs() > t).all()) for (d, _, _), (o, t) in zip(diffs, offsets)):
        return False
    first = offsets[0][0]
    return all(abs(o - first) <= float(t.max()) + offsets[0][1].max() for o, t in offsets)
