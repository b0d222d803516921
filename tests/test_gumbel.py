"""Tests of vaecourse.core.gumbel against torch's Gumbel-softmax, the Gumbel law and closed-form gradients."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.distributions import RelaxedOneHotCategorical

from vaecourse.core.gumbel import (
    categorical_score_gradient,
    exact_categorical_gradient,
    gumbel_max_sample,
    gumbel_softmax_gradient,
    gumbel_softmax_sample,
    sample_gumbel,
)

F64 = torch.float64
LOGITS = torch.tensor([1.0, 0.0, -1.0], dtype=F64)
VALUES = torch.tensor([0.0, 1.0, 3.0], dtype=F64)
EULER_GAMMA = 0.5772156649015329


def linear_f(y):
    return (y * VALUES).sum(dim=-1)


def test_gumbel_noise_has_the_gumbel_mean_and_variance():
    g = sample_gumbel((200_000,), generator=torch.Generator().manual_seed(0), dtype=F64)
    variance = math.pi**2 / 6
    assert abs(g.mean().item() - EULER_GAMMA) < 4 * math.sqrt(variance / g.numel())
    # The Gumbel's excess kurtosis is 2.4: the sample variance's sd is sqrt((kurtosis - 1) / n) * variance.
    assert abs(g.var().item() - variance) < 4 * math.sqrt((5.4 - 1) / g.numel()) * variance


def test_gumbel_max_draws_the_categorical_exactly():
    n = 40_000
    gumbel = sample_gumbel((n, 3), generator=torch.Generator().manual_seed(1), dtype=F64)
    frequencies = gumbel_max_sample(LOGITS, gumbel).mean(dim=0)
    probabilities = torch.softmax(LOGITS, dim=-1)
    standard_errors = (probabilities * (1 - probabilities) / n).sqrt()
    assert bool(((frequencies - probabilities).abs() < 4 * standard_errors).all())


def test_relaxed_sample_matches_torch_gumbel_softmax_with_the_same_noise():
    logits = torch.randn(5, 4, generator=torch.Generator().manual_seed(2))
    torch.manual_seed(7)
    expected = F.gumbel_softmax(logits, tau=0.5)
    torch.manual_seed(7)
    ours = gumbel_softmax_sample(logits, 0.5)
    torch.testing.assert_close(ours, expected)


def test_straight_through_matches_torch_forward_and_backward():
    logits_a = torch.randn(6, 3, generator=torch.Generator().manual_seed(3)).requires_grad_(True)
    logits_b = logits_a.detach().clone().requires_grad_(True)
    weights = torch.arange(3.0)
    torch.manual_seed(8)
    expected = F.gumbel_softmax(logits_a, tau=0.7, hard=True)
    torch.manual_seed(8)
    ours = gumbel_softmax_sample(logits_b, 0.7, hard=True)
    torch.testing.assert_close(ours, expected)
    (expected * weights).sum().backward()
    (ours * weights).sum().backward()
    torch.testing.assert_close(logits_b.grad, logits_a.grad)
    assert set(ours.detach().unique().tolist()) <= {0.0, 1.0}


def test_relaxed_samples_have_the_concrete_mean():
    # Oracle: torch.distributions' own Concrete sampler (independent noise), means compared within SEs.
    n, tau = 50_000, 0.8
    ours = gumbel_softmax_sample(LOGITS, tau, gumbel=sample_gumbel((n, 3), generator=torch.Generator().manual_seed(4), dtype=F64))
    torch.manual_seed(5)
    theirs = RelaxedOneHotCategorical(torch.tensor(tau, dtype=F64), logits=LOGITS).rsample((n,))
    se = (ours.var(0) / n + theirs.var(0) / n).sqrt()
    assert bool(((ours.mean(0) - theirs.mean(0)).abs() < 4.5 * se).all())


@given(seed=st.integers(0, 10_000), tau=st.floats(0.01, 10.0))
@settings(max_examples=50, deadline=None)
def test_relaxation_keeps_the_argmax_and_approaches_one_hot(seed, tau):
    gumbel = sample_gumbel((3,), generator=torch.Generator().manual_seed(seed), dtype=F64)
    relaxed = gumbel_softmax_sample(LOGITS, tau, gumbel=gumbel)
    hard = gumbel_max_sample(LOGITS, gumbel)
    assert torch.equal(F.one_hot(relaxed.argmax(), 3).to(F64), hard)
    assert relaxed.sum().item() == pytest.approx(1.0)
    # Every losing coordinate is exp(-(gap to the winner) / tau) / Z <= exp(-gap / tau).
    scores = LOGITS + gumbel
    top2 = scores.topk(2).values
    assert (relaxed - hard).abs().max().item() <= (3 - 1) * math.exp(-(top2[0] - top2[1]).item() / tau) + 1e-12


def test_gumbel_max_passes_no_gradient():
    logits = LOGITS.clone().requires_grad_(True)
    assert not gumbel_max_sample(logits, sample_gumbel((3,), dtype=F64)).requires_grad


def test_exact_gradient_matches_the_softmax_closed_form():
    p = torch.softmax(LOGITS, dim=-1)
    expected = p * (VALUES - (p * VALUES).sum())  # d/dl sum_k p_k v_k = p_j (v_j - E[v])
    torch.testing.assert_close(exact_categorical_gradient(linear_f, LOGITS), expected)


def test_score_function_estimate_is_unbiased():
    repeats, size = 4000, 4
    gumbel = sample_gumbel((repeats, size, 3), generator=torch.Generator().manual_seed(6), dtype=F64)
    estimates = categorical_score_gradient(linear_f, LOGITS, size, gumbel=gumbel)  # (R, K)
    se = estimates.std(0) / math.sqrt(repeats)
    exact = exact_categorical_gradient(linear_f, LOGITS)
    assert bool(((estimates.mean(0) - exact).abs() < 4.5 * se).all())


def test_relaxed_gradient_is_biased_and_the_bias_shrinks_with_temperature():
    repeats, size = 4000, 4
    gumbel = sample_gumbel((repeats, size, 3), generator=torch.Generator().manual_seed(7), dtype=F64)
    exact = exact_categorical_gradient(linear_f, LOGITS)
    bias, se = {}, {}
    for tau in (1.0, 0.1):
        estimates = gumbel_softmax_gradient(linear_f, LOGITS, tau, size, gumbel=gumbel)  # (R, K)
        bias[tau] = (estimates.mean(0) - exact).abs().max().item()
        se[tau] = (estimates.std(0) / math.sqrt(repeats)).max().item()
    assert bias[1.0] > 6 * se[1.0]  # a real bias, far outside the noise
    assert bias[0.1] + 4 * se[0.1] < bias[1.0]


def test_relaxed_gradient_matches_autograd_through_a_single_sample():
    gumbel = sample_gumbel((1, 1, 3), generator=torch.Generator().manual_seed(8), dtype=F64)
    logits = LOGITS.clone().requires_grad_(True)
    linear_f(torch.softmax((logits + gumbel[0, 0]) / 0.5, dim=-1)).backward()
    torch.testing.assert_close(gumbel_softmax_gradient(linear_f, LOGITS, 0.5, 1, gumbel=gumbel)[0], logits.grad)


@pytest.mark.parametrize("tau", [0.0, -1.0, "1"])
def test_temperature_must_be_positive(tau):
    with pytest.raises(ValueError, match="temperature"):
        gumbel_softmax_sample(LOGITS, tau)


def test_noise_of_the_wrong_shape_is_named():
    with pytest.raises(ValueError, match="num_samples, K"):
        categorical_score_gradient(linear_f, LOGITS, 2, gumbel=torch.zeros(3, 3, dtype=F64))
    with pytest.raises(ValueError, match="K = 3"):
        gumbel_max_sample(LOGITS, torch.zeros(4, dtype=F64))
