"""Families named after held-out sets 4 and 5 were graded: free bits on the wrong quantity, the noise with the data's coefficient, the second moment for the variance, an uncapped ramp.

Each answer is written the way such code is written (the comment names the form); each must be
rejected and named with its entry, and the correct forms beside them must still pass.
"""

import math

import pytest
import torch

from vaecourse.grading import check

SEED = 2101


def _fb(fn):
    return ("free_bits_kl", fn)


NAMED = [
    # free bits: floor, cap and hinge on the wrong quantity
    (*_fb(lambda kl, lam: kl.clamp(min=lam / kl.shape[-1]).sum(-1).mean()), "free_bits_per_example"),  # budget split
    (*_fb(lambda kl, lam: torch.clamp(kl.sum(1), min=lam * kl.size(1)).mean()), "free_bits_on_total"),
    (*_fb(lambda kl, lam: torch.clamp(kl, max=lam).sum(-1).mean()), "free_bits_min_instead_of_max"),
    (*_fb(lambda kl, lam: torch.relu(kl.sum(-1) - lam).mean()), "free_bits_hinge"),
    ("forward_diffusion_sample", lambda x0, a, e: a.sqrt()[:, None] * x0 + a.sqrt()[:, None] * e, "diffusion_noise_takes_signal_coefficient"),
    ("active_units", lambda mu, threshold=0.01: int((mu.pow(2).mean(dim=0) > threshold).sum()), "au_second_moment"),
    # an exponential warm-up from 0.001 that reaches 1 at warmup_steps and is never capped
    ("kl_annealing_weight", lambda step, w: float(0.001 * math.exp(-math.log(0.001) / w * step)), "anneal_not_clipped"),
]

CORRECT = [
    _fb(lambda kl, lam: torch.maximum(kl.mean(0), torch.tensor(lam, dtype=kl.dtype)).sum()),
    ("forward_diffusion_sample", lambda x0, a, e: a[:, None].sqrt() * x0 + (1 - a[:, None]).sqrt() * e),
    ("active_units", lambda mu, threshold=0.01: int(((mu - mu.mean(0)).pow(2).mean(0) > threshold).sum())),
    ("kl_annealing_weight", lambda step, w: min(1.0, step / w)),
]


@pytest.mark.parametrize("exercise,fn,want", NAMED, ids=[n[2] for n in NAMED])
def test_named(exercise, fn, want):
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert not r.passed and r.score < r.max_score, r.feedback
    assert r.mistake == want, r.feedback


@pytest.mark.parametrize("exercise,fn", CORRECT, ids=[c[0] for c in CORRECT])
def test_correct_form_passes(exercise, fn):
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert r.passed, r.feedback
