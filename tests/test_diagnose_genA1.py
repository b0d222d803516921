"""Mutation sweep (issue 21, TUNING.md) for gaussian_kl and reparameterize: per-term coefficients and second deviations.

Each mutant is a plausible wrong answer written the way people write them: the KL's 1/2 dropped on some terms
only, a term's weight doubled or halved, logvar read as log sigma or as sigma^2, then a batch reduction, keepdim,
a (B, 1) output, float64, NumPy or in-place ops on top; the noise's scale misread in the sample. The test asserts
the name the checker gives (None: rejected, left unnamed on purpose: no family describes it truly). The correct
answers in unusual real styles must pass.
"""

import math

import numpy as np
import pytest
import torch
from torch.distributions import Independent, Normal, kl_divergence

from vaecourse.grading import check

M = []  # (exercise, id, fn)


def m(ex):
    def d(fn):
        M.append((ex, fn.__name__, fn))
        return fn

    return d


K, R = "gaussian_kl", "reparameterize"


def _eps(mu, eps):
    return torch.randn_like(mu) if eps is None else eps


# --- gaussian_kl: per-term coefficients ---------------------------------------------------------------------
@m(K)
def kl_half_missing_mu2_var(mu, lv):  # SupaeroDataScience/deep-learning#6
    s = torch.exp(0.5 * lv)
    return torch.sum(mu**2 + s**2 - torch.log(s) - 0.5, dim=1)
@m(K)
def kl_half_missing_mu2(mu, lv): return (mu**2 + 0.5 * (lv.exp() - lv - 1)).sum(-1)
@m(K)
def kl_half_missing_var(mu, lv): return (0.5 * mu**2 + lv.exp() - 0.5 * lv - 0.5).sum(-1)
@m(K)
def kl_half_missing_one(mu, lv): return (0.5 * (mu**2 + lv.exp() - lv) - 1).sum(-1)
@m(K)
def kl_half_missing_log(mu, lv): return (0.5 * (mu**2 + lv.exp() - 1) - lv).sum(-1)
@m(K)
def kl_half_missing_log_and_one(mu, lv): return (0.5 * (mu**2 + lv.exp()) - lv - 1).sum(-1)
@m(K)
def kl_minus_half_not_per_dim(mu, lv): return 0.5 * (mu**2 + lv.exp() - lv).sum(-1) - 0.5
@m(K)
def kl_plus_one(mu, lv): return -0.5 * torch.sum(-1 + lv - mu**2 - lv.exp(), dim=1)
@m(K)
def kl_log_sigma_for_log_var(mu, lv): return 0.5 * (mu**2 + lv.exp() - 0.5 * lv - 1).sum(-1)
@m(K)
def kl_mu2_doubled(mu, lv): return 0.5 * (2 * mu**2 + lv.exp() - lv - 1).sum(-1)
@m(K)
def kl_half_missing_mu2_var_batch_mean(mu, lv):
    s = torch.exp(0.5 * lv)
    return torch.sum(mu**2 + s**2 - torch.log(s) - 0.5, dim=1).mean()
@m(K)
def kl_half_missing_mu2_mean_latent(mu, lv): return (mu**2 + 0.5 * (lv.exp() - lv - 1)).mean(-1)
@m(K)
def kl_half_missing_var_sign(mu, lv): return -(0.5 * mu**2 + lv.exp() - 0.5 * lv - 0.5).sum(-1)
@m(K)
def kl_log_term_sign_keepdim(mu, lv): return 0.5 * (mu**2 + lv.exp() + lv - 1).sum(-1, keepdim=True)
# --- gaussian_kl: sigma/variance readings with a second deviation ------------------------------------------
@m(K)
def kl_logstd_batch_sum(mu, lv): return 0.5 * torch.sum(torch.exp(2 * lv) + mu**2 - 2 * lv - 1)  # jjgsherwood/COMSOC
@m(K)
def kl_logstd_mean_all(mu, lv): return -0.5 * torch.mean(1 + 2 * lv - mu**2 - torch.exp(2 * lv))
@m(K)
def kl_logstd_per_example_keepdim(mu, lv): return 0.5 * torch.sum(torch.exp(2 * lv) + mu**2 - 2 * lv - 1, 1, keepdim=True)
@m(K)
def kl_std_for_var_batch_mean(mu, lv): return 0.5 * (mu**2 + (0.5 * lv).exp() - lv - 1).sum(-1).mean()
@m(K)
def kl_logvar_as_var_batch_sum(mu, lv):  # masato-ka/airc-rl-agent#43
    return -0.5 * torch.mean(torch.sum(1 + torch.log(lv) - mu**2 - lv))
