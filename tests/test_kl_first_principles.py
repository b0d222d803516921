"""First-principles KL of vaecourse.core.kl (categorical, on a grid, fitted in either direction) against torch.distributions and closed forms."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.distributions import Categorical, MixtureSameFamily, Normal, kl_divergence

from vaecourse import gaussian_kl_between
from vaecourse.core.kl import categorical_kl, fit_gaussian_by_kl, grid_kl, moment_match

GRID = torch.linspace(-8.0, 8.0, 1601, dtype=torch.float64)  # for the fits: every density here is negligible past 8
WIDE_GRID = torch.linspace(-25.0, 25.0, 10001, dtype=torch.float64)  # for quadrature checks against closed forms
logit_lists = st.lists(st.floats(-5, 5), min_size=2, max_size=6)


def probs_from(logits):
    return torch.softmax(torch.tensor(logits, dtype=torch.float64), dim=-1)


def bimodal(separation=2.0, scale=0.6):
    dtype = torch.float64
    return MixtureSameFamily(
        Categorical(torch.tensor([0.5, 0.5], dtype=dtype)),
        Normal(torch.tensor([-separation, separation], dtype=dtype), torch.tensor([scale, scale], dtype=dtype)),
    )


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_categorical_kl_matches_torch_distributions(data):
    a = data.draw(logit_lists)
    b = data.draw(st.lists(st.floats(-5, 5), min_size=len(a), max_size=len(a)))
    p, q = probs_from(a), probs_from(b)
    expected = kl_divergence(Categorical(probs=p), Categorical(probs=q))
    assert categorical_kl(p, q).item() == pytest.approx(expected.item(), abs=1e-10)


@given(logit_lists)
@settings(max_examples=40, deadline=None)
def test_categorical_kl_is_zero_at_equality_and_positive_elsewhere(a):
    p = probs_from(a)
    assert categorical_kl(p, p).item() == pytest.approx(0.0, abs=1e-12)
    q = probs_from([v + (1.0 if i == 0 else 0.0) for i, v in enumerate(a)])  # a genuinely different q
    assert categorical_kl(p, q).item() > 0


def test_categorical_kl_conventions_for_zero_probabilities():
    p = torch.tensor([0.5, 0.5, 0.0], dtype=torch.float64)
    q = torch.tensor([0.25, 0.25, 0.5], dtype=torch.float64)
    # 0 log 0 = 0: KL(p || q) = log 2, and torch agrees.
    assert categorical_kl(p, q).item() == pytest.approx(math.log(2.0))
    assert categorical_kl(p, q).item() == pytest.approx(kl_divergence(Categorical(probs=p), Categorical(probs=q)).item())
    # q puts mass where p has none: the other direction is infinite.
    assert categorical_kl(q, p).item() == math.inf


def test_categorical_kl_is_asymmetric_by_hand():
    p = torch.tensor([0.5, 0.5], dtype=torch.float64)
    q = torch.tensor([0.9, 0.1], dtype=torch.float64)
    forward = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    reverse = 0.9 * math.log(0.9 / 0.5) + 0.1 * math.log(0.1 / 0.5)
    assert categorical_kl(p, q).item() == pytest.approx(forward)
    assert categorical_kl(q, p).item() == pytest.approx(reverse)
    assert forward != pytest.approx(reverse)


def test_categorical_kl_batches_over_leading_dims():
    p = torch.softmax(torch.randn(4, 3, generator=torch.Generator().manual_seed(0)), dim=-1)
    q = torch.full((3,), 1 / 3)
    assert categorical_kl(p, q).shape == (4,)


@pytest.mark.parametrize(
    "p, q, message",
    [
        ([0.5, 0.6], [0.5, 0.5], "sum to 1"),
        ([1.2, -0.2], [0.5, 0.5], "non-negative"),
        ([0.5, float("nan")], [0.5, 0.5], "finite"),
    ],
)
def test_categorical_kl_rejects_non_distributions(p, q, message):
    with pytest.raises(ValueError, match=message):
        categorical_kl(torch.tensor(p), torch.tensor(q))


@given(
    mu_q=st.floats(-2, 2), s_q=st.floats(-1.5, 1.5), mu_p=st.floats(-2, 2), s_p=st.floats(-1.5, 1.5)
)
@settings(max_examples=40, deadline=None)
def test_grid_kl_matches_the_gaussian_closed_form(mu_q, s_q, mu_p, s_p):
    q = Normal(torch.tensor(mu_q, dtype=torch.float64), math.exp(0.5 * s_q))
    p = Normal(torch.tensor(mu_p, dtype=torch.float64), math.exp(0.5 * s_p))
    expected = gaussian_kl_between(*(torch.tensor([v], dtype=torch.float64) for v in (mu_q, s_q, mu_p, s_p)))
    # The widest q here has sd e^0.75 < 2.2 and mean within 2, so 25 is > 10 sd out; the trapezoid
    # rule on a smooth integrand with step 0.005 is far more accurate than the tolerance.
    kl = grid_kl(q.log_prob(WIDE_GRID), p.log_prob(WIDE_GRID), WIDE_GRID)
    assert kl.item() == pytest.approx(expected.item(), abs=1e-7)


def test_grid_kl_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="grid's shape"):
        grid_kl(torch.zeros(5), torch.zeros(4), torch.linspace(0, 1, 5))


def test_forward_fit_is_the_moment_match():
    target = bimodal()
    fit = fit_gaussian_by_kl(target.log_prob, GRID, direction="forward", steps=400)
    mean, logvar = moment_match(target.log_prob, GRID)
    # Closed form: mean 0, variance = scale^2 + separation^2 = 0.36 + 4.
    assert mean == pytest.approx(0.0, abs=1e-9)
    assert logvar == pytest.approx(math.log(4.36), abs=1e-6)
    assert fit.mu == pytest.approx(mean, abs=1e-3)
    assert fit.logvar == pytest.approx(logvar, abs=1e-3)


def test_reverse_fit_seeks_one_mode_and_beats_the_moment_match_on_its_own_objective():
    target = bimodal()
    fit = fit_gaussian_by_kl(target.log_prob, GRID, direction="reverse", init=(0.5, 0.0), steps=400)
    assert fit.mu == pytest.approx(2.0, abs=0.05)  # locked onto the right-hand bump
    assert math.exp(0.5 * fit.logvar) == pytest.approx(0.6, abs=0.05)  # with about that bump's width
    mean, logvar = moment_match(target.log_prob, GRID)
    moment_q = Normal(torch.tensor(mean, dtype=torch.float64), math.exp(0.5 * logvar)).log_prob(GRID)
    assert fit.kl < grid_kl(moment_q, target.log_prob(GRID), GRID).item()
    # A single bump of a 50/50 mixture of well-separated bumps: reverse KL is close to log 2.
    assert fit.kl == pytest.approx(math.log(2.0), abs=0.01)


@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_both_fits_recover_a_gaussian_target(direction):
    target = Normal(torch.tensor(1.0, dtype=torch.float64), 1.5)
    fit = fit_gaussian_by_kl(target.log_prob, GRID, direction=direction, steps=400)
    assert fit.mu == pytest.approx(1.0, abs=1e-2)
    assert fit.logvar == pytest.approx(math.log(2.25), abs=1e-2)
    assert fit.kl == pytest.approx(0.0, abs=1e-4)


def test_fit_rejects_an_unknown_direction():
    with pytest.raises(ValueError, match="direction"):
        fit_gaussian_by_kl(bimodal().log_prob, GRID, direction="sideways")
