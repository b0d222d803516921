"""Monte Carlo estimates: the standard error is right and the interval covers the truth."""

import math

import pytest
import torch

from vaecourse import monte_carlo_estimate


def test_mean_and_standard_error_of_known_values():
    estimate = monte_carlo_estimate(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert estimate.mean == pytest.approx(2.5)
    assert estimate.standard_error == pytest.approx(math.sqrt(5 / 3) / 2)
    assert estimate.num_samples == 4


def test_interval_covers_the_truth_about_95_percent_of_the_time():
    generator = torch.Generator().manual_seed(0)
    draws = torch.randn(2000, 100, generator=generator) * 2 + 1
    covered = sum(lo <= 1 <= hi for lo, hi in (monte_carlo_estimate(row).interval for row in draws))
    # Binomial(2000, 0.95) has standard deviation ~9.7: allow 4 of them.
    assert abs(covered - 1900) < 40


@pytest.mark.parametrize("values", [torch.tensor([1.0]), torch.zeros(2, 2), torch.tensor([1.0, float("inf")])])
def test_bad_input(values):
    with pytest.raises(ValueError, match="values"):
        monte_carlo_estimate(values)
