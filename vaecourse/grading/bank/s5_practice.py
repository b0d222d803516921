"""Session 5 exercises: the IWAE bound, latent interpolation, the number to report, anomaly scores, the conditional VAE."""

from __future__ import annotations

import math

import torch

from ...core.bounds import iwae_bound as _iwae_bound
from ..exercise import ChoiceExercise, FunctionExercise, Mistake, ValueExercise, unstable_only
from ..floors import offset_by_constant
from ..observe import Case
from . import _draw
from .s2_elbo import RECONSTRUCTION_ONLY
from .s5_evaluation import EVALUATION_MISTAKES


def _evaluation_mistake(name: str) -> Mistake:
    return next(m for m in EVALUATION_MISTAKES if m.name == name)

# --- iwae_bound ---------------------------------------------------------------------------------


def _iwae_cases(seed: int) -> list[Case]:
    g = _draw.generator(5001)
    cases = [
        Case(
            "fixed-1",
            "fixed",
            (_draw.normal(g, 3, 5, scale=3.0),),
            "fixed log-weights, 3 examples, K = 5",
        ),
        Case("fixed-k1", "fixed", (_draw.normal(g, 4, 1, scale=3.0),), "4 examples with a single sample each (K = 1)"),
    ]
    log_weights = torch.tensor([[1000.0, 1001.0, 999.5], [-1000.0, -1002.0, -1001.0], [0.5, -0.5, 0.0]])
    cases.append(Case("stability", "stability", (log_weights,), "log-weights of magnitude 1000", rtol=1e-6, atol=1e-3))
    g = _draw.generator(seed)
    b, k = _draw.integer(g, 2, 6), _draw.integer(g, 2, 9)
    cases.append(
        Case(
            "random-1",
            "random",
            (_draw.normal(g, b, k, scale=5.0) - 50.0,),
            f"random log-weights for {b} examples with K = {k} samples each",
        )
    )
    b, k = _draw.integer(g, 2, 5), _draw.integer(g, 2, 7)
    cases.append(
        Case(
            "random-float64",
            "random",
            (_draw.normal(g, b, k, scale=2.0, dtype=torch.float64),),
            f"random float64 log-weights, {b} examples, K = {k}",
            rtol=1e-6,  # MIN_RTOL: float64 cases check the dtype is kept, not digits past 1e-6
            atol=1e-10,
        )
    )
    return cases


def _log_k(log_weights, dim=-1):
    return math.log(log_weights.shape[dim])


