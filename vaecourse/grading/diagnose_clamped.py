"""Name an answer whose values are clamped to a range ([-1, 1] or [0, 1]) on top of the right formula or a catalogued mistake.

A clamp at the end (``torch.clamp(x_t, -1, 1)``, the image range) censors the values: inside the range
they are the formula's, at the bounds they only say "beyond". So the answer is compared with each
candidate (the reference, each variant) only where it lies strictly inside the range, and where it sits
on a bound the candidate must lie on or beyond that bound. For a noise exercise (a parameter named
``eps``) a candidate may also carry its noise term times one constant c != 1, fitted on the uncensored
values and then checked exactly (the noise mis-scaled, e.g. by 0.6). Only tensor outputs with a batch
and a feature axis are read, and the clamp must change something: the candidate leaves the range on some
case. The reference under the clamp is named ``output_clamped``; a variant under it names its own
mistake, with the clamp (and a noise factor) said in the note.
"""

from __future__ import annotations

import math

import torch

from .mistakes import GENERIC_BY_NAME

_RANGES = ((-1.0, 1.0), (0.0, 1.0))


def _fits(ts, base, lo, hi, case) -> bool:
    inside = (ts > lo) & (ts < hi)
    tol = 10.0 * (case.atol + case.rtol * base.abs())
    ok_inside = ((ts - base).abs() <= tol) | ~inside
    ok_low = (base <= lo + tol) | (ts != lo)
    ok_high = (base >= hi - tol) | (ts != hi)
    return bool((ok_inside & ok_low & ok_high).all()) and bool(inside.any())


def _call(fn, args):
    try:
        with torch.no_grad():
            out = fn(*args)
    except Exception:  # noqa: BLE001 - a variant that does not apply to these inputs
        return None
    return out.detach().double() if isinstance(out, torch.Tensor) and out.is_floating_point() else None


def _noise_factor(ts, fn, args, i, lo, hi, case) -> float | None:
    """c with ts = clamp(f(args with eps) + (c - 1) * noise part), noise part = f(eps) - f(eps = 0); None if none fits."""
    full = _call(fn, args)
    zero_args = list(args)
    zero_args[i] = torch.zeros_like(args[i])
    loc = _call(fn, tuple(zero_args))
    if full is None or loc is None or full.shape != ts.shape:
        return None
    noise = full - loc
    inside = (ts > lo) & (ts < hi)
    if int(inside.sum()) < 2 or float(noise[inside].abs().max()) < 1e-9:
        return None  # no noise where the values can be read (eps = 0): this case cannot tell c
    n, y = noise[inside], (ts - loc)[inside]
    return float(n @ y / (n @ n))


def _moves_location(fn, reference, args_list, i) -> bool:
    """True if the variant's output at eps = 0 (its noise-free part) differs from the reference's on some case."""
    for args in args_list:
        zero_args = list(args)
        zero_args[i] = torch.zeros_like(args[i])
        v, r = _call(fn, tuple(zero_args)), _call(reference, tuple(zero_args))
        if v is not None and r is not None and v.shape == r.shape and not torch.allclose(v, r, rtol=1e-5, atol=1e-7):
            return True
    return False


def clamped(exercise, student, reference, ordinary, variant_records, tensor, Diagnosis):
    """The mistake (or ``output_clamped``) whose values, clamped to [-1, 1] or [0, 1], give the answer on every ordinary case;
    for a noise exercise also a variant whose noise term is times a constant, clamped or not."""
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    pairs = []
    for c in ordinary:
        ts, tr = (tensor(s_by[c.name]) if c.name in s_by else None), (tensor(r_by[c.name]) if c.name in r_by else None)
        if ts is None or tr is None or ts.shape != tr.shape or ts.dim() < 2 or not bool(torch.isfinite(ts).all()):
            return None
        pairs.append((c, ts, tr))
    if not pairs:
        return None
    lo, hi = min(float(ts.min()) for _, ts, _ in pairs), max(float(ts.max()) for _, ts, _ in pairs)
    bounds = next(((a, b) for a, b in _RANGES if lo >= a and hi <= b and (lo == a or hi == b)), None)
    a, b = bounds or (-math.inf, math.inf)  # unclamped: only a noise factor is read below
    decided = tuple(c.name for c, _, _ in pairs)
    candidates = [(None, exercise.reference, {c.name: tr for c, _, tr in pairs})]
    for mistake, records in variant_records:
        by = {r["case"]: r for r in records}
        fn = mistake.variants[0] if len(mistake.variants) == 1 else None
        candidates.append((mistake, fn, {n: tensor(by[n]) if n in by else None for n in decided}))
    said = f"[{a:g}, {b:g}]"
    for mistake, fn, values in candidates if bounds else ():  # the candidate itself, clamped
        if all(values.get(c.name) is not None and values[c.name].shape == ts.shape and _fits(ts, values[c.name], a, b, c) for c, ts, _ in pairs):
            if all(bool(((values[c.name] >= a) & (values[c.name] <= b)).all()) for c, _, _ in pairs):
                continue  # the clamp changes nothing: not a clamp
            if mistake is None:
                return Diagnosis(GENERIC_BY_NAME["output_clamped"], decided, note=f"Your values are clamped to {said}.")
            return Diagnosis(mistake, decided, note=f"Your output is also clamped to {said}; the formula's value is not bounded: do not clamp it.")
    i = next((k for k, p in enumerate(exercise.params) if p.split("=")[0] == "eps"), None)
    if i is None:
        return None
    for mistake, fn, _ in candidates[1:]:  # a variant whose noise term carries an extra constant factor, clamped
        if fn is None or not _moves_location(fn, exercise.reference, [c.args for c, _, _ in pairs], i):
            continue  # a variant that differs only in its noise term: the factor alone would be read as that mistake
        factors = [f for f in (_noise_factor(ts, fn, c.args, i, a, b, c) for c, ts, _ in pairs) if f is not None]
        # c = 1 is the variant itself; c = 0 drops the noise term, a mistake of its own that other steps read
        if len(factors) < 2 or abs(factors[0] - 1) < 1e-3 or abs(factors[0]) < 1e-3 or any(abs(f - factors[0]) > 1e-3 * abs(factors[0]) for f in factors):
            continue
        k = factors[0]
        fitted = []
        for c, ts, _ in pairs:
            zero_args = list(c.args)
            zero_args[i] = torch.zeros_like(c.args[i])
            full, loc = _call(fn, c.args), _call(fn, tuple(zero_args))
            fitted.append(full is not None and loc is not None and full.shape == ts.shape and _fits(ts, loc + k * (full - loc), a, b, c))
        if all(fitted):
            clamp = f", and your output clamped to {said} (the formula's value is not bounded: do not clamp it)" if bounds else ""
            return Diagnosis(mistake, decided, note=f"Your noise term is also multiplied by {k:.3g}{clamp}.")
    return None
