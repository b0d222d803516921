"""Mutation sweep of estimator formulas (issue 21): a standard error whose variance is computed wrongly (the
shortcut sum x^2 - n mean^2 mis-written, the second moment without the mean, n and n - 1 mixed), a conjugate
posterior with the sample variance where the known noise variance belongs (alone or with a second slip), and
free bits floored on one number. Every mutant must be rejected and named with one of its ids; every correct
form (two-pass, shortcut, Welford, NumPy, float64) must pass.
"""

import math

import numpy as np
import pytest
import torch

from vaecourse.grading import check

SEED = 2101
MC, CP, FB = "mc_estimate", "conjugate_posterior", "free_bits_kl"


def _se_from(var_of):
    """(mean, sqrt(var_of(values) / n)): a standard error built on a hand-written variance."""
    return lambda v: (v.mean(), torch.sqrt(var_of(v) / v.numel()))


def _sx(v):
    return v.sum(), (v**2).sum(), v.numel()


def _post(noise_of, n_of=lambda x: x.numel(), var_out=lambda p: 1.0 / p):
    """A conjugate posterior (prior N(0, 1)) computed with ``noise_of(x, nv)`` as the noise variance."""

    def post(x, nv):
        s2 = noise_of(x, nv)
        p = 1.0 + n_of(x) / s2
        return (x.sum() / s2) / p, var_out(p)

    return post


def _kevgre(x, noise_var):  # held-out set 8: KevinGregor bayes notebook, sample variance as the noise variance
    prec = 1 / torch.var(x)
    prec_post = 1.0 + x.numel() * prec
    return prec * torch.sum(x) / prec_post, 1 / prec_post


def _welford(v):
    mean, m2 = 0.0, 0.0
    for i, x in enumerate(v.tolist(), 1):
        d = x - mean
        mean += d / i
        m2 += d * (x - mean)
    return torch.tensor(mean, dtype=v.dtype), torch.tensor(math.sqrt(m2 / (len(v) - 1) / len(v)), dtype=v.dtype)


# (name, exercise, fn, acceptable ids)
NAMED = [
    # --- the sample variance inside the standard error, written by hand wrongly
    ("se_shortcut_mean2_over_n", MC, _se_from(lambda v: ((v**2).sum() - (v.sum() / v.numel()) ** 2 / v.numel()) / (v.numel() - 1)), ("se_variance_formula_wrong",)),
    ("se_shortcut_mean2", MC, _se_from(lambda v: ((v**2).sum() - v.mean() ** 2) / (v.numel() - 1)), ("se_variance_formula_wrong",)),
    ("se_shortcut_sum2", MC, _se_from(lambda v: ((v**2).sum() - v.sum() ** 2) / (v.numel() - 1)), ("se_variance_formula_wrong",)),
    ("se_second_moment", MC, _se_from(lambda v: (v**2).mean()), ("se_variance_formula_wrong",)),
    ("se_second_moment_bessel", MC, _se_from(lambda v: (v**2).sum() / (v.numel() - 1)), ("se_variance_formula_wrong",)),
    ("se_ex2_minus_mean2_over_n", MC, _se_from(lambda v: (v**2).mean() - v.mean() ** 2 / v.numel()), ("se_variance_formula_wrong",)),
    ("se_ex2_minus_mean", MC, _se_from(lambda v: (v**2).mean() - v.mean()), ("se_variance_formula_wrong",)),
    # --- conjugate posterior: the sample variance for the noise variance
    ("cp_kevgre_sample_var", CP, _kevgre, ("posterior_sample_variance_as_noise",)),
    ("cp_sample_var_biased", CP, _post(lambda x, nv: x.var(unbiased=False)), ("posterior_sample_variance_as_noise",)),
    ("cp_sample_std", CP, _post(lambda x, nv: x.std()), ("posterior_sample_variance_as_noise",)),
    # --- a second slip on top of known ones
    ("cp_noise_std_as_var", CP, _post(lambda x, nv: nv**0.5), ("scale_parameter_misread",)),
    # --- free bits: one floor on one number
    ("fb_floor_mean_of_means", FB, lambda kl, lam: kl.mean(0).mean().clamp(min=lam), ("free_bits_on_overall_mean",)),
    ("fb_floor_mean_all", FB, lambda kl, lam: torch.clamp(kl.mean(), min=lam), ("free_bits_on_overall_mean",)),
]

CORRECT = [
    ("se_shortcut_right", MC, _se_from(lambda v: ((v**2).sum() - v.numel() * v.mean() ** 2) / (v.numel() - 1))),
    ("se_shortcut_sum_sq_over_n", MC, _se_from(lambda v: ((v**2).sum() - v.sum() ** 2 / v.numel()) / (v.numel() - 1))),
    ("se_two_pass", MC, _se_from(lambda v: ((v - v.mean()) ** 2).sum() / (v.numel() - 1))),
    ("se_welford", MC, _welford),
    ("se_numpy_var", MC, lambda v: (v.mean(), torch.tensor(np.sqrt(np.var(v.numpy(), ddof=1) / v.numel()), dtype=v.dtype))),
    ("cp_precisions", CP, _post(lambda x, nv: nv)),
    ("cp_shrinkage", CP, lambda x, nv: (x.numel() / (x.numel() + nv) * x.mean(), torch.tensor(nv / (x.numel() + nv), dtype=x.dtype))),
    ("cp_float_noise", CP, lambda x, nv: (x.sum() / (nv + x.numel()), torch.tensor(float(nv) / (nv + x.numel()), dtype=x.dtype))),
]


