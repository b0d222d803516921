"""Session 5 exercise: the bound an evaluation loop reports for a model trained with a KL weight (beta or annealing)."""

from __future__ import annotations

import torch

from ...core.bounds import ElboTerms
from ..exercise import FunctionExercise, Mistake
from ..mistakes_generic import GENERIC_BY_NAME
from ..observe import Case
from ..terms import Reading, TermLibrary, Whole
from . import _draw

# --- evaluation_elbo ----------------------------------------------------------------------------


def _evaluation_elbo_reference(recon, kl, beta):
    return ElboTerms(recon, kl, beta).elbo  # (B,): recon - kl, whatever beta training used


def _terms(g, b, dtype=torch.float32):
    recon = _draw.normal(g, b, scale=6.0, dtype=dtype) - 90.0  # (B,) log p(x|z) of 64-pixel images
    kl = _draw.uniform(g, b, low=2.0, high=25.0, dtype=dtype)  # (B,) always positive
    return recon, kl


def _evaluation_cases(seed: int) -> list[Case]:
    g = _draw.generator(5101)
    cases = [
        Case("fixed-beta4", "fixed", (*_terms(g, 4), 4.0), "a beta-VAE (beta = 4), a batch of 4 examples"),
        Case(
            "fixed-warmup",
            "fixed",
            (*_terms(g, 3), 0.25),
            "KL annealing a quarter of the way through warm-up (weight 0.25), a batch of 3",
        ),
        Case("fixed-beta1", "fixed", (*_terms(g, 5), 1.0), "a plain VAE (beta = 1), a batch of 5"),
        Case("fixed-single", "fixed", (*_terms(g, 1), 2.0), "a single example (B = 1) with beta = 2"),
    ]
    g = _draw.generator(seed)
    b1 = _draw.integer(g, 2, 9)
    b2 = _draw.integer(g, 2, 9, avoid=(b1,))
    weight = round(float(_draw.uniform(g, 1, low=0.05, high=0.95)), 3)
    beta = round(float(_draw.uniform(g, 1, low=1.5, high=10.0)), 2)
    cases += [
        Case("random-anneal", "random", (*_terms(g, b1), weight), f"annealing weight {weight}, a batch of {b1}"),
        Case(
            "random-float64",
            "random",
            (*_terms(g, b2, dtype=torch.float64), beta),
            f"a float64 batch of {b2} from a beta-VAE with beta = {beta}",
            rtol=1e-6,  # MIN_RTOL: float64 cases check the dtype is kept, not digits past 1e-6
            atol=1e-9,
        ),
    ]
    return cases


_EVAL = "s5-evaluation"
# Reports: jxhe/vae-lagging-encoder#9 (beta-VAE and annealed VAEs are evaluated with beta = 1),
# jaanaltosaar/variational-autoencoder#22 (with beta < 1 the objective is no longer a bound on the evidence).
EVALUATION_MISTAKES = (
    Mistake(
        "eval_bound_includes_beta",
        "the KL weight (beta or the annealing weight) kept in the reported bound",
        "Your bound is recon - beta * KL, the objective training maximised. The bound on log p(x) is a "
        "property of the model and q, not of how they were trained: it is recon - KL, with weight 1. With beta < 1 "
        "(a warm-up weight) the weighted value can even exceed log p(x); with beta > 1 it understates it, so models "
        "trained with different betas cannot be compared on it. The same holds for a free-bits floor: report the ELBO at "
        "weight 1 without free bits, or an importance-sampled log-likelihood.",
        _EVAL,
        variants=(lambda r, k, beta: r - beta * k,),
    ),
    Mistake(
        "eval_bound_depends_on_beta",
        "the training weight beta used elsewhere in the reported bound",
        "Your bound changes with beta: the training weight enters it elsewhere than as beta * KL alone (on the "
        "reconstruction term, beta * recon - KL, on the whole bound, beta * (recon - KL), or dividing the KL, "
        "recon - KL / beta). The bound on log p(x) is a "
        "property of the model and q, not of how they were trained: recon - KL, with weight 1 on both terms, whatever "
        "beta or warm-up weight training used.",
        _EVAL,
        variants=(lambda r, k, beta: beta * r - k, lambda r, k, beta: r - k / beta, lambda r, k, beta: beta * (r - k)),
    ),
    Mistake(
        "eval_reports_training_loss",
        "the training loss reported instead of the bound",
        "Your values are minus the training objective, -(recon - beta * KL): a loss to minimise, with the training "
        "weight still in it. Report the ELBO itself, recon - KL.",
        _EVAL,
        variants=(lambda r, k, beta: beta * k - r,),
    ),
    Mistake(
        "eval_elbo_negated",
        "minus the ELBO (a loss) instead of the ELBO",
        "Your values are KL - recon, the negative ELBO. Report the bound itself (negative numbers for these images).",
        _EVAL,
        variants=(lambda r, k, beta: k - r,),
    ),
    Mistake(
        "kl_added",
        "the KL added instead of subtracted",
        "ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)): the KL is subtracted. Added, the result is no longer a lower "
        "bound on log p(x), and the KL's -log sigma^2 term, meant to punish a needle-thin q, rewards it without limit.",
        "s2-elbo-decomposition",
        variants=(lambda r, k, beta: r + k, lambda r, k, beta: r + beta * k),
    ),
    Mistake(
        "eval_missing_kl",
        "the KL term left out: the reconstruction term reported as the bound",
        "recon = E_q[log p(x|z)] alone is not a bound on log p(x): the ELBO subtracts KL(q(z|x) || p(z)). Without it a "
        "model whose encoder ignores the prior looks better than it is.",
        _EVAL,
        variants=(lambda r, k, beta: r + 0.0 * k,),
    ),
    Mistake(
        "eval_batch_mean",
        "one number for the batch instead of one bound per example",
        "Return the bound of each example, shape (B,): per-example values serve anomaly scores and error bars; the "
        "average over a data set is taken by the caller.",
        "s4-reductions",
        variants=(lambda r, k, beta: (r - k).mean(), lambda r, k, beta: (r - k).sum()),
    ),
    GENERIC_BY_NAME["divided_by_batch_size"].made_by(lambda r, k, beta: (r - k) / r.shape[0]),
)

