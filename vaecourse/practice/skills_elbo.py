r"""Practice skills of session 2: the two ELBO terms of a discrete latent model, and an ELBO estimate from samples.

.. math:: \mathrm{ELBO} = \mathbb E_q[\log p(x\mid z)] - \mathrm{KL}(q\,\|\,p)
          \approx \frac1L \sum_l \big(\log p(x\mid z_l) + \log p(z_l) - \log q(z_l\mid x)\big)
"""

from __future__ import annotations


import math
import random

import torch

from ..core.kl import categorical_kl
from ..grading.mistakes import practice
from ._draws import grid, probabilities, tensor64
from .skill import OneOf, Problem, Range, Skill, fmt, fmt_seq

# --- the two ELBO terms of a discrete latent model (s2) -------------------------------------------

_DELBO_LEVELS = {
    "easy": {"states": Range(2, 2), "uniform_prior": OneOf((True,)), "asks_gap": OneOf((False,))},
    "medium": {"states": Range(3, 3), "uniform_prior": OneOf((False,)), "asks_gap": OneOf((False,))},
    "hard": {"states": Range(3, 4), "uniform_prior": OneOf((False,)), "asks_gap": OneOf((True,))},
}


def _draw_delbo(rng: random.Random, level: str) -> dict:
    k = {"easy": 2, "medium": 3, "hard": rng.randint(3, 4)}[level]
    prior = [0.5, 0.5]
    while level != "easy" and len(set(prior)) == 1:  # medium and hard need a non-uniform prior
        prior = probabilities(rng, k)
    return {"prior": prior, "likelihood": [grid(rng, 0.05, 0.95, 0.05) for _ in range(k)], "q": probabilities(rng, k)}


def _solve_delbo(inputs: dict, level: str) -> Problem:
    prior, lik, q = tensor64(inputs["prior"]), tensor64(inputs["likelihood"]), tensor64(inputs["q"])
    recon = float((q * lik.log()).sum())
    kl = float(categorical_kl(q, prior))
    log_evidence = float((prior * lik).sum().log())
    gap = log_evidence - (recon - kl)
    k = q.numel()
    prompt = (
        f"A latent z takes {k} values with prior p(z) = {fmt_seq(inputs['prior'])}. For the observed x, "
        f"p(x | z) = {fmt_seq(inputs['likelihood'])}, and the encoder gives q(z | x) = {fmt_seq(inputs['q'])}. "
        "Using natural logarithms (nats), compute the reconstruction term E_q[log p(x|z)] and KL(q(z|x) || p(z))"
    )
    rows = "\n".join(
        f"  z={j}: q = {fmt(a)}, log p(x|z) = {fmt(math.log(b))}, q log(q/p) = {fmt(a * math.log(a / c))}"
        for j, (a, b, c) in enumerate(zip(q.tolist(), lik.tolist(), prior.tolist()))
    )
    worked = (
        f"Enumerate the {k} states:\n{rows}\nE_q[log p(x|z)] = sum_z q(z) log p(x|z) = {fmt(recon)}; "
        f"KL = sum_z q(z) log(q(z)/p(z)) = {fmt(kl)}; ELBO = {fmt(recon - kl)}."
    )
    answer, form = (recon, kl), "a pair (reconstruction term, KL)"
    if level == "hard":
        prompt += ", and the gap log p(x) - ELBO"
        answer, form = (recon, kl, gap), "a triple (reconstruction term, KL, gap)"
        worked += f"\nlog p(x) = log sum_z p(z) p(x|z) = {fmt(log_evidence)}, so the gap is {fmt(gap)} = KL(q || p(z|x)) >= 0."
    def pair(r, kl_value, g=gap):
        return (r, kl_value, g)[: len(answer)]

    reversed_kl, cross_entropy = float(categorical_kl(prior, q)), float(-(q * prior.log()).sum())
    recon_under_prior = float((prior * lik.log()).sum())
    mistakes = [
        practice("kl_direction_reversed", *pair(recon, reversed_kl)),
        practice("elbo_recon_under_prior", *pair(recon_under_prior, kl)),
        practice("elbo_forgot_entropy", *pair(recon, cross_entropy)),
    ]
    if level == "hard":  # a wrong term carried into the gap log p(x) - (recon - KL) gives a wrong gap as well
        mistakes += [
            practice("gap_with_reversed_kl", recon, reversed_kl, log_evidence - (recon - reversed_kl)),
            practice("gap_with_cross_entropy", recon, cross_entropy, log_evidence - (recon - cross_entropy)),
            practice("gap_with_recon_under_prior", recon_under_prior, kl, log_evidence - (recon_under_prior - kl)),
            practice("gap_sign_flipped", *pair(recon, kl, -gap)),
        ]
    features = {
        "states": k,
        "uniform_prior": bool(torch.allclose(prior, prior.mean().expand(k))),
        "asks_gap": level == "hard",
    }
    return Problem(prompt + ".", answer, form, worked, features, tuple(mistakes))


