"""Mutation sweep of three behaviour families: shared or misshapen noise, a wrong function of the log-variance as the scale, a transform of the right values with the first or last value set by hand.

Wrong answers written the way people write them, across every exercise each family can touch:

- noise drawn with eps=None but shared or not standard normal: torch.randn(D) or torch.randn_like(mu[0]) broadcast over the batch
  (held-out set 6: Alexvsalexvsalex/ML-algorithms vae.py), torch.randn(B, 1) over the latent dimensions, one number or a
  constant, noise with an extra axis (right moments, wrong shape), a shifted, folded, squared or discrete draw;
- the scale built from logvar with another function: softplus (held-out set 6: biocoms/DeepBioSim iwae.py,
  after a clamp), 0.5 * logvar with the exp missing (held-out set 6: Bhavik-Ardeshna/pytorch-VAE),
  exp(logvar)^2, 1 / sigma, sqrt(|logvar|), sigmoid, ..., in the sample and in the KL's variance term;
- alpha_bar transformed (sqrt, square, log, 1 - x, reversed) with the first or last value forced to a
  constant (held-out set 6: 55utah/diffusion-model sqrt(alpha_bar) with a_bar[0] = 1).

Each mutant must be rejected with the name given (and, where given, words of the note); every correct
style must pass. The seed is the one the real-bug collection uses.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vaecourse.grading import check

SEED = 2101


def _reparam(scale=None, noise=None):
    def reparameterize(mu, logvar, eps=None):
        std = torch.exp(0.5 * logvar) if scale is None else scale(logvar)
        if eps is None:
            eps = noise(mu, std) if noise is not None else torch.randn_like(std)
        return mu + std * eps

    return reparameterize


def _kl(var=None):
    def gaussian_kl(mu, logvar):
        v = torch.exp(logvar) if var is None else var(logvar)
        return -0.5 * torch.sum(1 + logvar - mu.pow(2) - v, dim=-1)

    return gaussian_kl


def _kl_dist(std):  # torch.distributions with a scale built from logvar
    def gaussian_kl(mu, logvar):
        q = torch.distributions.Normal(mu, std(logvar))
        return torch.distributions.kl_divergence(q, torch.distributions.Normal(torch.zeros_like(mu), 1.0)).sum(-1)

    return gaussian_kl


def _alpha_bar(transform, *overwrites):
    def alpha_bar_schedule(betas):
        a = transform(torch.cumprod(1 - betas, dim=0))
        for i, v in overwrites:
            a[i] = v
        return a

    return alpha_bar_schedule


def _utah(betas):  # held-out set 6, 55utah: a product of sqrt(1 - beta) in log space, then a_bar[0] = 1
    b_t = betas.sqrt()
    a_t = (1 - b_t ** 2).sqrt()
    a_bar_t = torch.cumsum(a_t.log(), dim=0).exp()
    a_bar_t[0] = 1
    return a_bar_t


def _interp(z1, z2, steps):
    t = torch.linspace(0, 1, steps, dtype=z1.dtype)[:, None]
    return (1 - t) * z1 + t * z2


def _interp_reversed_but_first(z1, z2, steps):  # the weights reversed, the first point pinned to z1 by hand
    path = _interp(z1, z2, steps).flip(0)
    path[0] = z1
    return path


R, K, AB, I = "reparameterize", "gaussian_kl", "alpha_bar_schedule", "interpolate_latents"
SHARED, BY_DIMS, SHAPE = "reparam_noise_shared_by_batch", "reparam_noise_shared_by_dims", "reparam_noise_wrong_shape"
ONE, OTHER = "reparam_noise_one_value", "reparam_noise_not_standard_normal"
SQUASHED, AS_STD, WRONG_FN, TRANSFORMED = "reparam_logvar_squashed", "reparam_logvar_as_std", "scale_wrong_function", "output_transformed"

MUTANTS = {  # id: (exercise, answer, expected mistake, words the feedback must hold)
    # family 1: noise shared, or of another shape
    "noise_randn_D": (R, _reparam(noise=lambda mu, s: torch.randn(mu.shape[1])), SHARED, "one noise vector shared by every example"),
    "noise_randn_like_row": (R, _reparam(noise=lambda mu, s: torch.randn_like(mu[0])), SHARED, ""),
    "noise_randn_1D": (R, _reparam(noise=lambda mu, s: torch.randn(1, mu.shape[-1], dtype=mu.dtype)), SHARED, ""),
    "noise_numpy_D": (R, _reparam(noise=lambda mu, s: torch.from_numpy(np.random.randn(mu.shape[1])).to(mu.dtype)), SHARED, ""),
    "noise_normal_D": (R, _reparam(noise=lambda mu, s: torch.normal(torch.zeros(mu.shape[-1]), torch.ones(mu.shape[-1]))), SHARED, ""),
    "noise_one_number": (R, _reparam(noise=lambda mu, s: torch.randn(1)), ONE, "one noise value (or a constant) for every entry"),
    "noise_one_number_0d": (R, _reparam(noise=lambda mu, s: torch.randn(())), ONE, ""),
    "noise_zeros": (R, _reparam(noise=lambda mu, s: torch.zeros_like(mu)), ONE, ""),
    "noise_mean_one": (R, _reparam(noise=lambda mu, s: torch.randn_like(mu) + 1), OTHER, "other than the standard normal"),
    "noise_folded": (R, _reparam(noise=lambda mu, s: torch.randn_like(mu).abs()), OTHER, ""),
    "noise_squared": (R, _reparam(noise=lambda mu, s: torch.randn_like(mu) ** 2), OTHER, ""),
    "noise_laplace": (R, _reparam(noise=lambda mu, s: torch.distributions.Laplace(0.0, 0.5 ** 0.5).sample(mu.shape)), OTHER, ""),
    "noise_plus_minus_one": (R, _reparam(noise=lambda mu, s: torch.randint(0, 2, mu.shape).to(mu.dtype) * 2 - 1), OTHER, ""),
    "noise_spread_0.1": (R, _reparam(noise=lambda mu, s: 0.1 * torch.randn_like(mu)), "reparam_noise_wrong_scale", ""),
    "noise_uniform": (R, _reparam(noise=lambda mu, s: torch.rand_like(mu)), "reparam_uniform_noise", ""),
    "noise_over_dims": (R, _reparam(noise=lambda mu, s: torch.randn(mu.shape[0], 1)), BY_DIMS, "every latent dimension"),
    "noise_extra_axis": (R, _reparam(noise=lambda mu, s: torch.randn(2, *mu.shape)), SHAPE, "shape other than mu's"),
    "noise_samples_axis": (R, _reparam(noise=lambda mu, s: torch.randn(3, *mu.shape, dtype=mu.dtype)), SHAPE, ""),
    # family 2: the scale built from logvar with another function
    "scale_softplus": (R, _reparam(scale=F.softplus), SQUASHED, "softplus(logvar)"),
    "scale_softplus_clamped": (R, _reparam(scale=lambda lv: F.softplus(torch.clamp(lv, -5, 5)) + 1e-6), SQUASHED, "softplus(logvar)"),
    "scale_log1p_exp": (R, _reparam(scale=lambda lv: torch.log1p(torch.exp(lv))), SQUASHED, "softplus(logvar)"),
    "scale_sigmoid": (R, _reparam(scale=torch.sigmoid), SQUASHED, "sigmoid(logvar)"),
    "scale_sqrt_softplus": (R, _reparam(scale=lambda lv: F.softplus(lv).sqrt()), SQUASHED, "sqrt(softplus(logvar))"),
    "scale_half_logvar": (R, _reparam(scale=lambda lv: 0.5 * lv), AS_STD, "the exp is missing"),
    "scale_half_logvar_bhavik": (R, lambda mu, logvar, eps=None: mu + (torch.randn_like(logvar) if eps is None else eps) * (1.0 / 2) * logvar, AS_STD, "0.5 * logvar"),
    "scale_np_floor": (R, _reparam(scale=lambda lv: 0.1 + 0.9 * F.softplus(lv)), SQUASHED, "0.1 + 0.9 * softplus(logvar)"),
    "scale_softplus_floor": (R, _reparam(scale=lambda lv: F.softplus(lv) + 1e-4), SQUASHED, "0.0001 + softplus(logvar)"),
    "scale_two_logvar": (R, _reparam(scale=lambda lv: 2 * lv), AS_STD, "2 * logvar"),
    "scale_sigmoid_doubled": (R, _reparam(scale=lambda lv: 2 * torch.sigmoid(lv)), SQUASHED, "2 * sigmoid(logvar)"),
    "scale_var_squared": (R, _reparam(scale=lambda lv: torch.exp(lv) ** 2), WRONG_FN, "sigma^4"),
    "scale_exp_2logvar": (R, _reparam(scale=lambda lv: torch.exp(2 * lv)), WRONG_FN, "sigma^4"),
    "scale_inverse_std": (R, _reparam(scale=lambda lv: torch.exp(-0.5 * lv)), "wrong_input", "`-logvar` is used in place of `logvar`"),
    "scale_sqrt_abs": (R, _reparam(scale=lambda lv: torch.sqrt(torch.abs(lv))), WRONG_FN, "sqrt(|logvar|)"),
    "scale_exp_half_abs": (R, _reparam(scale=lambda lv: torch.exp(0.5 * lv.abs())), WRONG_FN, "exp(|logvar| / 2)"),
    "scale_variance": (R, _reparam(scale=torch.exp), "reparam_variance_instead_of_std", ""),
    "scale_logvar": (R, _reparam(scale=lambda lv: lv), AS_STD, ""),
    "kl_var_softplus": (K, _kl(var=F.softplus), WRONG_FN, "+ 0.5 * softplus(logvar)"),
    "kl_dist_softplus_std": (K, _kl_dist(F.softplus), WRONG_FN, "softplus(logvar) used as the standard deviation"),
    "kl_dist_sigmoid_std": (K, _kl_dist(torch.sigmoid), WRONG_FN, "sigmoid(logvar) used as the standard deviation"),
    "kl_softplus_variance": (K, lambda mu, lv: 0.5 * (mu**2 + F.softplus(lv) - torch.log(F.softplus(lv)) - 1).sum(-1), WRONG_FN, "softplus(logvar) used as the variance"),
    "kl_var_std": (K, _kl(var=lambda lv: torch.exp(0.5 * lv)), "kl_sigma_instead_of_variance", ""),
    # family 3: a transform of the right values, the first or last value set by hand
    "ab_sqrt_first_one": (AB, _alpha_bar(torch.sqrt, (0, 1.0)), TRANSFORMED, "square root of the expected ones, except your first value, which is 1"),
    "ab_55utah": (AB, _utah, TRANSFORMED, "the first step's alpha_bar replaced"),
    "ab_sqrt_last_zero": (AB, _alpha_bar(torch.sqrt, (-1, 0.0)), TRANSFORMED, "your last value, which is 0"),
    "ab_square_first_one": (AB, _alpha_bar(torch.square, (0, 1.0)), TRANSFORMED, "square of the expected ones"),
    "ab_log_first_zero": (AB, _alpha_bar(torch.log, (0, 0.0)), TRANSFORMED, "log of the expected ones"),
    "ab_reversed_first_one": (AB, _alpha_bar(lambda t: t.flip(0), (0, 1.0)), TRANSFORMED, "in reverse order"),
    "ab_sqrt_both_ends": (AB, _alpha_bar(torch.sqrt, (0, 1.0), (-1, 0.0)), TRANSFORMED, "your first value, which is 1 on every case (set by hand?), and your last value, which is 0"),
    "ab_complement_last_one": (AB, _alpha_bar(lambda t: 1 - t, (-1, 1.0)), TRANSFORMED, "1 minus the expected ones"),
    "ab_sqrt": (AB, _alpha_bar(torch.sqrt), TRANSFORMED, "square root"),
    "ab_sqrt_first_left": (AB, lambda b: torch.cat([1 - b[:1], torch.cumprod(1 - b, 0)[1:].sqrt()]), TRANSFORMED, "your first value, which is the expected one"),
    "ab_exp_first_one": (AB, _alpha_bar(torch.exp, (0, 1.0)), TRANSFORMED, "the exp of the expected ones"),
    "ab_running_sum_first_one": (AB, _alpha_bar(lambda t: t.cumsum(0), (0, 1.0)), TRANSFORMED, "the running sum"),
    "interp_reversed_but_first": (I, _interp_reversed_but_first, TRANSFORMED, "in reverse order, except your first row, which is the expected one"),
    "interp_reversed": (I, lambda z1, z2, steps: _interp(z1, z2, steps).flip(0), "interp_reversed", ""),
}

CORRECT = {  # id: (exercise, answer) in varied real styles
    "randn_like": (R, _reparam(noise=lambda mu, s: torch.randn_like(s))),
    "randn_shape": (R, _reparam(noise=lambda mu, s: torch.randn(mu.shape))),
    "randn_b_d": (R, _reparam(noise=lambda mu, s: torch.randn(mu.shape[0], mu.shape[1], dtype=mu.dtype))),
    "normal_size": (R, _reparam(noise=lambda mu, s: torch.normal(0.0, 1.0, size=mu.shape))),
    "empty_normal_": (R, _reparam(noise=lambda mu, s: torch.empty_like(mu).normal_())),
    "distribution_sample": (R, _reparam(noise=lambda mu, s: torch.distributions.Normal(0.0, 1.0).sample(mu.shape))),
    "numpy_normal": (R, _reparam(noise=lambda mu, s: torch.from_numpy(np.random.normal(size=tuple(mu.shape))).to(mu.dtype))),
    "randn_transposed": (R, _reparam(noise=lambda mu, s: torch.randn(mu.shape[1], mu.shape[0]).T)),
    "sqrt_exp": (R, _reparam(scale=lambda lv: torch.sqrt(torch.exp(lv)))),
    "exp_div_2": (R, _reparam(scale=lambda lv: torch.exp(lv / 2))),
    "exp_pow_half": (R, _reparam(scale=lambda lv: lv.exp().pow(0.5))),
    "std_tiny_floor": (R, _reparam(scale=lambda lv: torch.exp(0.5 * lv) + 1e-6)),
    "mul_exp_": (R, _reparam(scale=lambda lv: lv.mul(0.5).exp_())),
    "kl_reference": (K, _kl()),
    "kl_std_squared": (K, _kl(var=lambda lv: torch.exp(0.5 * lv) ** 2)),
    "kl_distributions": (K, _kl_dist(lambda lv: torch.exp(0.5 * lv))),
    "ab_cumprod": (AB, lambda b: torch.cumprod(1 - b, dim=0)),
    "ab_log_space": (AB, lambda b: torch.exp(torch.cumsum(torch.log(1 - b), dim=0))),
    "interp_lerp": (I, lambda z1, z2, steps: torch.stack([torch.lerp(z1, z2, float(t)) for t in torch.linspace(0, 1, steps)])),
    "ab_loop": (AB, lambda b: torch.stack([torch.prod(1 - b[: t + 1]) for t in range(len(b))])),
}


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_named(name):
    exercise, fn, expected, words = MUTANTS[name]
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert not r.passed, name
    assert r.mistake == expected, (name, r.mistake, r.feedback)
    assert words in r.feedback, (name, r.feedback)


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_style_is_accepted(name):
    exercise, fn = CORRECT[name]
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert r.passed and r.score == r.max_score, (name, r.feedback)
