"""Session 4 exercises, part 1: the closed-form Gaussian KL and its practice value."""

from __future__ import annotations

import itertools

import torch

from ...core.kl import gaussian_kl as _gaussian_kl
from ..exercise import FunctionExercise, Mistake, ValueExercise
from ..mistakes_generic import GENERIC_BY_NAME
from ..observe import Case
from ..terms import Reading, Reduction, TermLibrary, Whole
from . import _draw
from .s2_elbo import KL_DIRECTION_REVERSED

# --- gaussian_kl -------------------------------------------------------------------------------


def _kl_cases(seed: int) -> list[Case]:
    g = _draw.generator(4001)
    cases = [
        Case(
            "fixed-1",
            "fixed",
            (_draw.normal(g, 4, 3), _draw.normal(g, 4, 3, scale=1.5)),
            "a fixed batch of 4 examples with 3 latent dimensions",
        ),
        Case(
            "fixed-prior",
            "fixed",
            (torch.zeros(2, 5), torch.zeros(2, 5)),
            "2 examples whose q is the prior (mu = 0, logvar = 0)",
        ),
        Case(
            "fixed-wide",
            "fixed",
            (_draw.normal(g, 3, 4), _draw.uniform(g, 3, 4, low=0.3, high=2.0)),
            "a fixed batch of 3 examples with 4 latent dimensions, all variances above 1",
        ),
        Case(
            "fixed-single",
            "fixed",
            (_draw.normal(g, 1, 6), _draw.normal(g, 1, 6)),
            "a batch of a single example (B = 1) with 6 latent dimensions",
        ),
    ]
    g = _draw.generator(seed)
    # Distinct B and D in every case and across cases: a mean over D, a division by B and a mean over
    # everything then differ somewhere, so the mistake made is the only one that matches (and is named).
    shapes = _draw.batch_and_dims(g, 3, (2, 7), (3, 9))
    for k, (b, d) in enumerate(shapes[:2], start=1):
        cases.append(
            Case(
                f"random-{k}",
                "random",
                (_draw.normal(g, b, d, scale=2.0), _draw.normal(g, b, d, scale=1.5)),
                f"a random batch of {b} examples with {d} latent dimensions",
            )
        )
    b, d = shapes[2]
    args = (_draw.normal(g, b, d, dtype=torch.float64), _draw.normal(g, b, d, dtype=torch.float64))
    cases.append(
        Case(
            "random-float64",
            "random",
            args,
            f"a random float64 batch of {b} examples with {d} latent dimensions",
            rtol=1e-6,  # MIN_RTOL: float64 cases check the dtype is kept, not digits past 1e-6
            atol=1e-10,
        )
    )
    return cases


def _per_dim(mu, logvar):
    return mu.pow(2) + logvar.exp() - logvar - 1.0  # (B, D)


