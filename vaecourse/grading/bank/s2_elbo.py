"""Session 2 exercises: the ELBO from log-densities, a discrete model's ELBO and gap, tightness, amortization."""

from __future__ import annotations

from dataclasses import replace

import torch

from ..exercise import ChoiceExercise, FunctionExercise, Mistake, ValueExercise
from ..observe import Case
from ..terms import Reading, TermLibrary, Whole
from . import _draw
from .s1_bayes import SUM_OF_DRAWS

# Entries met in more than one exercise, defined once here ("reported_reconstruction_only" is an alias).
# The KL's direction: graded by the gap below, and met by the s1 KL practice skill ("gap_reverse_kl" is its alias).
KL_DIRECTION_REVERSED = Mistake(
    "kl_direction_reversed",
    "KL(p || q) instead of KL(q || p)",
    "KL(q || p) = sum_k q_k log(q_k / p_k) weights by q and divides by p; your value is the other direction, "
    "KL(p || q). The KL is not symmetric: the two directions differ in general (the ELBO's gap is "
    "KL(q(z|x) || p(z|x)), averaged under q).",
    "s1-kl-divergence",
    behaviour="the KL with its two distributions swapped",
)
RECONSTRUCTION_ONLY = Mistake(
    "elbo_expected_loglik_only",
    "the reconstruction term only",
    "E_q[log p(x|z)] is the first term of the ELBO and alone bounds nothing: the ELBO also subtracts KL(q || p(z)), "
    "with weight 1.",
    "s2-elbo-decomposition",
    behaviour="the reconstruction term E_q[log p(x|z)] where the ELBO is asked for",
)

# --- the ELBO from log-densities ----------------------------------------------------------------


def _elbo_reference(log_px_given_z, log_pz, log_qz):
    return (log_px_given_z + log_pz - log_qz).mean(dim=0)  # (L, B) -> (B,)


def _elbo_case(g, name, kind, l, b, describe, dtype=torch.float32, **tol):
    args = (
        _draw.normal(g, l, b, scale=5.0, dtype=dtype) - 80.0,
        _draw.normal(g, l, b, dtype=dtype) - 3.0,
        _draw.normal(g, l, b, dtype=dtype) - 1.0,
    )
    return Case(name, kind, args, describe, **tol)


def _elbo_cases(seed: int) -> list[Case]:
    g = _draw.generator(2001)
    cases = [
        _elbo_case(g, "fixed-1", "fixed", 3, 4, "L = 3 samples for each of 4 fixed examples"),
        _elbo_case(g, "fixed-single", "fixed", 1, 5, "a single sample (L = 1) for each of 5 examples"),
    ]
    g = _draw.generator(seed)
    l = _draw.integer(g, 2, 6)
    b = _draw.integer(g, 2, 7, avoid=(l,))
    cases.append(_elbo_case(g, "random-1", "random", l, b, f"L = {l} samples for each of {b} random examples"))
    cases.append(
        _elbo_case(
            g,
            "random-float64",
            "random",
            b,
            l,
            f"L = {b} samples for each of {l} random float64 examples",
            dtype=torch.float64,
            rtol=1e-6,  # MIN_RTOL: float64 cases check the dtype is kept, not digits past 1e-6
            atol=1e-9,
        )
    )
    return cases


