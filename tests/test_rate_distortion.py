"""Tests of vaecourse.studies.rate_distortion: the Gaussian-source optimum, a trained sweep against it, traversals."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from vaecourse.data import load_digits
from vaecourse.models import VAE, VAEConfig
from vaecourse.studies.rate_distortion import beta_sweep, gaussian_rate_distortion, latent_traversal

torch.set_num_threads(1)


@given(beta=st.floats(0.01, 100.0), noise=st.floats(0.01, 2.0),
       variances=st.lists(st.floats(0.05, 10.0), min_size=1, max_size=5))
def test_closed_form_is_the_minimum_of_the_linear_gaussian_objective(beta, noise, variances):
    """Oracle: for each dimension minimise D/(2 sigma^2) + beta * R over the linear solutions
    D = s^2 (1 - rho), R = -log(1 - rho)/2, rho in [0, 1), on a fine grid."""
    rate, error, used = gaussian_rate_distortion(beta, variances, noise)
    rho = torch.linspace(0, 1 - 1e-6, 200_001, dtype=torch.float64)
    best = 0.0
    for s2 in variances:
        objective = s2 * (1 - rho) / (2 * noise) - beta * 0.5 * torch.log1p(-rho)
        best += objective.min().item()
    assert error / (2 * noise) + beta * rate == pytest.approx(best, rel=1e-6, abs=1e-6)
    assert used == sum(s2 > beta * noise for s2 in variances)


def test_collapse_is_optimal_above_the_threshold_beta():
    rate, error, used = gaussian_rate_distortion(4.0, [1.0, 0.5], noise_variance=0.25)  # beta sigma^2 = 1 >= s^2
    assert (rate, used) == (0.0, 0) and error == pytest.approx(1.5)


def test_trained_vae_reaches_the_gaussian_source_optimum():
    """A small MLP VAE with a fixed-variance Gaussian decoder on x ~ N(0, diag(4, 1, 0.25)) finds the
    water-filling solution: the right number of used dimensions, the optimal rate within 12%, and a
    beta-objective no better than the optimum and within 15% of it."""
    g = torch.Generator().manual_seed(0)
    variances = torch.tensor([4.0, 1.0, 0.25])
    x = torch.randn(2500, 3, generator=g) * variances.sqrt()
    noise = 0.05
    config = VAEConfig(data_dim=3, latent_dim=3, hidden_dims=(32,), likelihood="gaussian", decoder_logvar=math.log(noise))
    for point in beta_sweep((x[:2000], x[2000:]), [2.0, 8.0, 40.0], model_config=config, epochs=20, batch_size=100, lr=3e-3):
        rate, error, used = gaussian_rate_distortion(point.beta, variances.tolist(), noise)
        assert point.active_units == used
        assert abs(point.rate - rate) < 0.12 * rate + 0.05
        optimum = error / (2 * noise) + 1.5 * math.log(2 * math.pi * noise) + point.beta * rate  # D + beta R
        trained = point.distortion + point.beta * point.rate
        # nothing beats the optimum (up to the 500 test points' sampling error), and training gets close to it
        assert 0.9 * optimum < trained < 1.15 * optimum


def test_rate_falls_and_distortion_rises_with_beta_on_digits():
    data = load_digits()
    config = VAEConfig(latent_dim=4, hidden_dims=(64,))
    points = beta_sweep((data.x_train[:600], data.x_test), [0.25, 1.0, 4.0], model_config=config, epochs=8,
                        batch_size=100, lr=3e-3)
    rates = [p.rate for p in points]
    distortions = [p.distortion for p in points]
    assert rates[0] > rates[1] + 1.0 and rates[1] > rates[2] + 1.0  # margins of a nat: far beyond seed noise
    assert distortions[0] + 1.0 < distortions[1] and distortions[1] + 1.0 < distortions[2]
    assert points[0].active_units >= points[2].active_units
    assert points[1].elbo == pytest.approx(-(rates[1] + distortions[1]))


def test_traversal_moves_one_coordinate_per_row():
    model = VAE(VAEConfig(latent_dim=3, hidden_dims=(8,)), seed=0)
    images = latent_traversal(model, dims=[0, 2], values=[-1.0, 0.0, 1.0])
    assert images.shape == (2, 3, 64)
    base = torch.zeros(3)
    for row, d in enumerate([0, 2]):
        for col, v in enumerate([-1.0, 0.0, 1.0]):
            z = base.clone()
            z[d] = v
            torch.testing.assert_close(images[row, col], model.decoder_mean(z[None])[0])
    with pytest.raises(ValueError, match="dims"):
        latent_traversal(model, dims=[3], values=[0.0])
    with pytest.raises(ValueError, match="base"):
        latent_traversal(model, dims=[0], values=[0.0], base=torch.zeros(2))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="beta > 0"):
        gaussian_rate_distortion(0.0, [1.0], 1.0)
    with pytest.raises(ValueError, match="data variances"):
        gaussian_rate_distortion(1.0, [1.0, -1.0], 1.0)
    with pytest.raises(TypeError, match="beta"):
        beta_sweep((torch.zeros(4, 64), torch.zeros(4, 64)), ["big"])
