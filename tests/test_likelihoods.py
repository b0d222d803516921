"""Decoder log-likelihoods against torch.distributions, including the numerically hard cases."""

import math

import pytest
import torch
from torch.distributions import Bernoulli, Independent, Normal

from vaecourse import bernoulli_log_likelihood, gaussian_log_likelihood, standard_normal_log_density


def test_bernoulli_matches_torch(generator):
    logits = 3 * torch.randn(5, 8, generator=generator, dtype=torch.float64)
    x = (torch.rand(5, 8, generator=generator) > 0.5).double()
    expected = Independent(Bernoulli(logits=logits), 1).log_prob(x)
    torch.testing.assert_close(bernoulli_log_likelihood(logits, x), expected)


def test_bernoulli_is_finite_at_extreme_logits_and_exact_targets():
    logits = torch.tensor([[100.0, -100.0, 100.0, -100.0]])
    x = torch.tensor([[1.0, 0.0, 0.0, 1.0]])
    value = bernoulli_log_likelihood(logits, x)
    assert torch.isfinite(value).all()
    # Two confident right answers cost ~0; two confident wrong answers cost 100 nats each.
    assert value.item() == pytest.approx(-200.0, abs=1e-6)


def test_bernoulli_image_event_dims_and_sample_broadcast():
    logits = torch.zeros(3, 2, 1, 4, 4)  # (L, B, C, H, W)
    x = torch.ones(2, 1, 4, 4)
    value = bernoulli_log_likelihood(logits, x, event_dims=3)
    assert value.shape == (3, 2)
    torch.testing.assert_close(value, torch.full((3, 2), 16 * math.log(0.5)))


def test_bernoulli_rejects_data_outside_unit_interval():
    with pytest.raises(ValueError, match=r"x \(shape \(1, 2\)\) must lie in \[0, 1\].*255"):
        bernoulli_log_likelihood(torch.zeros(1, 2), torch.tensor([[0.0, 255.0]]))


def test_gaussian_matches_torch(generator):
    x = torch.randn(4, 6, generator=generator, dtype=torch.float64)
    mean = torch.randn(4, 6, generator=generator, dtype=torch.float64)
    logvar = torch.randn(6, generator=generator, dtype=torch.float64)
    expected = Independent(Normal(mean, torch.exp(0.5 * logvar)), 1).log_prob(x)
    torch.testing.assert_close(gaussian_log_likelihood(x, mean, logvar), expected)


def test_gaussian_fixed_variance_is_scaled_squared_error():
    # The seed's hard practice problem: log p = -d/2 log(2 pi s2) - ||x - m||^2 / (2 s2).
    x = torch.tensor([[1.0, 2.0, 3.0]], dtype=torch.float64)
    mean = torch.tensor([[0.0, 2.0, 5.0]], dtype=torch.float64)
    variance = 0.5
    value = gaussian_log_likelihood(x, mean, math.log(variance)).item()
    assert value == pytest.approx(-1.5 * math.log(2 * math.pi * variance) - 5.0 / (2 * variance))


def test_gaussian_scalar_logvar_broadcasts_to_x():
    value = gaussian_log_likelihood(torch.zeros(2, 3), torch.zeros(3), 0.0)
    assert value.shape == (2,)


def test_standard_normal_density_matches_torch(generator):
    z = torch.randn(3, 4, generator=generator, dtype=torch.float64)
    torch.testing.assert_close(standard_normal_log_density(z), Normal(0.0, 1.0).log_prob(z).sum(-1))


def test_gaussian_rejects_bad_logvar_type():
    with pytest.raises(TypeError, match="logvar"):
        gaussian_log_likelihood(torch.zeros(1, 2), torch.zeros(1, 2), "zero")
