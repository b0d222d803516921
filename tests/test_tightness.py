"""Tests of vaecourse.studies.tightness: log p(x) = ELBO + KL(q || p(z|x)) along a path of q's."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from vaecourse import (
    LinearGaussianModel,
    diagonal_gaussian_log_density,
    elbo_estimate,
    monte_carlo_estimate,
    standard_normal_log_density,
)
from vaecourse.studies.tightness import path_to_posterior

F64 = torch.float64


def one_dim_model():
    return LinearGaussianModel(torch.tensor([[1.5]], dtype=F64), torch.tensor([0.3], dtype=F64), 0.5)


def test_one_latent_dimension_closes_the_gap_exactly():
    model = one_dim_model()
    path = path_to_posterior(model, torch.tensor([2.0], dtype=F64), torch.zeros(1, dtype=F64), torch.zeros(1, dtype=F64))
    assert path.identity_error < 1e-12
    assert path.kl_to_posterior[-1].item() == pytest.approx(0.0, abs=1e-12)
    assert path.elbo[-1].item() == pytest.approx(path.log_evidence, abs=1e-12)
    assert path.kl_to_posterior[0].item() > 0


def test_log_evidence_matches_quadrature_of_the_joint():
    # An oracle independent of the model's closed forms: p(x) = integral of p(x|z) p(z) dz on a grid.
    model = one_dim_model()
    x = torch.tensor([2.0], dtype=F64)
    grid = torch.linspace(-12, 12, 20001, dtype=F64)
    joint = model.log_joint(x.unsqueeze(0), grid.reshape(-1, 1, 1)).exp().squeeze(-1)  # (G,)
    path = path_to_posterior(model, x, torch.zeros(1, dtype=F64), torch.zeros(1, dtype=F64), num_points=2)
    assert path.log_evidence == pytest.approx(math.log(torch.trapezoid(joint, grid).item()), abs=1e-9)


def test_path_elbo_matches_a_monte_carlo_estimate():
    model = one_dim_model()
    x = torch.tensor([[2.0]], dtype=F64)
    path = path_to_posterior(model, x, torch.tensor([-1.0], dtype=F64), torch.tensor([1.0], dtype=F64), num_points=3)
    mu, logvar = path.mu[1:2], path.logvar[1:2]  # the middle q, shape (1, 1)
    eps = torch.randn(20000, 1, 1, generator=torch.Generator().manual_seed(0), dtype=F64)
    terms = elbo_estimate(lambda z: model.log_likelihood(x, z), mu, logvar, 20000, eps=eps, analytic_kl=False)
    # Recompute per-sample values to get a standard error for the MC estimate.
    z = mu + torch.exp(0.5 * logvar) * eps  # (L, 1, 1)
    values = model.log_likelihood(x, z) + standard_normal_log_density(z) - diagonal_gaussian_log_density(z, mu, logvar)
    estimate = monte_carlo_estimate(values[:, 0])
    assert terms.elbo.item() == pytest.approx(estimate.mean, abs=1e-9)
    assert abs(estimate.mean - path.elbo[1].item()) < 4 * estimate.standard_error


@given(
    seed=st.integers(0, 10_000),
    latent_dim=st.integers(1, 3),
    mu0=st.floats(-3, 3),
    s0=st.floats(-3, 3),
)
@settings(max_examples=30, deadline=None)
def test_identity_holds_and_gap_never_grows_along_the_path(seed, latent_dim, mu0, s0):
    model = LinearGaussianModel.random(4, latent_dim, noise_var=0.7, seed=seed)
    x, _ = model.sample(1, seed=seed + 1)
    mu_start = torch.full((latent_dim,), mu0, dtype=F64)
    logvar_start = torch.full((latent_dim,), s0, dtype=F64)
    path = path_to_posterior(model, x, mu_start, logvar_start, num_points=21)
    assert path.identity_error < 1e-9
    assert bool((path.kl_to_posterior >= -1e-12).all())
    assert bool((path.elbo <= path.log_evidence + 1e-12).all())
    # KL(q || posterior) is convex in (mu, s) and the path ends at its minimiser over diagonal q,
    # so along the straight path it can only fall.
    assert bool((path.kl_to_posterior.diff() <= 1e-10).all())


def test_correlated_posterior_leaves_the_approximation_gap():
    model = LinearGaussianModel.random(5, 2, noise_var=0.5, seed=4)
    x, _ = model.sample(1, seed=5)
    path = path_to_posterior(model, x, torch.zeros(2, dtype=F64), torch.zeros(2, dtype=F64))
    mu, logvar = model.best_diagonal_q(x)
    assert path.kl_to_posterior[-1].item() == pytest.approx(model.kl_to_posterior(x, mu, logvar).item(), abs=1e-12)
    assert path.kl_to_posterior[-1].item() > 1e-4


@pytest.mark.parametrize(
    "x, mu_start, message",
    [
        (torch.zeros(2, 1, dtype=F64), torch.zeros(1, dtype=F64), "one data point"),
        (torch.zeros(1, dtype=F64), torch.zeros(2, dtype=F64), "mu_start must have shape"),
        (torch.zeros(1, dtype=F64), torch.tensor([float("nan")], dtype=F64), "finite"),
    ],
)
def test_bad_arguments_are_named(x, mu_start, message):
    with pytest.raises(ValueError, match=message):
        path_to_posterior(one_dim_model(), x, mu_start, torch.zeros(1, dtype=F64))
