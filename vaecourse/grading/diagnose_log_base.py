"""Names a log-likelihood, KL or bound computed in another log base: every value is the expected one times 1/ln 10, 1/ln 2, ln 10 or ln 2.

The course's log-densities, KLs and bounds are natural logs, in nats. log10 or log2 in place of log,
or a result divided by ln 2 to report bits, multiplies every value by exactly one of these four
constants. None of them is a factor the other readings use (-1, 2, 1/2, 1/D, 1/B with D and B whole
numbers: 1/D is never within the tolerance of 0.4343, 1.443, 0.6931 or 2.303), so the reading is
made only when every non-zero expected value of every ordinary case is the answer's over one ratio, the
same on all of them to 1e-4, and zero wherever the expected value is zero.
"""

from __future__ import annotations

import math

import torch

# the exercises whose answer is a log-density, a KL or a bound (natural logs, in nats)
LOG_EXERCISES = frozenset(
    {"bernoulli_log_likelihood", "gaussian_kl", "elbo_from_log_densities", "evaluation_elbo", "iwae_bound", "free_bits_kl"}
)
_BASES = (
    (1 / math.log(10), "in base-10 logs (log10 in place of log): every value is log10(e) = 0.4343 times the nats"),
    (1 / math.log(2), "in bits (log2 in place of log, or divided by ln 2): every value is 1/ln 2 = 1.443 times the nats"),
    (math.log(10), "times ln 10 = 2.303 (a natural log multiplied by ln 10, or a base-10 value converted the wrong way)"),
    (math.log(2), "times ln 2 = 0.6931 (multiplied by ln 2 where bits were converted the wrong way)"),
)


def log_base(exercise, student, reference, ordinary, tensor, Diagnosis, generic):
    """A Diagnosis naming ``log_base_not_natural`` where the answer is the reference in another log base, else None."""
    if exercise.id not in LOG_EXERCISES:
        return None
    s_by, r_by = {s["case"]: s for s in student}, {r["case"]: r for r in reference}
    ratios, decided = [], []
    for c in ordinary:
        ts = tensor(s_by[c.name]) if c.name in s_by else None
        tr = tensor(r_by[c.name]) if c.name in r_by else None
        if ts is None or tr is None or ts.shape != tr.shape or not bool(torch.isfinite(ts).all() & torch.isfinite(tr).all()):
            return None
        ts, tr = ts.double().flatten(), tr.double().flatten()
        zero = tr.abs() <= 1e-9
        if bool((ts[zero].abs() > 1e-9).any()):
            return None
        ratios.append(ts[~zero] / tr[~zero])
        decided.append(c.name)
    flat = torch.cat(ratios) if ratios else torch.zeros(0)
    if flat.numel() < 2:
        return None
    for factor, said in _BASES:
        if bool(((flat - factor).abs() <= 1e-4 * factor).all()):
            note = f"On all {len(decided)} cases checked, your values are the expected ones {said}."
            return Diagnosis(generic["log_base_not_natural"], tuple(decided), note=note)
    return None
