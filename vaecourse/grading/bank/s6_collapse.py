"""Session 6 exercises: active units, the KL annealing weight, free bits, diagnosing collapse, the beta-VAE."""

from __future__ import annotations

import math

import torch

from ...core.kl import free_bits_kl as _free_bits_kl
from ..mistakes_generic import GENERIC_BY_NAME
from ..exercise import ChoiceExercise, FunctionExercise, Mistake
from ..compare import records_agree
from ..observe import Case, as_floats
from . import _draw

# --- active units -------------------------------------------------------------------------------


def _active_units_reference(mu, threshold=0.01):
    # the population variance, as training.diagnostics.active_units (a test checks they agree)
    return int((mu.var(dim=0, unbiased=False) > threshold).sum())


def _columns_with_variances(g, n: int, variances, means) -> torch.Tensor:
    """``n`` encoder means whose columns have exactly the given sample variances and means."""
    raw = _draw.normal(g, n, len(variances), dtype=torch.float64)
    raw = (raw - raw.mean(0)) / raw.std(0)  # each column: mean 0, variance 1
    out = raw * torch.tensor(variances, dtype=torch.float64).sqrt() + torch.tensor(means, dtype=torch.float64)
    return out.float()  # (N, D)


def _au_cases(seed: int) -> list[Case]:
    g = _draw.generator(6001)
    # variances well away from the thresholds used (0.01 and 0.5), so no rounding can flip a unit
    mu = _columns_with_variances(g, 50, [1.0, 1e-3, 0.3, 0.0, 2.5, 5e-5], [0.0, 0.5, 0.0, 2.0, 0.0, 0.0])
    cases = [
        Case("fixed-1", "fixed", (mu,), "50 fixed encoder means with 6 latent dimensions"),
        Case("fixed-threshold", "fixed", (mu, 0.5), "the same 50 means with a threshold other than the default"),
    ]
    g = _draw.generator(seed)
    n, d = _draw.integer(g, 20, 60), _draw.integer(g, 3, 10)
    active = _draw.bernoulli(g, d, p=0.5, dtype=torch.bool)
    high, low = _draw.uniform(g, d, low=0.05, high=3.0), _draw.uniform(g, d, low=1e-6, high=2e-3)
    mu = _columns_with_variances(g, n, torch.where(active, high, low).tolist(), _draw.normal(g, d).tolist())
    cases.append(Case("random-1", "random", (mu,), f"{n} random encoder means with {d} latent dimensions"))
    return cases


def _flat(rec: dict) -> list[float] | None:
    """The record's numbers flattened, booleans as 0 / 1 (a mask), or None."""
    value = rec.get("value") if "raised" not in rec else None
    if not value:
        return None
    if value.get("kind") in ("tensor", "array") and value.get("dtype") == "bool" and value.get("data") is not None:
        return [float(v) for v in torch.tensor(value["data"]).flatten().tolist()]
    if value.get("kind") == "sequence" and all(i.get("kind") == "bool" for i in value["items"]):
        return [float(i["value"]) for i in value["items"]]
    return as_floats(value)


def _per_dimension(of_mu):
    """A predicate: on every ordinary case the answer is one number per latent dimension, those ``of_mu(mu, t)`` gives."""

    def returns_per_dimension(student, reference, cases) -> bool:
        by_name = {c.name: c for c in cases}
        seen = 0
        for s in student:
            case = by_name[s["case"]]
            if case.kind not in ("fixed", "random"):
                continue
            got, (mu, t) = _flat(s), (*case.args, 0.01)[:2]
            wanted = of_mu(mu.double(), t)
            if got is None or len(got) != mu.shape[1] or not any(
                bool(torch.allclose(torch.tensor(got, dtype=torch.float64), w, rtol=1e-3, atol=1e-7)) for w in wanted
            ):
                return False
            seen += 1
        return seen > 0

    return returns_per_dimension


