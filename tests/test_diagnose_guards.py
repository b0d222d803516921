"""The checker names nothing it has not seen: each guard against a name read into a coincidence, with an answer that used to get a false name.

Each answer below was named wrongly before its guard (the name in the comment), on real code of
the same shape from held-out collections: a name must explain the answer, not one case of it.
"""

import math

import numpy as np
import pytest
import torch

from vaecourse.grading import check

SEED = 2101


def _alpha_bar_all_ones(betas):
    return torch.cumprod(betas.add(1).sub(betas), dim=0)  # (1 + b) - b: one, up to float32 rounding


def _iwae_global_max_not_added_back(log_weights):
    k = log_weights.shape[-1]
    return torch.log(torch.sum(torch.exp(log_weights - log_weights.max()), dim=-1)) - math.log(k)


def _forward_noise_scaled_by_root_alpha_bar(x0, alpha_bar, eps):
    a = alpha_bar.reshape(-1, *([1] * (x0.dim() - 1))) if isinstance(alpha_bar, torch.Tensor) and alpha_bar.dim() else alpha_bar
    a = torch.as_tensor(a, dtype=x0.dtype)
    return a.sqrt() * x0 + a.sqrt() * eps  # the noise's coefficient is sqrt(1 - alpha_bar)


def _active_units_second_moment(mu, threshold=0.01):
    return int(((mu**2).mean(0) > threshold).sum())  # E[mu^2], not the variance


def _score_sigma_cubed(f_values, z, mu, sigma):
    return (f_values * (z - mu) / sigma**3).mean()


def _iwae_numpy_fixed_shift(log_weights):
    lw = log_weights.detach().double().numpy()
    with np.errstate(over="ignore", divide="ignore"):
        out = np.log(np.mean(np.nan_to_num(np.exp(lw + 600)), axis=-1))  # the 600 is never taken off
    return torch.tensor(out, dtype=log_weights.dtype)


GUARDS = [
    # (exercise, answer, names it must get (None: no name), what it was wrongly told before the guard)
    ("alpha_bar_schedule", _alpha_bar_all_ones, ("constant_output",), "alpha_t instead of alpha_bar_t"),
    ("iwae_bound", _iwae_global_max_not_added_back, ("iwae_max_not_added_back",), "no max shift (right formula, unstable)"),
    # named by their own entries since, never by the coincidence
    ("forward_diffusion_sample", _forward_noise_scaled_by_root_alpha_bar, ("diffusion_noise_takes_signal_coefficient",), "the two coefficients are swapped"),
    ("active_units", _active_units_second_moment, ("au_second_moment",), "the threshold argument is ignored"),
    # named since by the power it has (diagnose_powers: sigma^-1 on every case), never by the coincidence
    ("score_function_estimate", _score_sigma_cubed, ("scale_power_wrong",), "sigma for sigma^2, and a sigma/variance misreading"),
]


@pytest.mark.parametrize("exercise,answer,names,before", GUARDS, ids=[g[1].__name__ for g in GUARDS])
def test_no_name_read_into_a_coincidence(exercise, answer, names, before):
    r = check(exercise, answer, seed=SEED, quiet=True)
    assert not r.passed and r.score < r.max_score, r.feedback
    assert r.mistake in names, r.feedback


def _iwae_numpy_median(log_weights):  # NumPy, and a median of the log-weights: no entry reads these values
    return torch.tensor(np.median(log_weights.detach().numpy(), axis=-1), dtype=log_weights.dtype)


def test_a_cut_gradient_with_wrong_values_says_the_values_are_wrong_too():
    r = check("iwae_bound", _iwae_numpy_median, seed=SEED, quiet=True)
    assert r.mistake == "gradient_cut", r.feedback
    assert "Your values are not the expected ones either" in r.feedback


def test_a_fixed_shift_never_taken_back_is_named_by_its_values_whatever_the_gradient():
    r = check("iwae_bound", _iwae_numpy_fixed_shift, seed=SEED, quiet=True)  # stevengiacalone/triceratops PR #42
    assert r.mistake == "iwae_fixed_shift", r.feedback
    assert "NumPy" in r.feedback


def test_a_scalar_answer_is_not_named_by_an_entry_whose_scalar_comes_from_another_formula():
    def masked_mean(logits, x):  # a batch mean of a masked, epsilon-guarded log-likelihood: not a squared error
        if not bool(((x >= 0) & (x <= 1)).all()):
            raise ValueError("x must lie in [0, 1]")
        p = torch.sigmoid(logits)
        ll = torch.where(x == 1, torch.log(p + 1e-30), torch.zeros_like(p)) + torch.where(x == 0, torch.log(1 - p + 1e-30), torch.zeros_like(p))
        return ll.sum(-1).mean()

    r = check("bernoulli_log_likelihood", masked_mean, seed=SEED, quiet=True)
    assert r.mistake != "bernoulli_squared_error", r.feedback
    # the batch mean of the masked values: grey targets dropped by the x == 1 / x == 0 masks (MordehayM/... loss.py)
    assert r.mistake == "reduced_over_batch" and "targets treated as exactly 0 or 1" in r.feedback, r.feedback
