"""Tests of vaecourse.studies.diffusion_elbo: each term against torch.distributions, the noise-prediction identity, exact cases."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import Normal, kl_divergence

from vaecourse.models.ddpm import EpsilonMLP, NoiseSchedule, linear_schedule, q_posterior
from vaecourse.studies.diffusion_elbo import (
    diffusion_elbo_terms,
    elbo_constants,
    gaussian_data_denoiser,
    noise_prediction_weights,
    reverse_mean,
    reverse_variances,
    weighted_noise_errors,
)

torch.set_num_threads(1)
F64 = torch.float64


def schedule64(steps=20, start=None, end=None) -> NoiseSchedule:
    return NoiseSchedule(linear_schedule(steps, start, end).betas.to(F64))


def random_model(seed=0, data_dim=2):
    torch.manual_seed(seed)
    return EpsilonMLP(data_dim=data_dim, hidden=16, num_layers=2).to(F64)


def data(b=5, d=2, seed=1):
    return torch.randn(b, d, generator=torch.Generator().manual_seed(seed), dtype=F64)


def test_reverse_mean_with_the_true_noise_is_the_forward_posterior_mean():
    schedule, x0 = schedule64(), data()
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(2), dtype=F64)
    t = torch.tensor([1, 3, 7, 15, 20])
    alpha_bar = schedule.alphas_bar[t - 1].unsqueeze(-1)
    xt = alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * eps
    posterior_mean, _ = q_posterior(x0, xt, t, schedule)  # the closed form of vaecourse.models.ddpm, the oracle
    torch.testing.assert_close(reverse_mean(lambda x, s: eps, xt, t, schedule), posterior_mean)


def test_each_term_matches_torch_distributions():
    schedule, x0, model = schedule64(steps=6), data(b=3), random_model()
    eps = torch.randn(6, 3, 2, generator=torch.Generator().manual_seed(3), dtype=F64)
    terms = diffusion_elbo_terms(model, x0, schedule, eps=eps)
    a_bar = schedule.alphas_bar
    sigma2 = reverse_variances(schedule)
    with torch.no_grad():
        expected_prior = kl_divergence(Normal(a_bar[-1].sqrt() * x0, (1 - a_bar[-1]).sqrt()), Normal(0.0, 1.0)).sum(-1)
        torch.testing.assert_close(terms.prior, expected_prior)
        for t in range(1, 7):
            steps = torch.full((3,), t)
            xt = a_bar[t - 1].sqrt() * x0 + (1 - a_bar[t - 1]).sqrt() * eps[t - 1]
            p = Normal(reverse_mean(model, xt, steps, schedule), sigma2[t - 1].sqrt())
            if t == 1:
                torch.testing.assert_close(terms.reconstruction, -p.log_prob(x0).sum(-1))
            else:
                q_var = schedule.posterior_variances[t - 1]
                q_mean = (a_bar[t - 2].sqrt() * schedule.betas[t - 1] * x0
                          + schedule.alphas[t - 1].sqrt() * (1 - a_bar[t - 2]) * xt) / (1 - a_bar[t - 1])
                expected = kl_divergence(Normal(q_mean, q_var.sqrt()), p).sum(-1)
                torch.testing.assert_close(terms.denoising[t - 2], expected)
    assert terms.per_step.shape == (7, 3)
    torch.testing.assert_close(terms.total, terms.per_step.sum(0))


@pytest.mark.parametrize("variance", ["posterior", "beta"])
@given(steps=st.integers(2, 40), end=st.floats(0.02, 0.5), seed=st.integers(0, 1000))
def test_every_term_is_the_weighted_noise_error_plus_a_constant(variance, steps, end, seed):
    schedule = schedule64(steps, min(1e-3, end), end)
    x0, model = data(b=4, seed=seed), random_model(seed % 7)
    eps = torch.randn(steps, 4, 2, generator=torch.Generator().manual_seed(seed), dtype=F64)
    terms = diffusion_elbo_terms(model, x0, schedule, variance=variance, eps=eps)
    weighted = weighted_noise_errors(model, x0, schedule, variance=variance, eps=eps)  # (T, B)
    constants = elbo_constants(schedule, 2, variance)[:, None]  # (T, 1)
    per_step = terms.per_step[:-1]  # L_0 .. L_{T-1}
    torch.testing.assert_close(per_step, weighted + constants, rtol=1e-7, atol=1e-7)


def test_weights_in_closed_form_and_posterior_constants_vanish():
    schedule = schedule64(10)
    b, a, a_bar = schedule.betas, schedule.alphas, schedule.alphas_bar
    beta_weights = noise_prediction_weights(schedule, "beta")
    torch.testing.assert_close(beta_weights, b / (2 * a * (1 - a_bar)))  # sigma^2 = beta cancels one beta
    torch.testing.assert_close(noise_prediction_weights(schedule)[0], 1 / (2 * a[0]))  # L_0's weight
    constants = elbo_constants(schedule, 3)
    torch.testing.assert_close(constants[1:], torch.zeros(9, dtype=F64), atol=1e-12, rtol=0)
    torch.testing.assert_close(constants[0], 1.5 * torch.log(2 * math.pi * b[0]))


def test_elbo_is_tight_for_standard_normal_data_with_the_exact_reverse_process():
    """x_0 ~ N(0, I) is stationary under the forward process, so its reverse steps are N(sqrt(alpha) x_t, beta):
    with eps* and sigma^2 = beta the model equals q, and the estimate is unbiased for -log p(x_0) of every x_0."""
    schedule = schedule64(25)
    denoiser = gaussian_data_denoiser(0.0, 1.0, schedule)
    x0 = data(b=3, d=2, seed=4)
    repeats = 4000
    x_rep = x0.repeat(repeats, 1)  # (R*3, 2)
    total = diffusion_elbo_terms(denoiser, x_rep, schedule, variance="beta",
                                 generator=torch.Generator().manual_seed(5)).total.reshape(repeats, 3)
    exact = -Normal(0.0, 1.0).log_prob(x0).sum(-1)  # (3,)
    standard_error = total.std(0) / math.sqrt(repeats)
    assert bool(((total.mean(0) - exact).abs() < 4 * standard_error + 1e-9).all())


def test_elbo_bounds_the_exact_nll_of_gaussian_data():
    schedule = schedule64(50)
    mean, variance = 1.0, 0.25
    x0 = mean + math.sqrt(variance) * data(b=4000, d=1, seed=6)
    exact = -Normal(mean, math.sqrt(variance)).log_prob(x0).sum(-1)
    for kind in ("posterior", "beta"):
        gap = diffusion_elbo_terms(gaussian_data_denoiser(mean, variance, schedule), x0, schedule, variance=kind,
                                   generator=torch.Generator().manual_seed(7)).total - exact
        assert gap.mean() > -4 * gap.std() / math.sqrt(gap.numel())  # -ELBO >= -log p(x) up to noise
    assert gap.mean() < 0.1  # sigma^2 = beta: nearly tight at T = 50


def test_gaussian_denoiser_error_matches_its_closed_form():
    """E||eps - eps*||^2 = d * a s^2 / (a s^2 + 1 - a): the conditional variance of eps given x_t."""
    schedule = schedule64(10)
    mean, variance, t = -0.5, 2.0, 4
    g = torch.Generator().manual_seed(8)
    x0 = mean + math.sqrt(variance) * torch.randn(200_000, 3, generator=g, dtype=F64)
    eps = torch.randn(x0.shape, generator=g, dtype=F64)
    a = schedule.alphas_bar[t - 1]
    xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
    errors = (eps - gaussian_data_denoiser(mean, variance, schedule)(xt, torch.full((200_000,), t))).pow(2).sum(-1)
    predicted = 3 * a * variance / (a * variance + 1 - a)
    assert abs(errors.mean() - predicted) < 4 * errors.std() / math.sqrt(errors.numel())


def test_bad_arguments_are_named():
    schedule, x0 = schedule64(5), data()
    with pytest.raises(ValueError, match="variance"):
        reverse_variances(schedule, "learned")
    with pytest.raises(ValueError, match="eps must hold"):
        diffusion_elbo_terms(random_model(), x0, schedule, eps=torch.zeros(4, 5, 2, dtype=F64))
    with pytest.raises(ValueError, match="variance > 0"):
        gaussian_data_denoiser(0.0, -1.0, schedule)
    with pytest.raises(TypeError, match="x0"):
        diffusion_elbo_terms(random_model(), [[1.0, 2.0]], schedule)
