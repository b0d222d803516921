"""Closed-form Gaussian KL against torch.distributions, the seed's numbers and its properties."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.distributions import Independent, Normal, kl_divergence

from vaecourse import gaussian_kl, gaussian_kl_between

finite = st.floats(min_value=-5, max_value=5, allow_nan=False)


def torch_kl(mu_q, logvar_q, mu_p, logvar_p):
    q = Independent(Normal(mu_q, torch.exp(0.5 * logvar_q)), 1)
    p = Independent(Normal(mu_p, torch.exp(0.5 * logvar_p)), 1)
    return kl_divergence(q, p)


def test_seed_practice_problem_is_3_125():
    # mu = (2, 0), sigma^2 = (0.25, 4): (4 + .25 + log 4 - 1)/2 + (4 - log 4 - 1)/2 = 6.25/2.
    mu = torch.tensor([2.0, 0.0], dtype=torch.float64)
    logvar = torch.log(torch.tensor([0.25, 4.0], dtype=torch.float64))
    assert gaussian_kl(mu, logvar).item() == pytest.approx(3.125, abs=1e-12)


def test_seed_practice_problem_per_dimension_terms():
    logvar = torch.log(torch.tensor([0.25, 4.0], dtype=torch.float64))
    first = 0.5 * (4 + 0.25 - logvar[0] - 1)
    second = 0.5 * (0 + 4 - logvar[1] - 1)
    assert first.item() == pytest.approx(4.636294361 / 2, abs=1e-9)
    assert second.item() == pytest.approx(1.613705639 / 2, abs=1e-9)


def test_matches_torch_distributions_on_a_batch(generator):
    mu = torch.randn(7, 5, generator=generator, dtype=torch.float64)
    logvar = torch.randn(7, 5, generator=generator, dtype=torch.float64)
    zeros = torch.zeros_like(mu)
    ours = gaussian_kl(mu, logvar)
    assert ours.shape == (7,)
    torch.testing.assert_close(ours, torch_kl(mu, logvar, zeros, zeros))


def test_between_matches_torch_distributions(generator):
    args = [torch.randn(4, 3, generator=generator, dtype=torch.float64) for _ in range(4)]
    torch.testing.assert_close(gaussian_kl_between(*args), torch_kl(*args))


def test_between_reduces_to_standard_prior(generator):
    mu = torch.randn(6, 2, generator=generator)
    logvar = torch.randn(6, 2, generator=generator)
    zeros = torch.zeros(2)
    torch.testing.assert_close(gaussian_kl_between(mu, logvar, zeros, zeros), gaussian_kl(mu, logvar))


def test_gradient_matches_closed_form_derivative():
    # d KL / d mu = mu, d KL / d s = (exp(s) - 1) / 2.
    mu = torch.tensor([[0.3, -1.2]], dtype=torch.float64, requires_grad=True)
    logvar = torch.tensor([[0.5, -2.0]], dtype=torch.float64, requires_grad=True)
    gaussian_kl(mu, logvar).sum().backward()
    torch.testing.assert_close(mu.grad, mu.detach())
    torch.testing.assert_close(logvar.grad, 0.5 * (logvar.detach().exp() - 1))


def test_broadcasting_shared_logvar():
    mu = torch.zeros(3, 4)
    logvar = torch.zeros(4)
    assert gaussian_kl(mu, logvar).shape == (3,)


@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=6))
def test_kl_is_nonnegative_and_zero_only_at_prior(pairs):
    mu = torch.tensor([p[0] for p in pairs], dtype=torch.float64)
    logvar = torch.tensor([p[1] for p in pairs], dtype=torch.float64)
    kl = gaussian_kl(mu, logvar).item()
    assert kl >= 0.0
    distance = (mu.pow(2) + logvar.pow(2)).sum().item()
    if distance > 1e-6:
        assert kl > 0.0
    assert gaussian_kl(torch.zeros_like(mu), torch.zeros_like(logvar)).item() == 0.0


@given(finite, finite, finite, finite)
def test_between_nonnegative_and_zero_on_equal(mq, lq, mp, lp):
    t = lambda v: torch.tensor([v], dtype=torch.float64)  # noqa: E731
    assert gaussian_kl_between(t(mq), t(lq), t(mp), t(lp)).item() >= -1e-12
    assert gaussian_kl_between(t(mq), t(lq), t(mq), t(lq)).item() == pytest.approx(0.0, abs=1e-12)


def test_asymmetric():
    one, zero = torch.tensor([1.0]), torch.tensor([0.0])
    forward = gaussian_kl_between(zero, one, zero, zero).item()
    backward = gaussian_kl_between(zero, zero, zero, one).item()
    assert forward == pytest.approx(0.5 * (math.e - 1 - 1))
    assert backward == pytest.approx(0.5 * (math.exp(-1) + 1 - 1))
    assert forward != pytest.approx(backward)


@pytest.mark.parametrize(
    "mu, logvar, error, words",
    [
        ([2.0, 0.0], torch.zeros(2), TypeError, ["mu", "torch.Tensor", "list"]),
        (torch.zeros(2), 0.0, TypeError, ["logvar", "float"]),
        (torch.zeros(2, dtype=torch.long), torch.zeros(2), TypeError, ["mu", "floating", "int64"]),
        (torch.zeros(3, 2), torch.zeros(3, 4), ValueError, ["do not broadcast", "(3, 2)", "(3, 4)"]),
        (torch.tensor(1.0), torch.tensor(0.0), ValueError, ["mu", "at least 1 dimension", "()"]),
        (torch.tensor([0.0, float("nan")]), torch.zeros(2), ValueError, ["mu", "finite", "nan", "(1,)"]),
        (torch.zeros(2), torch.tensor([float("inf"), 0.0]), ValueError, ["logvar", "finite", "inf"]),
    ],
)
def test_bad_input_raises_clear_errors(mu, logvar, error, words):
    with pytest.raises(error) as info:
        gaussian_kl(mu, logvar)
    for word in words:
        assert word in str(info.value)


def test_between_names_the_bad_argument():
    good = torch.zeros(2)
    with pytest.raises(ValueError, match="logvar_p"):
        gaussian_kl_between(good, good, good, torch.tensor([0.0, float("nan")]))
