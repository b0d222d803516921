"""The checker, hardened with bugs learners report in public VAE code: each is caught and named at every seed.

Reports behind them (cited in the bank): a mean over latents or everything (keras-team/keras-io#270,
maxhodak/keras-molecules#59), a KL divided by the wrong constant (pytorch/examples#290), torch.rand for
torch.randn (graviraja/pytorch-sample-codes#3), NaN from log(0) (hwalsuklee/tensorflow-mnist-VAE#4), data
outside [0, 1] (pytorch/pytorch#36647), beta kept in the evaluation bound (jxhe/vae-lagging-encoder#9).
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from vaecourse.grading import check, get_exercise
from vaecourse.grading.observe import observe

SEEDS = (0, 1, 2, 3)


def _learner(fn):
    def answer(*args):
        return fn(*args)

    return answer


NEW_MISTAKES = [
    ("gaussian_kl", "kl_mean_over_latent"),
    ("gaussian_kl", "kl_mean_over_everything"),
    ("gaussian_kl", "divided_by_batch_size"),
    ("gaussian_kl", "kl_batch_mean"),
    ("bernoulli_log_likelihood", "bernoulli_accepts_invalid_data"),
    ("bernoulli_log_likelihood", "bernoulli_error_not_valueerror"),
    ("bernoulli_log_likelihood", "divided_by_batch_size"),
    ("bernoulli_log_likelihood", "bernoulli_mean_over_pixels"),
    ("reparameterize", "reparam_uniform_noise"),
    *[("evaluation_elbo", m.name) for m in get_exercise("evaluation_elbo").mistakes],
]


@pytest.mark.parametrize(("exercise_id", "mistake_name"), NEW_MISTAKES)
def test_scale_and_sampling_mistakes_are_named_at_every_seed(exercise_id, mistake_name):
    mistake = next(m for m in get_exercise(exercise_id).mistakes if m.name == mistake_name)
    for seed in SEEDS:
        for variant in mistake.variants:
            result = check(exercise_id, _learner(variant), seed=seed, quiet=True)
            assert result.mistake == mistake_name, (seed, result.feedback)
            assert f"section {mistake.section}" in result.feedback


@pytest.mark.parametrize("exercise_id", ["gaussian_kl", "bernoulli_log_likelihood"])
def test_random_cases_never_let_two_reductions_coincide(exercise_id):
    """B != D in every randomized case and no B or D repeats across them: a mean over D, a division by B and
    a mean over everything give different values somewhere, so the mistake made is the only one matching."""
    exercise = get_exercise(exercise_id)
    for seed in range(300):
        shapes = [tuple(c.args[0].shape) for c in exercise.make_cases(seed) if c.kind == "random"]
        assert all(b != d for b, d in shapes), (seed, shapes)
        assert len({b for b, _ in shapes}) == len(shapes) and len({d for _, d in shapes}) == len(shapes), (seed, shapes)
    by_name = {m.name: m for m in exercise.mistakes}
    pairs = (
        [("kl_mean_over_latent", "divided_by_batch_size")]
        if exercise_id == "gaussian_kl"
        else [("bernoulli_mean_over_pixels", "divided_by_batch_size")]
    )
    for a, b in pairs:
        for seed in SEEDS:
            cases = exercise.make_cases(seed)
            ra, rb = observe(by_name[a].variants[0], cases), observe(by_name[b].variants[0], cases)
            assert ra != rb, "two scale mistakes must not look alike on the whole set of cases"


def test_a_learner_mean_over_latents_is_named_at_every_seed():
    def kl_mean(mu, logvar):  # what keras-io#270 did: a mean over the latent dims
        return -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp(), dim=-1)

    for seed in range(8):
        assert check("gaussian_kl", kl_mean, seed=seed, quiet=True).mistake == "kl_mean_over_latent"


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_normal_noise_passes_and_uniform_noise_is_named_whatever_the_seed_of_the_draws(seed):
    """The kurtosis bound of the sampling case holds for normal noise and excludes (rescaled) uniform noise."""
    case = next(c for c in get_exercise("reparameterize").make_cases(0) if c.kind == "sampling")
    mu, logvar = case.args
    torch.manual_seed(seed)
    normal = case.summary(mu + torch.exp(0.5 * logvar) * torch.randn_like(mu))
    uniform = case.summary(mu + torch.exp(0.5 * logvar) * (torch.rand_like(mu) - 0.5) * math.sqrt(12))
    tolerances = case.summary_atol
    assert all(abs(s - e) <= t for s, e, t in zip(normal, case.expected_summary, tolerances))
    assert abs(uniform[0] - 1.0) <= tolerances[0] and abs(uniform[1] - 3.0) <= tolerances[1]  # moments fooled
    assert abs(uniform[2] - case.expected_summary[2]) > 2 * tolerances[2]  # the kurtosis is not


def test_uniform_noise_written_by_a_learner_is_named():
    def reparameterize(mu, logvar, eps=None):
        if eps is None:
            eps = torch.rand_like(mu)  # one letter short of randn_like
        return mu + torch.exp(0.5 * logvar) * eps

    result = check("reparameterize", reparameterize, seed=1, quiet=True)
    assert result.mistake == "reparam_uniform_noise" and "torch.randn_like" in result.feedback


def test_bernoulli_handwritten_forms_are_told_apart():
    def naive(logits, x):  # log(0) at saturated sigmoids: NaN at logits of +-100 with targets 0 and 1
        p = torch.sigmoid(logits)
        return (x * torch.log(p) + (1 - x) * torch.log(1 - p)).sum(-1)

    def no_check(logits, x):  # stable, but trains on pixels in [0, 255] without a word
        return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)

    def asserts(logits, x):
        assert ((x >= 0) & (x <= 1)).all()
        return (x * logits - F.softplus(logits)).sum(-1)

    def complete(logits, x):
        if bool(((x < 0) | (x > 1)).any()):
            raise ValueError(f"x must lie in [0, 1], found {x.min().item()} to {x.max().item()}")
        return (x * logits - F.softplus(logits)).sum(-1)

    expected = {
        naive: ("bernoulli_unstable_log_sigmoid", 1.0),
        no_check: ("bernoulli_accepts_invalid_data", 1.0),
        asserts: ("bernoulli_error_not_valueerror", 1.5),
        complete: (None, 2.0),
    }
    for fn, (name, score) in expected.items():
        result = check("bernoulli_log_likelihood", fn, seed=2, quiet=True)
        assert (result.mistake, result.score) == (name, score), result.feedback
    passed = check("bernoulli_log_likelihood", complete, seed=2, quiet=True)
    assert passed.passed and "refuses invalid input with a clear error" in passed.feedback


def test_the_reference_refuses_the_invalid_cases_with_a_value_error():
    cases = [c for c in get_exercise("bernoulli_log_likelihood").make_cases(0) if c.kind == "invalid"]
    assert len(cases) == 2 and all(c.raises == "ValueError" for c in cases)
    for case in cases:
        logits, x = case.args
        assert ((x < 0) | (x > 1)).any()
        with pytest.raises(ValueError, match=r"\[0, 1\]"):
            get_exercise("bernoulli_log_likelihood").reference(logits, x)


def test_the_evaluation_bound_ignores_beta_and_a_beta_weighted_one_is_named():
    def with_weight(recon, kl, beta):  # the training objective reported as the bound
        return recon - beta * kl

    def right(recon, kl, beta):
        return recon - kl

    assert check("evaluation_elbo", right, seed=0, quiet=True).passed
    for seed in SEEDS:
        result = check("evaluation_elbo", with_weight, seed=seed, quiet=True)
        assert result.mistake == "eval_bound_includes_beta" and "s5-evaluation" in result.feedback
    betas = [c.args[2] for c in get_exercise("evaluation_elbo").make_cases(0)]
    assert any(b < 1 for b in betas) and any(b > 1 for b in betas) and 1.0 in betas  # annealing, beta-VAE, plain