_MEASURE = "s6-measuring-collapse"
AU_MISTAKES = (
    Mistake(
        "au_variance_over_latents",
        "the variance over latent dimensions instead of over data points",
        "A unit is active if its encoder mean changes from one input to the next: take the variance over the data (dim=0) for each latent dimension, not over the dimensions of one example. "
        "Over the dimensions, a collapsed encoder whose constant mean differs from one dimension to the next looks active.",
        _MEASURE,
        variants=(lambda mu, t=0.01: int((mu.var(dim=1) > t).sum()),),
    ),
    Mistake(
        "au_counts_inactive",
        "the inactive units counted",
        "Active units are those whose variance exceeds the threshold; your count is of the others.",
        _MEASURE,
        variants=(lambda mu, t=0.01: int((mu.var(dim=0) <= t).sum()),),
    ),
    Mistake(
        "au_uses_mean",
        "the mean of the encoder means instead of their variance",
        "A dimension whose mean is far from 0 but the same for every input carries no information; what matters is how much it varies across inputs.",
        _MEASURE,
        variants=(lambda mu, t=0.01: int((mu.mean(dim=0).abs() > t).sum()),),
    ),
    Mistake(
        "au_uses_std",
        "the standard deviation compared with a variance threshold",
        "The criterion (Burda et al., 2016) compares the variance Var_x(E_q[z_j]) with 0.01; comparing the standard deviation with 0.01 is a threshold of 1e-4 on the variance.",
        _MEASURE,
        variants=(lambda mu, t=0.01: int((mu.std(dim=0) > t).sum()),),
    ),
    # jbloomAus/SAELens#665 (a feature's "variance" computed as the mean of squares, about zero)
    Mistake(
        "au_second_moment",
        "the mean of the squares instead of the variance",
        "A unit is active if its encoder mean varies over the data: Var_x(mu_j) = mean((mu_j - mean(mu_j))^2). The mean "
        "of mu_j^2 about zero also counts a collapsed unit whose mean is a constant away from 0 (e.g. mu_j = 2 for "
        "every input) as active. Subtract each dimension's mean first, or use mu.var(dim=0).",
        _MEASURE,
        variants=(lambda mu, t=0.01: int(((mu**2).mean(0) > t).sum()),),
    ),
    Mistake(
        "au_hardcoded_threshold",
        "the threshold argument is ignored",
        "Your function counts with 0.01 even when another threshold is passed; use the `threshold` parameter.",
        _MEASURE,
        variants=(lambda mu, t=0.01: int((mu.var(dim=0) > 0.01).sum()),),
    ),
    Mistake(
        "au_returns_mask",
        "a mask instead of a count",
        "Return the number of active units (an int), e.g. int(mask.sum()).",
        _MEASURE,
        variants=(lambda mu, t=0.01: mu.var(dim=0) > t,),
        predicate=_per_dimension(lambda mu, t: [(mu.var(dim=0, unbiased=u) > t).double() for u in (True, False)]),
    ),
    Mistake(
        "au_returns_fraction",
        "the fraction of active units instead of their number",
        "Your value is the count divided by the number of latent dimensions D: the mean of the mask where its sum "
        "belongs. The measure is a count (e.g. \"8 of 32 units active\"); return int(mask.sum()).",
        _MEASURE,
        variants=(lambda mu, t=0.01: float((mu.var(dim=0) > t).float().mean()),),
    ),
    # alangu-hep/symbolic-surrogates src/metrics/interpretability.py: active_units returns np.var per dimension.
    Mistake(
        "au_returns_variances",
        "the per-dimension variances returned instead of the count",
        "The per-dimension variances Var_x(mu_j) (one number per latent dimension) are the first half of the "
        "measure; compare each with the threshold and return how many exceed it, an int: int((var > threshold).sum()).",
        _MEASURE,
        variants=(lambda mu, t=0.01: mu.var(dim=0, unbiased=False),),
        predicate=_per_dimension(
            lambda mu, t: [mu.var(dim=0, unbiased=u) for u in (True, False)]
        ),
    ),
)

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

# --- free bits ----------------------------------------------------------------------------------
# One definition everywhere (Kingma et al., 2016; ``fit``'s FitConfig.free_bits; the book; the practice
# skill): each latent dimension's *batch-mean* KL is floored at lambda, then the floors are summed. The
# exercise used to floor each example's KL and return (B,); that contradicted fit and the practice
# skill, so its answer is now the batch's free-bits KL term, a 0-d tensor (same name and parameters).