_IWAE = "s5-iwae"
IWAE_MISTAKES = (
    Mistake(
        "iwae_mean_instead_of_logsumexp",
        "the mean of the log-weights instead of the log of their mean",
        "mean_k log w_k is the K-sample ELBO, not the IWAE bound: the bound is log((1/K) sum_k w_k), the log of an "
        "average of weights, which is what makes it tighter. By Jensen's inequality a mean of logs lies below the log "
        "of the mean, and more samples make it more precise, not less wrong (averaging log p(x|z) over prior draws "
        "estimates E_p(z)[log p(x|z)], not log p(x)). Compute it as logsumexp(log_w) - log K.",
        _IWAE,
        variants=(lambda lw: lw.mean(-1),),
    ),
    Mistake(
        "iwae_no_max_shift",
        "exponentiating log-weights without subtracting their maximum",
        "Right formula, unstable arithmetic: exp(1000) overflows to inf and exp(-1000) underflows to 0, so log-weights "
        "of realistic size give inf or -inf (in float32, exp(a) is 0 once a is below about -104, and a 28x28 image's "
        "log-weights are around -100 nats or lower). Subtract the largest log-weight before exponentiating and add it "
        "back afterwards: the log-sum-exp trick, as torch.logsumexp does.",
        _IWAE,
        variants=(lambda lw: torch.log(lw.exp().sum(-1)) - _log_k(lw), lambda lw: torch.log(lw.exp().mean(-1))),
        predicate=unstable_only,
        credit=0.5,
    ),
    Mistake(
        "iwae_max_not_added_back",
        "the maximum subtracted before exponentiating but not added back",
        "The log-sum-exp trick is log mean_k w_k = m + log mean_k exp(log w_k - m) with m the largest log-weight: "
        "your values lack the m in front, so they are off by the largest log-weight (each example's, or the batch's). Add it back "
        "(or use torch.logsumexp(log_w, -1) - log K).",
        _IWAE,
        variants=(
            lambda lw: torch.log(torch.exp(lw - lw.max(-1, keepdim=True).values).mean(-1)),
            lambda lw: torch.logsumexp(lw - lw.max(-1, keepdim=True).values, -1) - _log_k(lw),
            lambda lw: torch.log(torch.exp(lw - lw.max()).mean(-1)),  # the batch's largest log-weight (.max() without dim)
        ),
    ),
    # AntixK/PyTorch-VAE models/iwae.py (issue #34): sum(softmax(log_w) * log_w).
    Mistake(
        "iwae_weighted_mean_of_logs",
        "the softmax-weighted mean of the log-weights",
        "sum_k softmax(log w)_k * log w_k is a self-normalised average of the log-weights, not the log of the average "
        "weight; the bound is logsumexp(log_w) - log K. (The softmax weights belong to the gradient, not the value.)",
        _IWAE,
        variants=(lambda lw: (torch.softmax(lw, -1) * lw).sum(-1),),
    ),
    # phlippe/CategoricalNF#2: the log-sum-exp of negative log-likelihoods, negated.
    Mistake(
        "iwae_logsumexp_of_negated",
        "the log-sum-exp of the negated log-weights",
        "-log mean exp(-log w) is a harmonic-mean estimate, not the IWAE bound: take logsumexp of the log-weights "
        "themselves, then subtract log K.",
        _IWAE,
        variants=(lambda lw: -(torch.logsumexp(-lw, -1) - _log_k(lw)),),
    ),
    # breze-no-salt/breze#85: the batch summed inside the log-sum-exp.
    Mistake(
        "iwae_batch_inside_log",
        "the batch mixed into the log-sum-exp",
        "Each example has its own bound: the log-sum-exp runs over the K samples of one example (the last dimension) "
        "and nothing is summed over the batch before it.",
        _IWAE,
        variants=(
            lambda lw: torch.logsumexp(lw.sum(0), 0) - _log_k(lw),
            lambda lw: torch.logsumexp(lw.flatten(), 0) - _log_k(lw),
        ),
    ),
    Mistake(
        "iwae_max_only",
        "the largest log-weight instead of the log-sum-exp",
        "max_k log w_k - log K keeps only the largest weight: the log-sum-exp trick subtracts the maximum to stay "
        "stable, then adds back log sum_k exp(log w_k - max), which your answer leaves out.",
        _IWAE,
        variants=(lambda lw: lw.max(-1).values - _log_k(lw),),
    ),
    Mistake(
        "iwae_missing_log_k",
        "the -log K is missing",
        "The bound averages the K weights: log((1/K) sum_k w_k) = logsumexp - log K. Without -log K the value grows with K and is no longer a lower bound on log p(x).",
        _IWAE,
        variants=(lambda lw: torch.logsumexp(lw, -1),),
    ),
    # stevengiacalone/triceratops PR #42: np.log(np.mean(np.nan_to_num(np.exp(lnL + 600)))), the 600 never subtracted.
    Mistake(
        "iwae_fixed_shift",
        "a fixed shift added to the log-weights and never subtracted back",
        "Every value of yours is the bound plus the same constant: a fixed number added to the log-weights before "
        "exponentiating (log mean exp(log_w + c), to keep exp from underflowing) and never taken back out. The "
        "log-sum-exp trick shifts by each example's largest log-weight m, because a fixed c cannot fit every scale "
        "(exp still overflows or underflows once log_w + c leaves about [-100, 88] in float32), and then adds m back: "
        "log mean_k w_k = m + log mean_k exp(log w_k - m), as torch.logsumexp(log_w, -1) - log K computes. (Done in "
        "NumPy, such a shift also cuts the gradient to the log-weights.)",
        _IWAE,
        predicate=offset_by_constant,
    ),
    Mistake(
        "iwae_log_k_sign",
        "log K added where the bound divides by K",
        "The bound averages the K weights: log((1/K) sum_k w_k) = logsumexp(log_w) - log K. Adding log K multiplies "
        "the sum by K instead of dividing it: the value is 2 log K too large and grows with K.",
        _IWAE,
        variants=(lambda lw: torch.logsumexp(lw, -1) + _log_k(lw),),
    ),
    Mistake(
        "iwae_subtracts_k",
        "K subtracted instead of log K",
        "Dividing the sum of weights by K subtracts log K in log space, not K.",
        _IWAE,
        variants=(lambda lw: torch.logsumexp(lw, -1) - lw.shape[-1],),
    ),
    Mistake(
        "iwae_wrong_dim",
        "reduced over the batch dimension instead of the samples",
        "log_weights has shape (B, K) with the K samples in the last dimension; your function reduces over dimension 0, "
        "mixing different examples' weights.",
        _IWAE,
        variants=(lambda lw: torch.logsumexp(lw, 0) - _log_k(lw), lambda lw: torch.logsumexp(lw, 0) - _log_k(lw, 0)),
    ),
)