@pytest.mark.parametrize("name,exercise,fn,want", NAMED, ids=[n[0] for n in NAMED])
def test_mutant_named(name, exercise, fn, want):
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert not r.passed and r.score < r.max_score, r.feedback
    assert r.mistake in want, r.feedback


@pytest.mark.parametrize("name,exercise,fn", CORRECT, ids=[c[0] for c in CORRECT])
def test_correct_form_passes(name, exercise, fn):
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert r.passed, r.feedback


def test_constant_once_per_example_is_said_so_beside_a_batch_mean():
    """Held-out set 6 (ghadirzadeh): the -1/2 taken once outside the sum over dimensions, and a batch mean: both said,
    and the constant's text says once per example, not that the -1 is gone."""

    def kl(mu, logvar):
        logsd = 0.5 * logvar
        return (0.5 * torch.sum(-2 * logsd + mu**2 + (logsd.exp()) ** 2, 1) - 0.5).mean()

    r = check("gaussian_kl", kl, seed=SEED, quiet=True)
    assert r.mistake == "kl_batch_mean", r.feedback
    assert "outside the sum over the dimensions" in r.feedback and "term is missing" not in r.feedback, r.feedback


def _kl_terms(mu, s):
    return 0.5 * (mu**2 + s.exp() - s - 1)  # (B, D)


# several faults at once: (name, exercise, fn, the name, phrases the feedback must hold)
SEVERAL = [
    # one factor on every term is a factor, not a term change ('sigma for sigma^2' was said)
    ("kl_quarter", "gaussian_kl", lambda mu, s: 0.5 * _kl_terms(mu, s).sum(-1), "factor_half", ("half the expected",)),
    ("kl_neg_sum_all", "gaussian_kl", lambda mu, s: -_kl_terms(mu, s).sum(), "kl_batch_mean", ("sum over the batch", "sign is flipped")),
    ("kl_nohalf_mean_all", "gaussian_kl", lambda mu, s: (2 * _kl_terms(mu, s)).mean(), "kl_mean_over_everything", ("factor 1/2 is missing",)),
    ("kl_sign_mean_dims", "gaussian_kl", lambda mu, s: -_kl_terms(mu, s).mean(-1), "kl_wrong_sign", ("mean over latent dimensions",)),
    # the ELBO's three terms reduced over the batch in different ways, negated
    ("elbo_three_mixed", "elbo_from_log_densities", lambda a, b, c: -(a.mean(0).sum() + b.mean() - c.mean(0).sum()), "elbo_batch_mean",
     ("the batch sum of E[log p(x|z)]", "the batch mean of E[log p(z)]", "the batch sum of E[log q(z|x)]", "negative ELBO")),
    ("elbo_recon_summed", "elbo_from_log_densities", lambda a, b, c: a.mean(0).sum() + (b - c).mean(0).mean(), "elbo_batch_mean",
     ("reduced over the batch in different ways",)),
    ("eval_mixed_neg_beta", "evaluation_elbo", lambda r, k, beta: -(r.sum() - beta * k.mean()), "eval_batch_mean", ("training loss",)),
    # a loss (sign), a mean over pixels and a sum over the batch: all three said ('the default reduction' was)
    ("bern_bce_mean_pixels_batch_sum", "bernoulli_log_likelihood",
     lambda lg, x: torch.nn.functional.binary_cross_entropy_with_logits(lg, x, reduction="none").mean(-1).sum(), "reduced_over_batch",
     ("sum of the per-example values over the batch", "binary cross-entropy", "mean over the last dimension")),
    # held-out set 8 (ahmetpala): a mean over dimensions and a factor 0.01: the factor's value is said
    ("kl_001_mean_dims", "gaussian_kl", lambda mu, s: -0.01 * 0.5 * torch.mean(1 + s - mu**2 - s.exp(), dim=-1), "kl_mean_over_latent",
     ("constant factor, 0.01",)),
    ("elbo_neg_sum_draws", "elbo_from_log_densities", lambda a, b, c: -(a + b - c).sum(0), "mc_sum_not_mean", ("minus the expected",)),
]


@pytest.mark.parametrize("name,exercise,fn,want,phrases", SEVERAL, ids=[s[0] for s in SEVERAL])
def test_several_faults_all_said(name, exercise, fn, want, phrases):
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert not r.passed and r.mistake == want, r.feedback
    for phrase in phrases:
        assert phrase in r.feedback, (phrase, r.feedback)
    assert "+ log q instead of - log q" not in r.feedback and "standard deviation and the variance" not in r.feedback, r.feedback