def _free_bits_cases(seed: int) -> list[Case]:
    g = _draw.generator(6002)
    kl = _draw.normal(g, 4, 5, scale=0.8).abs()
    cases = [
        Case("fixed-1", "fixed", (kl, 0.5), "a fixed batch of 4 examples with 5 latent dimensions"),
        Case("fixed-zero", "fixed", (kl, 0.0), "the same batch with free_bits = 0 (no floor)"),
    ]
    # Examples on both sides of the floor in one dimension: flooring each example before the batch mean
    # differs from flooring the batch mean (per-example floors are what the exercise used to ask for).
    straddle = torch.tensor([[0.05, 1.2, 0.9], [0.95, 0.3, 0.1], [0.25, 0.8, 0.05]])
    cases.append(Case("fixed-straddle", "fixed", (straddle, 0.4), "3 examples, 3 latent dimensions, some KLs below the floor and some above"))
    # every KL below the floor, even summed over the dimensions: a floor on the total differs from no floor at all
    small = torch.tensor([[0.02, 0.1, 0.05, 0.01], [0.04, 0.06, 0.03, 0.08]])
    cases.append(Case("fixed-small", "fixed", (small, 0.5), "2 examples, 4 latent dimensions, every KL below the floor"))
    g = _draw.generator(seed)
    for k, (b, d) in enumerate(_draw.batch_and_dims(g, 2, (2, 7), (3, 9)), start=1):
        lam = round(float(_draw.uniform(g, 1, low=0.1, high=1.0)), 3)
        cases.append(
            Case(
                f"random-{k}",
                "random",
                (_draw.normal(g, b, d).abs(), lam),
                f"a random batch of {b} examples with {d} latent dimensions",
            )
        )
    return cases


