r"""Practice skills of session 5: the IWAE bound from log-weights, and the objective versus the number to report.

.. math:: \mathcal L_K = \log \frac1K \sum_k e^{\log w_k}, \qquad \text{objective} = \text{recon} - \beta w_t\,\mathrm{KL},
          \qquad \text{reported ELBO} = \text{recon} - \mathrm{KL}
"""

from __future__ import annotations


import math
import random

from ..core.bounds import ElboTerms, iwae_bound
from ..grading.mistakes import practice
from ..training.loop import kl_annealing_weight
from ._draws import grid, tensor64
from .skill import OneOf, Problem, Range, Skill, fmt, fmt_seq

# --- the IWAE bound (s5) --------------------------------------------------------------------------

_IWAE_LEVELS = {
    "easy": {"samples": Range(2, 2), "max_abs_log_weight": Range(0, 6), "asks_elbo": OneOf((False,))},
    "medium": {"samples": Range(3, 4), "max_abs_log_weight": Range(0, 12), "asks_elbo": OneOf((True,))},
    "hard": {"samples": Range(4, 5), "max_abs_log_weight": Range(80, 100), "asks_elbo": OneOf((True,))},
}
# Hard log-weights lie near -90 nats, where a relative tolerance of 1e-3 is 0.09 nats and would pass the
# shortcut max_k log w_k - log K; the hard level checks to 0.01 nats instead. Its values stay above -100,
# so an answer rounded to four significant digits (two decimals) is within 0.005 nats and still passes.
_IWAE_HARD_ATOL = 0.01


def _draw_iwae(rng: random.Random, level: str) -> dict:
    if level == "easy":
        return {"log_w": [float(rng.randint(-6, 0)) for _ in range(2)]}
    if level == "medium":
        return {"log_w": [grid(rng, -12, 0, 0.1) for _ in range(rng.randint(3, 4))]}
    centre = -float(rng.randint(85, 95))
    return {"log_w": [round(centre + grid(rng, -4, 4, 0.1), 1) for _ in range(rng.randint(4, 5))]}


def _solve_iwae(inputs: dict, level: str) -> Problem:
    log_w = tensor64(inputs["log_w"])
    k = log_w.numel()
    bound = float(iwae_bound(log_w[None])[0])
    elbo = float(log_w.mean())
    m = float(log_w.max())
    asks_elbo = level != "easy"
    prompt = (
        f"K = {k} importance samples of one data point have log-weights log w_k = {fmt_seq(inputs['log_w'])} "
        "(natural logs, in nats). Compute the IWAE bound L_K"
    )
    prompt += " and the average of the log-weights (the K-sample ELBO estimate)." if asks_elbo else "."
    shifted = ", ".join(fmt(math.exp(v - m)) for v in log_w.tolist())
    worked = (
        f"L_K = log((1/K) sum_k w_k). Shift by the largest log-weight m = {fmt(m)} so nothing overflows:\n"
        f"w_k / e^m = ({shifted}); L_K = m + log(mean of those) = {fmt(m)} + log({fmt(math.exp(bound - m))}) = {fmt(bound)}."
    )
    if asks_elbo:
        worked += f"\nELBO estimate = mean_k log w_k = {fmt(elbo)} <= L_K (Jensen)."

    def out(b, e=elbo):
        return (b, e) if asks_elbo else (b,)

    answer = out(bound)
    mistakes = [
        practice("iwae_missing_log_k", *out(bound + math.log(k))),
        practice("iwae_subtracts_k", *out(bound + math.log(k) - k)),
        practice("iwae_max_only", *out(m - math.log(k))),
    ]
    if asks_elbo:
        mistakes.append(practice("iwae_bound_and_elbo_swapped", elbo, bound))
    else:
        mistakes.append(practice("iwae_mean_instead_of_logsumexp", elbo))
    features = {"samples": k, "max_abs_log_weight": float(log_w.abs().max()), "asks_elbo": asks_elbo}
    tolerance = {"rtol": 0.0, "atol": _IWAE_HARD_ATOL} if level == "hard" else {}
    form = "a pair (L_K, ELBO estimate)" if asks_elbo else "a number"
    return Problem(prompt, answer, form, worked, features, tuple(mistakes), **tolerance)


# --- the number to report (s5) --------------------------------------------------------------------

