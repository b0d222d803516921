"""Session 6: the linear KL annealing weight: the reference, its cases and the mistakes it names."""

from __future__ import annotations

import math

from ..exercise import FunctionExercise, Mistake
from ..observe import Case
from . import _draw

# --- KL annealing -------------------------------------------------------------------------------


def _anneal_reference(step, warmup_steps):
    return min(1.0, step / warmup_steps)


def _anneal_phase(step: int, warmup: int) -> str:
    """Where a step lies in the warm-up, without its values (they are hidden test inputs)."""
    if step == 0:
        return "the first step"
    return "a step during the warm-up" if step < warmup else "a step at or after the end of the warm-up"


def _anneal_cases(seed: int) -> list[Case]:
    pairs = [(0, 100), (30, 100), (100, 100), (250, 100), (7, 10)]
    cases = [Case(f"fixed-{i}", "fixed", pair, _anneal_phase(*pair)) for i, pair in enumerate(pairs, 1)]
    g = _draw.generator(seed)
    for k in (1, 2):
        warmup = _draw.integer(g, 5, 200)
        step = _draw.integer(g, 1, 3 * warmup, avoid=(warmup, 2 * warmup))
        cases.append(Case(f"random-{k}", "random", (step, warmup), "random: " + _anneal_phase(step, warmup)))
    return cases


_ANNEAL = "s6-kl-annealing"


ANNEAL_MISTAKES = (
    Mistake(
        "anneal_not_clipped",
        "the weight keeps growing after the warm-up",
        "After warmup_steps (or a cycle's ramp) the KL weight must stay at 1 (the true ELBO); step / warmup_steps alone grows past 1 and turns the objective into a beta-VAE with beta > 1.",
        _ANNEAL,
        variants=(lambda s, w: s / w,),
    ),
    Mistake(
        "anneal_reversed",
        "the weight decreases",
        "Annealing starts with a small KL weight (so the encoder can learn to use z) and raises it to 1.",
        _ANNEAL,
        variants=(lambda s, w: max(0.0, 1.0 - s / w),),
    ),
    # PlaytikaOSS/pybandits#137: min(1, (step + 1) / warmup); Jafagervik/TinyDAS: the counter raised before use.
    Mistake(
        "anneal_off_by_one",
        "the ramp shifted by one step",
        "step counts the updates already made, so the first update (step = 0) has weight 0 and step = warmup_steps "
        "the first with weight 1: min(1, step / warmup_steps), with no + 1 or - 1 on the step or on warmup_steps.",
        _ANNEAL,
        variants=(
            lambda s, w: min(1.0, (s + 1) / w),
            lambda s, w: min(1.0, s / (w - 1)),
            lambda s, w: min(1.0, max(0.0, (s - 1) / w)),
            lambda s, w: min(1.0, (s + 1) / (w + 1)),
        ),
    ),
    # umautobots/bidirection-trajectory-predicter#4 (ramped to 100); Jafagervik/TinyDAS kl_annealing (to 0.01).
    Mistake(
        "anneal_wrong_ceiling",
        "the weight levels off at another value than 1",
        "The warm-up ends at weight 1, the true ELBO: from warmup_steps on the KL counts fully. A ramp to a "
        "maximum weight of your own (100, 0.01, a beta) trains another objective once the warm-up is over; for a "
        "beta-VAE, multiply by beta outside the schedule.",
        _ANNEAL,
        variants=(lambda s, w: 4.0 * min(1.0, s / w),),  # a beta of 4 folded into the ramp
    ),
    Mistake(
        "anneal_wrong_slope",
        "the ramp reaches 1 after another number of steps",
        "The weight rises by 1 / warmup_steps per step and reaches 1 exactly at warmup_steps. Yours is a straight "
        "line with another slope: a warm-up length scaled (counted in epochs, or halved) or an extra factor on step.",
        _ANNEAL,
        variants=(lambda s, w: min(1.0, 2 * s / w),),
    ),
    Mistake(
        "anneal_restarts",
        "the weight falls back below 1 after the warm-up",
        "This schedule warms up once: from warmup_steps on the weight stays at 1. A cyclical schedule restarts the "
        "ramp (step mod the cycle length), which is another schedule than the one asked for.",
        _ANNEAL,
        variants=(lambda s, w: (s % w) / w,),
    ),
    # jxhe/vae-lagging-encoder: kl_weight starts at kl_start = 0.1 and is raised before its first use.
    Mistake(
        "anneal_starts_above_zero",
        "the weight starts above 0",
        "The linear warm-up starts at weight 0 (the first update sees no KL) and reaches 1 at warmup_steps; your "
        "weight starts at a positive value.",
        _ANNEAL,
        variants=(lambda s, w: min(1.0, 0.1 + (s + 1) * 0.9 / w), lambda s, w: min(1.0, 0.1 + s * 0.9 / w)),
    ),
    # timbmg/Sentence-VAE#19: the default schedule is logistic, 1 / (1 + exp(-k (step - x0))).
    Mistake(
        "anneal_not_linear",
        "a curve instead of the linear ramp",
        "The exercise's schedule is the linear warm-up min(1, step / warmup_steps): 0 at the start, exactly 1 from "
        "warmup_steps on, and a straight line in between. Your weights bend during the warm-up (a logistic curve, "
        "a cosine, an exponential, or a weight that compounds on its previous value); a logistic curve is never "
        "exactly 0 or 1.",
        _ANNEAL,
        variants=(lambda s, w: float(1 / (1 + math.exp(-0.0025 * (s - w)))),),
    ),
    Mistake(
        "anneal_integer_division",
        "integer division",
        "step // warmup_steps is 0 for the whole warm-up and then jumps: use true division, step / warmup_steps.",
        _ANNEAL,
        variants=(lambda s, w: min(1, s // w),),
    ),
)

EXERCISE = FunctionExercise(
    id="kl_annealing_weight",
    session="s6",
    title="the linear KL annealing weight",
    section=_ANNEAL,
    reference=_anneal_reference,
    make_cases=_anneal_cases,
    params=("step", "warmup_steps"),
    returns="a float in [0, 1]",
    mistakes=ANNEAL_MISTAKES,
    hints=("The weight rises linearly from 0 at step 0 to 1 at warmup_steps and stays at 1 afterwards.",),
)
EXERCISES = (EXERCISE,)