_FREE = "s6-free-bits"
FREE_BITS_MISTAKES = (
    # The floor per example, then the batch mean: what this exercise itself asked for before (and what the
    # practice skill called a mistake); it lets one example's large KL pay for another's collapsed dimension.
    Mistake(
        "free_bits_per_example",
        "the floor applied to each example's KL instead of the batch mean",
        "Free bits floor each latent dimension's KL averaged over the batch (Kingma et al., 2016; `fit` does the "
        "same): average over the batch first (dim=0), then floor each dimension at free_bits, then sum. Flooring "
        "each example first charges lambda for every example whose KL is small, although the batch as a whole "
        "spends more than lambda on that dimension (splitting the budget as lambda / D per dimension does the same); "
        "returning one value per example, (B,), is that same mistake.",
        _FREE,
        variants=(
            lambda kl, lam: kl.clamp(min=lam).sum(-1).mean(),
            lambda kl, lam: kl.clamp(min=lam).sum(-1),
            lambda kl, lam: kl.clamp(min=lam / kl.shape[-1]).sum(-1).mean(),  # the budget split over the dimensions
        ),
    ),
    Mistake(
        "free_bits_on_total",
        "the floor applied to the total KL",
        "Free bits floor each latent dimension's KL separately, so that no single dimension is pushed all the way to "
        "the prior; a floor on the sum (at lambda or at lambda * D) lets a few used dimensions pay for the rest.",
        _FREE,
        variants=(
            lambda kl, lam: kl.sum(-1).mean().clamp(min=lam),
            lambda kl, lam: kl.sum(-1).clamp(min=lam).mean(),
            # the floor scaled to the total (lambda * D), on each example's total or on the batch's
            lambda kl, lam: kl.sum(-1).clamp(min=lam * kl.shape[-1]).mean(),
            lambda kl, lam: kl.sum(-1).mean().clamp(min=lam * kl.shape[-1]),
        ),
    ),
    Mistake(
        "free_bits_min_instead_of_max",
        "a cap instead of a floor",
        "Each dimension counts at least free_bits nats: max(lambda, KL_j), not min. A clamp with max= (on a "
        "dimension, on an example or on a total) caps the KL instead of flooring it.",
        _FREE,
        variants=(
            lambda kl, lam: kl.mean(0).clamp(max=lam).sum(),
            lambda kl, lam: kl.clamp(max=lam).sum(-1).mean(),  # capped per example
            lambda kl, lam: kl.sum(-1).clamp(max=lam).mean(),  # capped on each example's total
            lambda kl, lam: kl.sum(-1).clamp(max=lam * kl.shape[-1]).mean(),
        ),
    ),
    Mistake(
        "free_bits_hinge",
        "free_bits subtracted",
        "max(KL_j - lambda, 0) has the same gradients but a different value; the objective uses max(lambda, KL_j) on "
        "each dimension's batch-mean KL (subtracting lambda from an example's or the total KL is the same mistake).",
        _FREE,
        variants=(
            lambda kl, lam: (kl.mean(0) - lam).clamp(min=0).sum(),
            lambda kl, lam: (kl - lam).clamp(min=0).sum(-1).mean(),  # subtracted per example
            lambda kl, lam: (kl.sum(-1) - lam).clamp(min=0).mean(),  # subtracted from each example's total
            lambda kl, lam: (kl.sum(-1) - lam * kl.shape[-1]).clamp(min=0).mean(),
        ),
    ),
    # valdersoul/bn-vae#2: kl_mask = (kl > target); (kl_mask * kl).sum(1): zero below the target, not lambda.
    Mistake(
        "free_bits_mask",
        "dimensions below the floor dropped (counted as 0) instead of floored",
        "Below the floor a dimension counts lambda, not 0: max(lambda, KL_j). A mask that zeroes the small KLs "
        "makes the term jump by lambda as a dimension crosses the floor.",
        _FREE,
        variants=(
            lambda kl, lam: (kl * (kl > lam)).sum(-1).mean(),
            lambda kl, lam: (kl.mean(0) * (kl.mean(0) > lam)).sum(),
            lambda kl, lam: kl.sum(-1).mean() * (kl.sum(-1).mean() > lam),
        ),
    ),
    Mistake(
        "free_bits_batch_sum",
        "the batch summed instead of averaged before the floor",
        "The floor acts on each dimension's batch *mean* KL: lambda is nats per example. Summing over the batch "
        "makes the floor's effect depend on the batch size.",
        _FREE,
        variants=(lambda kl, lam: kl.sum(0).clamp(min=lam).sum(),),
    ),
    Mistake(
        "free_bits_not_summed",
        "the floored KLs of the dimensions returned without their sum",
        "The free-bits term is one number: each dimension's batch-mean KL floored at free_bits, then summed over the "
        "latent dimensions. Returning the D floored values leaves the sum to the caller (and a .mean() there divides by D).",
        _FREE,
        variants=(lambda kl, lam: kl.mean(0).clamp(min=lam),),
    ),
    GENERIC_BY_NAME["mean_over_last_axis"].made_by(lambda kl, lam: kl.mean(0).clamp(min=lam).mean()),
    Mistake(
        "free_bits_not_applied",
        "no floor at all",
        "Your value is the plain KL term (each dimension's batch-mean KL, summed): free_bits never enters it. Free bits "
        "replace each dimension's KL by max(free_bits, KL_j) before the sum, so that dimensions below the floor cost "
        "free_bits and get no gradient pushing them to the prior.",
        _FREE,
        variants=(lambda kl, lam: kl.mean(0).sum(), lambda kl, lam: kl.sum(-1).mean()),
    ),
)

# --- mistakes only the practice variants meet (vaecourse.practice.skills_collapse) ------------------

PRACTICE_MISTAKES = (
    Mistake(
        "anneal_ramp_over_cycle",
        "the ramp stretched over the whole cycle",
        "Cyclical annealing raises the weight over the first r C steps of each cycle of C steps, then holds it "
        "at 1: w_t = min(1, (t mod C) / (r C)). Dividing by C stretches the ramp over the whole cycle.",
        _ANNEAL,
        behaviour="(t mod C) / C as the cyclical weight",
    ),
    Mistake(
        "anneal_no_modulo",
        "the cycle ignored (no t mod C)",
        "Each cycle restarts the ramp from 0: the weight depends on t mod C, the step within the cycle, not on t.",
        _ANNEAL,
        behaviour="min(1, t / (r C)) as the cyclical weight",
    ),
)

