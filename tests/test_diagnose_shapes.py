"""Shapes that broadcasting and keepdim=True produce are named: a (B, B) mix whose diagonal is due, and one number kept as (1,).

Real sources of the shapes (answers written in their style, not copied): a log-mean-exp whose maximum
keeps its axis, ``max_y + log(mean(exp(y - max_y), dim=-1))`` with ``max_y`` of shape (B, 1), as in
course-assignment IWAE code; and a KL reduced with ``.sum(1).mean(0, True)``, a batch mean that keeps
a batch axis of size 1.
"""

import math

import torch

from vaecourse.grading import check

SEED = 2101


def _iwae_max_kept(log_weights):
    m = torch.max(log_weights, dim=-1, keepdim=True).values  # (B, 1)
    return m + torch.log(torch.mean(torch.exp(log_weights - m), dim=-1))  # (B, 1) + (B,) -> (B, B)


def _iwae_max_kept_squeezed(log_weights):
    return _iwae_max_kept(log_weights).squeeze()  # squeeze does not undo the (B, B)


def _iwae_max_kept_without_log_k(log_weights):
    m = torch.max(log_weights, dim=1, keepdim=True).values
    return torch.log(torch.sum(torch.exp(log_weights - m), dim=1)) + m  # and no - log K


def _iwae_rows_repeated(log_weights):
    b = log_weights.shape[0]
    right = torch.logsumexp(log_weights, dim=-1) - math.log(log_weights.shape[-1])
    return right.expand(b, b)  # every row the same: not an example-by-example mix


def _kl_batch_mean_keepdim(mu, logvar):
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).sum(1).mean(0, True)  # (1,)


def _kl_batch_mean_keepdim_2d(mu, logvar):
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).sum(1, keepdim=True).mean(0, True)  # (1, 1)


def test_a_kept_axis_broadcast_to_b_by_b_is_named_with_its_diagonal():
    for fn in (_iwae_max_kept, _iwae_max_kept_squeezed):
        r = check("iwae_bound", fn, seed=SEED, quiet=True)
        assert not r.passed and r.mistake == "broadcast_to_square", (fn.__name__, r.mistake)
        assert "diagonal holds the expected values" in r.feedback


def test_the_diagonal_names_a_second_mistake():
    r = check("iwae_bound", _iwae_max_kept_without_log_k, seed=SEED, quiet=True)
    assert not r.passed and r.mistake == "broadcast_to_square"
    assert "log K is missing" in r.feedback


def test_every_row_the_same_is_not_called_a_broadcast():
    r = check("iwae_bound", _iwae_rows_repeated, seed=SEED, quiet=True)
    assert not r.passed and r.mistake != "broadcast_to_square"


def test_one_number_kept_as_shape_one_is_a_batch_reduction():
    for fn, shape in ((_kl_batch_mean_keepdim, "(1,)"), (_kl_batch_mean_keepdim_2d, "(1, 1)")):
        r = check("gaussian_kl", fn, seed=SEED, quiet=True)
        assert not r.passed and r.mistake in ("reduced_over_batch", "kl_batch_mean"), (fn.__name__, r.mistake)
        assert "mean of the per-example values over the batch" in r.feedback or "averag" in r.feedback
        assert f"shape {shape}" in r.feedback


def test_dtype_note_quotes_the_case_whose_dtype_differs():
    """An answer that always returns float32 is wrong only on the float64 case: the note says float64 there (it used to
    quote the first case, float32, and so told the learner 'float32; the inputs' dtype is float32')."""

    def always_float32(mu, logvar):
        return (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), -1)).float()

    r = check("gaussian_kl", always_float32, seed=2101, quiet=True)
    assert r.mistake == "dtype_changed", r.feedback
    assert "your output has dtype float32; the inputs' dtype is float64" in r.feedback, r.feedback
    assert "float64 batch" in r.feedback, r.feedback