# --- interpolation ------------------------------------------------------------------------------


def _interpolate_reference(z1, z2, steps):
    t = torch.linspace(0.0, 1.0, steps, dtype=z1.dtype)[:, None]  # (steps, 1)
    return (1 - t) * z1 + t * z2  # (steps, D)


def _interp_cases(seed: int) -> list[Case]:
    g = _draw.generator(5002)
    cases = [
        Case(
            "fixed-1",
            "fixed",
            (_draw.normal(g, 3), _draw.normal(g, 3), 5),
            "two fixed 3-dimensional latents and 5 steps",
        )
    ]
    g = _draw.generator(seed)
    d, steps = _draw.integer(g, 2, 8), _draw.integer(g, 3, 9)
    cases.append(
        Case(
            "random-1",
            "random",
            (_draw.normal(g, d), _draw.normal(g, d), steps),
            f"two random {d}-dimensional latents and {steps} steps",
        )
    )
    return cases


def _interp_with(t_of_steps, transpose=False):
    def interpolate(z1, z2, steps):
        t = t_of_steps(steps).to(z1.dtype)[:, None]
        out = (1 - t) * z1 + t * z2
        return out.T if transpose else out

    return interpolate


def _plus_z2(z1, z2, steps):
    t = torch.linspace(0.0, 1.0, steps, dtype=z1.dtype)[:, None]  # (steps, 1)
    return z1 + t * z2


def _slerp(z1, z2, steps):
    t = torch.linspace(0.0, 1.0, steps, dtype=z1.dtype)[:, None]  # (steps, 1)
    omega = torch.acos((z1 @ z2 / (z1.norm() * z2.norm())).clamp(-1.0, 1.0))
    return (torch.sin((1 - t) * omega) * z1 + torch.sin(t * omega) * z2) / torch.sin(omega)  # (steps, D)


def _weights_mixed_up(z1, z2, steps):
    t = torch.linspace(0.0, 1.0, steps, dtype=z1.dtype)[:, None]  # (steps, 1)
    return (1 - t) * z1 + t * (z2 - z1)  # the two forms of the mix combined


def _row_weights(z1, z2, out) -> torch.Tensor | None:
    """Each row of ``out`` as a * z1 + b * z2: the (steps, 2) weights, or None if a row is not such a mix."""
    basis = torch.stack([z1, z2], dim=1).double()  # (D, 2)
    if out.dim() != 2 or out.shape[1] != basis.shape[0] or torch.linalg.matrix_rank(basis) < 2:
        return None
    w = torch.linalg.lstsq(basis, out.double().T).solution.T  # (steps, 2)
    return w if torch.allclose(w @ basis.T, out.double(), rtol=1e-4, atol=1e-5) else None


def _off_the_segment(student, reference, cases) -> bool:
    """Every output row is a * z1 + b * z2 and some row has a + b != 1 or a weight below 0: the point is off the
    segment from z1 to z2 (not a linear mix). z1 + t z2 and the spherical path are left to their own entries."""
    by_name, off = {c.name: c for c in cases}, False
    for rec in student:
        case = by_name[rec["case"]]
        value = rec.get("value") if "raised" not in rec else None
        if not value or value.get("kind") != "tensor" or value.get("data") is None:
            return False
        z1, z2, steps = case.args
        w = _row_weights(z1, z2, torch.tensor(value["data"], dtype=torch.float64))
        if w is None:
            return False
        for known in (_plus_z2, _slerp):
            if torch.allclose(w, _row_weights(z1, z2, known(z1.double(), z2.double(), w.shape[0])), atol=1e-4):
                return False
        off |= bool(((w.sum(1) - 1).abs() > 1e-4).any() or (w < -1e-4).any())
    return off


