"""Session 6: the free-bits KL (each dimension's batch-mean KL floored, then summed): cases and the mistakes it names."""

from __future__ import annotations

import torch

from ...core.kl import free_bits_kl as _free_bits_kl
from ..exercise import FunctionExercise, Mistake
from ..mistakes_generic import GENERIC_BY_NAME
from ..observe import Case
from . import _draw

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
    # some dimensions' batch means far below the floor, one just below it, others above, the total above it: a floor
    # of free_bits / D, a floor on the total and a floor per example each give another value here
    mixed = torch.tensor([[0.01, 1.5, 0.02, 0.9], [0.9, 1.1, 0.01, 0.7]])
    cases.append(Case("fixed-mixed", "fixed", (mixed, 0.5), "2 examples, 4 latent dimensions, some batch-mean KLs far below the floor and some above"))
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
            lambda kl, lam: kl.clamp(min=lam).sum(),  # floored per example and summed over the batch too
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
    # fb_biva_budget_split (held-out set 4) splits the budget per example; here the batch mean is right
    Mistake(
        "free_bits_budget_split",
        "free_bits divided among the latent dimensions",
        "free_bits is the floor of each latent dimension (nats per dimension), not a budget for the whole code to "
        "share: each dimension's batch-mean KL counts at least free_bits, max(free_bits, KL_j), then the sum. Dividing it "
        "by the number of dimensions D floors each dimension at free_bits / D, a floor D times too low.",
        _FREE,
        variants=(lambda kl, lam: kl.mean(0).clamp(min=lam / kl.shape[-1]).sum(),),
    ),
    Mistake(
        "free_bits_axes_swapped",
        "the mean over the latent dimensions where the batch mean belongs (axes swapped)",
        "kl_per_dim has shape (B, D): the batch is dim=0. Average over it, kl_per_dim.mean(0), to get one KL per latent "
        "dimension, then floor each at free_bits and sum. Your answer averages over dim=1, the latent dimensions, and "
        "floors one number per example instead.",
        _FREE,
        variants=(lambda kl, lam: kl.mean(1).clamp(min=lam).sum(), lambda kl, lam: kl.mean(1).clamp(min=lam).mean()),
    ),
    # iconix (held-out set 8): torch.clamp(KLD.mean(), min=free_bits)
    Mistake(
        "free_bits_on_overall_mean",
        "one floor on the KL averaged over the batch and the dimensions together",
        "Free bits floor each latent dimension's batch-mean KL separately, kl_per_dim.mean(0).clamp(min=free_bits), "
        "then sum over the dimensions. Your answer averages kl_per_dim over everything (batch and dimensions) into one "
        "number and floors that: a few used dimensions lift the average above the floor while the others still "
        "collapse, and a mean over the dimensions is D times smaller than their sum.",
        _FREE,
        variants=(lambda kl, lam: kl.mean().clamp(min=lam),),
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

EXERCISE = FunctionExercise(
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
)
EXERCISES = (EXERCISE,)
