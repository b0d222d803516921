"""Mutation sweep of the Bernoulli likelihood, the ELBO from log-densities, the IWAE bound and the evaluation bound.

Each line of the references mutated the ways people get it wrong (an input swapped, a term dropped,
negated or doubled, the wrong reduction or axis, the wrong constant, logits for probabilities, a
NumPy round-trip, a second deviation on top of a real one), each written the way such code is
written. Every mutant must be rejected and named with one of the listed ids; every correct form in
an unusual style must pass. Run as a script to print the sweep's table:
``PYTHONPATH=$PWD .venv/bin/python tests/test_diagnose_genA2.py``.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Bernoulli

from vaecourse.grading import check

SEED = 2101
BERN, ELBO, IWAE, EVAL = "bernoulli_log_likelihood", "elbo_from_log_densities", "iwae_bound", "evaluation_elbo"


def _guard(x):
    if bool(((x < 0) | (x > 1)).any()):
        raise ValueError(f"x must lie in [0, 1], found [{float(x.min())}, {float(x.max())}]")


def _b(fn):
    """A Bernoulli answer with the range check the exercise asks for, so only the mutation deviates."""

    def answer(logits, x):
        _guard(x)
        return fn(logits, x)

    return answer


_ls = F.logsigmoid
_UNSTABLE = ("bernoulli_unstable_log_sigmoid", "bernoulli_probability_clamped")
_BATCH = ("reduced_over_batch", "bernoulli_default_mean_reduction")

# (id, exercise, answer, acceptable names)
NAMED = [
    # --- bernoulli_log_likelihood ---------------------------------------------------------------
    ("b_naive_log_sigmoid", BERN, _b(lambda l, x: (x * torch.log(torch.sigmoid(l)) + (1 - x) * torch.log(1 - torch.sigmoid(l))).sum(-1)), ("bernoulli_unstable_log_sigmoid",)),
    ("b_eps_1e7_in_log", BERN, _b(lambda l, x: (x * torch.log(torch.sigmoid(l) + 1e-7) + (1 - x) * torch.log(1 - torch.sigmoid(l) + 1e-7)).sum(-1)), _UNSTABLE),
    # 1e-10 + 1 rounds to 1.0 in float32: log(1e-10 + 1 - p) is log(0) at p = 1, NaN after 0 * -inf
    ("b_eps_1e10_in_log", BERN, _b(lambda l, x: (x * torch.log(1e-10 + torch.sigmoid(l)) + (1 - x) * torch.log(1e-10 + 1 - torch.sigmoid(l))).sum(-1)), ("bernoulli_unstable_log_sigmoid",)),
    ("b_p_plus_eps_last", BERN, _b(lambda l, x: (x * torch.log(torch.sigmoid(l) + 1e-10) + (1 - x) * torch.log(1 - torch.sigmoid(l) + 1e-10)).sum(-1)), ("bernoulli_probability_clamped",)),
    ("b_clamp_min_eps", BERN, _b(lambda l, x: (x * torch.sigmoid(l).clamp(min=1e-6).log() + (1 - x) * (1 - torch.sigmoid(l)).clamp(min=1e-6).log()).sum(-1)), ("bernoulli_probability_clamped",)),
    # float32 clip to [1e-8, 1 - 1e-8]: the upper bound rounds to 1.0, so log(0) remains
    ("b_clip_1e8", BERN, _b(lambda l, x: (lambda p: (x * p.log() + (1 - x) * (1 - p).log()).sum(-1))(torch.sigmoid(l).clamp(1e-8, 1 - 1e-8))), ("bernoulli_unstable_log_sigmoid",)),
    ("b_clamp_1e7", BERN, _b(lambda l, x: (lambda p: (x * p.log() + (1 - x) * (1 - p).log()).sum(-1))(torch.sigmoid(l).clamp(1e-7, 1 - 1e-7))), ("bernoulli_probability_clamped",)),
    ("b_sigmoid_then_bce", BERN, _b(lambda l, x: -F.binary_cross_entropy(torch.sigmoid(l), x, reduction="none").sum(-1)), _UNSTABLE),
    ("b_xlogy_probs", BERN, _b(lambda l, x: (torch.xlogy(x, torch.sigmoid(l)) + torch.xlogy(1 - x, 1 - torch.sigmoid(l))).sum(-1)), ("bernoulli_unstable_log_sigmoid",)),
    ("b_logits_as_probs", BERN, _b(lambda l, x: (x * torch.log(l) + (1 - x) * torch.log(1 - l)).sum(-1)), ("bernoulli_logits_as_probabilities",)),
    ("b_sigmoid_twice", BERN, _b(lambda l, x: -F.binary_cross_entropy_with_logits(torch.sigmoid(l), x, reduction="none").sum(-1)), ("bernoulli_sigmoid_twice",)),
    ("b_args_swapped_logits", BERN, _b(lambda l, x: -F.binary_cross_entropy_with_logits(x, l, reduction="none").sum(-1)), ("bernoulli_arguments_swapped",)),
    ("b_bce_default_mean", BERN, _b(lambda l, x: -F.binary_cross_entropy_with_logits(l, x)), _BATCH + ("mean_over_everything",)),
    ("b_bce_sum_negated", BERN, _b(lambda l, x: -F.binary_cross_entropy_with_logits(l, x, reduction="sum")), _BATCH),
    ("b_bce_sum_positive", BERN, _b(lambda l, x: F.binary_cross_entropy_with_logits(l, x, reduction="sum")), _BATCH),
    ("b_bce_default_mean_positive", BERN, _b(lambda l, x: F.binary_cross_entropy_with_logits(l, x)), _BATCH + ("mean_over_everything",)),
    ("b_sigmoid_bce_sum", BERN, _b(lambda l, x: -F.binary_cross_entropy(torch.sigmoid(l), x, reduction="sum")), _BATCH),
    ("b_mean_over_pixels", BERN, _b(lambda l, x: (x * l - F.softplus(l)).mean(-1)), ("bernoulli_mean_over_pixels",)),
    ("b_bce_none_mean_pixels", BERN, _b(lambda l, x: -F.binary_cross_entropy_with_logits(l, x, reduction="none").mean(1)), ("bernoulli_mean_over_pixels",)),
    ("b_no_sum", BERN, _b(lambda l, x: x * l - F.softplus(l)), ("bernoulli_no_sum",)),
    ("b_bce_positive", BERN, _b(lambda l, x: F.binary_cross_entropy_with_logits(l, x, reduction="none").sum(-1)), ("bernoulli_sign_flipped",)),
    ("b_batch_mean", BERN, _b(lambda l, x: (x * l - F.softplus(l)).sum(-1).mean()), _BATCH),
    ("b_sum_dim0", BERN, _b(lambda l, x: (x * l - F.softplus(l)).sum(0)), ("reduced_over_wrong_axis",)),
    ("b_divided_by_batch", BERN, _b(lambda l, x: (x * l - F.softplus(l)).sum(-1) / l.shape[0]), ("divided_by_batch_size",)),
    ("b_squared_error", BERN, _b(lambda l, x: -((torch.sigmoid(l) - x) ** 2).sum(-1)), ("bernoulli_squared_error",)),
    ("b_where_grey_as_zero", BERN, _b(lambda l, x: torch.where(x == 1, _ls(l), _ls(-l)).sum(-1)), ("bernoulli_binary_targets_only",)),
    ("b_masks_drop_grey", BERN, _b(lambda l, x: ((x == 1).float() * _ls(l) + (x == 0).float() * _ls(-l)).sum(-1)), ("bernoulli_binary_targets_only",)),
    ("b_round_targets", BERN, _b(lambda l, x: (lambda t: (t * l - F.softplus(l)).sum(-1))(x.round())), ("bernoulli_binary_targets_only",)),
    ("b_masks_batch_mean", BERN, lambda l, x: ((x == 1).float() * _ls(l) + (x == 0).float() * _ls(-l)).sum(1).mean(), _BATCH + ("bernoulli_binary_targets_only",)),
    ("b_where_no_sum", BERN, lambda l, x: torch.log(torch.where(x == 1, torch.sigmoid(l), 1 - torch.sigmoid(l))), ("bernoulli_no_sum", "bernoulli_binary_targets_only")),
    ("b_td_bernoulli_validates", BERN, _b(lambda l, x: Bernoulli(logits=l).log_prob(x).sum(-1)), ("bernoulli_binary_targets_only",)),
    ("b_numpy_roundtrip", BERN, _b(lambda l, x: torch.tensor((x.numpy() * l.detach().numpy() - np.logaddexp(0, l.detach().numpy())).sum(-1))), ("gradient_cut",)),
    # --- elbo_from_log_densities ----------------------------------------------------------------
    ("e_sum_over_samples", ELBO, lambda a, b, c: (a + b - c).sum(0), ("mc_sum_not_mean",)),
    ("e_mean_dim1", ELBO, lambda a, b, c: (a + b - c).mean(1), ("elbo_averaged_over_batch",)),
    ("e_plus_log_q", ELBO, lambda a, b, c: (a + b + c).mean(0), ("elbo_plus_log_q",)),
    ("e_no_prior", ELBO, lambda a, b, c: (a - c).mean(0), ("elbo_missing_prior",)),
    ("e_no_entropy", ELBO, lambda a, b, c: (a + b).mean(0), ("elbo_forgot_entropy",)),
    ("e_negated", ELBO, lambda a, b, c: -(a + b - c).mean(0), ("elbo_negated",)),
    ("e_batch_mean", ELBO, lambda a, b, c: (a + b - c).mean(), ("elbo_batch_mean",)),
    ("e_kl_flipped", ELBO, lambda a, b, c: (a - (b - c)).mean(0), ("elbo_prior_sign", "elbo_plus_log_q")),
    ("e_density_q", ELBO, lambda a, b, c: (a + b - c.exp()).mean(0), ("elbo_density_for_log_density",)),
    ("e_no_likelihood", ELBO, lambda a, b, c: (b - c).mean(0), ("elbo_missing_likelihood",)),
    ("e_log_mean_exp", ELBO, lambda a, b, c: torch.logsumexp(a + b - c, 0) - math.log(a.shape[0]), ("elbo_log_mean_exp",)),
    ("e_no_reduction", ELBO, lambda a, b, c: a + b - c, ("no_reduction",)),
    ("e_neg_sum_batch", ELBO, lambda a, b, c: -(a + b - c).mean(0).sum(), ("elbo_batch_mean",)),
    ("e_numpy", ELBO, lambda a, b, c: torch.from_numpy((a + b - c).detach().numpy().mean(0)), ("gradient_cut",)),
    # --- iwae_bound -------------------------------------------------------------------------------
    ("i_mean_of_logs", IWAE, lambda w: w.mean(-1), ("iwae_mean_instead_of_logsumexp",)),
    ("i_naive_logmeanexp", IWAE, lambda w: w.exp().mean(-1).log(), ("iwae_no_max_shift",)),
    ("i_missing_log_k", IWAE, lambda w: torch.logsumexp(w, -1), ("iwae_missing_log_k",)),
    ("i_wrong_dim", IWAE, lambda w: torch.logsumexp(w, 0) - math.log(w.shape[0]), ("iwae_wrong_dim",)),
    ("i_minus_k", IWAE, lambda w: torch.logsumexp(w, -1) - w.shape[-1], ("iwae_subtracts_k",)),
    ("i_max_only", IWAE, lambda w: w.max(-1).values - math.log(w.shape[-1]), ("iwae_max_only",)),
    ("i_softmax_weighted", IWAE, lambda w: (torch.softmax(w, -1) * w).sum(-1), ("iwae_weighted_mean_of_logs",)),
    ("i_negated_lse", IWAE, lambda w: -(torch.logsumexp(-w, -1) - math.log(w.shape[-1])), ("iwae_logsumexp_of_negated",)),
    ("i_batch_mean", IWAE, lambda w: (torch.logsumexp(w, -1) - math.log(w.shape[-1])).mean(), ("reduced_over_batch",)),
    ("i_max_not_added", IWAE, lambda w: torch.log(torch.exp(w - w.max(-1, keepdim=True).values).mean(-1)), ("iwae_max_not_added_back",)),
    ("i_fixed_shift_torch", IWAE, lambda w: torch.log(torch.exp(w + 50.0).mean(-1)), ("iwae_fixed_shift",)),
    ("i_fixed_shift_numpy", IWAE, lambda w: torch.tensor(np.log(np.mean(np.exp(w.detach().double().numpy() + 600), -1)), dtype=w.dtype), ("iwae_fixed_shift",)),
    ("i_plus_log_k", IWAE, lambda w: torch.logsumexp(w, -1) + math.log(w.shape[-1]), ("iwae_log_k_sign",)),
    ("i_loss_mean", IWAE, lambda w: -(torch.logsumexp(w, -1) - math.log(w.shape[-1])).mean(), ("reduced_over_batch",)),
    ("i_axis0_then_mean", IWAE, lambda w: (torch.logsumexp(w, 0) - math.log(w.shape[0])).mean(-1), ("reduced_over_batch", "iwae_wrong_dim")),
    ("i_keepdim", IWAE, lambda w: torch.logsumexp(w, -1, keepdim=True) - math.log(w.shape[-1]), ("values_right_shape_wrong",)),
    ("i_mean_of_logs_numpy", IWAE, lambda w: torch.tensor(w.detach().numpy().mean(-1)), ("iwae_mean_instead_of_logsumexp", "gradient_cut")),
    # --- evaluation_elbo ----------------------------------------------------------------------------
    ("v_beta_kept", EVAL, lambda r, k, beta: r - beta * k, ("eval_bound_includes_beta",)),
    ("v_training_loss", EVAL, lambda r, k, beta: beta * k - r, ("eval_reports_training_loss",)),
    ("v_negated", EVAL, lambda r, k, beta: k - r, ("eval_elbo_negated",)),
    ("v_kl_added", EVAL, lambda r, k, beta: r + k, ("kl_added",)),
    ("v_missing_kl", EVAL, lambda r, k, beta: r, ("eval_missing_kl",)),
    ("v_batch_mean", EVAL, lambda r, k, beta: (r - k).mean(), ("eval_batch_mean",)),
    ("v_beta_batch_mean", EVAL, lambda r, k, beta: (r - k * beta).mean(-1), ("eval_batch_mean", "eval_bound_includes_beta")),
    ("v_beta_batch_sum", EVAL, lambda r, k, beta: (r - beta * k).sum(), ("eval_batch_mean", "eval_bound_includes_beta")),
    ("v_loss_batch_mean", EVAL, lambda r, k, beta: -(r - k).mean(), ("eval_batch_mean", "eval_elbo_negated")),
    ("v_kl_over_beta", EVAL, lambda r, k, beta: r - k / beta, ("eval_bound_depends_on_beta",)),
    ("v_beta_on_recon", EVAL, lambda r, k, beta: beta * r - k, ("eval_bound_depends_on_beta",)),
    ("v_recon_sum_kl_mean", EVAL, lambda r, k, beta: -r.sum() + k.mean() * beta, ("eval_batch_mean",)),  # Zzznorlax/conv-vae core/metric.py
    ("v_divided_by_batch", EVAL, lambda r, k, beta: (r - k) / r.shape[0], ("divided_by_batch_size",)),
    ("v_numpy", EVAL, lambda r, k, beta: torch.tensor(r.detach().numpy() - k.detach().numpy()), ("gradient_cut",)),
]

CORRECT = [
    ("b_ok_logsigmoid", BERN, _b(lambda l, x: (x * _ls(l) + (1 - x) * _ls(-l)).sum(-1))),
    ("b_ok_td_no_validate", BERN, _b(lambda l, x: Bernoulli(logits=l, validate_args=False).log_prob(x).sum(-1))),
    ("b_ok_bce_with_logits", BERN, _b(lambda l, x: -F.binary_cross_entropy_with_logits(l, x, reduction="none").sum(dim=1))),
    ("b_ok_softplus_pair", BERN, _b(lambda l, x: -(x * F.softplus(-l) + (1 - x) * F.softplus(l)).sum(-1))),
    ("b_ok_xlogy_logits", BERN, _b(lambda l, x: (torch.xlogy(x, torch.ones_like(x)) + x * l - torch.logaddexp(torch.zeros_like(l), l)).sum(-1))),
    ("e_ok_tfsnippet", ELBO, lambda a, b, c: torch.mean((a + b) - c, dim=0)),
    ("e_ok_separate_means", ELBO, lambda a, b, c: a.mean(0) + b.mean(0) - c.mean(0)),
    ("e_ok_sum_over_l", ELBO, lambda a, b, c: (a + b - c).sum(0) / a.shape[0]),
    ("i_ok_logsumexp_mathlog", IWAE, lambda w: torch.logsumexp(w, -1) - math.log(w.shape[-1])),
    ("i_ok_manual_shift", IWAE, lambda w: (lambda m: m.squeeze(-1) + torch.log(torch.exp(w - m).mean(-1)))(w.max(-1, keepdim=True).values)),
    ("i_ok_log_softmax", IWAE, lambda w: (w - torch.log_softmax(w, -1))[..., 0] - math.log(w.shape[-1])),
    ("i_ok_tensor_log_k", IWAE, lambda w: torch.logsumexp(w, dim=1) - torch.log(torch.tensor(float(w.shape[1]), dtype=w.dtype))),
    ("v_ok_plain", EVAL, lambda r, k, beta: r - k),
    ("v_ok_weight_one", EVAL, lambda r, k, beta: r - 1.0 * k),
]


@pytest.mark.parametrize("cid,exercise,fn,want", NAMED, ids=[n[0] for n in NAMED])
def test_mutant_named(cid, exercise, fn, want):
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert not r.passed and r.score < r.max_score, r.feedback
    assert r.mistake in want, r.feedback


# the second mistake said beside the name: (exercise, answer, name, words the feedback must hold)
SECOND = [
    (BERN, lambda l, x: torch.log(torch.where(x == 1, torch.sigmoid(l), 1 - torch.sigmoid(l))), "bernoulli_no_sum", "targets treated as exactly 0 or 1"),
    (BERN, lambda l, x: ((x == 1).float() * _ls(l) + (x == 0).float() * _ls(-l)).sum(1).mean(), "reduced_over_batch", "targets treated as exactly 0 or 1"),
    (EVAL, lambda r, k, beta: -r.sum() + k.mean() * beta, "eval_batch_mean", "the training loss reported instead of the bound"),
    (EVAL, lambda r, k, beta: r.sum() - k.mean(), "eval_batch_mean", "reduced over the batch in different ways"),
]


@pytest.mark.parametrize("exercise,fn,want,words", SECOND, ids=[f"{s[0]}-{s[2]}-{i}" for i, s in enumerate(SECOND)])
def test_second_mistake_is_said(exercise, fn, want, words):
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert r.mistake == want and words in r.feedback, r.feedback


@pytest.mark.parametrize("cid,exercise,fn", CORRECT, ids=[c[0] for c in CORRECT])
def test_correct_form_passes(cid, exercise, fn):
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert r.passed and r.score == r.max_score, r.feedback


if __name__ == "__main__":
    right = 0
    for cid, exercise, fn, want in NAMED:
        r = check(exercise, fn, seed=SEED, quiet=True)
        ok = not r.passed and r.mistake in want
        right += ok
        print(f"{'ok ' if ok else 'BAD'} {cid:28s} {r.score}/{r.max_score} {r.mistake}  (want {'/'.join(want)})")
    print(f"named right: {right} / {len(NAMED)}")
    for cid, exercise, fn in CORRECT:
        r = check(exercise, fn, seed=SEED, quiet=True)
        print(f"{'ok ' if r.passed else 'BAD'} {cid:28s} {r.score}/{r.max_score} {r.mistake}")
