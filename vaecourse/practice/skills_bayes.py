r"""Practice skills of session 1: a conjugate Gaussian posterior, a Monte Carlo estimate with its error, a discrete KL.

.. math:: \frac{1}{v_n} = \frac{1}{v_0} + \frac{n}{\sigma^2},\quad m_n = v_n\Big(\frac{m_0}{v_0} + \frac{\sum_i x_i}{\sigma^2}\Big),
          \qquad \mathrm{SE} = \frac{s}{\sqrt n},\qquad \mathrm{KL}(q\,\|\,p) = \sum_k q_k \log\frac{q_k}{p_k}
"""

from __future__ import annotations


import math
import random

import torch

from ..core.kl import categorical_kl
from ..core.montecarlo import monte_carlo_estimate
from ..grading.mistakes import practice
from ._draws import grid, probabilities
from .skill import OneOf, Problem, Range, Skill, fmt, fmt_seq, par

# --- the conjugate Gaussian posterior -------------------------------------------------------------

_POST_LEVELS = {
    "easy": {"observations": Range(1, 1), "prior_mean": Range(0, 0), "given": OneOf(("variance",))},
    "medium": {"observations": Range(2, 4), "prior_mean": Range(-2, 2), "given": OneOf(("variance",))},
    "hard": {"observations": Range(3, 5), "prior_mean": Range(-2, 2), "given": OneOf(("std",))},
}


def _draw_post(rng: random.Random, level: str) -> dict:
    n = {"easy": 1, "medium": rng.randint(2, 4), "hard": rng.randint(3, 5)}[level]
    inputs = {
        "m0": 0.0 if level == "easy" else grid(rng, -2, 2, 0.5),
        "x": [grid(rng, -3, 3, 0.5 if level == "easy" else 0.1) for _ in range(n)],
    }
    if level == "hard":
        inputs |= {"prior_std": grid(rng, 0.5, 2, 0.25), "noise_std": grid(rng, 0.5, 2, 0.25)}
    else:
        choices = (0.5, 1.0, 2.0, 4.0) if level == "easy" else tuple(0.25 * k for k in range(2, 17))
        inputs |= {"v0": rng.choice(choices), "noise_var": rng.choice(choices)}
    return inputs


def _solve_post(inputs: dict, level: str) -> Problem:
    hard = "prior_std" in inputs
    v0 = inputs["prior_std"] ** 2 if hard else inputs["v0"]
    s2 = inputs["noise_std"] ** 2 if hard else inputs["noise_var"]
    x = torch.tensor(inputs["x"], dtype=torch.float64)
    n, total, m0 = x.numel(), float(x.sum()), inputs["m0"]

    def posterior(prior_precision, data_precision, data_total):
        precision = prior_precision + data_precision
        return (m0 * prior_precision + data_total) / precision, 1.0 / precision

    mean, var = posterior(1 / v0, n / s2, total / s2)
    if hard:
        prior = (
            f"N(m0, sd0^2) with prior mean m0 = {fmt(m0)} and prior standard deviation sd0 = {fmt(inputs['prior_std'])}"
        )
    else:
        prior = f"N(m0, v0) with prior mean m0 = {fmt(m0)} and prior variance v0 = {fmt(v0)}"
    noise = f"standard deviation sigma = {fmt(inputs['noise_std'])}" if hard else f"variance sigma^2 = {fmt(s2)}"
    data = f"x = {fmt_seq(inputs['x'])}" if n > 1 else f"x = {fmt(inputs['x'][0])}"
    prompt = (
        f"A priori, theta ~ {prior}. Given theta, the observations are independent, each N(theta, sigma^2) with known noise {noise}. "
        f"Having observed {data}, give the posterior mean and variance of theta."
    )
    convert = f"Variances first: v0 = {fmt(v0)}, sigma^2 = {fmt(s2)}.\n" if hard else ""
    worked = (
        f"{convert}Precisions add: 1/v_n = 1/v0 + n/sigma^2 = {fmt(1 / v0)} + {n}/{fmt(s2)} = {fmt(1 / var)}, "
        f"so v_n = {fmt(var)}.\nm_n = v_n (m0/v0 + sum_i x_i/sigma^2) = {fmt(var)} * ({fmt(m0 / v0)} + {par(total)}/{fmt(s2)}) = {fmt(mean)}."
    )
    mistakes = [
        practice("posterior_ignores_prior", total / n, s2 / n),
        practice("posterior_returns_std", mean, math.sqrt(var)),
        practice("posterior_returns_precision", mean, 1 / var),
    ]
    if n > 1:
        mistakes.append(practice("posterior_forgets_n", *posterior(1 / v0, 1 / s2, total / n / s2)))
    if hard:
        mistakes.append(
            practice(
                "posterior_std_as_variance",
                *posterior(1 / inputs["prior_std"], n / inputs["noise_std"], total / inputs["noise_std"]),
            )
        )
    features = {"observations": n, "prior_mean": m0, "given": "std" if hard else "variance"}
    return Problem(prompt, (mean, var), "a pair (mean, variance)", worked, features, tuple(mistakes))


