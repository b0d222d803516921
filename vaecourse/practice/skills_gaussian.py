r"""Practice skills of session 4: the Gaussian KL to the prior and the Bernoulli log-likelihood from logits.

.. math:: \mathrm{KL}(q\,\|\,p) = \tfrac12 \sum_j (\mu_j^2 + \sigma_j^2 - \log\sigma_j^2 - 1), \qquad
          \log p(x\mid\ell) = \sum_i \big(x_i \ell_i - \log(1 + e^{\ell_i})\big)
"""

from __future__ import annotations


import random

import torch.nn.functional as F

from ..core.kl import gaussian_kl
from ..core.likelihoods import bernoulli_log_likelihood
from ..grading.mistakes import practice
from ._draws import grid, tensor64
from .skill import OneOf, Problem, Range, Skill, fmt, fmt_seq, par

# --- the Gaussian KL (s4) -------------------------------------------------------------------------


def _kl_level(dims, given, mu, variances):
    return {
        "dims": Range(*dims),
        "given": OneOf(given),
        "max_abs_mu": Range(0, mu),
        "min_variance": Range(*variances),
        "max_variance": Range(*variances),
    }


_KL_LEVELS = {  # hard: sigma in [0.2, 2.7] or s in [-3, 2] give variances in [0.04, 7.39]; a conversion is needed
    "easy": _kl_level((1, 2), ("variance",), 2, (0.25, 4)),
    "medium": _kl_level((2, 3), ("variance",), 3, (0.1, 5)),
    "hard": _kl_level((3, 4), ("std", "log-variance"), 3, (0.04, 7.4)),
}


def _draw_kl(rng: random.Random, level: str) -> dict:
    if level == "easy":
        d = rng.randint(1, 2)
        return {
            "mu": [grid(rng, -2, 2, 0.5) for _ in range(d)],
            "variance": [rng.choice((0.25, 0.5, 1.0, 2.0, 4.0)) for _ in range(d)],
        }
    if level == "medium":
        d = rng.randint(2, 3)
        return {
            "mu": [grid(rng, -3, 3, 0.1) for _ in range(d)],
            "variance": [grid(rng, 0.1, 5, 0.05) for _ in range(d)],
        }
    d = rng.randint(3, 4)
    mu = [grid(rng, -3, 3, 0.1) for _ in range(d)]
    if rng.random() < 0.5:
        return {"mu": mu, "std": [grid(rng, 0.2, 2.7, 0.05) for _ in range(d)]}
    return {"mu": mu, "logvar": [grid(rng, -3, 2, 0.1) for _ in range(d)]}


def _solve_kl(inputs: dict, level: str) -> Problem:
    mu = tensor64(inputs["mu"])
    if "variance" in inputs:
        given, var = "variance", tensor64(inputs["variance"])
        stated, convert = f"sigma^2 = {fmt_seq(inputs['variance'])}", ""
    elif "std" in inputs:
        given, var = "std", tensor64(inputs["std"]).pow(2)
        stated = f"standard deviations sigma = {fmt_seq(inputs['std'])}"
        convert = f"First the variances: sigma^2 = {fmt_seq(var.tolist())}.\n"
    else:
        given, var = "log-variance", tensor64(inputs["logvar"]).exp()
        stated = f"log-variances s = log sigma^2 = {fmt_seq(inputs['logvar'])}"
        convert = f"First the variances: sigma^2 = exp(s) = {fmt_seq(var.tolist())}, and log sigma^2 = s itself.\n"
    logvar = var.log()
    kl = float(gaussian_kl(mu[None], logvar[None])[0])
    d = len(inputs["mu"])
    terms = mu.pow(2) + var - logvar - 1.0  # (D,)
    lines = [
        f"  j={j + 1}: {par(m)}^2 + {fmt(v)} - log({fmt(v)}) - 1 = {fmt(t)}"
        for j, (m, v, t) in enumerate(zip(mu.tolist(), var.tolist(), terms.tolist()))
    ]
    worked = (
        f"KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1).\n{convert}Per dimension:\n"
        + "\n".join(lines)
        + f"\nSum = {fmt(float(terms.sum()))}; KL = {fmt(float(terms.sum()))} / 2 = {fmt(kl)}."
    )
    prompt = (
        f"q(z|x) = N(mu, diag(sigma^2)) with {d} latent dimension{'s' if d > 1 else ''}: mu = {fmt_seq(inputs['mu'])}, "
        f"{stated}. Compute KL(q || N(0, I)) in nats (natural logarithms)."
    )

    def kl_with(v, half=0.5, minus=1.0, log_sign=1.0):
        return (half * (mu.pow(2) + v - log_sign * v.log() - minus).sum().item(),)

    sigma = var.sqrt()
    mistakes = []
    if given != "log-variance":  # from log-variances, sigma as the variance is exp(s / 2): see below
        mistakes.append(practice("kl_sigma_instead_of_variance", *kl_with(sigma)))
    mistakes += [
        practice("kl_missing_half", *kl_with(var, half=1.0)),
        practice("kl_missing_minus_one", *kl_with(var, minus=0.0)),
        practice("kl_log_term_sign", *kl_with(var, log_sign=-1.0)),
    ]
    if given == "variance":  # sigma^2 taken as sigma and squared again: the same entry, a second value
        mistakes.append(practice("kl_sigma_instead_of_variance", *kl_with(var.pow(2))))
    if given == "log-variance":
        mistakes.append(practice("kl_sigma_instead_of_variance", *kl_with((0.5 * logvar).exp())))
    if d > 1:
        mistakes.append(practice("kl_mean_over_latent", kl / d))
    features = {
        "dims": d,
        "given": given,
        "max_abs_mu": float(mu.abs().max()),
        "min_variance": float(var.min()),
        "max_variance": float(var.max()),
    }
    return Problem(prompt, (kl,), "a number", worked, features, tuple(mistakes))