_S4_VAR = "s4-log-variance"
KL_MISTAKES = (
    # Both directions of the slip: sigma for sigma^2, and exp(logvar) taken as sigma so that sigma^2 = exp(2 logvar)
    # (kvfrans/variational-autoencoder, rishikksh20/vae_tacotron2#3, pyg-team/pytorch_geometric#1368's log-sigma
    # formula fed a log-variance). The practice problems' "sigma used for the given variance" is the same entry.
    Mistake(
        "kl_sigma_instead_of_variance",
        "the standard deviation and the variance confused",
        "The closed form uses the variance sigma^2 = exp(logvar) and its log, logvar itself. Your result puts "
        "another member of the family in one or both of these places: the standard deviation "
        "sigma = exp(logvar / 2) where sigma^2 belongs, log sigma = logvar / 2 where log sigma^2 belongs, or exp(logvar) "
        "taken as sigma and squared once more (exp(2 logvar), and 2 * logvar for the log).",
        _S4_VAR,
        variants=(
            lambda mu, s: 0.5 * (mu.pow(2) + (0.5 * s).exp() - 0.5 * s - 1).sum(-1),
            lambda mu, s: 0.5 * (mu.pow(2) + (0.5 * s).exp() - s - 1).sum(-1),
            lambda mu, s: 0.5 * (mu.pow(2) + (2 * s).exp() - 2 * s - 1).sum(-1),
        ),
    ),
    # the KL's direction (defined with the ELBO's gap): here the closed form of KL(p || q) = 1/2 sum((1 + mu^2) / sigma^2 + s - 1)
    KL_DIRECTION_REVERSED.made_by(lambda mu, s: 0.5 * ((1 + mu.pow(2)) * torch.exp(-s) + s - 1).sum(-1)),
    Mistake(
        "kl_mean_not_squared",
        "the mean enters without its square",
        "The mean's part of the KL is mu^2 (the squared distance of q's centre from the prior's): yours uses mu or |mu|, "
        "which is negative or wrong for every |mu| other than 0 and 1.",
        "s4-closed-form-kl",
        variants=(lambda mu, s: 0.5 * (mu + s.exp() - s - 1).sum(-1), lambda mu, s: 0.5 * (mu.abs() + s.exp() - s - 1).sum(-1)),
    ),
    Mistake(
        "kl_logvar_as_variance",
        "logvar treated as the variance",
        "`logvar` holds s = log sigma^2, not sigma^2: the variance is exp(logvar). Using logvar where sigma^2 "
        "belongs (and log(logvar) for log sigma^2) also gives NaN for every negative log-variance.",
        _S4_VAR,
        variants=(lambda mu, s: 0.5 * (mu.pow(2) + s - torch.log(s) - 1).sum(-1),),
    ),
    Mistake(
        "kl_logvar_as_sigma",
        "logvar treated as the standard deviation sigma",
        "Your result matches squaring `logvar` as if it were sigma. The encoder outputs s = log sigma^2, so "
        "sigma^2 = exp(s) and log sigma^2 = s: no squaring and no further log are needed.",
        _S4_VAR,
        variants=(
            lambda mu, s: 0.5 * (mu.pow(2) + s.pow(2) - torch.log(s.pow(2)) - 1).sum(-1),
            lambda mu, s: 0.5 * (mu.pow(2) + s.pow(2) - 2 * torch.log(s) - 1).sum(-1),
        ),
    ),
    # The log term doubled but the variance not squared: DaehanKim/vgae_pytorch#2.
    Mistake(
        "kl_log_variance_doubled",
        "the log term doubled (2 * logvar) while the variance term is exp(logvar)",
        "With logvar = log sigma^2 the log term is logvar itself; 2 * logvar belongs to a formula written for "
        "log sigma, whose variance term would then be exp(2 * log sigma). Your result mixes the two conventions.",
        _S4_VAR,
        variants=(lambda mu, s: 0.5 * (mu.pow(2) + s.exp() - 2 * s - 1).sum(-1),),
    ),
    # FluxML/model-zoo#73: log(sigma)^2 where 2 log(sigma) belongs.
    Mistake(
        "kl_log_term_squared",
        "the log term squared: (log sigma)^2 instead of log sigma^2",
        "log sigma^2 = 2 log sigma = logvar; (log sigma)^2 = (logvar / 2)^2 is another number (and never negative).",
        _S4_VAR,
        variants=(lambda mu, s: 0.5 * (mu.pow(2) + s.exp() - (0.5 * s).pow(2) - 1).sum(-1),),
    ),
    # FluxML/model-zoo#147: + log sigma^2 where - log sigma^2 belongs.
    Mistake(
        "kl_log_term_sign",
        "the log term's sign is flipped",
        "Each dimension pays -log sigma^2 (small variances cost a lot); your result adds + log sigma^2 instead.",
        "s4-closed-form-kl",
        variants=(lambda mu, s: 0.5 * (mu.pow(2) + s.exp() + s - 1).sum(-1),),
    ),
    # A ReLU (or clamp at 0) on the encoder's log-variance head: it forbids variances below 1.
    Mistake(
        "kl_logvar_squashed",
        "the log-variance clipped at 0 (a ReLU on logvar)",
        "Your values are right where logvar >= 0 and wrong where it is negative: the log-variance is passed through a "
        "ReLU (or clamped at 0), which forbids every variance below 1. logvar = log sigma^2 is any real number; "
        "a narrow posterior has a negative one. Use the encoder's output as it is, without an activation.",
        _S4_VAR,
        variants=(lambda mu, s: 0.5 * (mu.pow(2) + s.clamp(min=0).exp() - s.clamp(min=0) - 1).sum(-1),),
    ),
    Mistake(
        "kl_missing_half",
        "the factor 1/2 is missing",
        "Your values are exactly twice the KL: the closed form starts with 1/2, from the 1/2 in the Gaussian log-density.",
        "s4-closed-form-kl",
        variants=(lambda mu, s: _per_dim(mu, s).sum(-1),),
    ),
    # SupaeroDataScience/deep-learning#6: sum(mu^2 + sigma^2 - log sigma - 1/2), the 1/2 kept on the log and the -1 only.
    # Named by the term fit (TERM_LIBRARIES below) for every subset of the terms that lost it.
    Mistake(
        "kl_half_on_some_terms",
        "the factor 1/2 applied to only some of the terms",
        "Every term of each dimension's KL carries the 1/2: (mu^2 + sigma^2 - log sigma^2 - 1) / 2, so 0.5 * mu^2, "
        "0.5 * sigma^2, -0.5 * logvar and -0.5 per dimension. In yours some of these terms have weight 1 instead: the "
        "1/2 was dropped, or not distributed over the whole bracket, for those terms only.",
        "s4-closed-form-kl",
        variants=(lambda mu, s: (mu.pow(2) + 0.5 * (s.exp() - s - 1)).sum(-1),),
    ),
    Mistake(
        "kl_missing_minus_one",
        "the -1 in each dimension's term is missing",
        "Each latent dimension contributes (mu^2 + sigma^2 - log sigma^2 - 1) / 2. Without the -1 the KL of q to "
        "itself would be D/2 instead of 0: check your function at mu = 0, logvar = 0.",
        "s4-closed-form-kl",
        variants=(lambda mu, s: 0.5 * (mu.pow(2) + s.exp() - s).sum(-1),),
    ),
    Mistake(
        "kl_minus_one_once",
        "the -1 subtracted once per example, outside the sum over the dimensions",
        "Each latent dimension contributes (mu^2 + sigma^2 - log sigma^2 - 1) / 2, so the constant is -1/2 per "
        "dimension, -D/2 in all. Yours subtracts 1/2 once, after the sum: the KL of q to itself is (D - 1)/2 instead "
        "of 0. Keep the -1 inside the bracket that is summed: check your function at mu = 0, logvar = 0.",
        "s4-closed-form-kl",
        # ericjang/draw#2 subtracts 1/2 once instead of 1/2 per dimension
        variants=(lambda mu, s: 0.5 * (mu.pow(2) + s.exp() - s).sum(-1) - 0.5,),
    ),
    Mistake(
        "kl_wrong_sign",
        "the sign is flipped",
        "A KL divergence is never negative. Your values are minus the KL: the familiar "
        "-1/2 sum(1 + logvar - mu^2 - exp(logvar)) has a minus sign in front, which your version dropped (or added twice). Trained "
        "on, it rewards moving away from the prior. Check that a KL is exactly 0 at mu = 0, logvar = 0 and never negative.",
        "s4-closed-form-kl",
        variants=(lambda mu, s: 0.5 * (1 + s - mu.pow(2) - s.exp()).sum(-1),),
    ),
    Mistake(
        "kl_missing_mu_squared",
        "the mu^2 term is missing",
        "Each dimension pays mu_j^2 for a mean away from the prior's 0; your result leaves that term out, so it ignores the means.",
        "s4-closed-form-kl",
        variants=(lambda mu, s: 0.5 * (s.exp() - s - 1).sum(-1),),
    ),
    # Reported in public VAE code: keras-team/keras-io#270, maxhodak/keras-molecules#59, mkusner/grammarVAE#2.
    Mistake(
        "kl_mean_over_latent",
        "a mean over latent dimensions instead of a sum",
        "The KL of a diagonal Gaussian is the sum of the per-dimension KLs (the dimensions are independent). "
        "Averaging divides it by D, so the KL's weight in the loss would change with the latent size.",
        "s4-reductions",
        variants=(lambda mu, s: 0.5 * _per_dim(mu, s).mean(-1),),
    ),
    Mistake(
        "kl_batch_mean",
        "reduced over the batch (one number instead of one KL per example)",
        "Return one KL per example, shape (B,). The batch mean happens once, in the loss; a function that "
        "already averages (or sums) over the batch cannot be reused for per-example diagnostics such as the ELBO of one image.",
        "s4-reductions",
        # EDAPINENUT/GNTPP#4: the batch total put in every example's slot
        variants=(
            lambda mu, s: 0.5 * _per_dim(mu, s).sum(-1).mean(),
            lambda mu, s: 0.5 * _per_dim(mu, s).sum(),
            lambda mu, s: 0.5 * _per_dim(mu, s).sum() * torch.ones(mu.shape[0], dtype=mu.dtype),
        ),
    ),
    # A mean over batch and latent dims at once: keras-team/keras-io#270 (tf.reduce_mean), podgorskiy/VAE#1.
    Mistake(
        "kl_mean_over_everything",
        "a mean over the batch and the latent dimensions together",
        "torch.mean over the whole (B, D) array divides the summed KL by B * D: it averages away the batch and "
        "shrinks the KL by the latent size. Sum over the latent dimension (dim=-1) only; the batch mean "
        "happens once, in the loss. (A classic of published VAE code.)",
        "s4-reductions",
        variants=(lambda mu, s: 0.5 * _per_dim(mu, s).mean(),),
    ),
    # Dividing by a constant that is not the latent size: pytorch/examples#290 (KLD /= batch_size * 784).
    GENERIC_BY_NAME["divided_by_batch_size"].made_by(lambda mu, s: 0.5 * _per_dim(mu, s).sum(-1) / mu.shape[0]),
    Mistake(
        "kl_no_reduction",
        "no sum over the latent dimensions",
        "Your function returns the per-dimension terms, shape (B, D). Sum them over the last (latent) dimension to get one KL per example.",
        "s4-reductions",
        variants=(lambda mu, s: 0.5 * _per_dim(mu, s),),
    ),
    Mistake(
        "kl_summed_over_batch",
        "summed over the batch dimension instead of the latent one",
        "Your function sums over dimension 0, the batch. The latent dimensions are the last axis: sum with dim=-1.",
        "s4-reductions",
        variants=(lambda mu, s: 0.5 * _per_dim(mu, s).sum(0),),
    ),
    # the variance built from logvar with another function (softplus): named by the term fit below and by
    # diagnose_scale_fn, whose notes say which function (a variant here would name it first, without saying so)
    GENERIC_BY_NAME["scale_wrong_function"].made_by(),
)