# --- an ELBO estimate from samples (s2) -----------------------------------------------------------

_SELBO_LEVELS = {
    "easy": {"samples": Range(2, 2), "given": OneOf(("log-densities",))},
    "medium": {"samples": Range(3, 3), "given": OneOf(("log-densities",))},
    "hard": {"samples": Range(3, 4), "given": OneOf(("densities",))},
}


def _draw_selbo(rng: random.Random, level: str) -> dict:
    n = {"easy": 2, "medium": 3, "hard": rng.randint(3, 4)}[level]
    if level == "hard":  # densities: the learner takes the logs
        return {
            "px": [grid(rng, 0.01, 0.9, 0.01) for _ in range(n)],
            "pz": [grid(rng, 0.05, 0.4, 0.01) for _ in range(n)],
            "qz": [grid(rng, 0.05, 1.2, 0.01) for _ in range(n)],
        }
    step = 1.0 if level == "easy" else 0.1
    return {
        "log_px": [grid(rng, -12, -1, step) for _ in range(n)],
        "log_pz": [grid(rng, -4, -1, step) for _ in range(n)],
        "log_qz": [grid(rng, -3, 0, step) for _ in range(n)],
    }


def _solve_selbo(inputs: dict, level: str) -> Problem:
    if "px" in inputs:
        a, b, c = (tensor64(inputs[n]).log() for n in ("px", "pz", "qz"))
        given = f"p(x|z_l) = {fmt_seq(inputs['px'])}, p(z_l) = {fmt_seq(inputs['pz'])} and q(z_l|x) = {fmt_seq(inputs['qz'])} (densities)"
    else:
        a, b, c = (tensor64(inputs[n]) for n in ("log_px", "log_pz", "log_qz"))
        given = f"log p(x|z_l) = {fmt_seq(inputs['log_px'])}, log p(z_l) = {fmt_seq(inputs['log_pz'])} and log q(z_l|x) = {fmt_seq(inputs['log_qz'])}"
    per_sample = a + b - c  # (L,)
    elbo = float(per_sample.mean())
    n = per_sample.numel()
    prompt = (
        f"For {n} samples z_l ~ q(z|x) of one data point x: {given}. Compute the Monte Carlo estimate of the ELBO "
        "from these samples (natural logarithms, in nats)."
    )
    logs = "" if "log_px" in inputs else "Take logs first.\n"
    worked = (
        f"{logs}ELBO estimate = (1/L) sum_l [log p(x|z_l) + log p(z_l) - log q(z_l|x)]; per sample: {fmt_seq(per_sample.tolist())}.\n"
        f"Mean over the L = {n} samples: {fmt(elbo)}."
    )
    mistakes = [
        practice("elbo_plus_log_q", float((a + b + c).mean())),
        practice("elbo_missing_prior", float((a - c).mean())),
        practice("mc_sum_not_mean", float(per_sample.sum())),
        practice("elbo_negated", -elbo),
    ]
    features = {"samples": n, "given": "densities" if "px" in inputs else "log-densities"}
    return Problem(prompt, (elbo,), "a number", worked, features, tuple(mistakes))


SKILLS = (
    Skill(
        "discrete_elbo",
        "s2",
        "the two ELBO terms of a discrete latent model",
        "s2-elbo-decomposition",
        _DELBO_LEVELS,
        _draw_delbo,
        _solve_delbo,
        ("Enumerate z: E_q[log p(x|z)] = sum_z q(z) log p(x|z) and KL = sum_z q(z) log(q(z)/p(z)).",),
    ),
    Skill(
        "elbo_from_samples",
        "s2",
        "an ELBO estimate from samples",
        "s2-elbo-derivation",
        _SELBO_LEVELS,
        _draw_selbo,
        _solve_selbo,
        ("Average log p(x|z) + log p(z) - log q(z|x) over the samples.",),
    ),
)