INTERP_MISTAKES = (
    Mistake(
        "interp_endpoint_missing",
        "an endpoint is missing",
        "The path should start exactly at z1 (t = 0) and end exactly at z2 (t = 1). torch.arange(steps) / steps stops short "
        "of 1; torch.linspace(0, 1, steps) includes both ends.",
        "s5-interpolation",
        variants=(
            _interp_with(lambda n: torch.arange(n) / n),
            _interp_with(lambda n: torch.arange(1, n + 1) / n),
            _interp_with(lambda n: torch.arange(1, n + 1) / (n + 1)),
        ),
    ),
    Mistake(
        "interp_plus_z2",
        "z1 + t * z2 instead of z1 + t * (z2 - z1)",
        "The path must end at z2: at t = 1, z1 + t * z2 is z1 + z2. Move along the difference, z1 + t * (z2 - z1), "
        "which is (1 - t) z1 + t z2.",
        "s5-interpolation",
        variants=(_plus_z2,),
    ),
    # igul222/improved_wgan_training#40 ((1 - alpha) * real + alpha * differences), Zardinality/WGAN-tensorflow#7
    # (train + alpha * (train - real_data)): mixes that leave the segment between the two points.
    Mistake(
        "interp_off_the_segment",
        "points that are not mixes (1 - t) z1 + t z2",
        "Each point of a linear interpolation is (1 - t) z1 + t z2: two weights that are at least 0 and add up to 1, "
        "so the point lies on the segment from z1 to z2. In yours, the weights of z1 and z2 do not add up to 1 or one is "
        "negative (e.g. (1 - t) z1 + t (z2 - z1), or a difference taken the wrong way round), so the path leaves the segment.",
        "s5-interpolation",
        variants=(_weights_mixed_up,),
        predicate=_off_the_segment,
    ),
    Mistake(
        "interp_spherical",
        "a spherical path where the linear one is asked",
        "The exercise asks for linear interpolation, (1 - t) z1 + t z2 with t from 0 to 1; your points follow the great "
        "circle (slerp). Both are used (the book shows slerp for Gaussian latents), but they differ between the ends.",
        "s5-interpolation",
        variants=(_slerp,),
    ),
    Mistake(
        "interp_wrong_count",
        "another number of points than steps",
        "The path has exactly steps points, both ends included: torch.linspace(0, 1, steps). steps + 1 or steps - 1 "
        "points come from counting intervals instead of points.",
        "s5-interpolation",
        variants=(_interp_with(lambda n: torch.linspace(0, 1, n + 1)), _interp_with(lambda n: torch.linspace(0, 1, n - 1))),
    ),
    Mistake(
        "interp_reversed",
        "the path runs from z2 to z1",
        "Row t should be (1 - t) z1 + t z2, so the first row is z1; your weights are swapped.",
        "s5-interpolation",
        variants=(_interp_with(lambda n: torch.linspace(1, 0, n)),),
    ),
    Mistake(
        "interp_transposed",
        "steps and latent dimensions are swapped",
        "Return shape (steps, D): one latent per row, ready for the decoder. Yours is (D, steps).",
        "s5-interpolation",
        variants=(_interp_with(lambda n: torch.linspace(0, 1, n), transpose=True),),
    ),
)

# --- mistakes only the practice variants meet (vaecourse.practice.skills_evaluation) ----------------

PRACTICE_MISTAKES = (
    Mistake(
        "iwae_bound_and_elbo_swapped",
        "the IWAE bound and the ELBO estimate swapped",
        "L_K = log((1/K) sum_k w_k), the log of a mean, is the larger of the two (Jensen); the mean of the "
        "log-weights, mean_k log w_k, is the K-sample ELBO estimate.",
        _IWAE,
        behaviour="the pair (mean_k log w_k, L_K) where (L_K, mean_k log w_k) is asked",
    ),
)

