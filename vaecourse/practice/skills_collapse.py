r"""Practice skills of session 6: the free-bits KL term and the KL-annealing weight.

.. math:: \mathrm{KL}_{\text{free}} = \sum_j \max\big(\lambda, \overline{\mathrm{KL}}_j\big), \qquad
          w_t = \min\Big(1, \frac{t}{T}\Big) \ \text{(linear)}, \qquad w_t = \min\Big(1, \frac{t \bmod C}{rC}\Big) \ \text{(cyclical)}
"""

from __future__ import annotations


import random

import torch

from ..grading.mistakes import practice
from ..training.loop import cyclical_kl_weight, kl_annealing_weight
from ._draws import grid
from .skill import OneOf, Problem, Range, Skill, fmt, fmt_seq

# --- free bits (s6) -------------------------------------------------------------------------------

_FREE_LEVELS = {
    "easy": {"dims": Range(3, 3), "examples": Range(1, 1), "floor": OneOf((0.1, 0.25, 0.5))},
    "medium": {"dims": Range(4, 5), "examples": Range(1, 1), "floor": OneOf((0.1, 0.2, 0.25, 0.3, 0.5))},
    "hard": {"dims": Range(3, 4), "examples": Range(2, 3), "floor": OneOf((0.1, 0.2, 0.25, 0.3, 0.5))},
}


_FREE_MARGIN = 0.03  # nats: the floor must change the answer by this much (beyond the check's tolerance)


def _floor_binds(kl: list[list[float]], floor: float) -> bool:
    """The floor lifts some dimension and leaves another; with several examples, flooring each first differs too."""
    b = len(kl)
    means = [sum(column) / b for column in zip(*kl)]
    lifted = sum(max(0.0, floor - m) for m in means)
    per_example = sum(max(floor, v) for row in kl for v in row) / b - sum(max(floor, m) for m in means)
    return lifted > _FREE_MARGIN and max(means) > floor + _FREE_MARGIN and (b == 1 or per_example > _FREE_MARGIN)


def _draw_free(rng: random.Random, level: str) -> dict:
    d = {"easy": 3, "medium": rng.randint(4, 5), "hard": rng.randint(3, 4)}[level]
    b = rng.randint(2, 3) if level == "hard" else 1
    floor = rng.choice(tuple(_FREE_LEVELS[level]["floor"].values))
    for _ in range(10_000):  # the floor stays as drawn (every floor is drawn as often): redraw the KLs until it matters
        kl = [[grid(rng, 0, 1.5 if rng.random() < 0.5 else 2 * floor, 0.01) for _ in range(d)] for _ in range(b)]
        if _floor_binds(kl, floor):
            return {"kl": kl, "floor": floor}
    raise AssertionError(f"no binding free-bits draw for floor {floor}")  # internal: the ranges are too narrow


def _solve_free(inputs: dict, level: str) -> Problem:
    kl = torch.tensor(inputs["kl"], dtype=torch.float64)  # (B, D)
    floor = inputs["floor"]
    per_dim = kl.mean(dim=0)  # (D,): the batch mean comes first, then the floor per dimension
    value = float(per_dim.clamp(min=floor).sum())
    b, d = kl.shape
    if b == 1:
        data = f"the per-dimension KLs KL_j = {fmt_seq(inputs['kl'][0])}"
    else:
        data = "per-example, per-dimension KLs (one row per example) " + "; ".join(fmt_seq(row) for row in inputs["kl"])
    prompt = (
        f"A batch gives {data} in nats, over {d} latent dimensions. With free bits lambda = {fmt(floor)} nats per dimension, "
        "compute the KL term the loss uses: sum_j max(lambda, KL_j), KL_j being the batch-mean KL of dimension j."
    )
    mean_line = f"Batch mean per dimension: {fmt_seq(per_dim.tolist())}.\n" if b > 1 else ""
    clamped = per_dim.clamp(min=floor)
    worked = (
        f"{mean_line}Floor each dimension at lambda = {fmt(floor)}: {fmt_seq(clamped.tolist())}.\n"
        f"Sum: {fmt(value)} (dimensions below the floor cost lambda and get no gradient: the encoder may use them for free)."
    )
    mistakes = [
        practice("free_bits_on_total", max(floor, float(per_dim.sum()))),
        practice("free_bits_min_instead_of_max", float(per_dim.clamp(max=floor).sum())),
        practice("free_bits_hinge", float((per_dim - floor).clamp(min=0).sum())),
    ]
    if b > 1:
        mistakes.append(
            practice("free_bits_per_example", float(kl.clamp(min=floor).sum(-1).mean()))
        )
    features = {"dims": d, "examples": b, "floor": floor}
    return Problem(prompt, (value,), "a number", worked, features, tuple(mistakes))