# --- a Monte Carlo estimate and its standard error ------------------------------------------------

_MC_LEVELS = {
    "easy": {"samples": Range(4, 5), "decimals": Range(0, 0), "asks_samples_needed": OneOf((False,))},
    "medium": {"samples": Range(6, 8), "decimals": Range(1, 1), "asks_samples_needed": OneOf((False,))},
    "hard": {"samples": Range(8, 10), "decimals": Range(1, 1), "asks_samples_needed": OneOf((True,))},
}


def _draw_mc(rng: random.Random, level: str) -> dict:
    n = {"easy": rng.randint(4, 5), "medium": rng.randint(6, 8), "hard": rng.randint(8, 10)}[level]
    values = [float(rng.randint(0, 10)) if level == "easy" else grid(rng, -5, 5, 0.1) for _ in range(n)]
    return {"values": values, "shrink": rng.randint(2, 4) if level == "hard" else 1}


def _solve_mc(inputs: dict, level: str) -> Problem:
    values = torch.tensor(inputs["values"], dtype=torch.float64)
    estimate = monte_carlo_estimate(values)
    n, mean, se, k = estimate.num_samples, estimate.mean, estimate.standard_error, inputs["shrink"]
    std = se * math.sqrt(n)
    ask = (
        f"The values f(z_i) of {n} independent draws z_i ~ p are {fmt_seq(inputs['values'])}. Give the Monte Carlo "
        "estimate of E_p[f(z)] and its standard error, estimating the standard deviation of f by the sample standard "
        "deviation (the one that divides by n - 1)"
    )
    answer, form = (mean, se), "a pair (estimate, standard error)"
    worked = (
        f"Estimate = mean = {fmt(mean)}. Sample standard deviation (dividing by n - 1 = {n - 1}): s = {fmt(std)}.\n"
        f"Standard error = s / sqrt(n) = {fmt(std)} / sqrt({n}) = {fmt(se)}."
    )
    if k > 1:
        ask += f", and how many draws in all would make the standard error {k} times smaller (for the same standard deviation of f)"
        answer, form = (mean, se, float(n * k * k)), "a triple (estimate, standard error, draws needed)"
        worked += (
            f"\nThe error falls like 1/sqrt(n): {k} times smaller needs {k}^2 = {k * k} times the draws, {n * k * k}."
        )
    def with_se(value, needed=float(n * k * k)):
        return (mean, value, needed)[: len(answer)]

    mistakes = [
        practice("se_population_std", *with_se(std * math.sqrt((n - 1) / n) / math.sqrt(n))),
        practice("se_missing_sqrt_n", *with_se(std)),
        practice("se_divided_by_n", *with_se(std / n)),
    ]
    if k > 1:
        mistakes.append(practice("mc_error_linear_in_n", *with_se(se, float(n * k))))
    features = {"samples": n, "decimals": 0 if level == "easy" else 1, "asks_samples_needed": k > 1}
    return Problem(ask + ".", answer, form, worked, features, tuple(mistakes))


