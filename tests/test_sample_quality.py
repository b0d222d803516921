"""Tests of vaecourse.studies.sample_quality: the energy distance's 1-D identity and unbiasedness, and mode coverage counts."""

import math

import pytest
import torch

from vaecourse.studies.sample_quality import energy_distance, mode_coverage
from vaecourse.data.toy2d import gaussian_mixture

torch.set_num_threads(1)
F64 = torch.float64


def cramer_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    """2 * integral (F_x - F_y)^2 dx from the two empirical CDFs (V-statistic form), the 1-D oracle."""
    points = torch.cat([x, y]).flatten().sort().values
    f_x = (x.flatten()[None, :] <= points[:-1, None]).to(F64).mean(1)
    f_y = (y.flatten()[None, :] <= points[:-1, None]).to(F64).mean(1)
    return float(2 * ((f_x - f_y).pow(2) * points.diff()).sum())


def test_one_dimensional_energy_distance_is_twice_the_cramer_distance():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(300, 1, generator=g, dtype=F64), 0.5 + 2 * torch.randn(200, 1, generator=g, dtype=F64)
    n, m = 300, 200
    # energy_distance is the U-statistic; rescale its within-sample terms to the V-statistic the CDFs give
    cross = torch.cdist(x, y).mean()
    within_x, within_y = torch.cdist(x, x).sum() / n**2, torch.cdist(y, y).sum() / m**2
    v_statistic = float(2 * cross - within_x - within_y)
    assert v_statistic == pytest.approx(cramer_distance(x, y), rel=1e-9)
    u_statistic = float(2 * cross - torch.cdist(x, x).sum() / (n * (n - 1)) - torch.cdist(y, y).sum() / (m * (m - 1)))
    assert energy_distance(x, y) == pytest.approx(u_statistic, rel=1e-12)


def test_energy_distance_between_two_gaussians_matches_its_closed_form():
    """For N(0, 1) vs N(d, 1): E|X-Y| = 2 phi(d/sqrt2) sqrt2 + d (2 Phi(d/sqrt2) - 1), E|X-X'| = 2/sqrt(pi)."""
    d = 1.0
    s = math.sqrt(2.0)
    normal = torch.distributions.Normal(0.0, 1.0)
    cross = s * 2 * math.exp(-0.5 * (d / s) ** 2) / math.sqrt(2 * math.pi) + d * (2 * normal.cdf(torch.tensor(d / s)).item() - 1)
    expected = 2 * cross - 2 * (2 / math.sqrt(math.pi))
    estimates = []
    for seed in range(20):
        g = torch.Generator().manual_seed(seed)
        estimates.append(energy_distance(torch.randn(400, 1, generator=g, dtype=F64),
                                         d + torch.randn(400, 1, generator=g, dtype=F64)))
    mean = sum(estimates) / 20
    se = (sum((e - mean) ** 2 for e in estimates) / 19 / 20) ** 0.5
    assert abs(mean - expected) < 4 * se


def test_energy_distance_of_one_law_scatters_around_zero_and_separates_different_laws():
    same = [energy_distance(gaussian_mixture(1000, seed=2 * k), gaussian_mixture(1000, seed=2 * k + 1)) for k in range(10)]
    mean = sum(same) / 10
    sd = (sum((e - mean) ** 2 for e in same) / 9) ** 0.5
    assert abs(mean) < 4 * sd / math.sqrt(10)
    blurred = gaussian_mixture(1000, seed=99, std=0.5)  # the same modes, five times wider
    assert energy_distance(gaussian_mixture(1000, seed=98), blurred) > mean + 6 * sd


def test_mode_coverage_counts_known_points():
    centres = torch.tensor([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    points = torch.tensor([[0.1, 0.0], [4.9, 0.1], [5.2, 0.0], [2.5, 2.5], [0.0, 0.05]])
    coverage = mode_coverage(points, centres, radius=0.5)
    assert coverage.counts.tolist() == [2, 2, 0]
    assert coverage.near == pytest.approx(0.8) and coverage.modes_hit == 2
    torch.testing.assert_close(coverage.shares, torch.tensor([0.5, 0.5, 0.0]))


def test_mode_coverage_of_the_data_itself_is_balanced():
    k, std = 8, 0.1
    points = gaussian_mixture(8000, num_components=k, std=std, seed=3)
    angles = 2 * math.pi * torch.arange(k) / k
    centres = 2.0 * torch.stack([angles.cos(), angles.sin()], dim=1)
    coverage = mode_coverage(points, centres, radius=3 * std)
    assert coverage.near > 0.98  # P(chi^2_2 < 9) = 1 - exp(-4.5) = 0.989
    expected = 8000 * (1 - math.exp(-4.5)) / k
    assert bool(((coverage.counts.float() - expected).abs() < 5 * math.sqrt(expected)).all())


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="radius"):
        mode_coverage(torch.zeros(3, 2), torch.zeros(2, 2), 0.0)
    with pytest.raises(ValueError, match="last dimension"):
        mode_coverage(torch.zeros(3, 2), torch.zeros(2, 3), 1.0)
    with pytest.raises(ValueError, match="N, M >= 2"):
        energy_distance(torch.zeros(1, 2), torch.zeros(5, 2))
