"""Score-function and pathwise estimators: unbiased for a known gradient, and their variances."""

import math

import pytest
import torch

from vaecourse import pathwise_gradient, score_function_gradient

MU = torch.tensor([0.7, -1.2], dtype=torch.float64)
LOGVAR = torch.tensor([0.3, -0.5], dtype=torch.float64)


def square(z):
    return z.pow(2).sum(-1)


def exact_gradient():
    # E[sum z^2] = sum (mu^2 + e^s): d/dmu = 2 mu, d/ds = e^s.
    return 2 * MU, LOGVAR.exp()


@pytest.mark.parametrize("estimator", [score_function_gradient, pathwise_gradient])
def test_estimators_are_unbiased(estimator):
    generator = torch.Generator().manual_seed(11)
    repeats = 20_000
    eps = torch.randn(repeats, 1, 2, generator=generator, dtype=torch.float64)  # (T, L=1, D)
    grad_mu, grad_logvar = estimator(square, MU, LOGVAR, num_samples=1, eps=eps)
    assert grad_mu.shape == (repeats, 2)
    exact_mu, exact_logvar = exact_gradient()
    for estimates, exact in ((grad_mu, exact_mu), (grad_logvar, exact_logvar)):
        standard_error = estimates.std(0) / math.sqrt(repeats)
        assert ((estimates.mean(0) - exact).abs() < 5 * standard_error).all()


def test_pathwise_matches_autograd_for_one_sample():
    eps = torch.tensor([[0.3, -0.4]], dtype=torch.float64)
    mu = MU.clone().requires_grad_(True)
    logvar = LOGVAR.clone().requires_grad_(True)
    square(mu + torch.exp(0.5 * logvar) * eps).sum().backward()
    grad_mu, grad_logvar = pathwise_gradient(square, MU, LOGVAR, num_samples=1, eps=eps)
    torch.testing.assert_close(grad_mu, mu.grad)
    torch.testing.assert_close(grad_logvar, logvar.grad)


def test_pathwise_has_lower_variance_and_both_shrink_like_one_over_l():
    generator = torch.Generator().manual_seed(4)
    variances = {}
    for num_samples in (1, 16):
        eps = torch.randn(4000, num_samples, 2, generator=generator, dtype=torch.float64)
        for estimator in (score_function_gradient, pathwise_gradient):
            grad_mu, _ = estimator(square, MU, LOGVAR, num_samples=num_samples, eps=eps)
            variances[estimator.__name__, num_samples] = grad_mu.var(0).sum().item()
    for name in ("score_function_gradient", "pathwise_gradient"):
        ratio = variances[name, 1] / variances[name, 16]
        assert 10 < ratio < 25  # 16 in theory; the variance estimate itself has ~3% error here
    assert variances["pathwise_gradient", 1] < variances["score_function_gradient", 1] / 5


def test_baseline_keeps_score_function_unbiased_and_reduces_variance():
    generator = torch.Generator().manual_seed(9)
    eps = torch.randn(20_000, 1, 2, generator=generator, dtype=torch.float64)
    plain, _ = score_function_gradient(lambda z: square(z) + 50.0, MU, LOGVAR, eps=eps)
    baselined, _ = score_function_gradient(lambda z: square(z) + 50.0, MU, LOGVAR, eps=eps, baseline=50.0)
    assert baselined.var(0).sum() < plain.var(0).sum() / 10
    standard_error = baselined.std(0) / math.sqrt(20_000)
    assert ((baselined.mean(0) - 2 * MU).abs() < 5 * standard_error).all()


def test_score_function_works_for_a_step_function():
    # d/dmu P(z > 0) for z ~ N(mu, 1) is the normal density at mu: pathwise gives 0, REINFORCE gets it.
    mu, logvar = torch.tensor([0.0], dtype=torch.float64), torch.tensor([0.0], dtype=torch.float64)
    eps = torch.randn(200_000, 1, 1, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    step = lambda z: (z > 0).double().squeeze(-1)  # noqa: E731
    grad_mu, _ = score_function_gradient(step, mu, logvar, eps=eps)
    assert grad_mu.mean().item() == pytest.approx(1 / math.sqrt(2 * math.pi), abs=5 * grad_mu.std().item() / math.sqrt(200_000))


def test_shapes_are_validated():
    with pytest.raises(ValueError, match=r"shape \(D,\)"):
        pathwise_gradient(square, torch.zeros(2, 2), torch.zeros(2, 2))
    with pytest.raises(ValueError, match=r"eps must have shape"):
        score_function_gradient(square, MU, LOGVAR, num_samples=3, eps=torch.zeros(2, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"f\(z\) must return one value per sample"):
        pathwise_gradient(lambda z: z, MU, LOGVAR, num_samples=2)
