"""Mutation sweep of two families: log-likelihoods, KLs and bounds in another log base, and logits read as probabilities.

Wrong answers written the way people write them:

- a log-density, KL or bound computed with log10 or log2, or divided by ln 2 to report bits, where the course's
  quantities are natural logs in nats (issue 21's list: the practice prompts' "natural log / nats" convention), in
  every exercise whose answer is one (bernoulli_log_likelihood, gaussian_kl, elbo_from_log_densities,
  evaluation_elbo, iwae_bound, free_bits_kl);
- the Bernoulli decoder's logits passed where probabilities belong: binary_cross_entropy on clamped logits
  (NM512/dreamerv3-torch#29 clamps the same way), log(logits) by hand, Bernoulli(probs=logits), and
  binary_cross_entropy(logits, x), which torch refuses ("all elements of input should be between 0 and 1").

Each mutant must be rejected with the name given (and, where given, words of the note); every correct
style must pass. The seed is the one the real-bug collection uses.
"""

import math

import pytest
import torch
import torch.nn.functional as F

from vaecourse.grading import check

SEED = 2101
LN2, LN10 = math.log(2), math.log(10)
BL, K, EL, EV, IW, FB = (
    "bernoulli_log_likelihood", "gaussian_kl", "elbo_from_log_densities", "evaluation_elbo", "iwae_bound", "free_bits_kl",
)
BASE = "log_base_not_natural"


def _checked(fn):
    def bernoulli_log_likelihood(logits, x):
        if x.min() < 0 or x.max() > 1:
            raise ValueError("x must be in [0, 1]")
        return fn(logits, x)

    return bernoulli_log_likelihood


def _bern_log(log):
    @_checked
    def bernoulli_log_likelihood(logits, x):
        p = torch.sigmoid(logits)
        return (x * log(p) + (1 - x) * log(1 - p)).sum(-1)

    return bernoulli_log_likelihood


def _kl(scale=1.0):
    def gaussian_kl(mu, logvar):
        return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=-1) * scale

    return gaussian_kl


MUTANTS = {
    "bern_log10": (BL, _bern_log(torch.log10), BASE, "base-10"),
    "bern_log2": (BL, _bern_log(torch.log2), BASE, "bits"),
    "bern_bce_bits": (BL, _checked(lambda l, x: -F.binary_cross_entropy_with_logits(l, x, reduction="none").sum(-1) / LN2), BASE, "bits"),
    "bern_logsigmoid_log10e": (BL, _checked(lambda l, x: (x * F.logsigmoid(l) + (1 - x) * F.logsigmoid(-l)).sum(-1) * math.log10(math.e)), BASE, "base-10"),
    "kl_bits": (K, _kl(1 / LN2), BASE, "bits"),
    "kl_log10": (K, _kl(1 / LN10), BASE, "base-10"),
    "kl_times_ln2": (K, _kl(LN2), BASE, "ln 2"),
    "elbo_bits": (EL, lambda a, b, c: (a + b - c).mean(0) / LN2, BASE, "bits"),
    "elbo_times_ln10": (EL, lambda a, b, c: (a + b - c).mean(0) * LN10, BASE, "ln 10"),
    "eval_bits": (EV, lambda r, k, beta: (r - k) / LN2, BASE, "bits"),
    "iwae_log2": (IW, lambda w: (torch.logsumexp(w, -1) - math.log(w.shape[-1])) / LN2, BASE, "bits"),
    "iwae_log10_mean_exp": (IW, lambda w: torch.log10(torch.exp(w).mean(-1)), BASE, "base-10"),
    "free_bits_in_bits": (FB, lambda kl, fb: torch.clamp(kl.mean(0), min=fb).sum() / LN2, BASE, "bits"),
    "bern_bce_clamped_logits": (
        BL, _checked(lambda l, x: -F.binary_cross_entropy(l.clamp(1e-6, 1 - 1e-6), x, reduction="none").sum(-1)),
        "bernoulli_logits_as_probabilities", "",
    ),
    "bern_log_clamped_logits": (
        BL, _checked(lambda l, x: (x * torch.log(l.clamp(1e-7, 1 - 1e-7)) + (1 - x) * torch.log(1 - l.clamp(1e-7, 1 - 1e-7))).sum(-1)),
        "bernoulli_logits_as_probabilities", "",
    ),
    "bern_log_logits": (BL, _checked(lambda l, x: (x * torch.log(l) + (1 - x) * torch.log(1 - l)).sum(-1)), "bernoulli_logits_as_probabilities", ""),
    "bern_bce_raises": (BL, _checked(lambda l, x: -F.binary_cross_entropy(l, x, reduction="none").sum(-1)), "bernoulli_logits_as_probabilities", ""),
    "bern_distribution_probs": (
        BL, _checked(lambda l, x: torch.distributions.Bernoulli(probs=l).log_prob(x).sum(-1)), "bernoulli_logits_as_probabilities", "",
    ),
    "bern_sigmoid_twice": (
        BL, _checked(lambda l, x: -F.binary_cross_entropy(torch.sigmoid(torch.sigmoid(l)), x, reduction="none").sum(-1)),
        "bernoulli_sigmoid_twice", "",
    ),
}

CORRECT = {
    "bern_logsigmoid": (BL, _checked(lambda l, x: (x * F.logsigmoid(l) + (1 - x) * F.logsigmoid(-l)).sum(-1))),
    "bern_bce_with_logits": (BL, _checked(lambda l, x: -F.binary_cross_entropy_with_logits(l, x, reduction="none").sum(-1))),
    "bern_distribution": (BL, _checked(lambda l, x: torch.distributions.Bernoulli(logits=l, validate_args=False).log_prob(x).sum(-1))),
    "kl": (K, _kl()),
    "kl_log2_back_to_nats": (K, lambda mu, lv: _kl(1 / LN2)(mu, lv) * LN2),
    "elbo": (EL, lambda a, b, c: (a + b - c).mean(0)),
    "eval": (EV, lambda r, k, beta: r - k),
    "iwae": (IW, lambda w: torch.logsumexp(w, -1) - math.log(w.shape[-1])),
    "free_bits": (FB, lambda kl, fb: torch.clamp(kl.mean(0), min=fb).sum()),
}


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_named(name):
    exercise, fn, expected, words = MUTANTS[name]
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert not r.passed, name
    assert r.mistake == expected, (name, r.mistake, r.feedback)
    assert words in r.feedback, (name, r.feedback)


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_style_is_accepted(name):
    exercise, fn = CORRECT[name]
    r = check(exercise, fn, seed=SEED, quiet=True)
    assert r.passed and r.score == r.max_score, (name, r.feedback)