_DER = "s2-elbo-derivation"
FORGOT_ENTROPY = Mistake(
    "elbo_forgot_entropy",
    "the - log q term is missing",
    "ELBO = sum_z q(z) [log p(x, z) - log q(z)]: without -log q you have only E_q[log p(x, z)]. Split into its "
    "two terms, the same -log q belongs to KL(q || p(z)) = E_q[log q(z) - log p(z)]: without it the KL "
    "becomes the cross-entropy -E_q[log p(z)].",
    _DER,
    variants=(lambda a, b, c: (a + b).mean(0),),
)
ELBO_MISTAKES = (
    FORGOT_ENTROPY,
    Mistake(
        "elbo_plus_log_q",
        "+ log q instead of - log q",
        "ELBO = E_q[log p(x, z) - log q(z|x)]: the encoder's log-density is subtracted (it is the entropy term).",
        _DER,
        variants=(lambda a, b, c: (a + b + c).mean(0),),
    ),
    Mistake(
        "elbo_missing_prior",
        "the prior term log p(z) is missing",
        "log p(x, z) = log p(x|z) + log p(z): both parts of the joint enter the ELBO.",
        _DER,
        variants=(lambda a, b, c: (a - c).mean(0),),
    ),
    Mistake(
        "elbo_density_for_log_density",
        "a density where its log belongs (q(z|x) for log q(z|x))",
        "The ELBO is an average of log-densities, E_q[log p(x|z) + log p(z) - log q(z|x)], and the inputs already are "
        "those logs. Your answer exponentiates one of them and uses the density itself (e.g. q(z|x) = exp(log q) where "
        "log q belongs): use each log-density as it is given.",
        _DER,
        variants=(lambda a, b, c: (a + b - c.exp()).mean(0), lambda a, b, c: (a + b.exp() - c).mean(0)),
    ),
    Mistake(
        "elbo_missing_likelihood",
        "the reconstruction term log p(x|z) is missing",
        "ELBO = E_q[log p(x|z) + log p(z) - log q(z|x)]: without log p(x|z) nothing in the bound depends on the data x.",
        _DER,
        variants=(lambda a, b, c: (b - c).mean(0),),
    ),
    Mistake(
        "elbo_prior_sign",
        "log p(z) subtracted instead of added",
        "log p(x, z) = log p(x|z) + log p(z) enters with a plus sign; only log q(z|x) is subtracted. (In the "
        "KL form, KL(q || p(z)) = E_q[log q - log p(z)] is subtracted, which adds log p(z).)",
        _DER,
        variants=(lambda a, b, c: (a - b - c).mean(0),),
    ),
    Mistake(
        "elbo_log_mean_exp",
        "the log of the mean weight (the IWAE bound) instead of the mean of the log-weights",
        "The ELBO estimate averages the log-weights log p(x|z_l) + log p(z_l) - log q(z_l|x) over the L samples. "
        "logsumexp over the samples minus log L is the log of their average weight, the importance-weighted (IWAE) "
        "bound: a different, tighter quantity (higher whenever the log-weights differ, by Jensen's inequality).",
        _DER,
        variants=(lambda a, b, c: torch.logsumexp(a + b - c, 0) - torch.log(torch.tensor(float(a.shape[0]), dtype=a.dtype)),),
    ),
    Mistake(
        "elbo_negated",
        "the negative ELBO (the loss)",
        "Your values are minus the ELBO. Return the bound itself; the loss is its negation, taken in the training step.",
        _DER,
        variants=(lambda a, b, c: -(a + b - c).mean(0),),
    ),
    SUM_OF_DRAWS.made_by(lambda a, b, c: (a + b - c).sum(0)),
    Mistake(
        "elbo_averaged_over_batch",
        "averaged over the examples instead of the samples",
        "The inputs have shape (L, B): samples first. Average over dim 0 to get one ELBO per example; your result averages over the B examples.",
        "s4-reductions",
        variants=(lambda a, b, c: (a + b - c).mean(1),),
    ),
    Mistake(
        "elbo_batch_mean",
        "reduced to one number for the batch",
        "Return one ELBO per example, shape (B,); the batch mean belongs in the loss.",
        "s4-reductions",
        variants=(lambda a, b, c: (a + b - c).mean(), lambda a, b, c: (a + b - c).mean(0).sum()),
    ),
)

# the terms an ELBO answer is read in (vaecourse.grading.diagnose_terms): each (L, B) input's mean over the L samples,
# and the densities people put where the log-densities belong
_E = ("E[log p(x|z)]", "E[log p(z)]", "E[log q(z|x)]", "E[q(z|x)] (the density itself)", "E[p(z)] (the density itself)")
TERM_LIBRARIES = {
    "elbo_from_log_densities": TermLibrary(
        noun="your ELBO",
        terms=(
            (_E[0], lambda a, b, c: a.mean(0)),  # (B,)
            (_E[1], lambda a, b, c: b.mean(0)),
            (_E[2], lambda a, b, c: c.mean(0)),
            (_E[3], lambda a, b, c: c.exp().mean(0)),
            (_E[4], lambda a, b, c: b.exp().mean(0)),
        ),
        reference={_E[0]: 1, _E[1]: 1, _E[2]: -1},
        readings=(
            Reading({_E[2]: 0, _E[3]: -1}, "elbo_density_for_log_density"),
            Reading({_E[1]: 0, _E[4]: 1}, "elbo_density_for_log_density"),
            Reading({_E[2]: 1}, "elbo_plus_log_q"),
            Reading({_E[2]: 0}, "elbo_forgot_entropy"),
            Reading({_E[1]: 0}, "elbo_missing_prior"),
            Reading({_E[1]: -1}, "elbo_prior_sign"),
            Reading({_E[0]: 0}, "elbo_missing_likelihood"),
        ),
        wholes=(
            Whole(lambda a, b, c: -1.0, "elbo_negated", "-1 *"),
            Whole(lambda a, b, c: a.shape[0], "mc_sum_not_mean", "L *"),
        ),
    ),
}

