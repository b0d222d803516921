r"""Practice skill of session 7: the closed-form forward-diffusion marginal for a linear beta schedule.

.. math:: q(x_t\mid x_0) = \mathcal N\big(\sqrt{\bar\alpha_t}\,x_0,\ (1-\bar\alpha_t) I\big), \qquad
          \bar\alpha_t = \prod_{s\le t}(1-\beta_s)
"""

from __future__ import annotations


import math
import random

import torch

from ..grading.mistakes import practice
from ..models.ddpm import NoiseSchedule, q_sample
from ._draws import grid
from .skill import OneOf, Problem, Range, Skill, fmt, fmt_seq

# --- the forward-diffusion marginal (s7) ----------------------------------------------------------

_DIFF_LEVELS = {
    "easy": {"schedule": OneOf(("constant",)), "step": Range(2, 5), "asks_sample": OneOf((False,))},
    "medium": {"schedule": OneOf(("linear",)), "step": Range(2, 10), "asks_sample": OneOf((False,))},
    "hard": {"schedule": OneOf(("linear",)), "step": Range(3, 10), "asks_sample": OneOf((True,))},
}


def _draw_diff(rng: random.Random, level: str) -> dict:
    if level == "easy":
        beta = rng.choice((0.01, 0.02, 0.05, 0.1, 0.2))
        return {"beta_1": beta, "beta_T": beta, "T": 5, "t": rng.randint(2, 5)}
    total = rng.randint(5, 10)
    inputs = {
        "beta_1": grid(rng, 0.01, 0.05, 0.01),
        "beta_T": grid(rng, 0.1, 0.4, 0.05),
        "T": total,
        "t": rng.randint(2 if level == "medium" else 3, total),
    }
    if level == "hard":
        inputs |= {"x0": grid(rng, -2, 2, 0.1), "eps": grid(rng, -2, 2, 0.01)}
    return inputs


def schedule_betas(inputs: dict) -> torch.Tensor:
    """The ``T`` linearly spaced betas from ``beta_1`` to ``beta_T`` (float64)."""
    return torch.linspace(inputs["beta_1"], inputs["beta_T"], inputs["T"], dtype=torch.float64)  # (T,)


def _solve_diff(inputs: dict, level: str) -> Problem:
    schedule = NoiseSchedule(schedule_betas(inputs))
    t = inputs["t"]
    alpha_bar = float(schedule.alphas_bar[t - 1])
    mean_factor, variance = math.sqrt(alpha_bar), 1.0 - alpha_bar
    betas = schedule.betas[:t].tolist()
    if inputs["beta_1"] == inputs["beta_T"]:
        sched = f"the same beta = {fmt(inputs['beta_1'])} at every step"
    else:
        sched = f"a linear schedule of T = {inputs['T']} steps from beta_1 = {fmt(inputs['beta_1'])} to beta_T = {fmt(inputs['beta_T'])}"
    prompt = (
        f"The forward process adds noise with {sched}: x_s = sqrt(1 - beta_s) x_(s-1) + sqrt(beta_s) eps_s. "
        f"Give the mean factor sqrt(alpha_bar_t) and the variance 1 - alpha_bar_t of q(x_t | x_0) at step t = {t}"
    )
    worked = (
        f"beta_1..beta_{t} = {fmt_seq(betas)}.\nalpha_bar_{t} = prod_s (1 - beta_s) = {fmt(alpha_bar, 6)}; "
        f"mean factor sqrt(alpha_bar) = {fmt(mean_factor)}; variance 1 - alpha_bar = {fmt(variance)}."
    )
    answer, form = (mean_factor, variance), "a pair (mean factor, variance)"
    if level == "hard":
        x0, eps = inputs["x0"], inputs["eps"]
        xt = float(
            q_sample(
                torch.tensor([[x0]], dtype=torch.float64),
                torch.tensor([t]),
                schedule,
                torch.tensor([[eps]], dtype=torch.float64),
            )
        )
        prompt += (
            f", and the sample x_t drawn in one step from q(x_t | x_0) for x_0 = {fmt(x0)} with the standard-normal "
            f"noise eps = {fmt(eps)}"
        )
        worked += f"\nx_t = sqrt(alpha_bar) x_0 + sqrt(1 - alpha_bar) eps = {fmt(mean_factor)} * {fmt(x0)} + {fmt(math.sqrt(variance))} * {fmt(eps)} = {fmt(xt)}."
        answer, form = (mean_factor, variance, xt), "a triple (mean factor, variance, x_t)"

    def out(m, v):
        extra = (m * inputs["x0"] + math.sqrt(max(v, 0.0)) * inputs["eps"],) if level == "hard" else ()
        return (m, v) + extra

    prev = float(schedule.alphas_bar[t - 2])
    mistakes = [
        practice("diffusion_no_sqrt", *out(alpha_bar, variance)),
        practice("alpha_bar_not_cumulative", *out(math.sqrt(1 - betas[-1]), betas[-1])),
        practice("alpha_bar_cumsum", *out(math.sqrt(max(1 - sum(betas), 0.0)), min(sum(betas), 1.0))),
        practice("diffusion_std_for_variance", *out(mean_factor, math.sqrt(variance))),
    ]
    if not (t == 2 and inputs["beta_1"] == inputs["beta_T"]):  # there 1 - alpha_bar_1 is beta_2: alpha_t itself
        mistakes.append(practice("alpha_bar_shifted", *out(math.sqrt(prev), 1 - prev)))
    features = {
        "schedule": "constant" if inputs["beta_1"] == inputs["beta_T"] else "linear",
        "step": t,
        "asks_sample": level == "hard",
    }
    return Problem(prompt + ".", answer, form, worked, features, tuple(mistakes))


SKILLS = (
    Skill(
        "diffusion_marginal",
        "s7",
        "the forward-diffusion marginal q(x_t | x_0)",
        "s7-forward-process",
        _DIFF_LEVELS,
        _draw_diff,
        _solve_diff,
        ("alpha_bar_t = prod_{s <= t} (1 - beta_s); q(x_t | x_0) = N(sqrt(alpha_bar_t) x_0, (1 - alpha_bar_t) I).",),
    ),
)