# --- the KL-annealing weight (s6) -----------------------------------------------------------------

_ANNEAL_LEVELS = {
    "easy": {"schedule": OneOf(("linear",)), "past_warmup": OneOf((False,))},
    "medium": {"schedule": OneOf(("linear",)), "past_warmup": OneOf((False, True))},
    "hard": {"schedule": OneOf(("cyclical",)), "past_warmup": OneOf((False, True))},
}


def _draw_anneal(rng: random.Random, level: str) -> dict:
    inputs = {"recon": grid(rng, -140, -60, 0.5), "kl": grid(rng, 2, 30, 0.5)}
    if level == "hard":
        cycle = rng.choice((1000, 2000, 4000))
        return inputs | {
            "cycle": cycle,
            "ramp": rng.choice((0.25, 0.5, 0.75)),
            "step": rng.randint(1, 39) * cycle // 10,
        }
    warmup = rng.choice((1000, 2000, 5000, 10000))
    return inputs | {"warmup": warmup, "step": rng.randint(1, 9 if level == "easy" else 19) * warmup // 10}


def _solve_anneal(inputs: dict, level: str) -> Problem:
    t, recon, kl = inputs["step"], inputs["recon"], inputs["kl"]
    if "cycle" in inputs:
        c, r = inputs["cycle"], inputs["ramp"]
        weight = cyclical_kl_weight(t, c, r)
        schedule = (
            f"cyclical annealing: cycles of C = {c} steps (steps counted from t = 0), the KL weight rising linearly "
            f"from 0 over the first r = {fmt(r)} of each cycle, then 1 until the cycle ends"
        )
        worked = f"w_t = min(1, (t mod C) / (r C)) = min(1, ({t} mod {c}) / {fmt(r * c)}) = min(1, {t % c} / {fmt(r * c)}) = {fmt(weight)}."
        wrong = {"anneal_ramp_over_cycle": (t % c) / c}
        if t >= c and (t % c) < r * c:  # in the first cycle, or past the ramp (both give 1), the modulo changes nothing
            wrong["anneal_no_modulo"] = min(1.0, t / (r * c))
        if (t % c) > r * c:
            wrong["anneal_not_clipped"] = (t % c) / (r * c)
        past = (t % c) >= r * c
    else:
        w = inputs["warmup"]
        weight = kl_annealing_weight(t, w)
        schedule = (
            f"a linear warm-up over T = {w} steps: the KL weight rises linearly from 0 at t = 0 to 1 at t = T, "
            "and stays 1 after"
        )
        worked = f"w_t = min(1, t / T) = min(1, {t} / {w}) = {fmt(weight)}."
        wrong = {}
        if t < w:  # past the warm-up t // T is 1, the right weight
            wrong["anneal_integer_division"] = float(t // w)
        wrong["anneal_reversed"] = max(0.0, 1 - t / w)
        if t > w:
            wrong["anneal_not_clipped"] = t / w
        past = t >= w
    objective = recon - weight * kl
    prompt = (
        f"Training uses {schedule}. At step t = {t}, an example has reconstruction term {fmt(recon)} and KL {fmt(kl)}. "
        "Give the KL weight w_t and the annealed objective recon - w_t * KL."
    )
    worked += f"\nObjective = {fmt(recon)} - {fmt(weight)} * {fmt(kl)} = {fmt(objective)}."
    mistakes = tuple(practice(name, v, recon - v * kl) for name, v in wrong.items())
    features = {"schedule": "cyclical" if "cycle" in inputs else "linear", "past_warmup": bool(past)}
    return Problem(prompt, (weight, objective), "a pair (w_t, objective)", worked, features, mistakes)


SKILLS = (
    Skill(
        "free_bits",
        "s6",
        "the free-bits KL term",
        "s6-free-bits",
        _FREE_LEVELS,
        _draw_free,
        _solve_free,
        ("Average each dimension's KL over the batch, floor it at lambda, then sum over dimensions.",),
    ),
    Skill(
        "kl_annealing",
        "s6",
        "the KL-annealing weight and objective",
        "s6-kl-annealing",
        _ANNEAL_LEVELS,
        _draw_anneal,
        _solve_anneal,
        ("Linear warm-up: w_t = min(1, t / T); cyclical: the same ramp restarted every C steps.",),
    ),
)