# --- a discrete KL divergence ---------------------------------------------------------------------

_DKL_LEVELS = {
    "easy": {"outcomes": Range(2, 2), "both_directions": OneOf((False,)), "min_probability": Range(0.05, 1)},
    "medium": {"outcomes": Range(3, 3), "both_directions": OneOf((False,)), "min_probability": Range(0.05, 1)},
    "hard": {"outcomes": Range(4, 4), "both_directions": OneOf((True,)), "min_probability": Range(0.05, 1)},
}


def _draw_dkl(rng: random.Random, level: str) -> dict:
    k = {"easy": 2, "medium": 3, "hard": 4}[level]
    return {"q": probabilities(rng, k), "p": probabilities(rng, k)}


def _solve_dkl(inputs: dict, level: str) -> Problem:
    q, p = (torch.tensor(inputs[n], dtype=torch.float64) for n in ("q", "p"))
    forward, backward = float(categorical_kl(q, p)), float(categorical_kl(p, q))
    both = level == "hard"
    prompt = (
        f"Two distributions over {q.numel()} outcomes: q = {fmt_seq(inputs['q'])} and p = {fmt_seq(inputs['p'])}. "
        + ("Compute KL(q || p) and KL(p || q)" if both else "Compute KL(q || p)")
        + " in nats (natural logarithms)."
    )
    terms = "\n".join(
        f"  k={i + 1}: {fmt(a)} * log({fmt(a)}/{fmt(b)}) = {fmt(a * math.log(a / b))}"
        for i, (a, b) in enumerate(zip(q.tolist(), p.tolist()))
    )
    worked = f"KL(q || p) = sum_k q_k log(q_k / p_k):\n{terms}\nSum = {fmt(forward)} nats."
    if both:
        worked += f"\nThe same with the roles swapped gives KL(p || q) = {fmt(backward)}: the KL is not symmetric."
    answer = (forward, backward) if both else (forward,)
    mistakes = [
        practice("kl_in_bits", *(v / math.log(2) for v in answer)),
        practice(
            "kl_log_ratios_unweighted",
            float((q / p).log().sum()),
            *((float((p / q).log().sum()),) if both else ()),
        ),
        practice("kl_direction_reversed", *((backward, forward) if both else (backward,))),
    ]
    features = {"outcomes": q.numel(), "both_directions": both, "min_probability": float(torch.cat([q, p]).min())}
    return Problem(
        prompt, answer, "a pair (KL(q || p), KL(p || q))" if both else "a number", worked, features, tuple(mistakes)
    )


SKILLS = (
    Skill(
        "conjugate_posterior",
        "s1",
        "a conjugate Gaussian posterior",
        "s1-conjugate-example",
        _POST_LEVELS,
        _draw_post,
        _solve_post,
        ("Precisions (1 / variances) add: 1/v_n = 1/v0 + n/sigma^2; the mean is the precision-weighted average.",),
    ),
    Skill(
        "mc_standard_error",
        "s1",
        "a Monte Carlo estimate and its standard error",
        "s1-monte-carlo",
        _MC_LEVELS,
        _draw_mc,
        _solve_mc,
        ("The estimate is the sample mean; its standard error is the sample standard deviation (n - 1) over sqrt(n).",),
    ),
    Skill(
        "discrete_kl",
        "s1",
        "a KL divergence between discrete distributions",
        "s1-kl-divergence",
        _DKL_LEVELS,
        _draw_dkl,
        _solve_dkl,
        ("KL(q || p) = sum_k q_k log(q_k / p_k), natural logs.",),
    ),
)