# --- a discrete model with two latent states ----------------------------------------------------

PRIOR = (0.5, 0.5)  # p(z = 0), p(z = 1)
LIKELIHOOD = (0.2, 0.6)  # p(x | z = 0), p(x | z = 1) for the observed x
Q = (0.6, 0.4)  # q(z = 0 | x), q(z = 1 | x): far from the posterior (0.25, 0.75), so the gap is visible


def _t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def _joint() -> torch.Tensor:
    return _t(LIKELIHOOD) * _t(PRIOR)  # p(x, z) for z = 0, 1


def _discrete_elbo(entropy: bool = True, prior: bool = True) -> float:
    q = _t(Q)
    inside = _t(LIKELIHOOD).log() + (_t(PRIOR).log() if prior else 0.0) - (q.log() if entropy else 0.0)
    return float((q * inside).sum())


def _log_evidence() -> float:
    return float(_joint().sum().log())


def _kl(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a * (a / b).log()).sum())


def _posterior() -> torch.Tensor:
    return _joint() / _joint().sum()


# --- mistakes only the practice variants meet (vaecourse.practice.skills_elbo) ----------------------

_DEC = "s2-elbo-decomposition"
_CARRIED = (
    "and your gap log p(x) - (recon - KL) inherits the error: with the right terms the gap equals "
    "KL(q(z|x) || p(z|x)) >= 0."
)
PRACTICE_MISTAKES = (
    Mistake(
        "elbo_recon_under_prior",
        "the reconstruction term weighted by the prior",
        "The reconstruction term E_q[log p(x|z)] = sum_z q(z|x) log p(x|z) averages under the encoder q(z|x), not "
        "under the prior p(z).",
        _DEC,
        behaviour="sum_z p(z) log p(x|z) as the reconstruction term",
    ),
    Mistake(
        "gap_with_reversed_kl",
        "KL(p || q) instead of KL(q || p), carried into the gap",
        "Your KL is KL(p(z) || q(z|x)), the other direction of KL(q(z|x) || p(z)) = sum_z q(z) log(q(z)/p(z)), "
        + _CARRIED,
        _DEC,
        behaviour="the KL with its two distributions swapped, and the gap log p(x) - (recon - that KL)",
    ),
    Mistake(
        "gap_with_cross_entropy",
        "the -log q term is missing from the KL, carried into the gap",
        "Your KL is the cross-entropy -E_q[log p(z)]: KL(q || p(z)) = E_q[log q(z) - log p(z)] also needs the "
        "E_q[log q(z)] term, " + _CARRIED,
        _DEC,
        behaviour="the cross-entropy -E_q[log p(z)] as the KL, and the gap log p(x) - (recon - that KL)",
    ),
    Mistake(
        "gap_with_recon_under_prior",
        "the reconstruction term weighted by the prior, carried into the gap",
        "The reconstruction term averages under the encoder q(z|x), not the prior p(z), " + _CARRIED,
        _DEC,
        behaviour="sum_z p(z) log p(x|z) as the reconstruction term, and the gap log p(x) - (that term - KL)",
    ),
    Mistake(
        "gap_sign_flipped",
        "ELBO - log p(x) instead of log p(x) - ELBO",
        "The ELBO is a lower bound on log p(x): the gap log p(x) - ELBO = KL(q(z|x) || p(z|x)) is never negative.",
        "s2-tightness",
        behaviour="minus the gap",
    ),
)