@m(K)
def kl_logvar_as_var_per_example(mu, lv): return -0.5 * torch.sum(1 + torch.log(lv) - mu**2 - lv, -1)
@m(K)
def kl_missing_minus_one_batch_mean(mu, lv): return 0.5 * (mu**2 + lv.exp() - lv).sum(-1).mean()
@m(K)
def kl_missing_half_numpy(mu, lv):
    m_, v = mu.detach().numpy(), lv.detach().numpy()
    return torch.from_numpy(np.sum(m_**2 + np.exp(v) - v - 1, axis=1))
@m(K)
def kl_sign_float64(mu, lv): return 0.5 * (1 + lv.double() - mu.double()**2 - lv.double().exp()).sum(-1)
@m(K)
def kl_mean_latent_inplace(mu, lv):
    e = mu.pow(2).add_(lv.exp()).mul_(-1).add_(1).add_(lv)
    return e.mean(-1).mul_(-0.5)
@m(K)
def kl_sizes_as_dims(mu, lv):  # wfvae-style: dim given the SIZES of the non-batch axes
    return 0.5 * torch.sum(mu**2 + lv.exp() - 1.0 - lv, dim=list(mu.shape)[1:])
@m(K)
def kl_dist_batch_mean_sum(mu, lv):
    q = Normal(mu, torch.exp(0.5 * lv))
    return kl_divergence(q, Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum()
@m(K)
def kl_dist_scale_is_var(mu, lv):
    q = Normal(mu, lv.exp())
    return kl_divergence(q, Normal(0.0, 1.0)).sum(-1)
@m(K)
def kl_b1_output(mu, lv): return 0.5 * (mu**2 + lv.exp() - lv - 1).mean(-1, keepdim=True)

# --- reparameterize -----------------------------------------------------------------------------------------
@m(R)
def rp_sqrt_of_std(mu, lv, eps=None):  # Shunsuke-1994/rfamgen#3
    return mu + _eps(mu, eps) * torch.sqrt(torch.exp(0.5 * lv))
@m(R)
def rp_exp_quarter(mu, lv, eps=None): return mu + _eps(mu, eps) * torch.exp(lv / 4)
@m(R)
def rp_var_squared(mu, lv, eps=None): return mu + _eps(mu, eps) * torch.exp(2 * lv)
@m(R)
def rp_std_halved(mu, lv, eps=None): return mu + _eps(mu, eps) * 0.5 * torch.exp(0.5 * lv)
@m(R)
def rp_var_numpy_noise(mu, lv, eps=None):
    e = torch.from_numpy(np.random.normal(size=tuple(mu.shape))).to(mu.dtype) if eps is None else eps
    return mu + torch.exp(lv) * e
@m(R)
def rp_logvar_as_std_inplace(mu, lv, eps=None):
    e = _eps(mu, eps).clone()
    return e.mul_(lv).add_(mu)
@m(R)
def rp_rand_float64(mu, lv, eps=None):
    e = torch.rand_like(mu) if eps is None else eps
    return (mu.double() + torch.exp(0.5 * lv.double()) * e.double()).to(mu.dtype)

@m(R)
def rp_var_and_mean_scaled(mu, lv, eps=None): return (mu + _eps(mu, eps)) * torch.exp(lv)
@m(R)
def rp_sqrt_std_keepdim_float64(mu, lv, eps=None):
    e = _eps(mu, eps)
    return (mu.double() + e.double() * torch.exp(lv.double()).pow(0.25)).float()
@m(R)
def rp_var_as_std_and_eps_unscaled_sign(mu, lv, eps=None): return mu - torch.exp(lv) * _eps(mu, eps)
@m(R)
def rp_std_doubled(mu, lv, eps=None): return mu + 2 * torch.exp(0.5 * lv) * _eps(mu, eps)
@m(R)
def rp_exp_quarter_numpy_noise(mu, lv, eps=None):
    if eps is None:
        eps = torch.from_numpy(np.random.randn(*mu.shape)).to(mu.dtype)
    return mu + eps * torch.exp(lv).pow(0.25)
@m(K)
def kl_half_missing_mu2_var_sum_all(mu, lv):
    s = torch.exp(0.5 * lv)
    return torch.sum(mu**2 + s**2 - torch.log(s) - 0.5)
@m(K)
def kl_log_sigma_mean_all(mu, lv): return torch.mean(0.5 * (mu**2 + lv.exp() - 1) - 0.25 * lv)
@m(K)
def kl_logvar_as_var_mean(mu, lv): return -0.5 * torch.sum(1 + torch.log(lv) - mu**2 - lv, -1).mean()
@m(K)
def kl_sign_half_missing_mu2_keepdim(mu, lv): return -(mu**2 + 0.5 * (lv.exp() - lv - 1)).sum(1, keepdim=True)
@m(K)
def kl_mean_not_squared_batch_sum(mu, lv): return 0.5 * (mu + lv.exp() - lv - 1).sum()
@m(K)
def kl_sizes_as_dims_tuple(mu, lv):
    return -0.5 * (1 + lv - mu.pow(2) - lv.exp()).sum(dim=tuple(mu.shape[1:]))

@m(K)
def kl_batch_sum_times_weight(mu, lv): return 4.0 * (-0.5 * torch.sum(1 + lv - mu**2 - lv.exp()))  # a beta folded in
@m(K)
def kl_latent_first_missing_half(mu, lv):  # (D, B) layout: sum over the batch, mean over the latents
    m_, s_ = mu.T, lv.T
    return torch.mean(torch.sum(s_.exp() + m_**2 - s_ - 1, dim=1))
@m(K)
def kl_batch_mean_times_255(mu, lv): return (255 * 0.5 * (mu**2 + lv.exp() - lv - 1).sum(1)).mean()


C = []


def c(ex):
    def d(fn):
        C.append((ex, fn.__name__, fn))
        return fn

    return d


@c(K)
def ok_kl_independent(mu, lv):
    q = Independent(Normal(mu, torch.exp(0.5 * lv)), 1)
    p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    return kl_divergence(q, p)
@c(K)
def ok_kl_sum1_std_sq(mu, lv):
    std = torch.exp(0.5 * lv)
    return 0.5 * (mu.pow(2) + std**2 - torch.log(std**2) - 1).sum(1)
@c(K)
def ok_kl_log_std(mu, lv):
    log_std = lv / 2
    return (-log_std + (torch.exp(2 * log_std) + mu**2) / 2 - 0.5).sum(-1)
@c(K)
def ok_kl_float64_inside(mu, lv):
    return (0.5 * (mu.double()**2 + lv.double().exp() - lv.double() - 1).sum(-1)).to(mu.dtype)
@c(K)
def ok_kl_einsum(mu, lv):
    return 0.5 * (torch.einsum("bd,bd->b", mu, mu) + lv.exp().sum(-1) - lv.sum(-1) - mu.shape[-1])
@c(K)
def ok_kl_eps_log(mu, lv):
    var = lv.exp()
    return 0.5 * torch.sum(mu**2 + var - torch.log(var + 1e-12) - 1, dim=-1)
@c(R)
def ok_rp_rsample(mu, lv, eps=None):
    std = torch.exp(0.5 * lv)
    if eps is None:
        return Normal(mu, std).rsample()
    return mu + std * eps
@c(R)
def ok_rp_var_sqrt(mu, lv, eps=None):
    return mu + torch.sqrt(lv.exp()) * _eps(mu, eps)
@c(R)
def ok_rp_numpy_noise(mu, lv, eps=None):
    if eps is None:
        eps = torch.from_numpy(np.random.standard_normal(tuple(mu.shape))).to(mu.dtype)
    return torch.addcmul(mu, lv.mul(0.5).exp(), eps)
@c(R)
def ok_rp_expand(mu, lv, eps=None):
    std = (0.5 * lv).exp()
    e = _eps(mu, eps)
    return mu.expand_as(e) + std.expand_as(e) * e


EXPECTED = {
    "kl_half_missing_mu2_var": 'kl_half_on_some_terms',
    "kl_half_missing_mu2": 'kl_half_on_some_terms',
    "kl_half_missing_var": 'kl_half_on_some_terms',
    "kl_half_missing_one": 'kl_half_on_some_terms',
    "kl_half_missing_log": 'kl_log_variance_doubled',
    "kl_half_missing_log_and_one": 'kl_half_on_some_terms',
    "kl_minus_half_not_per_dim": 'kl_minus_one_once',
    "kl_plus_one": 'formula_term_changed',
    "kl_log_sigma_for_log_var": 'kl_sigma_instead_of_variance',
    "kl_mu2_doubled": 'kl_half_on_some_terms',
    "kl_half_missing_mu2_var_batch_mean": 'kl_batch_mean',
    "kl_half_missing_mu2_mean_latent": 'kl_half_on_some_terms',
    "kl_half_missing_var_sign": 'kl_half_on_some_terms',
    "kl_log_term_sign_keepdim": 'kl_log_term_sign',
    "kl_logstd_batch_sum": 'kl_batch_mean',
    "kl_logstd_mean_all": 'kl_mean_over_everything',
    "kl_logstd_per_example_keepdim": 'kl_sigma_instead_of_variance',
    "kl_std_for_var_batch_mean": 'kl_batch_mean',
    "kl_logvar_as_var_batch_sum": 'kl_batch_mean',
    "kl_logvar_as_var_per_example": 'kl_logvar_as_variance',
    "kl_missing_minus_one_batch_mean": 'kl_batch_mean',
    "kl_missing_half_numpy": 'kl_missing_half',
    "kl_sign_float64": 'kl_wrong_sign',
    "kl_mean_latent_inplace": 'kl_mean_over_latent',
    "kl_sizes_as_dims": 'size_passed_as_axis',
    "kl_dist_batch_mean_sum": 'kl_batch_mean',
    "kl_dist_scale_is_var": 'kl_sigma_instead_of_variance',
    "kl_b1_output": 'kl_mean_over_latent',
    "rp_sqrt_of_std": 'reparam_sqrt_of_std',
    "rp_exp_quarter": 'reparam_sqrt_of_std',
    "rp_var_squared": 'scale_wrong_function',  # the variance squared, read from the noise's scale (diagnose_scale_fn)
    "rp_std_halved": "formula_term_changed",
    "rp_var_numpy_noise": 'reparam_variance_instead_of_std',
    "rp_logvar_as_std_inplace": 'reparam_logvar_as_std',
    "rp_rand_float64": 'reparam_uniform_noise',
    "rp_var_and_mean_scaled": 'reparam_variance_instead_of_std',
    "rp_sqrt_std_keepdim_float64": 'reparam_sqrt_of_std',
    "rp_var_as_std_and_eps_unscaled_sign": 'formula_term_changed',
    "rp_std_doubled": "formula_term_changed",
    "rp_exp_quarter_numpy_noise": 'reparam_sqrt_of_std',
    "kl_half_missing_mu2_var_sum_all": 'kl_batch_mean',
    "kl_log_sigma_mean_all": 'kl_mean_over_everything',
    "kl_logvar_as_var_mean": 'kl_batch_mean',
    "kl_sign_half_missing_mu2_keepdim": 'kl_half_on_some_terms',
    "kl_mean_not_squared_batch_sum": 'kl_batch_mean',
    "kl_sizes_as_dims_tuple": 'size_passed_as_axis',
    "kl_batch_sum_times_weight": 'kl_batch_mean',
    "kl_latent_first_missing_half": 'kl_batch_mean',
    "kl_batch_mean_times_255": 'kl_batch_mean',
}

# where two things are wrong, the feedback says the second one (or the term-by-term reading) too
SAID = {
    "kl_half_missing_mu2_var": "1 * mu^2 + 1 * sigma^2 - 0.5 * log sigma^2 - 0.5 * D",
    "kl_half_missing_mu2_var_batch_mean": "the factor 1/2 applied to only some of the terms",
    "kl_half_missing_mu2_mean_latent": "a mean over latent dimensions instead of a sum",
    "kl_half_missing_var_sign": "the sign is flipped",
    "kl_log_term_sign_keepdim": "shape (4, 1)",
    "kl_logstd_batch_sum": "the standard deviation and the variance confused",
    "kl_logstd_mean_all": "the standard deviation and the variance confused",
    "kl_logvar_as_var_batch_sum": "logvar treated as the variance",
    "kl_logvar_as_var_mean": "logvar treated as the variance",
    "kl_missing_minus_one_batch_mean": "0.5 * mu^2 + 0.5 * sigma^2 - 0.5 * log sigma^2)",
    "kl_sizes_as_dims": "axis 3, 4",
    "kl_b1_output": "shape (4, 1)",
    "kl_half_missing_mu2_var_sum_all": "the factor 1/2 applied to only some of the terms",
    "kl_mean_not_squared_batch_sum": "the mean enters without its square",
    "kl_sign_half_missing_mu2_keepdim": "the sign is flipped",
    "kl_batch_sum_times_weight": "4 times the sum",
    "kl_batch_mean_times_255": "255 times the mean",
    "kl_latent_first_missing_half": "the factor 1/2 is missing",
    "rp_std_halved": "sigma * eps is halved",
}


@pytest.mark.parametrize("exercise,name,fn", M, ids=[n for _, n, _ in M])
def test_mutant_is_rejected_and_named(exercise, name, fn):
    result = check(exercise, fn, seed=2101, quiet=True)
    assert not result.passed and result.score < result.max_score
    assert result.mistake == EXPECTED[name], result.feedback
    assert SAID.get(name, "") in result.feedback


@pytest.mark.parametrize("exercise,name,fn", C, ids=[n for _, n, _ in C])
def test_correct_answer_is_accepted(exercise, name, fn):
    result = check(exercise, fn, seed=2101, quiet=True)
    assert result.passed and result.score == result.max_score, result.feedback


def test_an_input_changed_in_place_says_what_it_became():  # min9813/vae_practice kl_div.py (held-out set 7): q_log_var.exp_()
    def answer(mu, logvar):
        var = logvar.exp_()
        return -0.5 * torch.mean(1 + logvar - mu * mu - var)

    result = check(K, answer, seed=2101, quiet=True)
    assert result.mistake == "mutated_input"
    assert "After the call `logvar` holds exp(logvar) (an in-place exp_())" in result.feedback
