"""ELBO, IWAE and importance-sampled evidence, checked on the exactly solvable linear-Gaussian model."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from vaecourse import (
    LinearGaussianModel,
    elbo_estimate,
    gaussian_kl,
    importance_log_weights,
    importance_sampled_log_likelihood,
    iwae_bound,
)


def lg_setup(data_dim=3, latent_dim=2, batch=4, seed=0):
    model = LinearGaussianModel.random(data_dim, latent_dim, noise_var=0.5, seed=seed)
    x, _ = model.sample(batch, seed=seed + 1)
    return model, x


def test_elbo_estimate_is_unbiased_for_the_exact_elbo():
    model, x = lg_setup()
    generator = torch.Generator().manual_seed(5)
    mu = torch.randn(4, 2, generator=generator, dtype=torch.float64)
    logvar = -torch.rand(4, 2, generator=generator, dtype=torch.float64)
    num_samples = 20_000
    eps = torch.randn(num_samples, 4, 2, generator=generator, dtype=torch.float64)
    terms = elbo_estimate(lambda z: model.log_likelihood(x, z), mu, logvar, num_samples=num_samples, eps=eps)
    assert terms.elbo.shape == (4,)
    per_sample = model.log_likelihood(x, mu + torch.exp(0.5 * logvar) * eps)  # (L, B)
    standard_error = per_sample.std(0) / math.sqrt(num_samples)
    error = (terms.elbo - model.elbo(x, mu, logvar)).abs()
    assert (error < 5 * standard_error).all()


def test_monte_carlo_kl_agrees_with_closed_form():
    generator = torch.Generator().manual_seed(2)
    mu = torch.randn(3, 2, generator=generator, dtype=torch.float64)
    logvar = torch.randn(3, 2, generator=generator, dtype=torch.float64) * 0.5
    eps = torch.randn(50_000, 3, 2, generator=generator, dtype=torch.float64)
    zero_ll = lambda z: torch.zeros(z.shape[:-1], dtype=z.dtype)  # noqa: E731
    mc = elbo_estimate(zero_ll, mu, logvar, num_samples=50_000, eps=eps, analytic_kl=False)
    torch.testing.assert_close(mc.kl, gaussian_kl(mu, logvar), atol=0.03, rtol=0.02)


def test_beta_changes_the_objective_not_the_bound():
    model, x = lg_setup()
    mu, logvar = torch.zeros(4, 2, dtype=torch.float64), torch.zeros(4, 2, dtype=torch.float64)
    eps = torch.randn(3, 4, 2, dtype=torch.float64)
    one = elbo_estimate(lambda z: model.log_likelihood(x, z), mu + 1, logvar, num_samples=3, eps=eps)
    four = elbo_estimate(lambda z: model.log_likelihood(x, z), mu + 1, logvar, num_samples=3, eps=eps, beta=4.0)
    torch.testing.assert_close(one.elbo, four.elbo)
    torch.testing.assert_close(four.objective, four.reconstruction - 4.0 * four.kl)
    assert four.loss().item() == pytest.approx(-four.objective.mean().item())


def test_elbo_validates_the_likelihood_shape():
    with pytest.raises(ValueError, match=r"shape \(L, B\) = \(1, 2\).*got \(1, 2, 3\)"):
        elbo_estimate(lambda z: z, torch.zeros(2, 3), torch.zeros(2, 3))


@pytest.mark.parametrize("num_samples", [0, -1])
def test_elbo_rejects_nonpositive_sample_count(num_samples):
    with pytest.raises(ValueError, match="num_samples must be an int >= 1"):
        elbo_estimate(lambda z: z.sum(-1), torch.zeros(2, 3), torch.zeros(2, 3), num_samples=num_samples)


def test_iwae_is_stable_for_log_weights_in_the_thousands():
    log_weights = torch.tensor([[-1000.0, -1001.0, -1002.0], [1000.0, 999.0, 998.0]], dtype=torch.float64)
    bound = iwae_bound(log_weights)
    offsets = math.log(1 + math.exp(-1) + math.exp(-2)) - math.log(3)
    torch.testing.assert_close(bound, torch.tensor([-1000.0 + offsets, 1000.0 + offsets], dtype=torch.float64))


def test_iwae_with_one_sample_is_the_elbo_sample():
    log_weights = torch.randn(5, 1)
    torch.testing.assert_close(iwae_bound(log_weights), log_weights[:, 0])


def test_iwae_rises_with_k_in_expectation_towards_log_evidence():
    # Average over many independent repeats so the ordering holds far beyond Monte Carlo error.
    model, x = lg_setup(batch=1)
    mu, logvar = torch.zeros(1, 2, dtype=torch.float64), torch.zeros(1, 2, dtype=torch.float64)  # prior as proposal
    generator = torch.Generator().manual_seed(7)
    repeats, means = 4000, []
    for k in (1, 5, 50):
        eps = torch.randn(k, repeats, 2, generator=generator, dtype=torch.float64)
        log_w = importance_log_weights(lambda z: model.log_likelihood(x, z), mu.expand(repeats, 2), logvar.expand(repeats, 2), eps)
        means.append(iwae_bound(log_w).mean().item())
    exact = model.log_evidence(x).item()
    assert means[0] < means[1] < means[2] < exact + 1e-3


@given(st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=3), st.integers(0, 10_000))
def test_importance_sampling_is_exact_with_the_true_posterior(data_dim, batch, seed):
    # With one latent the exact posterior is a diagonal Gaussian: every log-weight equals log p(x).
    model = LinearGaussianModel.random(data_dim, 1, noise_var=0.3, seed=seed)
    x, _ = model.sample(batch, seed=seed + 1)
    mean, covariance = model.posterior(x)
    logvar = torch.log(covariance).expand_as(mean)
    estimate = importance_sampled_log_likelihood(lambda z: model.log_likelihood(x, z), mean, logvar, k=7)
    torch.testing.assert_close(estimate, model.log_evidence(x))


def test_chunked_estimate_equals_unchunked():
    model, x = lg_setup()
    mu, logvar = torch.zeros(4, 2, dtype=torch.float64), torch.zeros(4, 2, dtype=torch.float64)
    eps = torch.randn(100, 4, 2, dtype=torch.float64)
    ll = lambda z: model.log_likelihood(x, z)  # noqa: E731
    torch.testing.assert_close(
        importance_sampled_log_likelihood(ll, mu, logvar, k=100, eps=eps),
        importance_sampled_log_likelihood(ll, mu, logvar, k=100, eps=eps, chunk_size=30),
    )


@pytest.mark.parametrize(
    "value, error, words",
    [
        ([1.0, 2.0], TypeError, ["log_weights", "torch.Tensor", "list"]),
        (torch.zeros(3, 0), ValueError, ["K >= 1", "(3, 0)"]),
        (torch.tensor(1.0), ValueError, ["log_weights", "at least 1 dimension"]),
        (torch.tensor([1.0, float("nan")]), ValueError, ["log_weights", "finite"]),
        (torch.tensor([1, 2]), TypeError, ["floating", "int64"]),
    ],
)
def test_iwae_bad_input(value, error, words):
    with pytest.raises(error) as info:
        iwae_bound(value)
    for word in words:
        assert word in str(info.value)


def test_importance_estimate_rejects_k_zero():
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        importance_sampled_log_likelihood(lambda z: z.sum(-1), torch.zeros(1, 2), torch.zeros(1, 2), k=0)
