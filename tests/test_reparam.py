"""The reparameterized sample: distribution, gradients and argument checks."""

import math

import pytest
import torch
from torch.distributions import Normal

from vaecourse import reparameterize


def test_with_given_eps_matches_normal_rsample():
    mu = torch.tensor([[0.5, -1.0]], dtype=torch.float64)
    logvar = torch.tensor([[0.2, -3.0]], dtype=torch.float64)
    torch.manual_seed(0)
    expected = Normal(mu, torch.exp(0.5 * logvar)).rsample()
    torch.manual_seed(0)
    eps = torch.randn_like(mu)
    torch.testing.assert_close(reparameterize(mu, logvar, eps), expected)


def test_gradients_flow_to_mu_and_logvar():
    mu = torch.tensor([1.0, 2.0], requires_grad=True)
    logvar = torch.tensor([0.0, math.log(4.0)], requires_grad=True)
    eps = torch.tensor([0.5, -1.0])
    reparameterize(mu, logvar, eps).sum().backward()
    torch.testing.assert_close(mu.grad, torch.ones(2))
    # dz/ds = 0.5 * sigma * eps
    torch.testing.assert_close(logvar.grad, 0.5 * torch.tensor([1.0, 2.0]) * eps)


def test_leading_sample_dimension_from_eps():
    mu, logvar = torch.zeros(4, 3), torch.zeros(4, 3)
    assert reparameterize(mu, logvar, torch.randn(10, 4, 3)).shape == (10, 4, 3)


def test_moments_of_drawn_samples():
    # Seeded Monte Carlo check: tolerances are 5 standard errors of the mean and variance.
    torch.manual_seed(3)
    n = 200_000
    mu = torch.full((n, 1), 1.5, dtype=torch.float64)
    logvar = torch.full((n, 1), math.log(0.25), dtype=torch.float64)
    z = reparameterize(mu, logvar).squeeze(1)
    std_error_mean = 0.5 / math.sqrt(n)
    std_error_var = 0.25 * math.sqrt(2 / (n - 1))
    assert abs(z.mean().item() - 1.5) < 5 * std_error_mean
    assert abs(z.var().item() - 0.25) < 5 * std_error_var


def test_noise_follows_device_and_dtype():
    z = reparameterize(torch.zeros(2, 3, dtype=torch.float64), torch.zeros(2, 3, dtype=torch.float64))
    assert z.dtype == torch.float64 and z.shape == (2, 3)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(mu=[0.0], logvar=torch.zeros(1)), TypeError, ["mu", "torch.Tensor"]),
        (dict(mu=torch.zeros(2), logvar=torch.zeros(3)), ValueError, ["do not broadcast", "(2,)", "(3,)"]),
        (dict(mu=torch.zeros(2), logvar=torch.zeros(2), eps=torch.zeros(5)), ValueError, ["eps", "(5,)"]),
        (dict(mu=torch.zeros(2), logvar=torch.zeros(2), eps=torch.tensor([0.0, float("nan")])), ValueError, ["eps", "finite"]),
    ],
)
def test_bad_input(kwargs, error, words):
    with pytest.raises(error) as info:
        reparameterize(**kwargs)
    for word in words:
        assert word in str(info.value)
