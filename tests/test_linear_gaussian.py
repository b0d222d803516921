"""The linear-Gaussian model: exact evidence and posterior, and the ELBO + KL identity."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from vaecourse import LinearGaussianModel


@given(
    st.integers(1, 5), st.integers(1, 4), st.floats(0.05, 3.0), st.integers(0, 10_000),
    st.floats(-2, 2), st.floats(-3, 1),
)
def test_log_evidence_is_elbo_plus_kl_to_posterior(data_dim, latent_dim, noise_var, seed, shift, log_scale):
    model = LinearGaussianModel.random(data_dim, latent_dim, noise_var=noise_var, seed=seed)
    x, _ = model.sample(3, seed=seed + 1)
    mu = torch.full((3, latent_dim), shift, dtype=torch.float64)
    logvar = torch.full((3, latent_dim), log_scale, dtype=torch.float64)
    identity = model.elbo(x, mu, logvar) + model.kl_to_posterior(x, mu, logvar)
    torch.testing.assert_close(identity, model.log_evidence(x), rtol=1e-9, atol=1e-9)
    assert (model.kl_to_posterior(x, mu, logvar) >= -1e-10).all()


def test_posterior_matches_bayes_rule_on_a_grid():
    # One latent, one observation: normalise p(x|z)p(z) numerically and compare moments.
    model = LinearGaussianModel(torch.tensor([[2.0]], dtype=torch.float64), torch.tensor([0.5], dtype=torch.float64), 0.7)
    x = torch.tensor([[1.3]], dtype=torch.float64)
    grid = torch.linspace(-8, 8, 200_001, dtype=torch.float64)
    log_joint = model.log_joint(x, grid.view(-1, 1, 1)).squeeze(-1)  # (G,)
    step = grid[1] - grid[0]
    evidence = torch.logsumexp(log_joint, 0) + torch.log(step)
    weights = torch.softmax(log_joint, 0)
    mean = (weights * grid).sum()
    variance = (weights * (grid - mean) ** 2).sum()
    post_mean, post_cov = model.posterior(x)
    assert evidence.item() == pytest.approx(model.log_evidence(x).item(), abs=1e-8)
    assert mean.item() == pytest.approx(post_mean.item(), abs=1e-8)
    assert variance.item() == pytest.approx(post_cov.item(), abs=1e-8)


def test_best_diagonal_q_maximises_the_elbo():
    model = LinearGaussianModel.random(4, 3, noise_var=0.4, seed=2)
    x, _ = model.sample(2, seed=3)
    mu, logvar = model.best_diagonal_q(x)
    best = model.elbo(x, mu, logvar)
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        nudged = model.elbo(
            x,
            mu + 0.05 * torch.randn(mu.shape, generator=generator, dtype=torch.float64),
            logvar + 0.05 * torch.randn(logvar.shape, generator=generator, dtype=torch.float64),
        )
        assert (nudged <= best + 1e-12).all()


def test_sampling_reproduces_marginal_covariance():
    model = LinearGaussianModel.random(2, 1, noise_var=0.5, seed=4)
    x, _ = model.sample(100_000, seed=0)
    empirical = torch.cov(x.T)
    # Each covariance entry has standard error about sqrt((C_ii C_jj + C_ij^2)/n) < 0.05 here.
    torch.testing.assert_close(empirical, model.marginal_covariance(), atol=0.05, rtol=0.0)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(weight=torch.zeros(2, 1, dtype=torch.float64), bias=torch.zeros(3, dtype=torch.float64), noise_var=1.0), ["(2, 1)", "(3,)"]),
        (dict(weight=torch.zeros(2, 1), bias=torch.zeros(2), noise_var=0.0), ["noise_var", "> 0"]),
    ],
)
def test_bad_parameters(kwargs, words):
    with pytest.raises(ValueError) as info:
        LinearGaussianModel(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_x_of_wrong_width_is_named():
    model = LinearGaussianModel.random(3, 1)
    with pytest.raises(ValueError, match=r"x must have last dimension d = 3, got shape \(2, 4\)"):
        model.log_evidence(torch.zeros(2, 4, dtype=torch.float64))
