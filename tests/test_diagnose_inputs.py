"""Mutation sweep (issue 21, TUNING.md) for reparameterize, gaussian_kl, bernoulli_log_likelihood and iwae_bound.

Each mutant is a plausible wrong answer written the way people write them (a wrong input, swapped arguments,
a misread argument, a dropped or doubled term, a second harmless deviation on top: float64, NumPy, keepdim,
no ValueError); the test asserts the name the checker gives (None: rejected, left unnamed on purpose, because
no family describes it truly). The correct variants must pass. Before the wrong-input family and the new bank
entries, 25 of the first 66 mutants were named right (59 named after; the last 4, second deviations, came later).
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence

from vaecourse.grading import check
from vaecourse.grading.diagnose_inputs import wrong_inputs
from vaecourse.grading.registry import get_exercise

M = []  # (exercise, id, fn)
def m(ex):
    def d(fn):
        M.append((ex, fn.__name__, fn)); return fn
    return d

def _eps(mu, eps): return torch.randn_like(mu) if eps is None else eps
R = "reparameterize"
@m(R)
def rp_std_from_mu(mu, logvar, eps=None): return mu + torch.exp(0.5 * mu) * _eps(mu, eps)
@m(R)
def rp_logvar_as_mean(mu, logvar, eps=None): return logvar + torch.exp(0.5 * logvar) * _eps(mu, eps)
@m(R)
def rp_mu_logvar_swapped(mu, logvar, eps=None): return logvar + torch.exp(0.5 * mu) * _eps(mu, eps)
@m(R)
def rp_add_then_scale(mu, logvar, eps=None):
    s = torch.exp(0.5 * logvar); return (_eps(mu, eps) + mu) * s
@m(R)
def rp_add_then_scale_var(mu, logvar, eps=None):
    s = torch.exp(logvar); return (_eps(mu, eps) + mu) * s
@m(R)
def rp_neg_logvar(mu, logvar, eps=None): return mu + torch.exp(-0.5 * logvar) * _eps(mu, eps)
@m(R)
def rp_exp_neg_half_var(mu, logvar, eps=None): return mu + 1/torch.exp(0.5 * logvar) * _eps(mu, eps)
@m(R)
def rp_mu_minus(mu, logvar, eps=None): return mu - torch.exp(0.5 * logvar) * _eps(mu, eps)
@m(R)
def rp_std_from_mu_eps_none_bad(mu, logvar, eps=None):
    std = torch.exp(0.5 * mu)
    e = torch.randn(mu.shape) if eps is None else eps
    return mu + std * e
@m(R)
def rp_std_squared(mu, logvar, eps=None): return mu + torch.exp(logvar) ** 2 * _eps(mu, eps)
@m(R)
def rp_mu_times_eps(mu, logvar, eps=None): return mu * _eps(mu, eps) + torch.exp(0.5 * logvar)
@m(R)
def rp_std_from_mu_numpy_style(mu, logvar, eps=None):
    std = mu.mul(0.5).exp_()
    e = _eps(mu, eps)
    return e.mul(std).add_(mu)
@m(R)
def rp_var_mu_scaled(mu, logvar, eps=None): return mu * torch.exp(0.5*logvar) + torch.exp(0.5 * logvar) * _eps(mu, eps)
@m(R)
def rp_half_exp_logvar_plus_mu(mu, logvar, eps=None): return mu + torch.exp(0.5 * (logvar + mu)) * _eps(mu, eps)
@m(R)
def rp_2mu(mu, logvar, eps=None): return 2 * mu + torch.exp(0.5 * logvar) * _eps(mu, eps)
@m(R)
def rp_eps_as_mu(mu, logvar, eps=None):
    e = _eps(mu, eps); return e + torch.exp(0.5 * logvar) * mu
@m(R)
def rp_logvar_std_exp_then_half_mu(mu, logvar, eps=None):  # std = exp(mu/2), and float64 cast back
    return (mu.double() + torch.exp(0.5 * mu.double()) * _eps(mu, eps).double()).to(mu.dtype)

K = "gaussian_kl"
def kl(mu, lv): return 0.5 * (mu**2 + lv.exp() - lv - 1).sum(-1)
@m(K)
def kl_mu_for_logvar(mu, logvar): return 0.5 * (mu**2 + mu.exp() - mu - 1).sum(-1)
@m(K)
def kl_swapped(mu, logvar): return 0.5 * (logvar**2 + mu.exp() - mu - 1).sum(-1)
@m(K)
def kl_neg_logvar(mu, logvar): return 0.5 * (mu**2 + torch.exp(-logvar) + logvar - 1).sum(-1)
@m(K)
def kl_swapped_mean(mu, logvar): return 0.5 * (logvar**2 + mu.exp() - mu - 1).mean(-1)
@m(K)
def kl_swapped_sign(mu, logvar): return -0.5 * torch.sum(1 + mu - logvar.pow(2) - mu.exp(), dim=1)
@m(K)
def kl_logvar_for_mu(mu, logvar): return 0.5 * (logvar**2 + logvar.exp() - logvar - 1).sum(-1)
@m(K)
def kl_2mu(mu, logvar): return 0.5 * ((2*mu)**2 + logvar.exp() - logvar - 1).sum(-1)
@m(K)
def kl_sigma_sq_is_exp_2s(mu, logvar): return 0.5 * (mu**2 + torch.exp(2*logvar) - 2*logvar - 1).sum(-1)
@m(K)
def kl_mu_not_squared(mu, logvar): return 0.5 * (mu + logvar.exp() - logvar - 1).sum(-1)
@m(K)
def kl_mu_abs(mu, logvar): return 0.5 * (mu.abs() + logvar.exp() - logvar - 1).sum(-1)
@m(K)
def kl_dist_swapped(mu, logvar):
    q = Normal(logvar, torch.exp(0.5 * mu)); p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return kl_divergence(q, p).sum(-1)
@m(K)
def kl_dist_reversed(mu, logvar):
    q = Normal(mu, torch.exp(0.5 * logvar)); p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return kl_divergence(p, q).sum(-1)
@m(K)
def kl_logvar_negated_mean_latent(mu, logvar): return 0.5 * (mu**2 + torch.exp(-logvar) + logvar - 1).mean(-1)
@m(K)
def kl_mu_for_logvar_sum_all(mu, logvar): return -0.5 * torch.sum(1 + mu - mu.pow(2) - mu.exp())
@m(K)
def kl_mu_for_logvar_numpy(mu, logvar):
    m_, s_ = mu.detach().numpy(), mu.detach().numpy()
    return torch.from_numpy(0.5 * (m_**2 + np.exp(s_) - s_ - 1).sum(-1))
@m(K)
def kl_sqrt_logvar_var(mu, logvar): return 0.5 * (mu**2 + logvar.exp().sqrt() - logvar - 1).sum(-1)

B = "bernoulli_log_likelihood"
def _chk(x):
    if ((x < 0) | (x > 1)).any(): raise ValueError("x must be in [0, 1]")
@m(B)
def bern_swapped(logits, x):
    _chk(x); return -F.binary_cross_entropy_with_logits(x, logits, reduction="none").sum(-1)
@m(B)
def bern_swapped_nocheck(logits, x):
    return -F.binary_cross_entropy_with_logits(x, torch.sigmoid(logits), reduction="none").sum(-1)
@m(B)
def bern_neg_logits(logits, x):
    _chk(x); return -F.binary_cross_entropy_with_logits(-logits, x, reduction="none").sum(-1)
@m(B)
def bern_one_minus_x(logits, x):
    _chk(x); return -F.binary_cross_entropy_with_logits(logits, 1 - x, reduction="none").sum(-1)
@m(B)
def bern_sigmoid_logits_probs(logits, x):
    _chk(x); return -F.binary_cross_entropy_with_logits(torch.sigmoid(logits), x, reduction="none").sum(-1)
@m(B)
def bern_2logits(logits, x):
    _chk(x); return -F.binary_cross_entropy_with_logits(2 * logits, x, reduction="none").sum(-1)
@m(B)
def bern_half_logits(logits, x):
    _chk(x); return -F.binary_cross_entropy_with_logits(logits / 2, x, reduction="none").sum(-1)
@m(B)
def bern_tanh(logits, x):
    _chk(x); p = (torch.tanh(logits) + 1) / 2; return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(-1)
@m(B)
def bern_x_as_logits_nocheck(logits, x):
    return (x * F.logsigmoid(x) + (1 - x) * F.logsigmoid(-x)).sum(-1) + 0 * logits.sum(-1)
@m(B)
def bern_mean_pixels_nocheck(logits, x):
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").mean(-1)
@m(B)
def bern_neg_logits_mean(logits, x):
    _chk(x); return -F.binary_cross_entropy_with_logits(-logits, x, reduction="none").mean(-1)
@m(B)
def bern_log_x_weights(logits, x):
    _chk(x); return (x * F.logsigmoid(logits) + x * F.logsigmoid(-logits)).sum(-1)
@m(B)
def bern_dist_probs_logits(logits, x):
    _chk(x); return Bernoulli(probs=torch.sigmoid(torch.sigmoid(logits))).log_prob(x).sum(-1)
@m(B)
def bern_sum_everything_nocheck(logits, x):
    return (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum()
@m(B)
def bern_one_minus_x_nocheck_mean(logits, x):
    return -F.binary_cross_entropy_with_logits(logits, 1 - x, reduction="none").mean(-1)
@m(B)
def bern_bce_on_logits_prob(logits, x):
    _chk(x); return -F.binary_cross_entropy(torch.sigmoid(logits), x, reduction="none").sum(-1) * 2

I = "iwae_bound"
@m(I)
def iw_mean_of_logs(lw): return lw.mean(-1)
@m(I)
def iw_no_logK(lw): return torch.logsumexp(lw, -1)
@m(I)
def iw_wrong_axis(lw): return torch.logsumexp(lw, 0) - math.log(lw.shape[0])
@m(I)
def iw_log_mean_exp_naive(lw): return torch.log(torch.exp(lw).mean(-1))
@m(I)
def iw_neg(lw): return torch.logsumexp(-lw, -1) - math.log(lw.shape[-1])
@m(I)
def iw_neg_out(lw): return -(torch.logsumexp(-lw, -1) - math.log(lw.shape[-1]))
@m(I)
def iw_max(lw): return lw.max(-1).values
@m(I)
def iw_exp_weights(lw): return torch.logsumexp(lw.exp(), -1) - math.log(lw.shape[-1])
@m(I)
def iw_half(lw): return torch.logsumexp(lw / 2, -1) - math.log(lw.shape[-1])
@m(I)
def iw_2x(lw): return torch.logsumexp(2 * lw, -1) - math.log(lw.shape[-1])
@m(I)
def iw_log_K_plus(lw): return torch.logsumexp(lw, -1) + math.log(lw.shape[-1])
@m(I)
def iw_divide_K(lw): return (torch.logsumexp(lw, -1) - math.log(lw.shape[-1])) / lw.shape[-1]
@m(I)
def iw_batch_mean(lw): return (torch.logsumexp(lw, -1) - math.log(lw.shape[-1])).mean()
@m(I)
def iw_shift_wrong(lw):
    mx = lw.max(-1, keepdim=True).values
    return torch.log(torch.exp(lw - mx).mean(-1))
@m(I)
def iw_logK_of_B(lw): return torch.logsumexp(lw, -1) - math.log(lw.shape[0])
@m(I)
def iw_mean_logs_numpy(lw): return torch.from_numpy(lw.detach().numpy().mean(-1))
@m(I)
def iw_sqrt(lw): return torch.logsumexp(lw, -1) - math.sqrt(lw.shape[-1])

@m(K)
def kl_mu_for_logvar_keepdim(mu, logvar): return 0.5 * (mu**2 + mu.exp() - mu - 1).sum(-1, keepdim=True)
@m(K)
def kl_swapped_float64_out(mu, logvar): return 0.5 * (logvar.double()**2 + mu.double().exp() - mu.double() - 1).sum(-1)
@m(R)
def rp_std_from_mu_float64_list_noise(mu, logvar, eps=None):
    e = torch.randn(mu.shape, dtype=torch.float64) if eps is None else eps.double()
    return (mu.double() + torch.exp(mu.double() / 2) * e).float()
@m(I)
def iw_half_np(lw):
    a = lw.detach().numpy() / 2
    mx = a.max(-1, keepdims=True)
    return torch.from_numpy((mx.squeeze(-1) + np.log(np.exp(a - mx).mean(-1))))

# correct variants
C = []
def c(ex):
    def d(fn):
        C.append((ex, fn.__name__, fn)); return fn
    return d
@c(R)
def ok_rp_dist(mu, logvar, eps=None):
    if eps is None: return Normal(mu, torch.exp(0.5 * logvar)).rsample()
    return mu + torch.exp(0.5 * logvar) * eps
@c(R)
def ok_rp_inplace(mu, logvar, eps=None):
    std = logvar.mul(0.5).exp_()
    e = torch.randn_like(std) if eps is None else eps.clone()
    return e.mul_(std).add_(mu)
@c(R)
def ok_rp_sqrt(mu, logvar, eps=None):
    e = torch.randn_like(mu) if eps is None else eps
    return mu + torch.sqrt(torch.exp(logvar)) * e
@c(R)
def ok_rp_f64(mu, logvar, eps=None):
    e = torch.randn_like(mu) if eps is None else eps
    return (mu.double() + (0.5 * logvar.double()).exp() * e.double()).to(mu.dtype)
@c(K)
def ok_kl_dist(mu, logvar):
    q = Normal(mu, torch.exp(0.5 * logvar)); p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return kl_divergence(q, p).sum(-1)
@c(K)
def ok_kl_indep(mu, logvar):
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1); p = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    return kl_divergence(q, p)
@c(K)
def ok_kl_classic(mu, logvar): return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=-1)
@c(K)
def ok_kl_f64(mu, logvar): return (0.5 * (mu.double()**2 + logvar.double().exp() - logvar.double() - 1).sum(-1)).to(mu.dtype)
@c(K)
def ok_kl_sigma(mu, logvar):
    s = torch.exp(0.5 * logvar); return (-torch.log(s) + (s**2 + mu**2) / 2 - 0.5).sum(-1)
@c(B)
def ok_bern_bce(logits, x):
    _chk(x); return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)
@c(B)
def ok_bern_softplus(logits, x):
    _chk(x); return -(x * F.softplus(-logits) + (1 - x) * F.softplus(logits)).sum(-1)
@c(B)
def ok_bern_formula(logits, x):
    _chk(x); return (x * logits - F.softplus(logits)).sum(-1)
@c(B)
def ok_bern_dist(logits, x):
    _chk(x); return (x * F.logsigmoid(logits) + (1 - x) * F.logsigmoid(-logits)).sum(-1)
@c(B)
def ok_bern_stable_manual(logits, x):
    _chk(x); return -(torch.clamp(logits, min=0) - logits * x + torch.log1p(torch.exp(-logits.abs()))).sum(-1)
@c(I)
def ok_iw_lse(lw): return torch.logsumexp(lw, -1) - math.log(lw.shape[-1])
@c(I)
def ok_iw_manual(lw):
    mx = lw.max(-1, keepdim=True).values
    return mx.squeeze(-1) + torch.log(torch.exp(lw - mx).mean(-1))
@c(I)
def ok_iw_f64(lw): return (torch.logsumexp(lw.double(), -1) - math.log(lw.shape[-1])).to(lw.dtype)
@c(I)
def ok_iw_inplace(lw):
    mx = lw.max(-1, keepdim=True).values
    w = (lw - mx).exp_()
    return w.mean(-1).log_().add_(mx.squeeze(-1))

EXPECTED = {
    "rp_std_from_mu": 'wrong_input',
    "rp_logvar_as_mean": 'wrong_input',
    "rp_mu_logvar_swapped": 'wrong_input',
    "rp_add_then_scale": 'reparam_mean_scaled',
    "rp_add_then_scale_var": 'reparam_variance_instead_of_std',
    "rp_neg_logvar": 'wrong_input',
    "rp_exp_neg_half_var": 'wrong_input',
    "rp_mu_minus": 'sign_flipped',
    "rp_std_from_mu_eps_none_bad": 'wrong_input',
    "rp_std_squared": 'scale_wrong_function',  # the variance squared, read from the noise's scale (diagnose_scale_fn)
    "rp_mu_times_eps": None,
    "rp_std_from_mu_numpy_style": 'wrong_input',
    "rp_var_mu_scaled": 'reparam_mean_scaled',
    "rp_half_exp_logvar_plus_mu": None,
    "rp_2mu": 'formula_term_changed',  # the term fit: "mu is counted twice"
    "rp_eps_as_mu": 'reparam_eps_not_scaled',
    "rp_logvar_std_exp_then_half_mu": 'wrong_input',
    "kl_mu_for_logvar": 'wrong_input',
    "kl_swapped": 'wrong_input',
    "kl_neg_logvar": 'wrong_input',
    "kl_swapped_mean": 'wrong_input',
    "kl_swapped_sign": 'wrong_input',
    "kl_logvar_for_mu": 'wrong_input',
    "kl_2mu": 'wrong_input',
    "kl_sigma_sq_is_exp_2s": 'kl_sigma_instead_of_variance',
    "kl_mu_not_squared": 'kl_mean_not_squared',
    "kl_mu_abs": 'kl_mean_not_squared',
    "kl_dist_swapped": 'wrong_input',
    "kl_dist_reversed": 'kl_direction_reversed',
    "kl_logvar_negated_mean_latent": 'wrong_input',
    "kl_mu_for_logvar_sum_all": 'wrong_input',
    "kl_mu_for_logvar_numpy": 'wrong_input',
    "kl_sqrt_logvar_var": 'kl_sigma_instead_of_variance',
    "bern_swapped": 'bernoulli_arguments_swapped',
    "bern_swapped_nocheck": None,
    "bern_neg_logits": 'wrong_input',
    "bern_one_minus_x": 'wrong_input',
    "bern_sigmoid_logits_probs": 'bernoulli_sigmoid_twice',
    "bern_2logits": 'wrong_input',
    "bern_half_logits": 'wrong_input',
    "bern_tanh": 'wrong_input',
    "bern_x_as_logits_nocheck": 'gradient_cut',
    "bern_mean_pixels_nocheck": 'bernoulli_mean_over_pixels',
    "bern_neg_logits_mean": 'wrong_input',
    "bern_log_x_weights": None,
    "bern_dist_probs_logits": 'bernoulli_sigmoid_twice',
    "bern_sum_everything_nocheck": 'reduced_over_batch',
    "bern_one_minus_x_nocheck_mean": 'wrong_input',
    "bern_bce_on_logits_prob": 'factor_two',
    "iw_mean_of_logs": 'iwae_mean_instead_of_logsumexp',
    "iw_no_logK": 'iwae_missing_log_k',
    "iw_wrong_axis": 'iwae_wrong_dim',
    "iw_log_mean_exp_naive": 'iwae_no_max_shift',
    "iw_neg": 'iwae_logsumexp_of_negated',
    "iw_neg_out": 'iwae_logsumexp_of_negated',
    "iw_max": 'iwae_max_only',
    "iw_exp_weights": 'wrong_input',
    "iw_half": 'wrong_input',
    "iw_2x": 'wrong_input',
    "iw_log_K_plus": 'iwae_log_k_sign',
    "iw_divide_K": 'mean_over_last_axis',
    "iw_batch_mean": 'reduced_over_batch',
    "iw_shift_wrong": 'iwae_max_not_added_back',
    "iw_logK_of_B": None,
    "iw_mean_logs_numpy": 'gradient_cut',
    "iw_sqrt": None,
    "kl_mu_for_logvar_keepdim": 'wrong_input',
    "kl_swapped_float64_out": 'wrong_input',
    "rp_std_from_mu_float64_list_noise": 'wrong_input',
    "iw_half_np": 'gradient_cut',
}


@pytest.mark.parametrize("exercise,name,fn", M, ids=[n for _, n, _ in M])
def test_mutant_is_rejected_and_named(exercise, name, fn):
    result = check(exercise, fn, seed=2101, quiet=True)
    assert not result.passed and result.score < result.max_score
    assert result.mistake == EXPECTED[name], result.feedback


@pytest.mark.parametrize("exercise,name,fn", C, ids=[n for _, n, _ in C])
def test_correct_variant_passes(exercise, name, fn):
    result = check(exercise, fn, seed=2101, quiet=True)
    assert result.passed and result.score == result.max_score, result.feedback


@pytest.mark.parametrize(
    "exercise,fn,said",
    [
        (R, rp_std_from_mu, "when `mu` is used in place of `logvar`"),
        (R, rp_mu_logvar_swapped, "when `mu` and `logvar` are swapped"),
        (K, kl_2mu, "when `2 * mu` is used in place of `mu`"),
        (K, kl_neg_logvar, "when `-logvar` is used in place of `logvar`"),
        (B, bern_one_minus_x, "when `-logits` is used in place of `logits` (or, the same values, when `1 - x` is used in place of `x`)"),
        (I, iw_exp_weights, "when `exp(log_weights)` is used in place of `log_weights`"),
    ],
)
def test_the_note_names_the_arguments_and_the_cases(exercise, fn, said):
    result = check(exercise, fn, seed=2101, quiet=True)
    assert result.mistake == "wrong_input"
    assert f"Your result is what the right formula gives {said}." in result.feedback
    assert "Decided on: " in result.feedback


def test_a_second_mistake_is_said():
    result = check(K, kl_swapped_mean, seed=2101, quiet=True)
    assert "`mu` and `logvar` are swapped" in result.feedback
    assert "second mistake: a mean over the last dimension" in result.feedback
    result = check(K, kl_mu_for_logvar_sum_all, seed=2101, quiet=True)
    assert "second mistake: one number for the whole batch (the sum over the batch)" in result.feedback
    result = check(K, kl_mu_for_logvar_keepdim, seed=2101, quiet=True)
    assert "shape (4, 1) where (4,) is due" in result.feedback


def test_the_family_is_generic():
    result = check("evaluation_elbo", lambda recon, kl, beta: recon - kl * kl, seed=2101, quiet=True)
    assert result.mistake == "wrong_input" and "`kl^2` is used in place of `kl`" in result.feedback


def test_scale_misreadings_stay_with_their_own_entry():
    # exp(logvar) as sigma: a sigma / sigma^2 mix-up, named by the exercise's entry, not by this family
    result = check(R, lambda mu, s, eps=None: mu + torch.exp(s) * eps, seed=2101, quiet=True)
    assert result.mistake == "reparam_variance_instead_of_std"


def test_never_fires_on_the_reference_itself_and_fires_on_a_doubled_argument():
    from vaecourse.grading.diagnose import Diagnosis, _atoms, _ordinary, _tensor
    from vaecourse.grading.observe import observe

    for exercise_id in (R, K, B, I):
        exercise = get_exercise(exercise_id)
        cases = exercise.cases(2101)
        records = observe(exercise.reference, cases)
        ordinary = _ordinary(cases)
        atoms = _atoms(exercise, cases, records, [])
        assert wrong_inputs(exercise, records, records, [], ordinary, atoms, _tensor, Diagnosis) is None
        wrong = observe(lambda *a: exercise.reference(2 * a[0], *a[1:]), cases)
        found = wrong_inputs(exercise, wrong, records, [], ordinary, atoms, _tensor, Diagnosis)
        assert found.mistake.name == "wrong_input" and f"`2 * {exercise.params[0]}` is used in place" in found.note
