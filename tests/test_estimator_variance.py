"""Tests of vaecourse.studies.estimator_variance against closed-form means and variances for a quadratic f."""

import math

import pytest
import torch

from vaecourse import pathwise_gradient, score_function_gradient
from vaecourse.studies.estimator_variance import gradient_variance_study

F64 = torch.float64
A = 1.0  # f(z) = (z - A)^2 in one dimension
MU, LOGVAR = 0.2, math.log(0.49)  # sigma = 0.7
SIGMA = math.exp(0.5 * LOGVAR)
C = MU - A
REPEATS = 4000


def f(z):
    return (z - A).pow(2).sum(dim=-1)


def exact_gradient():
    # E_q[(z - A)^2] = (mu - A)^2 + sigma^2 = (mu - A)^2 + e^s.
    return 2 * C, SIGMA**2


@pytest.fixture(scope="module")
def studies():
    mu, logvar = torch.tensor([MU], dtype=F64), torch.tensor([LOGVAR], dtype=F64)
    sizes = [1, 4, 16, 64]
    return {
        "pathwise": gradient_variance_study(pathwise_gradient, f, mu, logvar, sizes, num_repeats=REPEATS, seed=1),
        "score": gradient_variance_study(score_function_gradient, f, mu, logvar, sizes, num_repeats=REPEATS, seed=1),
    }


@pytest.mark.parametrize("name", ["pathwise", "score"])
def test_both_estimators_are_unbiased(studies, name):
    study = studies[name]
    grad_mu, grad_logvar = exact_gradient()
    assert bool(((study.mean_mu[:, 0] - grad_mu).abs() < 4.5 * study.standard_error_mu[:, 0]).all())
    assert bool(((study.mean_logvar[:, 0] - grad_logvar).abs() < 4.5 * study.standard_error_logvar[:, 0]).all())


def test_pathwise_variance_matches_its_closed_form(studies):
    # One pathwise term: d/dmu = 2(c + sigma eps), variance 4 sigma^2; d/ds = sigma eps c + sigma^2 eps^2,
    # variance sigma^2 c^2 + 2 sigma^4. An average of L terms divides both by L.
    study = studies["pathwise"]
    for size, var_mu, var_s in zip(study.sample_sizes, study.variance_mu, study.variance_logvar):
        # var_mu: Gaussian estimates, so the sample variance's relative sd is sqrt(2 / (R - 1)).
        assert var_mu.item() == pytest.approx(4 * SIGMA**2 / size, rel=5 * math.sqrt(2 / REPEATS))
        if size >= 16:  # by then the average is close enough to Gaussian for the same tolerance
            assert var_s.item() == pytest.approx((SIGMA**2 * C**2 + 2 * SIGMA**4) / size, rel=6 * math.sqrt(2 / REPEATS))


def test_score_function_variance_matches_its_closed_form_and_dwarfs_pathwise(studies):
    # One score term for mu: f(z) eps / sigma with f = (c + sigma eps)^2. Expanding,
    # E[f^2 eps^2] / sigma^2 = (c^4 + 18 c^2 sigma^2 + 15 sigma^4) / sigma^2, minus the squared mean (2c)^2.
    single = (C**4 + 18 * C**2 * SIGMA**2 + 15 * SIGMA**4) / SIGMA**2 - (2 * C) ** 2
    study = studies["score"]
    index = study.sample_sizes.index(64)  # averages of 64 heavy-tailed terms: near Gaussian
    assert study.variance_mu[index].item() == pytest.approx(single / 64, rel=0.15)
    ratio = studies["score"].variance_mu / studies["pathwise"].variance_mu
    assert bool((ratio > 0.5 * single / (4 * SIGMA**2)).all())


@pytest.mark.parametrize("name", ["pathwise", "score"])
def test_variance_falls_like_one_over_l(studies, name):
    assert studies[name].slope_mu == pytest.approx(-1.0, abs=0.1)
    assert studies[name].slope_logvar == pytest.approx(-1.0, abs=0.1)


def test_a_baseline_is_passed_through_and_cuts_the_variance():
    mu, logvar = torch.tensor([MU], dtype=F64), torch.tensor([LOGVAR], dtype=F64)
    plain = gradient_variance_study(score_function_gradient, f, mu, logvar, [8], num_repeats=2000, seed=2)
    expected_f = C**2 + SIGMA**2
    centred = gradient_variance_study(score_function_gradient, f, mu, logvar, [8], num_repeats=2000, seed=2,
                                      baseline=expected_f)
    assert centred.variance_mu.item() < 0.8 * plain.variance_mu.item()


def test_same_seed_gives_identical_studies():
    mu, logvar = torch.zeros(2, dtype=F64), torch.zeros(2, dtype=F64)
    a = gradient_variance_study(pathwise_gradient, f, mu, logvar, [1, 2], num_repeats=10, seed=3)
    b = gradient_variance_study(pathwise_gradient, f, mu, logvar, [1, 2], num_repeats=10, seed=3)
    assert torch.equal(a.variance_mu, b.variance_mu) and torch.equal(a.mean_logvar, b.mean_logvar)
    assert a.mean_mu.shape == (2, 2) and a.variance_mu.shape == (2,)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(sample_sizes=[4, 2]), ValueError),
        (dict(sample_sizes=[]), ValueError),
        (dict(sample_sizes=[0, 2]), ValueError),
        (dict(sample_sizes=[2], num_repeats=1), ValueError),
    ],
)
def test_bad_arguments_are_named(kwargs, error):
    arguments = dict(estimator=pathwise_gradient, f=f, mu=torch.zeros(1), logvar=torch.zeros(1), num_repeats=4) | kwargs
    with pytest.raises(error):
        gradient_variance_study(**arguments)