_REPORT_LEVELS = {
    "easy": {"examples": Range(1, 1), "weighting": OneOf(("beta",))},
    "medium": {"examples": Range(1, 1), "weighting": OneOf(("annealing",))},
    "hard": {"examples": Range(3, 4), "weighting": OneOf(("beta and annealing",))},
}


def _draw_report(rng: random.Random, level: str) -> dict:
    b = 1 if level != "hard" else rng.randint(3, 4)
    inputs = {"recon": [grid(rng, -140, -60, 0.5) for _ in range(b)], "kl": [grid(rng, 2, 30, 0.5) for _ in range(b)]}
    inputs["beta"] = 1.0 if level == "medium" else rng.choice((0.5, 2.0, 4.0, 6.0, 10.0))
    warmup = rng.choice((1000, 2000, 5000, 10000))
    inputs |= (
        {"warmup": warmup, "step": rng.randint(1, 19) * warmup // 10} if level != "easy" else {"warmup": 0, "step": 0}
    )
    return inputs


def _solve_report(inputs: dict, level: str) -> Problem:
    recon, kl = tensor64(inputs["recon"]), tensor64(inputs["kl"])
    weight = kl_annealing_weight(inputs["step"], inputs["warmup"]) * inputs["beta"]
    terms = ElboTerms(recon, kl, weight)
    objective, elbo = float(terms.objective.mean()), float(terms.elbo.mean())
    b = recon.numel()
    data = (
        f"reconstruction term E_q[log p(x|z)] = {fmt(inputs['recon'][0])} and KL = {fmt(inputs['kl'][0])}"
        if b == 1
        else f"{b} test images with reconstruction terms {fmt_seq(inputs['recon'])} and KLs {fmt_seq(inputs['kl'])}"
    )
    how = {
        "easy": f"a beta-VAE with beta = {fmt(inputs['beta'])} (the KL weight is beta)",
        "medium": f"a VAE with linear KL warm-up over {inputs['warmup']} steps (the KL weight is min(1, t / {inputs['warmup']})), now at step t = {inputs['step']}",
        "hard": (
            f"a beta-VAE (beta = {fmt(inputs['beta'])}) whose KL weight also warms up linearly over {inputs['warmup']} steps "
            f"(the KL weight is beta * min(1, t / {inputs['warmup']})), now at step t = {inputs['step']}"
        ),
    }[level]
    average = " (averaged over the images)" if b > 1 else ""
    prompt = (
        f"During training of {how}: {data} (in nats). Give{', averaged over the images,' if b > 1 else ''} the "
        "training objective recon - weight * KL at this step, weight being that KL weight, and the ELBO you report "
        "as the bound on log p(x)."
    )
    worked = (
        f"Weight on the KL now: {fmt(weight)}. Objective = recon - {fmt(weight)} * KL = {fmt(objective)}{average}.\n"
        f"The reported bound is the ELBO with weight 1, whatever training used: recon - KL = {fmt(elbo)}."
    )
    unclipped = inputs["step"] / inputs["warmup"] * inputs["beta"] if inputs["warmup"] else weight
    mistakes = [practice("kl_added", float(ElboTerms(recon, -kl, weight).objective.mean()), float((recon + kl).mean()))]
    if abs(weight - 1.0) > 1e-9:  # with weight 1 (warm-up over, beta = 1) the two numbers coincide
        mistakes += [
            practice("eval_bound_includes_beta", objective, objective),
            practice("objective_without_weight", elbo, elbo),
        ]
    if abs(unclipped - weight) > 1e-9:
        mistakes.append(practice("anneal_not_clipped", float(ElboTerms(recon, kl, unclipped).objective.mean()), elbo))
    features = {
        "examples": b,
        "weighting": {"easy": "beta", "medium": "annealing", "hard": "beta and annealing"}[level],
    }
    return Problem(prompt, (objective, elbo), "a pair (objective, reported ELBO)", worked, features, tuple(mistakes))


SKILLS = (
    Skill(
        "iwae_bound",
        "s5",
        "the IWAE bound from log-weights",
        "s5-iwae",
        _IWAE_LEVELS,
        _draw_iwae,
        _solve_iwae,
        ("L_K = log((1/K) sum_k exp(log w_k)); subtract the largest log-weight before exponentiating.",),
    ),
    Skill(
        "reported_elbo",
        "s5",
        "the objective and the number to report",
        "s5-evaluation",
        _REPORT_LEVELS,
        _draw_report,
        _solve_report,
        ("The KL weight (beta, warm-up) belongs to training; the bound you report has weight 1.",),
    ),
)