EXERCISES = (
    FunctionExercise(
        id="iwae_bound",
        session="s5",
        title="the importance-weighted (IWAE) bound",
        section=_IWAE,
        reference=_iwae_bound,
        make_cases=_iwae_cases,
        params=("log_weights",),
        returns="a tensor of shape (B,)",
        axes=("batch", "sample"),
        differentiable=(0,),
        mistakes=IWAE_MISTAKES,
        hints=(
            "L_K = log((1/K) sum_k exp(log_w_k)); the samples are in the last dimension.",
            "exp(1000) overflows: torch.logsumexp computes log sum exp stably, and the average needs the 1/K too.",
        ),
    ),
    FunctionExercise(
        id="interpolate_latents",
        session="s5",
        title="linear interpolation between two latents",
        section="s5-interpolation",
        reference=_interpolate_reference,
        make_cases=_interp_cases,
        params=("z1", "z2", "steps"),
        returns="a tensor of shape (steps, D)",
        mistakes=INTERP_MISTAKES,
        hints=("Make t = torch.linspace(0, 1, steps) a column of shape (steps, 1) and let broadcasting do the rest.",),
    ),
    ValueExercise(
        id="report_elbo_value",
        session="s5",
        title="the number to report for a beta-VAE",
        section="s5-evaluation",
        expected=lambda: -85.0 - 12.5,
        mistakes=(
            # the same mistakes as the bound exercise's, on this exercise's numbers (recon -85, KL 12.5, beta 4)
            _evaluation_mistake("eval_bound_includes_beta").on(-85.0, 12.5, 4.0),
            RECONSTRUCTION_ONLY.made_by(lambda: -85.0),
            _evaluation_mistake("kl_added").on(-85.0, 12.5, 4.0),
        ),
        hints=("The ELBO is a property of the model and q, not of how it was trained: which beta does it have?",),
    ),
    ChoiceExercise(
        id="anomaly_score_choice",
        session="s5",
        title="which score flags anomalies",
        section="s5-anomaly-detection",
        options={
            "a": "The ELBO of the image: anomalies get a high ELBO.",
            "b": "Minus the ELBO, -ELBO(x), an upper bound on -log p(x): anomalies get a high score.",
            "c": "The KL term alone: anomalies get a high KL.",
            "d": "The reconstruction term log p(x|z) alone: anomalies get a high value.",
        },
        correct=frozenset("b"),
        mistakes=(
            Mistake(
                "anomaly_high_elbo",
                "a high ELBO taken as anomalous",
                "A high ELBO means the model finds the image likely: typical, not anomalous.",
                "s5-anomaly-detection",
                choices=frozenset("a"),
            ),
            Mistake(
                "anomaly_kl_only",
                "the KL alone as the score",
                "The KL ignores how well x is explained; an image can be encoded close to the prior and still be reconstructed badly.",
                "s5-anomaly-detection",
                choices=frozenset("c"),
            ),
            Mistake(
                "anomaly_high_reconstruction",
                "a high reconstruction log-likelihood taken as anomalous",
                "A high log p(x|z) means x is reconstructed well: typical. Anomalies have low likelihood.",
                "s5-anomaly-detection",
                choices=frozenset("d"),
            ),
        ),
        hints=("Anomalies are images the model finds unlikely. Which quantity bounds log p(x)?",),
    ),
    ChoiceExercise(
        id="conditional_vae_choice",
        session="s5",
        title="where the label enters a conditional VAE",
        section="s5-conditional-vae",
        options={
            "a": "The encoder q(z|x, y) and the decoder p(x|z, y) both receive the label y.",
            "b": "Only the encoder receives y; the decoder stays p(x|z).",
            "c": "Neither: to generate a chosen digit, pick z near that digit's cluster in an ordinary VAE's latent space.",
        },
        correct=frozenset("a"),
        mistakes=(
            Mistake(
                "cvae_encoder_only",
                "the label only in the encoder",
                "To generate a chosen digit from a prior sample, the decoder must be told y: p(x|z, y).",
                "s5-conditional-vae",
                choices=frozenset("b"),
            ),
            Mistake(
                "cvae_no_conditioning",
                "conditioning by choosing z",
                "Picking z by cluster is a heuristic on an unconditional model; a conditional VAE models p(x|y) by feeding y to encoder and decoder.",
                "s5-conditional-vae",
                choices=frozenset("c"),
            ),
        ),
        hints=("At generation time there is no x, only z from the prior and the label you choose.",),
    ),
)
