"""Tests of vaecourse.studies.convergence: measured Monte Carlo error against the sigma/sqrt(n) law."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from vaecourse.studies.convergence import ConvergenceStudy, error_vs_sample_size, log_log_slope

SIGMA = 2.0
REPEATS = 400


def normal_draws(n, generator):
    return 1.0 + SIGMA * torch.randn(n, generator=generator, dtype=torch.float64)


@given(
    exponent=st.floats(-3.0, 3.0),
    scale=st.floats(0.01, 100.0),
)
@settings(max_examples=50, deadline=None)
def test_log_log_slope_recovers_the_exponent_of_a_power_law(exponent, scale):
    xs = [1.0, 10.0, 100.0, 1000.0]
    ys = [scale * x**exponent for x in xs]
    assert log_log_slope(xs, ys) == pytest.approx(exponent, abs=1e-9)


@pytest.mark.parametrize(
    "xs, ys",
    [([1.0], [1.0]), ([1.0, 2.0], [1.0]), ([1.0, 2.0], [0.0, 1.0]), ([2.0, 2.0], [1.0, 3.0])],
)
def test_log_log_slope_rejects_unusable_points(xs, ys):
    with pytest.raises(ValueError):
        log_log_slope(xs, ys)


@pytest.fixture(scope="module")
def study() -> ConvergenceStudy:
    return error_vs_sample_size(normal_draws, truth=1.0, sample_sizes=[10, 100, 1000], num_repeats=REPEATS, seed=3)


def test_rmse_matches_sigma_over_sqrt_n(study):
    # n (mean - truth)^2 / sigma^2 is chi-square(1): mean 1, sd sqrt(2); the average of R has sd sqrt(2/R).
    for n, rmse in zip(study.sample_sizes, study.rmse):
        ratio = n * rmse**2 / SIGMA**2
        assert abs(ratio - 1.0) < 4 * math.sqrt(2 / REPEATS)


def test_slope_is_minus_one_half(study):
    # Each log-RMSE has sd about 0.5 * sqrt(2 / R) = 0.035; over a log-range of 4.6 the slope's error is < 0.03.
    assert study.slope == pytest.approx(-0.5, abs=0.07)


def test_reported_error_bars_are_honest(study):
    for n, se, coverage in zip(study.sample_sizes, study.mean_standard_error, study.coverage):
        # E[s] for a normal sample is within 3% of sigma for n >= 10.
        assert se == pytest.approx(SIGMA / math.sqrt(n), rel=0.05)
        # Binomial(R, ~0.95) standard error; n = 10 uses the normal quantile with a t(9) spread, so allow more there.
        slack = 4 * math.sqrt(0.95 * 0.05 / REPEATS) + (0.03 if n < 30 else 0.0)
        assert abs(coverage - 0.95) < slack


def test_same_seed_same_study():
    first = error_vs_sample_size(normal_draws, 1.0, [5, 50], num_repeats=20, seed=7)
    second = error_vs_sample_size(normal_draws, 1.0, [5, 50], num_repeats=20, seed=7)
    assert first == second


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(sample_sizes=[100, 10]), ValueError),
        (dict(sample_sizes=[1, 10]), ValueError),
        (dict(sample_sizes=[]), ValueError),
        (dict(sample_sizes=[10], num_repeats=1), ValueError),
        (dict(sample_sizes=[10], truth=float("nan")), ValueError),
        (dict(sample_sizes=[10], num_repeats=2.5), TypeError),
    ],
)
def test_bad_arguments_are_named(kwargs, error):
    arguments = dict(draw=normal_draws, truth=1.0, num_repeats=10) | kwargs
    with pytest.raises(error):
        error_vs_sample_size(**arguments)


def test_draw_with_the_wrong_shape_is_reported():
    with pytest.raises(ValueError, match="must return shape"):
        error_vs_sample_size(lambda n, g: torch.randn(n, 2, generator=g), 0.0, [10], num_repeats=5)