# --- the Bernoulli log-likelihood (s4) ------------------------------------------------------------

_BERN_LEVELS = {
    "easy": {"pixels": Range(2, 3), "targets": OneOf(("binary",)), "max_abs_logit": Range(0, 3)},
    "medium": {"pixels": Range(3, 4), "targets": OneOf(("binary",)), "max_abs_logit": Range(0, 4)},
    "hard": {"pixels": Range(4, 5), "targets": OneOf(("grey",)), "max_abs_logit": Range(8, 30)},
}


def _draw_bern(rng: random.Random, level: str) -> dict:
    if level == "easy":
        d = rng.randint(2, 3)
        return {
            "logits": [float(rng.randint(-3, 3)) for _ in range(d)],
            "x": [float(rng.randint(0, 1)) for _ in range(d)],
        }
    if level == "medium":
        d = rng.randint(3, 4)
        return {"logits": [grid(rng, -4, 4, 0.1) for _ in range(d)], "x": [float(rng.randint(0, 1)) for _ in range(d)]}
    d = rng.randint(4, 5)
    logits = [grid(rng, -4, 4, 0.1) for _ in range(d - 1)] + [rng.choice((-1, 1)) * grid(rng, 8, 30, 0.5)]
    rng.shuffle(logits)
    return {"logits": logits, "x": [grid(rng, 0.05, 0.95, 0.05) for _ in range(d)]}


def _solve_bern(inputs: dict, level: str) -> Problem:
    logits, x = tensor64(inputs["logits"]), tensor64(inputs["x"])
    value = float(bernoulli_log_likelihood(logits[None], x[None])[0])
    per_pixel = x * logits - F.softplus(logits)  # (D,)
    worked = (
        "log p(x|l) = sum_i (x_i l_i - softplus(l_i)), softplus(l) = log(1 + e^l) (stable: never form sigmoid(l)).\n"
        + "\n".join(
            f"  i={i + 1}: {fmt(a)} * {par(b)} - softplus({fmt(b)}) = {fmt(t)}"
            for i, (a, b, t) in enumerate(zip(x.tolist(), logits.tolist(), per_pixel.tolist()))
        )
        + f"\nSum = {fmt(value)}."
    )
    kind = "binary pixels" if level != "hard" else "grey pixels"
    grey = (
        " The targets are grey levels in [0, 1]: put each x_i as it is (not binarized) into the usual Bernoulli "
        "log-likelihood formula, as VAEs trained on grey MNIST do."
        if level == "hard"
        else ""
    )
    prompt = (
        f"A decoder outputs the logits l = {fmt_seq(inputs['logits'])} (p_i = sigmoid(l_i) = 1 / (1 + e^(-l_i))) for an image "
        f"of {len(inputs['x'])} {kind} x = {fmt_seq(inputs['x'])}.{grey} Compute log p(x | l) under independent "
        "Bernoullis (natural log, summed over pixels)."
    )
    d = len(inputs["x"])
    mistakes = [
        practice("bernoulli_sign_flipped", -value),
        practice("bernoulli_mean_over_pixels", value / d),
        practice("bernoulli_missing_second_term", float((x * F.logsigmoid(logits)).sum())),
    ]
    features = {
        "pixels": d,
        "targets": "binary" if level != "hard" else "grey",
        "max_abs_logit": float(logits.abs().max()),
    }
    return Problem(prompt, (value,), "a number", worked, features, tuple(mistakes))


SKILLS = (
    Skill(
        "gaussian_kl",
        "s4",
        "the Gaussian KL to the prior",
        "s4-closed-form-kl",
        _KL_LEVELS,
        _draw_kl,
        _solve_kl,
        ("KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1): convert to variances first.",),
    ),
    Skill(
        "bernoulli_log_likelihood",
        "s4",
        "a Bernoulli log-likelihood from logits",
        "s4-likelihoods",
        _BERN_LEVELS,
        _draw_bern,
        _solve_bern,
        ("x l - log(1 + e^l) per pixel; for a large logit l, log(1 + e^l) is l + log(1 + e^-l).",),
    ),
)
