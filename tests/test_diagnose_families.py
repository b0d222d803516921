"""The checker names families of mistakes by behaviour, in exercises and variants no catalogue entry lists one by one.

Each answer below makes a mistake of a family the diagnosis recognises generically (issue 21: "prefer a
rule that names a family"): a term with its sign flipped or halved (a multiple of a catalogued
mistake's deviation), two catalogued mistakes at once, a scale argument read as another
parametrisation (variance / standard deviation / their logs), the square root or log of the expected
output, a fraction where a count is due, the noise entering with a minus sign. None of these exact
answers is a catalogued variant.
"""

import math

import pytest
import torch

from vaecourse.grading import check

SEED = 2101


def iwae_log_k_added(log_weights):  # + log K where - log K belongs: the log K term's sign flipped
    return torch.logsumexp(log_weights, -1) + math.log(log_weights.shape[-1])


def kl_mu_term_halved(mu, logvar):
    return 0.5 * (0.5 * mu**2 + logvar.exp() - logvar - 1).sum(-1)


def elbo_prior_and_q_signs(log_px_given_z, log_pz, log_qz):  # - log p(z) + log q: two terms' signs at once
    return (log_px_given_z - log_pz + log_qz).mean(0)


def posterior_noise_var_as_std(x, noise_var):
    precision = 1.0 + x.numel() / noise_var**2
    return (x.sum() / noise_var**2) / precision, torch.tensor(1.0 / precision, dtype=x.dtype)


def score_sigma_as_log_sigma(f_values, z, mu, sigma):
    return (f_values * (z - mu) / sigma.exp() ** 2).mean()


def alpha_bar_sqrt(betas):
    return torch.cumprod(1 - betas, 0).sqrt()


def alpha_bar_log_space(betas):  # the exp back from log space forgotten
    return torch.cumsum(torch.log(1 - betas), 0)


def active_fraction(mu, threshold=0.01):
    return float((mu.var(dim=0, unbiased=False) > threshold).float().mean())


def reparam_minus_noise(mu, logvar, eps=None):
    eps = torch.randn_like(mu) if eps is None else eps
    return mu - torch.exp(0.5 * logvar) * eps


CASES = [
    ("iwae_bound", iwae_log_k_added, {"iwae_log_k_sign"}, "log K added"),  # its own entry since the -log K "missing" title is false
    ("gaussian_kl", kl_mu_term_halved, {"formula_term_changed"}, "halved"),  # the KL's term fit: "mu^2 is halved"
    ("elbo_from_log_densities", elbo_prior_and_q_signs, {"elbo_missing_prior", "elbo_plus_log_q"}, "two mistakes"),
    ("conjugate_posterior", posterior_noise_var_as_std, {"scale_parameter_misread"}, "`noise_var`"),
    ("score_function_estimate", score_sigma_as_log_sigma, {"scale_parameter_misread"}, "log sigma"),
    ("alpha_bar_schedule", alpha_bar_sqrt, {"output_transformed"}, "square root"),
    ("alpha_bar_schedule", alpha_bar_log_space, {"output_transformed"}, "log"),
    ("active_units", active_fraction, {"mean_over_last_axis", "au_returns_fraction"}, "mean"),
    ("reparameterize", reparam_minus_noise, {"sign_flipped"}, "minus sign"),
]


@pytest.mark.parametrize("exercise, fn, names, words", CASES, ids=[c[1].__name__ for c in CASES])
def test_family_is_named(exercise, fn, names, words):
    result = check(exercise, fn, seed=SEED, quiet=True)
    assert not result.passed and result.score == 0, result.feedback
    assert result.mistake in names, result.feedback
    assert words in result.feedback, result.feedback