EXERCISES = (
    FunctionExercise(
        id="active_units",
        session="s6",
        title="counting active latent units",
        section=_MEASURE,
        reference=_active_units_reference,
        make_cases=_au_cases,
        params=("mu", "threshold=0.01"),
        axes=("batch", "latent"),  # names a fraction of the units (a 1/D factor)
        returns="an int",
        mistakes=AU_MISTAKES,
        hints=(
            "A unit j is active if Var over inputs x of mu_j(x) exceeds the threshold.",
            "mu has shape (N, D): the variance over inputs is mu.var(dim=0), shape (D,).",
        ),
    ),
    FunctionExercise(
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
    ),
    FunctionExercise(
        id="free_bits_kl",
        session="s6",
        title="the free-bits KL",
        section=_FREE,
        reference=_free_bits_kl,
        make_cases=_free_bits_cases,
        params=("kl_per_dim", "free_bits"),
        returns="a 0-d tensor: the batch's free-bits KL term",
        axes=("batch", "latent"),
        differentiable=(0,),
        mistakes=FREE_BITS_MISTAKES,
        hints=(
            "Average kl_per_dim over the batch (dim=0) first: one KL per latent dimension, shape (D,).",
            "Floor each of those at free_bits (torch.clamp(min=...)), then sum over the dimensions: one number.",
        ),
    ),
    ChoiceExercise(
        id="collapse_diagnosis_choice",
        session="s6",
        title="diagnosing a collapsed VAE",
        section="s6-posterior-collapse",
        options={
            "a": "Posterior collapse: q(z|x) is close to the prior for every x and the decoder models the data without using z.",
            "b": "Overfitting: the encoder has memorised the training set.",
            "c": "Nothing is wrong: a KL this small means q(z|x) approximates the true posterior p(z|x) very well.",
            "d": "Training has not started yet: the learning rate is too low.",
        },
        correct=frozenset("a"),
        mistakes=(
            Mistake(
                "collapse_is_overfitting",
                "collapse mistaken for overfitting",
                "A memorising encoder would carry much information about x (a large KL); here z carries almost none.",
                "s6-posterior-collapse",
                choices=frozenset("b"),
            ),
            Mistake(
                "small_kl_means_good_posterior",
                "the KL to the prior confused with the KL to the posterior",
                "The KL in the ELBO is to the prior p(z), not to the posterior; a KL to the prior near 0 means q ignores x.",
                "s6-posterior-collapse",
                choices=frozenset("c"),
            ),
            Mistake(
                "collapse_is_undertraining",
                "collapse mistaken for under-training",
                "The reconstruction term is good, so the decoder has learned; it has learned to do without z.",
                "s6-posterior-collapse",
                choices=frozenset("d"),
            ),
        ),
        hints=("Which distribution is the KL in the ELBO measured against?",),
    ),
    ChoiceExercise(
        id="beta_vae_choice",
        session="s6",
        title="what beta > 1 does",
        section="s6-beta-vae",
        options={
            "a": "The KL term (the rate) goes down.",
            "b": "Reconstructions get sharper.",
            "c": "The latent code carries more information about x.",
            "d": "Fewer latent dimensions stay active.",
        },
        correct=frozenset("ad"),
        multiple=True,
        mistakes=(
            Mistake(
                "beta_sharpens",
                "beta > 1 sharpens reconstructions",
                "A heavier KL weight buys a lower rate with worse reconstructions (more distortion), typically blurrier.",
                "s6-beta-vae",
                choices=frozenset("b"),
            ),
            Mistake(
                "beta_more_information",
                "beta > 1 puts more information in z",
                "The KL bounds the information z carries about x; penalising it more leaves less.",
                "s6-beta-vae",
                choices=frozenset("c"),
            ),
        ),
        hints=("beta multiplies the KL, the price of information in z. What happens when a price goes up?",),
    ),
)
