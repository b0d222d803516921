"""A tensor of several values turned into one Python number is named from torch's refusal, with the call the line shows.

Real source of the shape: an IWAE evaluation that returns ``log_p_x.exp().item()`` for a batch (course
assignment code, IFT6135 problem 2, held-out set 8); ``math.exp(0.5 * logvar)`` and ``float(kl)`` are the
same refusal reached through float().
"""

import math

import torch

from vaecourse.grading import check

SEED = 2101


def _iwae_item(log_weights):
    k = log_weights.shape[-1]
    return (torch.logsumexp(log_weights, -1) - math.log(k)).exp().item()


def _kl_float(mu, logvar):
    return float((-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).sum(-1))


def _reparam_math_exp(mu, logvar, eps=None):
    eps = torch.randn_like(mu) if eps is None else eps
    return mu + math.exp(0.5 * logvar) * eps


def _kl_batch_mean_item(mu, logvar):
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).sum(-1).mean().item()


def test_the_conversion_is_named_with_the_call_the_line_shows():
    for exercise, fn, call in (
        ("iwae_bound", _iwae_item, ".item()"),
        ("gaussian_kl", _kl_float, "float() or int()"),
        ("reparameterize", _reparam_math_exp, "a math.* function"),
    ):
        r = check(exercise, fn, seed=SEED, quiet=True)
        assert not r.passed and r.mistake == "tensor_to_python_number", (fn.__name__, r.mistake)
        assert f"({call} in the line torch stopped at)" in r.feedback, r.feedback


def test_a_batch_reduction_then_item_is_named_by_its_reduction():
    r = check("gaussian_kl", _kl_batch_mean_item, seed=SEED, quiet=True)  # raises nowhere: one number, not a refusal
    assert not r.passed and r.mistake == "kl_batch_mean"
    assert "Python number" in r.feedback