# the terms a KL answer is read in (vaecourse.grading.diagnose_terms): each a sum over the latent dimensions, (B,);
# the reference's four, and those people put in their place (sigma or sigma^4 for sigma^2, mu or |mu| for mu^2, a
# constant once per example for one per dimension)
_T = ("mu^2", "sigma^2", "log sigma^2", "D", "sigma", "sigma^4", "mu", "|mu|", "1 (once per example)", "softplus(logvar)")
_REFERENCE = {_T[0]: 0.5, _T[1]: 0.5, _T[2]: -0.5, _T[3]: -0.5}


def _half_dropped() -> tuple[Reading, ...]:
    """The 1/2 missing on some of the four terms (larger sets first; the log term alone is kl_log_variance_doubled)."""
    out = []
    for size in (3, 2, 1):
        for subset in itertools.combinations(_T[:4], size):
            if subset != (_T[2],):
                out.append(Reading({t: 2 * _REFERENCE[t] for t in subset}, "kl_half_on_some_terms"))
    return tuple(out)


TERM_LIBRARIES = {
    "gaussian_kl": TermLibrary(
        noun="your KL",
        terms=(
            (_T[0], lambda mu, s: mu.pow(2).sum(-1)),
            (_T[1], lambda mu, s: s.exp().sum(-1)),
            (_T[2], lambda mu, s: s.sum(-1)),
            (_T[3], lambda mu, s: torch.full(mu.shape[:-1], float(mu.shape[-1]), dtype=mu.dtype)),
            (_T[4], lambda mu, s: (0.5 * s).exp().sum(-1)),
            (_T[5], lambda mu, s: (2 * s).exp().sum(-1)),
            (_T[6], lambda mu, s: mu.sum(-1)),
            (_T[7], lambda mu, s: mu.abs().sum(-1)),
            (_T[8], lambda mu, s: torch.ones(mu.shape[:-1], dtype=mu.dtype)),
            (_T[9], lambda mu, s: torch.nn.functional.softplus(s).sum(-1)),
        ),
        reference=_REFERENCE,
        readings=(
            # the whole KL negated or doubled, read before any one term's reading (with a 1/D, a term-wise sign is a whole one)
            Reading({t: -v for t, v in _REFERENCE.items()}, "kl_wrong_sign"),
            Reading({t: 2 * v for t, v in _REFERENCE.items()}, "kl_missing_half"),
            *_half_dropped(),
            # sigma or sigma^4 for sigma^2, log sigma (logvar / 2) or 2 logvar for log sigma^2: one family
            Reading({_T[1]: 0.0, _T[4]: 0.5, _T[2]: -0.25}, "kl_sigma_instead_of_variance"),
            Reading({_T[1]: 0.0, _T[4]: 0.5}, "kl_sigma_instead_of_variance"),
            Reading({_T[1]: 0.0, _T[5]: 0.5, _T[2]: -1.0}, "kl_sigma_instead_of_variance"),
            Reading({_T[1]: 0.0, _T[5]: 0.5}, "kl_sigma_instead_of_variance"),
            Reading({_T[2]: -0.25}, "kl_sigma_instead_of_variance"),
            Reading({_T[2]: -1.0}, "kl_log_variance_doubled"),
            Reading({_T[1]: 0.0, _T[9]: 0.5}, "scale_wrong_function"),  # softplus(logvar) as the variance
            Reading({_T[2]: 0.5}, "kl_log_term_sign"),
            Reading({_T[0]: 0.0, _T[6]: 0.5}, "kl_mean_not_squared"),
            Reading({_T[0]: 0.0, _T[7]: 0.5}, "kl_mean_not_squared"),
            Reading({_T[0]: 0.0}, "kl_missing_mu_squared"),
            Reading({_T[3]: 0.0, _T[8]: -0.5}, "kl_minus_one_once"),
            Reading({_T[3]: 0.0}, "kl_missing_minus_one"),
        ),
        wholes=(
            Whole(lambda mu, s: -1.0, "kl_wrong_sign", "-1 *"),
            Whole(lambda mu, s: 1.0 / mu.shape[-1], "kl_mean_over_latent", "1/D *"),
        ),
        reductions=(  # a mean over everything first: it is also the batch mean of the KL / D
            Reduction(lambda t, mu, s: t.mean() / mu.shape[-1], "kl_mean_over_everything", "the mean over the batch and the latent dimensions of"),
            Reduction(lambda t, mu, s: t.mean(), "kl_batch_mean", "the mean over the batch of"),
            Reduction(lambda t, mu, s: t.sum(), "kl_batch_mean", "the sum over the batch of"),
        ),
        simple=(0.25, -0.25),
    ),
}