EXERCISES = (
    FunctionExercise(
        id="elbo_from_log_densities",
        session="s2",
        title="the ELBO estimate from log-densities",
        section=_DER,
        reference=_elbo_reference,
        make_cases=_elbo_cases,
        params=("log_px_given_z", "log_pz", "log_qz"),
        returns="a tensor of shape (B,)",
        differentiable=(0, 1, 2),
        mistakes=ELBO_MISTAKES,
        hints=(
            "ELBO = E_q[log p(x|z) + log p(z) - log q(z|x)], estimated by averaging over the L samples.",
            "The inputs are (L, B): average over dim 0.",
        ),
    ),
    ValueExercise(
        id="discrete_elbo_value",
        session="s2",
        title="the ELBO of a two-state model",
        section=_DER,
        expected=_discrete_elbo,
        mistakes=(
            replace(FORGOT_ENTROPY, variants=(lambda: _discrete_elbo(entropy=False),)),
            RECONSTRUCTION_ONLY.made_by(lambda: _discrete_elbo(entropy=False, prior=False)),
            Mistake(
                "elbo_is_log_evidence",
                "log p(x) instead of the ELBO",
                "log p(x) = log sum_z p(x, z) is what the ELBO bounds; the ELBO itself depends on q.",
                "s2-tightness",
                variants=(_log_evidence,),
            ),
        ),
        hints=("ELBO = sum over z in {0, 1} of q(z) * (log p(x|z) + log p(z) - log q(z)).",),
    ),
    ValueExercise(
        id="elbo_gap_value",
        session="s2",
        title="the gap log p(x) - ELBO",
        section="s2-tightness",
        expected=lambda: _log_evidence() - _discrete_elbo(),
        mistakes=(
            KL_DIRECTION_REVERSED.made_by(lambda: _kl(_posterior(), _t(Q))),
            Mistake(
                "gap_kl_to_prior",
                "the KL to the prior instead of to the posterior",
                "KL(q || p(z)) is the regulariser in the ELBO; the gap to log p(x) is the KL to the true posterior p(z|x). They are different numbers: ELBO + KL(q || p(z)) is not log p(x).",
                "s2-tightness",
                variants=(lambda: _kl(_t(Q), _t(PRIOR)),),
            ),
        ),
        hints=("log p(x) = log sum_z p(x, z); the gap equals KL(q || p(z|x)) with p(z|x) = p(x, z) / p(x).",),
    ),
    ChoiceExercise(
        id="tightness_choice",
        session="s2",
        title="when the ELBO equals log p(x)",
        section="s2-tightness",
        options={
            "a": "When q(z|x) equals the prior p(z).",
            "b": "When q(z|x) equals the true posterior p(z|x).",
            "c": "When the reconstruction term is as large as possible.",
            "d": "Never: the ELBO is always strictly below log p(x).",
        },
        correct=frozenset("b"),
        mistakes=(
            Mistake(
                "tight_when_q_is_prior",
                "the prior confused with the posterior",
                "log p(x) = ELBO + KL(q || p(z|x)): the gap closes when q matches the posterior, not the prior.",
                "s2-tightness",
                choices=frozenset("a"),
            ),
            Mistake(
                "tight_when_reconstruction_max",
                "tightness confused with good reconstructions",
                "The gap is KL(q || p(z|x)), which does not depend on how well x is reconstructed.",
                "s2-tightness",
                choices=frozenset("c"),
            ),
            Mistake(
                "never_tight",
                "the bound taken as never tight",
                "The gap is a KL, which is 0 exactly when the two distributions agree.",
                "s2-tightness",
                choices=frozenset("d"),
            ),
        ),
        hints=("Write log p(x) - ELBO as a KL divergence. When is a KL zero?",),
    ),
    ChoiceExercise(
        id="amortized_choice",
        session="s2",
        title="what amortized inference means",
        section="s2-amortized-inference",
        options={
            "a": "Each data point gets its own variational parameters (mu_i, sigma_i), optimised separately.",
            "b": "One encoder network maps any x to the parameters of q(z|x), sharing its weights across all data points.",
            "c": "The encoder computes the exact posterior p(z|x) for each x.",
            "d": "The cost of the KL term is spread over the training steps, as in KL annealing.",
        },
        correct=frozenset("b"),
        mistakes=(
            Mistake(
                "amortized_is_per_datapoint",
                "classical per-datapoint VI taken as amortized",
                "Separate parameters per data point is classical variational inference; amortization replaces them with one shared encoder.",
                "s2-amortized-inference",
                choices=frozenset("a"),
            ),
            Mistake(
                "amortized_is_exact",
                "the encoder taken as exact",
                "An encoder gives an approximation; the loss from sharing one network is the amortization gap.",
                "s2-amortized-inference",
                choices=frozenset("c"),
            ),
            Mistake(
                "amortized_is_annealing",
                "amortization confused with KL annealing",
                "Amortization is about sharing inference across data points, not about weighting the KL over time.",
                "s2-amortized-inference",
                choices=frozenset("d"),
            ),
        ),
        hints=("What replaces the per-example parameters (mu_i, sigma_i) in a VAE?",),
    ),
)
