"""Shape slips that torch refuses with an error are named from its message (diagnose_shape_errors), and only then."""

import pytest
import torch
import torch.nn.functional as F

from vaecourse.grading import check

SEED = 2101


def _typo_none_slice(x0, alpha_bar, eps):  # 66ling66/learn-diffusion's [:, None:] (held-out set 6), in the exercise's shapes
    return torch.sqrt(alpha_bar)[:, None:] * x0 + torch.sqrt(1 - alpha_bar)[:, None] * eps


def _index_two_axes(mu, logvar):
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=-1)  # (B,)
    return kl[:, 0]


def _kl_dim_out_of_range(mu, logvar):
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).sum(-1).sum(dim=1)


def _kl_no_broadcast(mu, logvar):
    return 0.5 * (mu.pow(2).sum(-1) + logvar.exp() - logvar - 1).sum(-1)  # (B,) + (B, D): refused unless B == D


def _bernoulli_matmul(logits, x):
    if not ((x >= 0) & (x <= 1)).all():
        raise ValueError("x must lie in [0, 1]")
    return x @ logits.T.diagonal() - F.softplus(logits).sum(-1)


def _elbo_dot(log_px_z, log_pz, log_qz_x):
    return torch.dot(log_px_z + log_pz, -log_qz_x)


MUTANTS = {
    "none_slice": ("forward_diffusion_sample", _typo_none_slice, "indexed_too_many_axes", "`None:`"),
    "two_axes": ("gaussian_kl", _index_two_axes, "indexed_too_many_axes", "more axes than the tensor has"),
    "dim_out_of_range": ("gaussian_kl", _kl_dim_out_of_range, "axis_out_of_range", "a dim of 1"),
    "no_broadcast": ("gaussian_kl", _kl_no_broadcast, "shapes_do_not_broadcast", "met a size"),
    "dot_2d": ("elbo_from_log_densities", _elbo_dot, "matrix_product_shapes", "inner sizes"),
}


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_shape_error_is_named(name):
    exercise, fn, expected, words = MUTANTS[name]
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert not r.passed, name
    assert r.mistake == expected, (name, r.mistake, r.feedback)
    assert words in r.feedback, (name, r.feedback)


def test_index_without_none_slice_says_nothing_of_it():
    r = check("gaussian_kl", _index_two_axes, seed=SEED, quiet=True)
    assert "Your line writes `None:`" not in r.feedback


def test_other_errors_stay_unnamed():
    """An answer that raises its own error on every case is not named after a variant that also fails somewhere
    (the misreading 'logvar used as sigma^2' takes the log of a negative number on most cases)."""
    def raises_value_error(mu, logvar):
        raise ValueError("not implemented yet")

    r = check("gaussian_kl", raises_value_error, seed=SEED, quiet=True)
    assert not r.passed and r.mistake is None, r.feedback


def test_correct_none_index_is_accepted():
    def forward(x0, alpha_bar, eps):
        return alpha_bar.sqrt()[:, None] * x0 + (1 - alpha_bar).sqrt()[:, None] * eps

    r = check("forward_diffusion_sample", forward, seed=SEED, quiet=True)
    assert r.passed and r.score == r.max_score, r.feedback
