"""Fits of an estimator's spread: a standard error built on a mis-written sample variance, and a conjugate posterior
computed with the data's own spread where the known noise variance belongs.

Sound because each fit recomputes the answer from the case's inputs with one closed form of a named family and
requires it on every case checked (NaN where that form is NaN, e.g. a sample variance of one observation), while the
reference's form is left out of the family: a correct answer, however written, never matches.
"""

from __future__ import annotations

import math

from ..observe import as_floats

# the variance's shortcut s^2 = (sum x^2 - K) / d with K = n * mean^2 (= sum * mean = sum^2 / n); these are the other
# K people write (mean^2 / n, mean^2, sum^2, n * mean, 0), each with d = n - 1 or n
_WRONG_K = (
    lambda s, n: (s / n) ** 2 / n,
    lambda s, n: (s / n) ** 2,
    lambda s, n: s**2,
    lambda s, n: s,
    lambda s, n: 0.0,
)


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-4 * abs(b) + 1e-6


def _pairs(student, cases):
    """(inputs, the answer's two numbers or None) for each case the answer was run on."""
    by_name = {c.name: c for c in cases}
    for s in student:
        got = as_floats(s["value"]) if "raised" not in s else None
        yield by_name[s["case"]].args, (got if got and len(got) == 2 else None)


def se_variance_mis_written(student, reference, cases) -> bool:
    """True if on every case the mean is right and the standard error is sqrt(v / n) for one wrong shortcut variance
    v = (sum x^2 - K) / d of the family above (the same K and d on every case), wrong on at least one case."""
    for k in _WRONG_K:
        for d_of in (lambda n: n - 1, lambda n: n):
            fits, differs = True, False
            for (values,), got in _pairs(student, cases):
                x = [float(t) for t in values.double().flatten()]
                n, s, sq = len(x), sum(x), sum(t * t for t in x)
                if got is None or n < 2 or not _close(got[0], s / n):
                    return False
                v = (sq - k(s, n)) / d_of(n)
                want = math.sqrt(v / n) if v >= 0 else math.nan
                right = math.sqrt(max(sq - s * s / n, 0.0) / (n - 1) / n)
                if not _close(got[1], want):
                    fits = False
                    break
                differs = differs or not _close(want, right)
            if fits and differs:
                return True
    return False


def _posterior(x: list[float], noise_var: float) -> tuple[float, float]:
    precision = 1.0 + len(x) / noise_var  # prior N(0, 1)
    return sum(x) / noise_var / precision, 1.0 / precision


def _spreads(x: list[float]) -> tuple[float, ...]:
    """The data's sample variance (n - 1 and n) and standard deviation (n - 1 and n); NaN where undefined."""
    n, m = len(x), sum(x) / len(x)
    ss = sum((t - m) ** 2 for t in x)
    unbiased = ss / (n - 1) if n > 1 else math.nan
    return unbiased, ss / n, math.sqrt(unbiased) if n > 1 else math.nan, math.sqrt(ss / n)


def posterior_uses_sample_spread(student, reference, cases) -> bool:
    """True if, for one of the data's spreads (sample variance or standard deviation), the answer is the conjugate
    posterior with that spread as the noise variance on every case (NaN where the spread is), on no case the given one."""
    for which in range(4):
        fits = True
        for (x_t, noise_var), got in _pairs(student, cases):
            x = [float(t) for t in x_t.double().flatten()]
            s2 = _spreads(x)[which]
            if got is None:
                fits = False
                break
            want = (math.nan, math.nan) if math.isnan(s2) or s2 == 0 else _posterior(x, s2)
            if not (_close(got[0], want[0]) and _close(got[1], want[1])) or _close(s2, float(noise_var)):
                fits = False
                break
        if fits:
            return True
    return False