# the terms an evaluation answer is read in (vaecourse.grading.diagnose_terms)
_T = ("recon", "KL", "beta * KL", "beta * recon", "KL / beta")
TERM_LIBRARIES = {
    "evaluation_elbo": TermLibrary(
        noun="your bound",
        terms=(
            (_T[0], lambda r, k, beta: r),  # (B,)
            (_T[1], lambda r, k, beta: k),
            (_T[2], lambda r, k, beta: beta * k),
            (_T[3], lambda r, k, beta: beta * r),
            (_T[4], lambda r, k, beta: k / beta),
        ),
        reference={_T[0]: 1, _T[1]: -1},
        readings=(
            Reading({_T[0]: 0, _T[3]: 1, _T[1]: 0, _T[2]: -1}, "eval_bound_depends_on_beta"),  # beta * (recon - KL)
            Reading({_T[1]: 0, _T[2]: -1}, "eval_bound_includes_beta"),
            Reading({_T[0]: -1, _T[1]: 0, _T[2]: 1}, "eval_reports_training_loss"),
            Reading({_T[1]: 0, _T[2]: 1}, "kl_added"),
            Reading({_T[1]: 1}, "kl_added"),
            Reading({_T[1]: 0}, "eval_missing_kl"),
            Reading({_T[0]: 0, _T[3]: 1}, "eval_bound_depends_on_beta"),
            Reading({_T[1]: 0, _T[4]: -1}, "eval_bound_depends_on_beta"),
        ),
        wholes=(Whole(lambda r, k, beta: -1.0, "eval_elbo_negated", "-1 *"),),
    ),
}

# --- mistakes only the practice variants meet (vaecourse.practice.skills_evaluation) ----------------

PRACTICE_MISTAKES = (
    Mistake(
        "objective_without_weight",
        "the training objective without its KL weight",
        "Training maximises recon - weight * KL with the KL weight of this step (beta, the warm-up weight, or "
        "their product); recon - KL is the bound you report, not the objective.",
        _EVAL,
        behaviour="recon - KL given as the training objective",
    ),
)

EXERCISES = (
    FunctionExercise(
        id="evaluation_elbo",
        session="s5",
        title="the bound an evaluation loop reports",
        section=_EVAL,
        reference=_evaluation_elbo_reference,
        make_cases=_evaluation_cases,
        params=("recon", "kl", "beta"),
        returns="a tensor of shape (B,)",
        differentiable=(0, 1),  # the bound at weight 1 is also what training on it backpropagates through
        mistakes=EVALUATION_MISTAKES,
        hints=(
            "Training maximised recon - beta * kl. Is that a lower bound on log p(x) when beta != 1?",
            "The ELBO is recon - kl for every model, whatever weight training used: beta is passed only because "
            "evaluation code receives the training configuration.",
        ),
    ),
)
