"""The hidden references and expected values of the exercise bank, checked against independent routes."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Bernoulli, Categorical, Normal, kl_divergence

from vaecourse.grading import exercises_for_session, get_exercise


def _reference(exercise_id):
    return get_exercise(exercise_id).reference


def test_gaussian_kl_reference_matches_torch_distributions():
    for case in get_exercise("gaussian_kl").make_cases(5):
        mu, logvar = case.args
        q, p = Normal(mu, (0.5 * logvar).exp()), Normal(torch.zeros_like(mu), torch.ones_like(mu))
        torch.testing.assert_close(_reference("gaussian_kl")(mu, logvar), kl_divergence(q, p).sum(-1))


def test_bernoulli_reference_matches_torch_distributions_and_is_finite_at_extremes():
    for case in get_exercise("bernoulli_log_likelihood").make_cases(5):
        logits, x = case.args
        if case.raises:  # data outside [0, 1]: the reference must refuse it
            assert ((x < 0) | (x > 1)).any()
            with pytest.raises(ValueError, match=r"\[0, 1\]"):
                _reference("bernoulli_log_likelihood")(logits, x)
            continue
        value = _reference("bernoulli_log_likelihood")(logits, x)
        assert torch.isfinite(value).all()
        if case.kind != "stability" and ((x == 0) | (x == 1)).all():
            torch.testing.assert_close(value, Bernoulli(logits=logits).log_prob(x).sum(-1))
    # logit 100 with target 0 costs 100 nats; logit -100 with target 0 costs ~0
    value = _reference("bernoulli_log_likelihood")(torch.tensor([[100.0, -100.0]]), torch.tensor([[0.0, 0.0]]))
    torch.testing.assert_close(value, torch.tensor([-100.0]))


def test_iwae_reference_is_a_log_mean_exp_and_the_elbo_at_k1():
    for case in get_exercise("iwae_bound").make_cases(5):
        (log_w,) = case.args
        direct = log_w.double().exp().mean(-1).log() if log_w.abs().max() < 500 else None
        value = _reference("iwae_bound")(log_w)
        if direct is not None:
            torch.testing.assert_close(value.double(), direct, rtol=1e-5, atol=1e-5)
        if log_w.shape[-1] == 1:
            torch.testing.assert_close(value, log_w[:, 0])
    shifted = _reference("iwae_bound")(torch.tensor([[1000.0, 1000.0]]))
    assert shifted.item() == 1000.0  # log of the mean of two equal weights e^1000


def test_reparameterize_reference_has_the_pathwise_gradients():
    case = get_exercise("reparameterize").make_cases(0)[0]
    mu, logvar, eps = (t.clone().requires_grad_(i < 2) for i, t in enumerate(case.args))
    z = _reference("reparameterize")(mu, logvar, eps)
    z.sum().backward()
    torch.testing.assert_close(mu.grad, torch.ones_like(mu))  # dz/dmu = 1
    torch.testing.assert_close(logvar.grad, 0.5 * (0.5 * logvar).exp().detach() * eps)  # dz/ds = sigma eps / 2


def test_score_function_reference_is_unbiased_by_monte_carlo():
    # d/dmu E[z^2] = 2 mu for z ~ N(mu, sigma^2); with n draws the estimate's standard error is known from them
    g = torch.Generator().manual_seed(0)
    mu, sigma = torch.tensor(0.7, dtype=torch.float64), torch.tensor(1.3, dtype=torch.float64)
    z = mu + sigma * torch.randn(200_000, generator=g, dtype=torch.float64)
    per_sample = z.pow(2) * (z - mu) / sigma.pow(2)
    estimate = _reference("score_function_estimate")(z.pow(2), z, mu, sigma)
    standard_error = per_sample.std() / math.sqrt(z.numel())
    assert abs(estimate.item() - 2 * mu.item()) < 5 * standard_error.item()


def test_value_exercises_match_hand_computations():
    assert math.isclose(get_exercise("kl_practice").expected(), 3.125, rel_tol=1e-12)  # the outline's answer
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    assert math.isclose(get_exercise("gaussian_loglik_value").expected(), Normal(0.0, 1.0).log_prob(x).sum().item())
    marginal = Normal(torch.tensor(0.0, dtype=torch.float64), torch.tensor(1.5, dtype=torch.float64).sqrt())
    assert math.isclose(get_exercise("log_evidence_value").expected(), marginal.log_prob(torch.tensor(1.5)).item())
    assert math.isclose(get_exercise("mc_samples_value").expected(), 90_000, rel_tol=1e-9)
    assert get_exercise("pathwise_gradient_value").expected() == pytest.approx((2.6, -1.04), rel=1e-9)
    assert math.isclose(get_exercise("report_elbo_value").expected(), -97.5)
    assert math.isclose(get_exercise("signal_left_value").expected(), 0.98**50, rel_tol=1e-12)


def test_discrete_elbo_and_gap_satisfy_the_tightness_identity():
    prior, likelihood, q = torch.tensor([0.5, 0.5]), torch.tensor([0.2, 0.6]), torch.tensor([0.6, 0.4])
    joint = prior * likelihood
    posterior = joint / joint.sum()
    gap = kl_divergence(Categorical(probs=q), Categorical(probs=posterior)).item()
    elbo = get_exercise("discrete_elbo_value").expected()
    assert math.isclose(get_exercise("elbo_gap_value").expected(), gap, rel_tol=1e-5)
    assert math.isclose(elbo + gap, math.log(joint.sum().item()), rel_tol=1e-6)


def test_active_units_and_schedules_match_direct_loops():
    for case in get_exercise("active_units").make_cases(3):
        mu, *threshold = case.args
        t = threshold[0] if threshold else 0.01
        count = sum(1 for j in range(mu.shape[1]) if torch.var(mu[:, j]) > t)
        assert _reference("active_units")(*case.args) == count
    for case in get_exercise("alpha_bar_schedule").make_cases(3):
        (betas,) = case.args
        running, expected = 1.0, []
        for beta in betas.tolist():
            running *= 1 - beta
            expected.append(running)
        torch.testing.assert_close(_reference("alpha_bar_schedule")(betas), torch.tensor(expected))


def test_forward_diffusion_reference_has_the_closed_form_moments():
    # with eps ~ N(0, 1) and x0 fixed, x_t has mean sqrt(a) x0 and variance 1 - a (a Monte Carlo check)
    g = torch.Generator().manual_seed(1)
    n, a = 100_000, 0.3
    x0 = torch.full((n, 1), 2.0, dtype=torch.float64)
    eps = torch.randn(n, 1, generator=g, dtype=torch.float64)
    xt = _reference("forward_diffusion_sample")(x0, torch.full((n,), a, dtype=torch.float64), eps)
    assert abs(xt.mean().item() - math.sqrt(a) * 2.0) < 5 * math.sqrt((1 - a) / n)
    assert abs(xt.var().item() - (1 - a)) < 5 * (1 - a) * math.sqrt(2 / n)


def test_exercise_points_per_session():
    points = {s: sum(e.points for e in exercises_for_session(s)) for s in ("s1", "s2", "s3", "s4", "s5", "s6", "s7")}
    assert points == {"s1": 7, "s2": 6, "s3": 6, "s4": 7, "s5": 9, "s6": 8, "s7": 6}