# --- the practice value --------------------------------------------------------------------------


_KL_PRACTICE_INPUTS = (
    torch.tensor([2.0, 0.0], dtype=torch.float64),
    torch.tensor([0.25, 4.0], dtype=torch.float64).log(),
)  # mu = (2, 0), sigma^2 = (0.25, 4)
_KL_PRACTICE_MISTAKES = ("kl_sigma_instead_of_variance", "kl_missing_half", "kl_missing_minus_one")


EXERCISES = (
    FunctionExercise(
        id="gaussian_kl",
        session="s4",
        title="the closed-form Gaussian KL",
        section="s4-closed-form-kl",
        reference=_gaussian_kl,
        make_cases=_kl_cases,
        params=("mu", "logvar"),
        returns="a tensor of shape (B,)",
        axes=("batch", "latent"),
        differentiable=(0, 1),
        scale_args=((1, "log sigma^2"),),
        mistakes=KL_MISTAKES,
        hints=(
            "Per dimension: (mu^2 + sigma^2 - log sigma^2 - 1) / 2, with sigma^2 = exp(logvar) and log sigma^2 = logvar.",
            "Sum over the last dimension (dim=-1) so each example gets one KL; do not average over the batch.",
        ),
    ),
    ValueExercise(
        id="kl_practice",
        session="s4",
        title="KL for mu = (2, 0), sigma^2 = (0.25, 4)",
        section="s4-closed-form-kl",
        expected=lambda: _gaussian_kl(*_KL_PRACTICE_INPUTS).item(),
        # The same entries as the function exercise, applied to the problem's numbers (one definition each).
        mistakes=tuple(m.on(*_KL_PRACTICE_INPUTS) for m in KL_MISTAKES if m.name in _KL_PRACTICE_MISTAKES),
        hints=(
            "KL = 1/2 * sum_j (mu_j^2 + sigma_j^2 - log sigma_j^2 - 1); the problem gives sigma^2, not sigma.",
            "The two log terms are log 0.25 and log 4: notice that they cancel.",
        ),
    ),
)
